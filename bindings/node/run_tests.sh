#!/usr/bin/env bash
# run_tests.sh — the Node binding's test suite (make test calls it).
#
#   bash bindings/node/run_tests.sh [node --test args...]
#
# 1. npm install in bindings/node (koffi from the npm registry; typescript
#    and @types/node as devDependencies);
# 2. builds build/libvoip.so.0 if missing (make lib) and bundles it into the
#    package (scripts/copy-lib.sh);
# 3. type-checks test/types/*.ts against index.d.ts (tsc --noEmit);
# 4. node --test test/*.test.js, one file at a time, with timeouts.
#
# Environment: VOIP_ECHO / VOIP_DIAL (the C examples; default
# build/cmake/bin/voip-{echo,dial}, built with make when missing),
# NODE_SKIP_KAMAILIO=1 leaves out test/kamailio.test.js, VOIP_NODE_TEST_TIMEOUT
# (seconds for the whole node --test run, default 900).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$here"

say() { echo "node-binding: $*"; }

command -v node >/dev/null || { say "node is not installed (Node 18 or newer is needed)"; exit 1; }
command -v npm >/dev/null || { say "npm is not installed"; exit 1; }
major=$(node -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 18 ] || { say "Node $(node --version) is too old: 18 or newer is needed"; exit 1; }
say "node $(node --version), npm $(npm --version 2>/dev/null)"

# 1. dependencies
if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund </dev/null || npm install --no-audit --no-fund </dev/null
else
  npm install --no-audit --no-fund </dev/null
fi

# 2. the library, bundled into the package
if [ -z "${VOIP_LIBRARY:-}" ]; then
  if [ ! -f "$root/build/libvoip.so.0" ]; then
    say "build/libvoip.so.0 missing: make lib"
    make -C "$root" --no-print-directory lib </dev/null
  fi
  sh scripts/copy-lib.sh
fi

# The C examples the interop tests use.
if [ -z "${VOIP_ECHO:-}" ] && [ ! -x "$root/build/cmake/bin/voip-echo" ]; then
  say "voip-echo not built: make"
  make -C "$root" --no-print-directory all </dev/null || say "make failed: the voip-echo/voip-dial tests will be skipped"
fi

# 3. TypeScript
if [ -x node_modules/.bin/tsc ]; then
  say "tsc --noEmit -p test/types"
  node_modules/.bin/tsc --noEmit -p test/types
else
  say "typescript could not be installed: skipping the type check"
fi

# 4. the tests
files=()
for f in test/*.test.js; do
  if [ "${NODE_SKIP_KAMAILIO:-0}" = 1 ] && [ "$f" = test/kamailio.test.js ]; then continue; fi
  files+=("$f")
done
flags=()
if node --help | grep -q -- --test-concurrency; then flags+=(--test-concurrency=1); fi
if node --help | grep -q -- --test-timeout; then flags+=(--test-timeout=180000); fi
say "node --test ${flags[*]} ${files[*]}"
exec timeout --kill-after=10 "${VOIP_NODE_TEST_TIMEOUT:-900}" node --test "${flags[@]}" "$@" "${files[@]}" </dev/null

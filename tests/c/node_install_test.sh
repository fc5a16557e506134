#!/bin/sh
# node_install_test.sh SOURCE_DIR LIBRARY WORK_DIR
#
# The Node package installed as its README says, from fresh directories as a
# user would (issue 17), with the npm of this machine:
#   1. `npm install <folder>`: npm links the folder and installs none of its
#      dependencies; the package's install script must bring koffi, and a
#      later `npm install -D typescript` in the project must keep it;
#   2. `npm pack` then `npm install <tarball>`, and `npm install -D
#      typescript` after it.
# Each time require('libvoip') must load koffi and the bundled library.
# The package is copied without node_modules (a fresh checkout has none).
# Exit 77 (skipped) without node and npm.
set -u
src=$1 lib=$2 work=$3
fail() { echo "FAIL node_install: $*" >&2; exit 1; }
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || { echo "node or npm missing: skipped"; exit 77; }
echo "npm $(npm --version), node $(node --version)"
rm -rf "$work"
mkdir -p "$work/pkg"
(cd "$src/bindings/node" && tar cf - --exclude=./node_modules --exclude=./lib .) | tar xf - -C "$work/pkg" \
  || fail "cannot copy the package"
sh "$work/pkg/scripts/copy-lib.sh" "$lib" >/dev/null || fail "copy-lib.sh failed"
unset VOIP_LIBRARY

check_require() { # DIR WHAT
  (cd "$1" && node -e "const v = require('libvoip'); console.log('libvoip', v.version(), 'from', v.libraryPath())") \
    >"$work/require.out" 2>&1 || { cat "$work/require.out" >&2; fail "$2: require('libvoip') failed"; }
  grep -q "from .*/lib/libvoip.so.0" "$work/require.out" || fail "$2: $(cat "$work/require.out")"
  echo "  $2: $(cat "$work/require.out")"
}

new_app() { # DIR
  mkdir -p "$1" && (cd "$1" && npm init -y >/dev/null) || fail "npm init in $1"
}

npmi() { # DIR ARGS...
  d=$1
  shift
  (cd "$d" && npm install --no-audit --no-fund "$@") >"$work/npm.log" 2>&1 </dev/null \
    || { cat "$work/npm.log" >&2; fail "npm install $* in $d"; }
}

echo "== npm install <folder>"
new_app "$work/app-folder"
npmi "$work/app-folder" "$work/pkg"
[ -L "$work/app-folder/node_modules/libvoip" ] && echo "  (npm made a link to the folder)"
check_require "$work/app-folder" "folder install"
npmi "$work/app-folder" -D typescript
check_require "$work/app-folder" "after npm install -D typescript"

echo "== npm pack, npm install <tarball>"
(cd "$work/pkg" && npm pack --silent --pack-destination "$work") >"$work/pack.out" 2>"$work/pack.err" \
  || { cat "$work/pack.err" >&2; fail "npm pack"; }
tgz=$work/$(tail -n 1 "$work/pack.out")
[ -f "$tgz" ] || fail "no tarball ($(cat "$work/pack.out"))"
tar tzf "$tgz" | grep -q 'package/scripts/ensure-koffi.js' || fail "the tarball lacks scripts/ensure-koffi.js"
new_app "$work/app-tgz"
npmi "$work/app-tgz" "$tgz"
check_require "$work/app-tgz" "tarball install"
npmi "$work/app-tgz" -D typescript
check_require "$work/app-tgz" "after npm install -D typescript"
echo "PASS node_install"

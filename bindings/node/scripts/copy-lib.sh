#!/bin/sh
# copy-lib.sh [LIBRARY]: bundle libvoip.so.0 into the npm package (lib/), so
# that `npm install ./bindings/node` and require('libvoip') find it without
# VOIP_LIBRARY.  Default source: ../../build/libvoip.so.0 (made by `make lib`).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
src=${1:-${VOIP_LIBRARY:-$here/../../build/libvoip.so.0}}
if [ ! -f "$src" ]; then
  echo "copy-lib.sh: $src not found: build it first (make lib in the repository root)" >&2
  exit 1
fi
mkdir -p "$here/lib"
# Copy to a temporary name, then rename: a process that has the old copy
# mapped keeps it intact.
cp "$src" "$here/lib/.libvoip.so.0.tmp.$$"
mv -f "$here/lib/.libvoip.so.0.tmp.$$" "$here/lib/libvoip.so.0"
echo "copy-lib.sh: $src -> $here/lib/libvoip.so.0"

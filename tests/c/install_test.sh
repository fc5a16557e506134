#!/bin/sh
# install_test.sh CMAKE_BUILD_DIR SOURCE_DIR WORK_DIR
#
# Installs libvoip from CMAKE_BUILD_DIR into WORK_DIR/prefix, checks the
# installed files, then builds and runs a tiny C program against the
# INSTALLED copy twice: with `pkg-config --cflags --libs voip`, and as a
# CMake project using find_package(voip).
set -eu
build=$1 src=$2 work=$3
prefix=$work/prefix
fail() { echo "FAIL install: $*" >&2; exit 1; }

rm -rf "$work"
mkdir -p "$work"
cmake --install "$build" --prefix "$prefix" >"$work/install.log" 2>&1 \
  || { cat "$work/install.log" >&2; fail "cmake --install failed"; }

echo "== installed files"
for f in lib/libvoip.so.0 include/voip.h lib/pkgconfig/voip.pc \
         lib/cmake/voip/voipConfig.cmake lib/cmake/voip/voipConfigVersion.cmake \
         bin/voip-echo bin/voip-dial; do
  [ -f "$prefix/$f" ] || fail "missing $prefix/$f"
  echo "  $f"
done
[ -L "$prefix/lib/libvoip.so" ] || fail "lib/libvoip.so is not a symlink"
[ "$(readlink "$prefix/lib/libvoip.so")" = libvoip.so.0 ] || fail "lib/libvoip.so -> $(readlink "$prefix/lib/libvoip.so")"
if command -v readelf >/dev/null 2>&1; then
  readelf -d "$prefix/lib/libvoip.so.0" | grep -q 'SONAME.*\[libvoip\.so\.0\]' || fail "SONAME of libvoip.so.0 is not libvoip.so.0"
fi
for h in "$prefix"/include/*; do
  [ "$(basename "$h")" = voip.h ] || fail "unexpected header installed: $h"
done

echo "== pkg-config"
command -v pkg-config >/dev/null 2>&1 || fail "pkg-config not found"
PKG_CONFIG_PATH=$prefix/lib/pkgconfig
export PKG_CONFIG_PATH
version=$(pkg-config --modversion voip) || fail "pkg-config cannot find voip"
cflags=$(pkg-config --cflags voip)
libs=$(pkg-config --libs voip)
echo "  version $version, cflags '$cflags', libs '$libs'"
${CC:-cc} -std=c99 -Wall -Wextra -Werror $cflags "$src/tests/c/install_smoke.c" -o "$work/smoke" $libs \
  || fail "compiling against the installed copy with pkg-config failed"
LD_LIBRARY_PATH=$prefix/lib "$work/smoke" || fail "smoke program failed"
LD_LIBRARY_PATH=$prefix/lib ldd "$work/smoke" | grep -F "$prefix/lib/libvoip.so.0" >/dev/null \
  || fail "smoke program does not load the installed libvoip.so.0"

echo "== find_package(voip)"
cmake -S "$src/tests/c/install_consumer" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$prefix" \
      >"$work/consumer.log" 2>&1 || { cat "$work/consumer.log" >&2; fail "configuring the consumer failed"; }
cmake --build "$work/consumer" >>"$work/consumer.log" 2>&1 || { cat "$work/consumer.log" >&2; fail "building the consumer failed"; }
"$work/consumer/consumer" || fail "consumer (run path from CMake) failed"

echo "== installed examples start (run path \$ORIGIN/../lib)"
env -u LD_LIBRARY_PATH "$prefix/bin/voip-dial" --help >/dev/null || fail "installed voip-dial --help failed"
env -u LD_LIBRARY_PATH "$prefix/bin/voip-echo" --help >/dev/null || fail "installed voip-echo --help failed"

# issue 17: the voip command-line softphone is installed and runs
echo "== installed voip (cmd/voip)"
[ -x "$prefix/bin/voip" ] || fail "missing $prefix/bin/voip"
"$prefix/bin/voip" -h | grep -q 'voip call' || fail "installed voip -h failed"

echo "PASS install"

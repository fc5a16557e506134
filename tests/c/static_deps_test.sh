#!/bin/sh
# libvoip.so needs no shared library beyond glibc's (libc, libm, the dynamic
# loader): libopus is linked in statically from Debian's libopus.a
# (rtp/codec_opus.go), and none of its symbols is exported.
#   static_deps_test.sh <libvoip.so.0>
set -eu
lib=$1
needed=$(readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ')
echo "NEEDED: $needed"
for n in $needed; do
    case $n in
    libc.so.6 | libm.so.6 | ld-linux-*.so.* | libpthread.so.0 | libdl.so.2) ;;
    *) echo "FAIL: $lib needs $n (only glibc's libraries are allowed)"; exit 1 ;;
    esac
done
if ldd "$lib" | grep -q opus; then
    echo "FAIL: ldd $lib shows a libopus: $(ldd "$lib" | grep opus)"; exit 1
fi
if nm -D --defined-only "$lib" | grep -q ' opus_'; then
    echo "FAIL: $lib exports libopus symbols"; exit 1
fi
if ! grep -aq 'libopus 1\.' "$lib"; then
    echo "FAIL: no libopus version string in $lib: Opus is not linked in"; exit 1
fi
echo "PASS: only glibc's shared libraries; libopus linked in statically"

#!/bin/sh
# The library exports exactly the functions voip.h declares: no cgo glue,
# no voip__ bridge, no Go runtime (capi/libvoip.map).
#   symbols_test.sh <libvoip.so.0> <voip.h>
set -eu
lib=$1 header=$2
tmp=${TMPDIR:-/tmp}/voip_symbols.$$
trap 'rm -f "$tmp".*' EXIT
nm -D --defined-only "$lib" | awk '$2 ~ /^[TtDdBbRrVvWwiu]$/ {print $3}' | sed 's/@.*//' | sort -u > "$tmp.exported"
sed -n 's/^VOIP_API [a-z_ 0-9]*[ *]\(voip_[a-z_0-9]*\)(.*/\1/p' "$header" | sort -u > "$tmp.declared"
n=$(wc -l < "$tmp.declared")
if [ "$n" -lt 30 ]; then
    echo "FAIL: only $n declarations found in $header"; exit 1
fi
if ! diff -u "$tmp.declared" "$tmp.exported"; then
    echo "FAIL: nm -D $lib differs from the VOIP_API declarations of $header (- declared, + exported)"
    exit 1
fi
echo "PASS: $n symbols, all public voip_* and all declared"

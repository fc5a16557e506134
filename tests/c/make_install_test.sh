#!/bin/sh
# make_install_test.sh SOURCE_DIR WORK_DIR
#
# Installs as the README says, from a fresh directory (issue 17):
# `make install PREFIX=WORK_DIR/prefix`, then the README's C example (the
# first ```c block of "The C API at a glance"), extracted and built with
# `pkg-config --cflags --libs voip`, runs WITHOUT LD_LIBRARY_PATH (voip.pc's
# rpath) against the installed voip-echo: exit 0, "call ended: local
# hangup", and voip-echo received all of 123#; against a closed port it
# exits 2 with the reason.
set -u
src=$1 work=$2
prefix=$work/prefix
fail() {
  echo "FAIL make_install: $*" >&2
  for f in install.log app.out app.err echo.out echo.err; do
    [ -f "$work/$f" ] && { echo "--- $f" >&2; tail -n 30 "$work/$f" >&2; }
  done
  [ -n "${pid:-}" ] && kill -KILL "$pid" 2>/dev/null
  exit 1
}
rm -rf "$work"
mkdir -p "$work"
cd "$work" || exit 1

echo "== make install PREFIX=$prefix"
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$src" --no-print-directory install PREFIX="$prefix" \
  >"$work/install.log" 2>&1 </dev/null || fail "make install failed"
grep -q "LD_LIBRARY_PATH=$prefix/lib" "$work/install.log" || fail "make install does not print the LD_LIBRARY_PATH step"
grep -q "ldconfig" "$work/install.log" || fail "make install does not print the ldconfig step"

echo "== the README's C example, built with pkg-config"
awk '/^## The C API at a glance/ { on = 1 } on && /^```c$/ { code = 1; next } code && /^```$/ { exit } code { print }' \
  "$src/README.md" >"$work/app.c"
grep -q 'voip_call_send_dtmf' "$work/app.c" || fail "no C example found in README.md"
PKG_CONFIG_PATH=$prefix/lib/pkgconfig
export PKG_CONFIG_PATH
libs=$(pkg-config --libs voip) || fail "pkg-config cannot find voip"
echo "  libs: $libs"
# shellcheck disable=SC2046
${CC:-cc} -std=c11 -Wall -Wextra -Werror -o "$work/app" "$work/app.c" $(pkg-config --cflags --libs voip) \
  >"$work/cc.log" 2>&1 || { cat "$work/cc.log" >&2; fail "the README's example does not compile"; }
unset LD_LIBRARY_PATH

env -u LD_LIBRARY_PATH "$prefix/bin/voip-echo" --bind 127.0.0.1:0 --rtp-ports 29300-29349 --user echo \
  >"$work/echo.out" 2>"$work/echo.err" </dev/null &
pid=$!
uri=
for i in $(seq 1 50); do
  uri=$(sed -n 's/^voip-echo: listening on //p' "$work/echo.err")
  [ -n "$uri" ] && break
  sleep 0.1
done
[ -n "$uri" ] || fail "voip-echo did not start"

echo "== run it (no LD_LIBRARY_PATH) against $uri"
"$work/app" "$uri" >"$work/app.out" 2>"$work/app.err" </dev/null
rc=$?
cat "$work/app.out"
[ $rc -eq 0 ] || fail "the example exited $rc"
grep -qx 'call ended: local hangup' "$work/app.out" || fail "no 'call ended: local hangup'"
for i in $(seq 1 30); do
  grep -q '^CALL 1 ENDED' "$work/echo.out" && break
  sleep 0.1
done
digits=$(sed -n 's/^DTMF 1 //p' "$work/echo.out" | tr -d '\n')
[ "$digits" = '123#' ] || fail "voip-echo got digits '$digits', want all of '123#'"
kill -TERM "$pid"
wait "$pid"
pid=

echo "== against a closed port: exit 2 with the reason"
"$work/app" sip:nobody@127.0.0.1:9 >"$work/app.out" 2>"$work/app.err" </dev/null
rc=$?
cat "$work/app.out"
[ $rc -eq 2 ] || fail "exit $rc, want 2"
grep -qx 'call ended: port unreachable: 127.0.0.1:9 (ICMP)' "$work/app.out" || fail "no end reason"
echo "PASS make_install"

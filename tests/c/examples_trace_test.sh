#!/bin/sh
# examples_trace_test.sh VOIP_ECHO VOIP_DIAL WORK_DIR
#
# Debugging the examples (issue 17): voip-echo --trace and voip-dial --trace
# --verbose print every SIP message with its direction, transport and
# addresses to stderr (stdout's event lines unchanged); VOIP_LOG=sip traces
# without the flag; --help mentions both flags.
set -u
echo_bin=$1 dial_bin=$2 work=$3
fail() {
  echo "FAIL examples_trace: $*" >&2
  for f in echo.out echo.err dial.out dial.err env.err; do
    [ -f "$work/$f" ] && { echo "--- $f" >&2; cat "$work/$f" >&2; }
  done
  [ -n "${pid:-}" ] && kill -KILL "$pid" 2>/dev/null
  exit 1
}
rm -rf "$work"
mkdir -p "$work"

"$echo_bin" --bind 127.0.0.1:0 --rtp-ports 29200-29249 --user echo --trace \
  >"$work/echo.out" 2>"$work/echo.err" </dev/null &
pid=$!
uri=
for i in $(seq 1 50); do
  uri=$(sed -n 's/^voip-echo: listening on //p' "$work/echo.err")
  [ -n "$uri" ] && break
  kill -0 "$pid" 2>/dev/null || fail "voip-echo exited early"
  sleep 0.1
done
[ -n "$uri" ] || fail "voip-echo did not say where it listens"
port=${uri##*:}

"$dial_bin" "$uri" --bind 127.0.0.1:0 --rtp-ports 29250-29299 --seconds 1 --trace --verbose \
  >"$work/dial.out" 2>"$work/dial.err" </dev/null
rc=$?
[ $rc -eq 0 ] || fail "voip-dial --trace exited $rc"
grep -q '^SIP' "$work/dial.out" && fail "the trace went to stdout"
grep -qx 'CALL 1 ANSWERED' "$work/dial.out" || fail "voip-dial --trace: no 'CALL 1 ANSWERED'"
grep -Eq "^voip-dial: INFO SIP sent UDP 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:$port \([0-9]+ bytes\)$" "$work/dial.err" ||
  fail "voip-dial --trace: no 'SIP sent UDP ... -> 127.0.0.1:$port' line"
grep -Eq '^INVITE sip:echo@127\.0\.0\.1' "$work/dial.err" || fail "voip-dial --trace: the INVITE is not printed"
grep -q '^voip-dial: INFO SIP received UDP ' "$work/dial.err" || fail "voip-dial --trace: nothing received traced"
grep -q '^SIP/2.0 200 OK' "$work/dial.err" || fail "voip-dial --trace: the 200 OK is not printed"
grep -q '^voip-dial: INFO phone started' "$work/dial.err" || fail "voip-dial --verbose: no log lines"

for i in $(seq 1 30); do
  grep -q '^BYE ' "$work/echo.err" && break
  sleep 0.1
done
grep -Eq "^voip-echo: INFO SIP received UDP 127\.0\.0\.1:$port <- 127\.0\.0\.1:[0-9]+ " "$work/echo.err" ||
  fail "voip-echo --trace: no 'SIP received UDP 127.0.0.1:$port <- ...' line"
grep -q '^BYE sip:' "$work/echo.err" || fail "voip-echo --trace: the BYE is not printed"

echo "== VOIP_LOG=sip traces without --trace"
VOIP_LOG=sip "$dial_bin" "$uri" --bind 127.0.0.1:0 --rtp-ports 29250-29299 --seconds 1 \
  >"$work/env.out" 2>"$work/env.err" </dev/null
rc=$?
[ $rc -eq 0 ] || fail "VOIP_LOG=sip voip-dial exited $rc"
grep -Eq "libvoip INFO SIP sent UDP 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:$port " "$work/env.err" ||
  fail "VOIP_LOG=sip: no 'SIP sent' line on stderr"

for bin in "$echo_bin" "$dial_bin"; do
  "$bin" --help >"$work/help.out" 2>&1 </dev/null || fail "$bin --help failed"
  for flag in --trace --verbose; do
    grep -q -- "$flag" "$work/help.out" || fail "$bin --help does not mention '$flag'"
  done
done

kill -TERM "$pid"
wait "$pid"
pid=
echo "PASS examples_trace"

#!/bin/sh
# examples_test.sh VOIP_ECHO VOIP_DIAL BUSY_PHONE WORK_DIR
#
# voip-echo and voip-dial on 127.0.0.1: a call with a 440 Hz tone and the
# digits 123#, checked through their event lines, the AUDIO summary, the WAV
# file and exit codes; then voip-dial's error exits (bad URI: 4, no answer: 3,
# rejected: 2, against busy_phone which answers 486).
set -u
echo_bin=$1 dial_bin=$2 busy_bin=$3 work=$4
fail() {
  echo "FAIL examples: $*" >&2
  for f in echo.out echo.err dial.out dial.err; do
    [ -f "$work/$f" ] && { echo "--- $f" >&2; cat "$work/$f" >&2; }
  done
  [ -n "${pid:-}" ] && kill -KILL "$pid" 2>/dev/null
  exit 1
}
rm -rf "$work"
mkdir -p "$work"

"$echo_bin" --bind 127.0.0.1:0 --rtp-ports 29000-29099 --user echo \
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
echo "voip-echo listens on $uri"

"$dial_bin" "$uri" --bind 127.0.0.1:0 --rtp-ports 29100-29199 --seconds 3 \
  --tone 440 --dtmf '123#' --record "$work/rx.wav" >"$work/dial.out" 2>"$work/dial.err" </dev/null
rc=$?
[ $rc -eq 0 ] || fail "voip-dial exited $rc"
cat "$work/dial.out"
[ "$(head -n 1 "$work/dial.out")" = "CALL 1 DIALING" ] || fail "first line of voip-dial is not 'CALL 1 DIALING'"
grep -qx 'CALL 1 ANSWERED' "$work/dial.out" || fail "voip-dial: no 'CALL 1 ANSWERED'"
grep -q '^CALL 1 ENDED .' "$work/dial.out" || fail "voip-dial: no 'CALL 1 ENDED <reason>'"
audio=$(sed -n 's/^AUDIO //p' "$work/dial.out")
[ -n "$audio" ] || fail "voip-dial printed no AUDIO line"
set -- $audio
[ "$1" -ge 430 ] && [ "$1" -le 450 ] || fail "echoed audio at $1 Hz, want 440 +-10"
[ "$2" -ge 2000 ] || fail "echoed audio rms $2, want >= 2000"
size=$(wc -c <"$work/rx.wav")
[ "$size" -ge $((44 + 2 * 8000 * 2)) ] || fail "rx.wav is only $size bytes"

for i in $(seq 1 30); do
  grep -q '^CALL 1 ENDED' "$work/echo.out" && break
  sleep 0.1
done
cat "$work/echo.out"
grep -qx 'CALL 1 RINGING' "$work/echo.out" || fail "voip-echo: no 'CALL 1 RINGING'"
grep -qx 'CALL 1 ANSWERED' "$work/echo.out" || fail "voip-echo: no 'CALL 1 ANSWERED'"
digits=$(sed -n 's/^DTMF 1 //p' "$work/echo.out" | tr -d '\n')
[ "$digits" = '123#' ] || fail "voip-echo got digits '$digits', want '123#'"
grep -q '^CALL 1 ENDED .' "$work/echo.out" || fail "voip-echo: no 'CALL 1 ENDED <reason>'"

echo "== error exits"
"$dial_bin" "not a uri" --bind 127.0.0.1:0 >"$work/bad.out" 2>"$work/bad.err" </dev/null
rc=$?
[ $rc -eq 4 ] || fail "bad URI: exit $rc, want 4 ($(cat "$work/bad.err"))"
grep -q '^voip-dial: bad URI' "$work/bad.err" || fail "bad URI message: $(cat "$work/bad.err")"
"$dial_bin" sip:nobody@127.0.0.1:9 --bind 127.0.0.1:0 --rtp-ports 29100-29199 --timeout 2 \
  >"$work/noans.out" 2>"$work/noans.err" </dev/null
rc=$?
[ $rc -eq 3 ] || fail "no answer: exit $rc, want 3 ($(cat "$work/noans.err"))"
grep -q '^voip-dial: no answer: ' "$work/noans.err" || fail "no answer message: $(cat "$work/noans.err")"
"$busy_bin" 20 >"$work/busy.out" 2>"$work/busy.err" </dev/null &
busy_pid=$!
busy_port=
for i in $(seq 1 50); do
  busy_port=$(sed -n 's/^PORT //p' "$work/busy.out")
  [ -n "$busy_port" ] && break
  sleep 0.1
done
[ -n "$busy_port" ] || fail "busy_phone did not start: $(cat "$work/busy.err")"
"$dial_bin" "sip:busy@127.0.0.1:$busy_port" --bind 127.0.0.1:0 --rtp-ports 29100-29199 \
  >"$work/busy-dial.out" 2>"$work/busy-dial.err" </dev/null
rc=$?
[ $rc -eq 2 ] || fail "rejected call: exit $rc, want 2 ($(cat "$work/busy-dial.err"))"
grep -q '^voip-dial: call rejected: 486' "$work/busy-dial.err" || fail "rejected message: $(cat "$work/busy-dial.err")"
cat "$work/bad.err" "$work/noans.err" "$work/busy-dial.err"

echo "== --register: a refused registration exits 5 with the registrar's reason"
# busy_phone is no registrar: it answers REGISTER with 405 Method Not Allowed.
# (Registration that works is proven against Kamailio: tests/interop/kamailio_*.sh.)
for prog in echo dial; do
  if [ $prog = echo ]; then bin=$echo_bin; set --; else bin=$dial_bin; set -- bob; fi
  "$bin" "$@" --bind 127.0.0.1:0 --rtp-ports 29100-29199 --register "sip:alice@127.0.0.1:$busy_port" \
    --password secret >"$work/reg-$prog.out" 2>"$work/reg-$prog.err" </dev/null
  rc=$?
  [ $rc -eq 5 ] || fail "voip-$prog --register refused: exit $rc, want 5 ($(cat "$work/reg-$prog.err"))"
  grep -q "^voip-$prog: registration of alice at 127.0.0.1:$busy_port failed: 405" "$work/reg-$prog.err" ||
    fail "voip-$prog --register refused: message $(cat "$work/reg-$prog.err")"
  grep -qx 'STATUS REGISTERING starting' "$work/reg-$prog.out" ||
    fail "voip-$prog --register: no 'STATUS REGISTERING starting' ($(cat "$work/reg-$prog.out"))"
  grep -q '^STATUS FAILED 405' "$work/reg-$prog.out" ||
    fail "voip-$prog --register: no 'STATUS FAILED 405 ...' ($(cat "$work/reg-$prog.out"))"
  grep -q '^CALL' "$work/reg-$prog.out" && fail "voip-$prog called although the registration failed"
  cat "$work/reg-$prog.err"
done
kill "$busy_pid" 2>/dev/null
wait "$busy_pid" 2>/dev/null

echo "== registration options: usage errors exit 1"
for args in "--password x" "--auth-user u" "--register alice" "--register sip:@127.0.0.1" \
            "--register sip:alice@127.0.0.1:99999" "--register sip:alice@" "--transport sctp" \
            "--option foo" "--option =1"; do
  # shellcheck disable=SC2086
  "$echo_bin" $args >"$work/use.out" 2>"$work/use.err" </dev/null
  rc=$?
  [ $rc -eq 1 ] || fail "voip-echo $args: exit $rc, want 1"
  grep -q '^voip-echo: .*(try --help)$' "$work/use.err" || fail "voip-echo $args: message $(cat "$work/use.err")"
  # shellcheck disable=SC2086
  "$dial_bin" bob $args >"$work/use.out" 2>"$work/use.err" </dev/null
  rc=$?
  [ $rc -eq 1 ] || fail "voip-dial bob $args: exit $rc, want 1"
done
for bin in "$echo_bin" "$dial_bin"; do
  "$bin" --help >"$work/help.out" 2>&1 </dev/null || fail "$bin --help failed"
  for flag in --register --password --auth-user --transport --ca --insecure --outbound-proxy "5 registration" \
              "--option KEY=VALUE"; do
    grep -q -- "$flag" "$work/help.out" || fail "$bin --help does not mention '$flag'"
  done
done

echo "== --option KEY=VALUE reaches voip_phone_set_option (its errors exit 1)"
for args in "--option nosuch_option=1|unknown option" "--option jitter_ms=7|out of range"; do
  want=${args#*|}; args=${args%%|*}
  # shellcheck disable=SC2086
  "$echo_bin" --bind 127.0.0.1:0 $args >"$work/opt.out" 2>"$work/opt.err" </dev/null
  rc=$?
  [ $rc -eq 1 ] || fail "voip-echo $args: exit $rc, want 1"
  grep -q "^voip-echo: option .*$want" "$work/opt.err" || fail "voip-echo $args: message $(cat "$work/opt.err")"
  # shellcheck disable=SC2086
  "$dial_bin" sip:x@127.0.0.1:9 $args >"$work/opt.out" 2>"$work/opt.err" </dev/null
  rc=$?
  [ $rc -eq 1 ] || fail "voip-dial $args: exit $rc, want 1"
  grep -q "^voip-dial: option .*$want" "$work/opt.err" || fail "voip-dial $args: message $(cat "$work/opt.err")"
done

echo "== voip-echo stops on SIGTERM"
kill -TERM "$pid"
for i in $(seq 1 100); do
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
kill -0 "$pid" 2>/dev/null && fail "voip-echo still runs 10 s after SIGTERM"
wait "$pid"
rc=$?
pid=
[ $rc -eq 0 ] || fail "voip-echo exited $rc after SIGTERM"
echo "PASS examples"

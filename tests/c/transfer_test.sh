#!/bin/sh
# transfer_test.sh VOIP_ECHO VOIP_DIAL WORK_DIR
#
# A blind transfer between the examples on 127.0.0.1: voip-dial calls a first
# voip-echo (E1) and, with --transfer, sends it to a second one (E2).  Passes
# when voip-dial exits 0 having printed TRANSFER 1 <E2> and CALL 1 ENDED
# transferred; E1 printed TRANSFER 1 <E2>, then CALL 2 DIALING ... CALL 2
# ANSWERED for its call to E2, and CALL 1 ENDED; E2 answered a call from E1.
set -u
echo_bin=$1 dial_bin=$2 work=$3
pids=
fail() {
  echo "FAIL transfer: $*" >&2
  for f in e1.out e1.err e2.out e2.err dial.out dial.err; do
    [ -f "$work/$f" ] && { echo "--- $f" >&2; cat "$work/$f" >&2; }
  done
  for p in $pids; do kill -KILL "$p" 2>/dev/null; done
  exit 1
}
rm -rf "$work"
mkdir -p "$work"

# start_echo NAME RTP-RANGE: a voip-echo on a free port; sets uri and pid.
start_echo() {
  "$echo_bin" --bind 127.0.0.1:0 --rtp-ports "$2" --user "$1" \
    >"$work/$1.out" 2>"$work/$1.err" </dev/null &
  pid=$!
  pids="$pids $pid"
  uri=
  for i in $(seq 1 50); do
    uri=$(sed -n 's/^voip-echo: listening on //p' "$work/$1.err")
    [ -n "$uri" ] && return 0
    kill -0 "$pid" 2>/dev/null || fail "$1 exited early"
    sleep 0.1
  done
  fail "$1 did not say where it listens"
}
start_echo e1 29200-29249; e1=$uri e1pid=$pid
start_echo e2 29250-29299; e2=$uri e2pid=$pid

"$dial_bin" "$e1" --bind 127.0.0.1:0 --rtp-ports 29300-29349 --seconds 4 \
  --tone 440 --transfer "$e2" >"$work/dial.out" 2>"$work/dial.err" </dev/null
rc=$?
[ $rc -eq 0 ] || fail "voip-dial exited $rc"
grep -qx "TRANSFER 1 $e2" "$work/dial.out" || fail "voip-dial: no 'TRANSFER 1 $e2'"
grep -Eqx 'CALL 1 ENDED (transferred|remote hangup)' "$work/dial.out" || fail "voip-dial: no 'CALL 1 ENDED transferred' (or remote hangup: E1 may hang up first)"

for i in $(seq 1 50); do
  grep -qx 'CALL 2 ANSWERED' "$work/e1.out" && grep -q '^CALL 1 ENDED' "$work/e1.out" && break
  sleep 0.1
done
grep -qx "TRANSFER 1 $e2" "$work/e1.out" || fail "E1: no 'TRANSFER 1 $e2'"
grep -qx 'CALL 2 DIALING' "$work/e1.out" || fail "E1: no 'CALL 2 DIALING'"
grep -qx 'CALL 2 ANSWERED' "$work/e1.out" || fail "E1: no 'CALL 2 ANSWERED'"
grep -q '^CALL 1 ENDED .' "$work/e1.out" || fail "E1: no 'CALL 1 ENDED <reason>'"
t=$(grep -n "^TRANSFER 1 " "$work/e1.out" | cut -d: -f1)
d=$(grep -n "^CALL 2 DIALING" "$work/e1.out" | cut -d: -f1)
[ "$t" -lt "$d" ] || fail "E1: TRANSFER is not printed before CALL 2's lines"
grep -qx 'CALL 1 ANSWERED' "$work/e2.out" || fail "E2: no 'CALL 1 ANSWERED'"

kill -TERM "$e1pid" "$e2pid"
wait "$e1pid"; r1=$?
wait "$e2pid"; r2=$?
[ $r1 -eq 0 ] && [ $r2 -eq 0 ] || fail "voip-echo exits $r1 $r2 on SIGTERM, want 0"
grep -q '^CALL 2 ENDED .' "$work/e1.out" || fail "E1: no 'CALL 2 ENDED <reason>'"
grep -q '^CALL 1 ENDED .' "$work/e2.out" || fail "E2: no 'CALL 1 ENDED <reason>'"
cat "$work/dial.out" "$work/e1.out" "$work/e2.out"
echo "PASS transfer"

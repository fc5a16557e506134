#!/usr/bin/env bash
# invite_cancel_race.sh — CANCELs racing voip-echo's answer.
#
# tools/invite_cancel_race.py sends 60 INVITEs to voip-echo, each followed
# 0-4 ms later by its CANCEL, so that the CANCEL lands before, during and
# after the 200 OK. Passes when:
#   - every call voip-echo printed as RINGING also printed ENDED, once;
#   - voip-echo is still serving (it answers one more ordinary call round);
#   - on SIGTERM it exits 0 within 5 s (no call stuck, no crash).
# Ports (override with env): voip-echo SIP 5534, RTP 21400-21409.
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
interop_init invite_cancel_race
find_example voip-echo VOIP_ECHO

ECHO_SIP=${ECHO_SIP:-5534}; ECHO_RTP_LO=${ECHO_RTP_LO:-21400}; ECHO_RTP_HI=${ECHO_RTP_HI:-21409}
ROUNDS=${ROUNDS:-60}
need_free_ports "$ECHO_SIP"
show_on_fail "$RUN/voip-echo.out" "$RUN/voip-echo.err" "$RUN/race.out"

bg_start voip-echo "$VOIP_ECHO" --bind "127.0.0.1:$ECHO_SIP" --rtp-ports "$ECHO_RTP_LO-$ECHO_RTP_HI" --user bob
wait_udp "$ECHO_SIP" 10 || die "voip-echo did not start"
O=$RUN/voip-echo.out

log "race: $ROUNDS x (INVITE, CANCEL 0-4 ms later)"
timeout 60 "$PY" "$INTEROP_DIR/tools/invite_cancel_race.py" "$ECHO_SIP" "$ROUNDS" > "$RUN/race.out" 2>&1
check "the race script finished: $(tail -1 "$RUN/race.out")" grep -q "final responses" "$RUN/race.out"
log "one more round, to see voip-echo still serves"
timeout 20 "$PY" "$INTEROP_DIR/tools/invite_cancel_race.py" "$ECHO_SIP" 1 >> "$RUN/race.out" 2>&1
check "voip-echo answered after the race" grep -Eq "'(200|487)': 1" <(tail -1 "$RUN/race.out")

sleep 1
ringing=$(grep -c ' RINGING$' "$O")
missing=$(for n in $(awk '$1=="CALL" && $3=="RINGING" {print $2}' "$O"); do
  c=$(grep -c "^CALL $n ENDED" "$O"); [ "$c" = 1 ] || echo "$n($c)"; done | tr '\n' ' ')
check "every one of the $ringing calls ended exactly once (calls without one ENDED: ${missing:-none})" test -z "$missing"
check "calls were seen ($ringing >= $ROUNDS)" test "$ringing" -ge "$ROUNDS"

bg_stop voip-echo TERM 5
rc=$BG_RC
check "voip-echo exited 0 on SIGTERM (rc=$rc)" test "$rc" = 0
check "no crash in voip-echo's stderr" bash -c "! grep -Eq 'fatal error|panic|SIGSEGV' '$RUN/voip-echo.err'"
finish

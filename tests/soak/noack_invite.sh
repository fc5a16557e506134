#!/usr/bin/env bash
# noack_invite.sh — one INVITE, never ACKed, whose SDP names a third address.
#
# tools/noack.py sends one INVITE to voip-echo; its SDP names a UDP socket the
# tool owns (not the INVITE's source: the "third address" a forged INVITE
# would aim RTP at). It never ACKs the 200. Passes when:
#   - some RTP reaches the sink (the test is aimed right), but at most 60
#     packets in the 5 s after the INVITE, the last within 2 s: an incoming
#     call sends no RTP beyond ~1 s (50 frames) to an address that has not
#     confirmed the session by an ACK or RTP (rtp/confirm.go);
#   - voip-echo prints "CALL 1 ENDED no ACK" within 40 s of the INVITE
#     (Timer H, 32 s: every way a dialog dies ends the call, sip/dialog_end.go;
#     voip-echo runs with --option rtp_timeout_ms=0, else the RTP inactivity
#     timeout, 30 s by default, would end the call first);
#   - a BYE sent after that gets 481 (the dialog is gone), and voip-echo still
#     runs and exits 0 on SIGTERM.
# Fails without either protection: without confirmation RTP flows 50/s for
# the whole window (~250 packets); without the no-ACK end the call stays
# ANSWERED (no ENDED line, the BYE gets 200).
# Ports (env): voip-echo SIP 5600, RTP 22000-22009; sink 22090.
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
interop_init noack_invite
find_example voip-echo VOIP_ECHO

ECHO_SIP=${ECHO_SIP:-5600}; ECHO_RTP=${ECHO_RTP:-22000-22009}; SINK=${SINK:-22090}
need_free_ports "$ECHO_SIP" "$SINK"

# rtp_timeout_ms=0: the RTP inactivity timeout (default 30 s) would end the
# call first; this test is about the missing ACK.
bg_start voip-echo "$VOIP_ECHO" --bind "127.0.0.1:$ECHO_SIP" --rtp-ports "$ECHO_RTP" --user echo \
  --option rtp_timeout_ms=0
wait_udp "$ECHO_SIP" 10 || die "voip-echo did not start"
show_on_fail "$RUN/voip-echo.out" "$RUN/voip-echo.err" "$RUN/noack.out" "$RUN/noack.err"

t_invite=$SECONDS
bg_start noack "$PY" "$SOAK_TOOLS/noack.py" --target "127.0.0.1:$ECHO_SIP" --sink-port "$SINK" \
  --rtp-window 5 --duration 50 --bye-file "$RUN/bye.now"
wait_file_re "$RUN/noack.out" '^RTP count=' 10 || die "noack.py reported no RTP count"
read -r _ cnt first last < <(grep '^RTP count=' "$RUN/noack.out" | tr '=' ' ' | awk '{ print $1, $3, $5, $7 }')
log "RTP at the third address in 5 s: $cnt packets, first at ${first}s, last at ${last}s"
check "voip-echo answered the INVITE (200 OK seen)" grep -q '^SIP .* SIP/2.0 200' "$RUN/noack.out"
check "some RTP reached the address the SDP named ($cnt packets >= 1)" test "$cnt" -ge 1
check "at most 60 RTP packets in 5 s to the unconfirmed address ($cnt)" test "$cnt" -le 60
check "the RTP stopped within 2 s of the INVITE (last at ${last}s)" \
  awk -v l="$last" 'BEGIN { exit !(l <= 2.0) }'

if wait_file_re "$RUN/voip-echo.out" '^CALL 1 ENDED' $((40 - (SECONDS - t_invite))); then
  log "voip-echo ended the call $((SECONDS - t_invite)) s after the INVITE: $(grep '^CALL 1 ENDED' "$RUN/voip-echo.out")"
fi
check "voip-echo printed 'CALL 1 ENDED no ACK' within 40 s of the INVITE" \
  grep -q '^CALL 1 ENDED no ACK' "$RUN/voip-echo.out"
expect_once "$RUN/voip-echo.out" "CALL 1 ENDED no ACK"
touch "$RUN/bye.now"
bg_wait noack 10
code=$(sed -n 's/^BYE_ANSWER //p' "$RUN/noack.out")
check "a BYE after the end gets 481 (got ${code:-none})" test "${code:-}" = 481
total=$(sed -n 's/^RTP_TOTAL count=//p' "$RUN/noack.out")
log "RTP at the third address in the whole test: ${total:-?} packets"
check "no more RTP after the window (total ${total:-?} = $cnt)" test "${total:-x}" = "$cnt"

check "voip-echo still runs" bg_alive voip-echo
bg_stop voip-echo TERM 5
check "voip-echo exited 0 on SIGTERM (rc=$BG_RC)" test "$BG_RC" = 0
finish

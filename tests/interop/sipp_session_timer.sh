#!/usr/bin/env bash
# sipp_session_timer.sh — session timers (RFC 4028) with SIPp: 422 and Min-SE.
#
# SIPp (UAC, sipp/uac_session_timer.xml) calls voip-echo (min_se 90, the
# default) with Supported: timer and Session-Expires: 60: the scenario checks
# 422 Session Interval Too Small with Min-SE: 90, ACKs it, sends the INVITE
# again with Session-Expires: 90 (same Call-ID, CSeq 2) and checks the 200 OK
# carries Session-Expires: 90;refresher=uac, Require: timer and Supported:
# timer; then ACK and BYE.  Passes when SIPp exits 0 and voip-echo printed
# one call, answered and ended by the BYE (the 422 made no call).
# Ports (override with env): voip-echo SIP 5394, RTP 20460-20469; SIPp 5395
#   (media 20476).
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
interop_init sipp_session_timer
need_peer sipp
find_example voip-echo VOIP_ECHO

ECHO_SIP=${ECHO_SIP:-5394}; ECHO_RTP_LO=${ECHO_RTP_LO:-20460}; ECHO_RTP_HI=${ECHO_RTP_HI:-20469}
SIPP_SIP=${SIPP_SIP:-5395}; SIPP_MEDIA=${SIPP_MEDIA:-20476}
need_free_ports "$ECHO_SIP" "$SIPP_SIP" "$SIPP_MEDIA"

show_on_fail "$RUN/voip-echo.out" "$RUN/voip-echo.err" "$RUN/sipp.out" "$RUN/sipp_errors.log"
bg_start voip-echo "$VOIP_ECHO" --bind "127.0.0.1:$ECHO_SIP" --rtp-ports "$ECHO_RTP_LO-$ECHO_RTP_HI" --user echo
wait_udp "$ECHO_SIP" 10 || die "voip-echo is not listening on udp 127.0.0.1:$ECHO_SIP"
run_fg sipp 30 sipp "127.0.0.1:$ECHO_SIP" -sf "$INTEROP_DIR/sipp/uac_session_timer.xml" -s echo \
    -i 127.0.0.1 -p "$SIPP_SIP" -mi 127.0.0.1 -mp "$SIPP_MEDIA" -m 1 \
    -recv_timeout 10000 -timeout 25 -nostdin -trace_err -error_file "$RUN/sipp_errors.log"
check "SIPp got 422 Min-SE: 90, then 200 with Session-Expires: 90;refresher=uac and Require: timer (sipp exit $FG_RC, want 0)" [ "$FG_RC" = 0 ]
wait_file_re "$RUN/voip-echo.out" '^CALL 1 ENDED' 5
sleep 0.3
bg_stop voip-echo TERM 10
check "voip-echo exited 0 on SIGTERM (exit $BG_RC)" [ "$BG_RC" = 0 ]
O=$RUN/voip-echo.out
expect_once "$O" "CALL 1 ANSWERED"
n=$(grep -cE '^CALL [0-9]+ (RINGING|ANSWERED)' "$O" || true)
check "one call set up, none for the INVITE answered 422 ($n RINGING/ANSWERED lines, want 2)" [ "$n" = 2 ]
n=$(grep -cE '^CALL 1 ENDED' "$O" || true)
check "'CALL 1 ENDED <reason>' printed once ($n)" [ "$n" = 1 ]

finish

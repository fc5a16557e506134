#!/usr/bin/env bash
# sipp_info_dtmf.sh — DTMF by SIP INFO (RFC 6086 legacy usage) with SIPp, both ways.
#
# 1. SIPp (UAC, sipp/uac_info_dtmf.xml) calls voip-echo and sends INFOs:
#    application/dtmf-relay Signal=1, application/dtmf 5, dtmf-relay Signal=#
#    and Signal=10 ('*'), then two whose body names no key.  Passes when SIPp
#    exits 0 (the scenario checks 200 for the four keys and 400 for the two
#    bad bodies) and voip-echo printed DTMF 1 1 / 1 5 / 1 # / 1 * once each,
#    in that order, and nothing else as a digit.
# 2. voip-dial (dtmf_mode "auto", the default) calls SIPp (UAS,
#    sipp/uas_info_dtmf.xml) that answers without telephone-event: voip-dial
#    --dtmf 12# must send three INFOs (application/dtmf-relay Signal=1, 2, #
#    in order; SIPp checks each and answers 200) and no RFC 4733 packet.
# Ports (override with env): voip-echo SIP 5376, RTP 20180-20189; SIPp UAC 5377
#   (media 20196); SIPp UAS 5378 (media 20240); voip-dial SIP 5379, RTP 20250-20259.
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
interop_init sipp_info_dtmf
need_peer sipp tshark
find_example voip-echo VOIP_ECHO
find_example voip-dial VOIP_DIAL

ECHO_SIP=${ECHO_SIP:-5376}; ECHO_RTP_LO=${ECHO_RTP_LO:-20180}; ECHO_RTP_HI=${ECHO_RTP_HI:-20189}
SIPP_SIP=${SIPP_SIP:-5377}; SIPP_MEDIA=${SIPP_MEDIA:-20196}
UAS_SIP=${UAS_SIP:-5378}; UAS_MEDIA=${UAS_MEDIA:-20240}
DIAL_SIP=${DIAL_SIP:-5379}; DIAL_RTP_LO=${DIAL_RTP_LO:-20250}; DIAL_RTP_HI=${DIAL_RTP_HI:-20259}
S=$INTEROP_DIR/sipp
need_free_ports "$ECHO_SIP" "$SIPP_SIP" "$SIPP_MEDIA" "$UAS_SIP" "$UAS_MEDIA" "$DIAL_SIP"

# --- 1. SIPp sends INFO to voip-echo --------------------------------------------
log "--- 1. SIPp sends DTMF by INFO to voip-echo"
show_on_fail "$RUN/voip-echo.out" "$RUN/voip-echo.err" "$RUN/sipp.out" "$RUN/sipp_errors.log"
bg_start voip-echo "$VOIP_ECHO" --bind "127.0.0.1:$ECHO_SIP" --rtp-ports "$ECHO_RTP_LO-$ECHO_RTP_HI" --user echo
wait_udp "$ECHO_SIP" 10 || die "voip-echo is not listening on udp 127.0.0.1:$ECHO_SIP"
run_fg sipp 30 sipp "127.0.0.1:$ECHO_SIP" -sf "$S/uac_info_dtmf.xml" -s echo \
    -i 127.0.0.1 -p "$SIPP_SIP" -mi 127.0.0.1 -mp "$SIPP_MEDIA" -m 1 \
    -recv_timeout 10000 -timeout 25 -nostdin -trace_err -error_file "$RUN/sipp_errors.log"
check "SIPp's INFOs answered 200 (keys) and 400 (bad bodies), call completed (sipp exit $FG_RC, want 0)" [ "$FG_RC" = 0 ]
wait_file_re "$RUN/voip-echo.out" '^CALL 1 ENDED' 5
sleep 0.3
bg_stop voip-echo TERM 10
check "voip-echo exited 0 on SIGTERM (exit $BG_RC)" [ "$BG_RC" = 0 ]
O=$RUN/voip-echo.out
expect_once "$O" "CALL 1 ANSWERED"
for d in 1 5 '#' '*'; do expect_once "$O" "DTMF 1 $d"; done
d=$(grep -E '^DTMF ' "$O" | awk '{printf "%s", $3}')
check "digits in order, none from the bad bodies: '$d' (want '15#*')" [ "$d" = '15#*' ]

# --- 2. voip-dial sends INFO to SIPp ---------------------------------------------
log "--- 2. voip-dial (dtmf_mode auto) sends DTMF by INFO to a peer without telephone-event"
show_on_fail "$RUN/dial.out" "$RUN/dial.err" "$RUN/uas.out" "$RUN/uas_errors.log"
capture_start cap "udp and (port $UAS_SIP or port $DIAL_SIP or portrange $UAS_MEDIA-$((UAS_MEDIA + 3)) or portrange $DIAL_RTP_LO-$DIAL_RTP_HI)"
bg_start uas sipp -sf "$S/uas_info_dtmf.xml" -i 127.0.0.1 -p "$UAS_SIP" -mi 127.0.0.1 -mp "$UAS_MEDIA" \
    -m 1 -timeout 30 -nostdin -trace_err -error_file "$RUN/uas_errors.log"
wait_udp "$UAS_SIP" 10 || die "SIPp UAS is not listening on udp 127.0.0.1:$UAS_SIP"
run_fg dial 30 "$VOIP_DIAL" "sip:service@127.0.0.1:$UAS_SIP" --seconds 3 --dtmf '12#' \
    --bind "127.0.0.1:$DIAL_SIP" --rtp-ports "$DIAL_RTP_LO-$DIAL_RTP_HI"
check "voip-dial exited 0 (exit $FG_RC)" [ "$FG_RC" = 0 ]
bg_wait uas 10
check "SIPp UAS got INFO Signal=1, 2, # in order, then the BYE (sipp exit $BG_RC, want 0)" [ "$BG_RC" = 0 ]
bg_stop uas INT 5
capture_stop cap
T=$RUN/rtp.tsv
rtp_table "$RUN/cap.pcapng" "$T" "$UAS_MEDIA"
ev=$(rtp_count "$T" "s >= $DIAL_RTP_LO && s <= $DIAL_RTP_HI && pt != 0")
check "voip-dial sent no RFC 4733 (non-PCMU) packet ($ev)" [ "$ev" = 0 ]

finish

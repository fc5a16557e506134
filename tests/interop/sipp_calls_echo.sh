#!/usr/bin/env bash
# sipp_calls_echo.sh — SIPp (UAC) calls voip-echo.
#
# SIPp sends INVITE (PCMU + telephone-event/101), 3 s of a 440 Hz PCMU tone,
# RFC 4733 digits 1 2 #, then BYE.  Passes when:
#   - SIPp exits 0 (the call succeeded end to end, BYE answered);
#   - voip-echo printed CALL 1 ANSWERED, DTMF 1 1 / 1 2 / 1 # (once each) and
#     CALL 1 ENDED <reason>, and exited 0 on SIGTERM;
#   - the RTP that voip-echo sent back to SIPp (captured on lo) is PCMU
#     carrying ~440 Hz (±10 Hz) at a non-trivial level.
# Ports (override with env): voip-echo SIP 5360, RTP 20100-20109;
#                            SIPp SIP 5361, media 20160.
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
interop_init sipp_calls_echo
need_peer sipp tshark
find_example voip-echo VOIP_ECHO

ECHO_SIP=${ECHO_SIP:-5360}; ECHO_RTP_LO=${ECHO_RTP_LO:-20100}; ECHO_RTP_HI=${ECHO_RTP_HI:-20109}
SIPP_SIP=${SIPP_SIP:-5361}; SIPP_MEDIA=${SIPP_MEDIA:-20160}
M=$INTEROP_DIR/sipp/media
need_free_ports "$ECHO_SIP" "$SIPP_SIP" "$SIPP_MEDIA"
show_on_fail "$RUN/voip-echo.out" "$RUN/voip-echo.err" "$RUN/sipp.out" "$RUN/sipp.err" "$RUN/sipp_errors.log"

capture_start cap "udp and (port $ECHO_SIP or port $SIPP_SIP or portrange $ECHO_RTP_LO-$ECHO_RTP_HI or portrange $SIPP_MEDIA-$((SIPP_MEDIA + 3)))"

bg_start voip-echo "$VOIP_ECHO" --bind "127.0.0.1:$ECHO_SIP" --rtp-ports "$ECHO_RTP_LO-$ECHO_RTP_HI" --user echo
wait_udp "$ECHO_SIP" 10 || die "voip-echo is not listening on udp 127.0.0.1:$ECHO_SIP"

log "SIPp calls sip:echo@127.0.0.1:$ECHO_SIP"
run_fg sipp 40 sipp "127.0.0.1:$ECHO_SIP" -sf "$INTEROP_DIR/sipp/uac_echo.xml" -s echo \
    -key audio_pcap "$M/pcmu_tone_3s.pcap" -key dtmf1_pcap "$M/dtmf_2833_1.pcap" \
    -key dtmf2_pcap "$M/dtmf_2833_2.pcap" -key dtmf3_pcap "$M/dtmf_2833_pound.pcap" \
    -i 127.0.0.1 -p "$SIPP_SIP" -mi 127.0.0.1 -mp "$SIPP_MEDIA" -m 1 \
    -recv_timeout 10000 -timeout 35 -nostdin -trace_err -error_file "$RUN/sipp_errors.log"
SIPP_RC=$FG_RC
check "SIPp call completed (sipp exit $SIPP_RC, want 0)" [ "$SIPP_RC" = 0 ]

# Let voip-echo print its last lines, then stop it like a user would.
wait_file_re "$RUN/voip-echo.out" '^CALL 1 ENDED' 5
sleep 0.5
bg_stop voip-echo TERM 10
check "voip-echo exited 0 on SIGTERM (exit $BG_RC)" [ "$BG_RC" = 0 ]
capture_stop cap

O=$RUN/voip-echo.out
expect_once "$O" "CALL 1 ANSWERED"
expect_once "$O" "DTMF 1 1"
expect_once "$O" "DTMF 1 2"
expect_once "$O" "DTMF 1 #"
n=$(grep -Ec '^CALL 1 ENDED( |$)' "$O")
check "'CALL 1 ENDED <reason>' printed once ($n): $(grep -E '^CALL 1 ENDED' "$O" | head -1)" [ "$n" = 1 ]
d=$(grep -E '^DTMF ' "$O" | awk '{printf "%s", $3}')
check "digits in order: '$d' (want '12#')" [ "$d" = "12#" ]

# What went over the wire (one tshark pass; SIPp's media port is decoded as RTP).
T=$RUN/rtp.tsv
rtp_table "$RUN/cap.pcapng" "$T" "$SIPP_MEDIA"
TO_ECHO="s == $SIPP_MEDIA && d >= $ECHO_RTP_LO && d <= $ECHO_RTP_HI"
FROM_ECHO="s >= $ECHO_RTP_LO && s <= $ECHO_RTP_HI && d == $SIPP_MEDIA"
sent=$(rtp_count "$T" "$TO_ECHO && pt == 0")
sent_dtmf=$(rtp_digits "$T" "$TO_ECHO")
back=$(rtp_count "$T" "$FROM_ECHO && pt == 0")
other=$(rtp_count "$T" "$FROM_ECHO && pt != 0")
log "RTP: SIPp -> voip-echo: PCMU $sent packets, digits '$sent_dtmf'; voip-echo -> SIPp: PCMU $back packets, other payload types $other packets"
check "SIPp sent its tone (>= 140 PCMU packets: $sent) and digits '12#' ('$sent_dtmf')" [ "$sent" -ge 140 -a "$sent_dtmf" = "12#" ]
check "voip-echo sent PCMU back to SIPp (>= 100 packets: $back)" [ "$back" -ge 100 ]
r=$(rtp_payloads "$T" "$FROM_ECHO && pt == 0" | tone --g711 ulaw --expect 440 --tol 10 --min-rms 300 --min-active 1.0)
rc=$?
check "echoed audio is ~440 Hz: $(echo "$r" | tr '\n' ' ')" [ "$rc" = 0 ]

finish

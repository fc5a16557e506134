#!/usr/bin/env bash
# sipp_ipv6_echo.sh — SIPp (UAC) calls voip-echo over IPv6 (::1), issue 14.
#
# The same call as sipp_calls_echo.sh (INVITE with PCMU + telephone-event,
# 3 s of a 440 Hz PCMU tone, RFC 4733 digits 1 2 #, BYE), with SIP and RTP
# on ::1: SIPp's offer has c=IN IP6 ::1.  Passes when:
#   - SIPp exits 0 (the call succeeded end to end, BYE answered);
#   - voip-echo's 200 OK answers with c=IN IP6 ::1 (the offered family) and
#     an IPv6 Contact;
#   - voip-echo printed CALL 1 ANSWERED, DTMF 1 1 / 1 2 / 1 # and ENDED;
#   - the RTP voip-echo sent back to SIPp over IPv6 is PCMU carrying ~440 Hz.
# Ports (override with env): voip-echo SIP 5396, RTP 20700-20709;
#                            SIPp SIP 5397, media 20760.
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
interop_init sipp_ipv6_echo
need_peer sipp tshark
find_example voip-echo VOIP_ECHO

if ! ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/'; then
  log "SKIP  no IPv6 loopback (::1) on this machine"
  _SKIP=1; exit 77
fi

ECHO_SIP=${ECHO_SIP:-5396}; ECHO_RTP_LO=${ECHO_RTP_LO:-20700}; ECHO_RTP_HI=${ECHO_RTP_HI:-20709}
SIPP_SIP=${SIPP_SIP:-5397}; SIPP_MEDIA=${SIPP_MEDIA:-20760}
M=$INTEROP_DIR/sipp/media
need_free_ports "$ECHO_SIP" "$SIPP_SIP" "$SIPP_MEDIA"
show_on_fail "$RUN/voip-echo.out" "$RUN/voip-echo.err" "$RUN/sipp.out" "$RUN/sipp.err" "$RUN/sipp_errors.log"

capture_start cap "udp and ip6 and (port $ECHO_SIP or port $SIPP_SIP or portrange $ECHO_RTP_LO-$ECHO_RTP_HI or portrange $SIPP_MEDIA-$((SIPP_MEDIA + 3)))"

bg_start voip-echo "$VOIP_ECHO" --bind "::1:$ECHO_SIP" --rtp-ports "$ECHO_RTP_LO-$ECHO_RTP_HI" --user echo
for _ in $(seq 1 100); do ss -Hlnu "sport = :$ECHO_SIP" | grep -q "\[::1\]:$ECHO_SIP" && break; sleep 0.1; done
ss -Hlnu "sport = :$ECHO_SIP" | grep -q "\[::1\]:$ECHO_SIP" || die "voip-echo is not listening on udp [::1]:$ECHO_SIP"

log "SIPp calls sip:echo@[::1]:$ECHO_SIP"
run_fg sipp 40 sipp "[::1]:$ECHO_SIP" -sf "$INTEROP_DIR/sipp/uac_echo.xml" -s echo \
    -key audio_pcap "$M/pcmu_tone_3s.pcap" -key dtmf1_pcap "$M/dtmf_2833_1.pcap" \
    -key dtmf2_pcap "$M/dtmf_2833_2.pcap" -key dtmf3_pcap "$M/dtmf_2833_pound.pcap" \
    -i ::1 -p "$SIPP_SIP" -mi ::1 -mp "$SIPP_MEDIA" -m 1 \
    -recv_timeout 10000 -timeout 35 -nostdin -trace_err -error_file "$RUN/sipp_errors.log" \
    -trace_msg -message_file "$RUN/sipp_messages.log"
SIPP_RC=$FG_RC
check "SIPp call completed over IPv6 (sipp exit $SIPP_RC, want 0)" [ "$SIPP_RC" = 0 ]

wait_file_re "$RUN/voip-echo.out" '^CALL 1 ENDED' 5
sleep 0.5
bg_stop voip-echo TERM 10
check "voip-echo exited 0 on SIGTERM (exit $BG_RC)" [ "$BG_RC" = 0 ]
capture_stop cap

S=$RUN/sipp_messages.log
check "SIPp offered c=IN IP6 ::1" grep -q '^c=IN IP6 ::1' "$S"
n=$(grep -c '^c=IN IP4' "$S")
check "no IPv4 connection address in any SDP ($n)" [ "$n" = 0 ]
check "voip-echo's Contact is IPv6 ([::1])" grep -Eq '^Contact: <sip:echo@\[::1\]:' "$S"

O=$RUN/voip-echo.out
expect_once "$O" "CALL 1 ANSWERED"
expect_once "$O" "DTMF 1 1"
expect_once "$O" "DTMF 1 2"
expect_once "$O" "DTMF 1 #"

T=$RUN/rtp.tsv
rtp_table "$RUN/cap.pcapng" "$T" "$SIPP_MEDIA"
FROM_ECHO="s >= $ECHO_RTP_LO && s <= $ECHO_RTP_HI && d == $SIPP_MEDIA"
back=$(rtp_count "$T" "$FROM_ECHO && pt == 0")
log "RTP over IPv6: voip-echo -> SIPp: PCMU $back packets"
check "voip-echo sent PCMU back to SIPp over IPv6 (>= 100 packets: $back)" [ "$back" -ge 100 ]
r=$(rtp_payloads "$T" "$FROM_ECHO && pt == 0" | tone --g711 ulaw --expect 440 --tol 10 --min-rms 300 --min-active 1.0)
rc=$?
check "echoed audio is ~440 Hz: $(echo "$r" | tr '\n' ' ')" [ "$rc" = 0 ]

finish

#!/usr/bin/env bash
# baresip_hold_echo.sh — baresip (a real softphone) holds and resumes a call with voip-echo.
#
# baresip (microphone: a 440 Hz sine) calls sip:echo@127.0.0.1:PORT through its ctrl_tcp
# interface; 1.5 s after the answer it sends `hold` (a re-INVITE with a=sendonly), 2 s
# later `resume` (a=sendrecv), 2 s later hangs up.  Passes when:
#   - voip-echo printed HOLD 1 remote then RESUME 1 remote (once each) and CALL 1 ENDED;
#   - on the wire, voip-echo sent baresip (almost) no RTP while held (it answers
#     recvonly and stops sending) and a steady stream again after the resume (>= 50 PCMU
#     packets in the 1.5 s after it);
#   - baresip's recording of what it received holds its ~440 Hz tone (the echo).
# Ports (override with env): voip-echo SIP 5445, RTP 20640-20649;
#   baresip SIP 5446 (TLS 5447), ctrl 4496, RTP 20650-20659.
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
interop_init baresip_hold_echo
need_peer baresip tshark
find_example voip-echo VOIP_ECHO

ECHO_SIP=${ECHO_SIP:-5445}; ECHO_RTP_LO=${ECHO_RTP_LO:-20640}; ECHO_RTP_HI=${ECHO_RTP_HI:-20649}
BS_SIP=${BS_SIP:-5446}; BS_CTRL=${BS_CTRL:-4496}; BS_RTP_LO=${BS_RTP_LO:-20650}; BS_RTP_HI=${BS_RTP_HI:-20659}
need_free_ports "$ECHO_SIP"
O=$RUN/voip-echo.out
show_on_fail "$O" "$RUN/voip-echo.err" "$RUN/bsctl.err" "$RUN/baresip.out"

capture_start cap "udp and (port $ECHO_SIP or port $BS_SIP or portrange $ECHO_RTP_LO-$ECHO_RTP_HI or portrange $BS_RTP_LO-$BS_RTP_HI)"
bg_start voip-echo "$VOIP_ECHO" --bind "127.0.0.1:$ECHO_SIP" --rtp-ports "$ECHO_RTP_LO-$ECHO_RTP_HI" --user echo
wait_udp "$ECHO_SIP" 10 || die "voip-echo is not listening on udp 127.0.0.1:$ECHO_SIP"
baresip_start "$BS_SIP" "$BS_CTRL" "$BS_RTP_LO" "$BS_RTP_HI" 440 \
  "<sip:alice@127.0.0.1:$BS_SIP>;regint=0;audio_codecs=PCMU/8000/1;ptime=20"

# bs COMMAND [PARAMS]: one ctrl_tcp command; its reply must say "response":true
bs() { bsctl cmd "$@" >>"$RUN/bsctl.out" 2>>"$RUN/bsctl.err"; }

log "baresip dials sip:echo@127.0.0.1:$ECHO_SIP"
bs dial "sip:echo@127.0.0.1:$ECHO_SIP" || fail "baresip refused the dial command"
wait_file_re "$O" '^CALL 1 ANSWERED' 10 || die "voip-echo did not answer baresip's call"
sleep 1.5
log "baresip: hold"
bs hold || fail "baresip refused the hold command"
wait_file_re "$O" '^HOLD 1 remote' 5
t_hold=$EPOCHREALTIME
sleep 2
log "baresip: resume"
bs resume || fail "baresip refused the resume command"
wait_file_re "$O" '^RESUME 1 remote' 5
t_resume=$EPOCHREALTIME
sleep 2
log "baresip: hangup"
bs hangup || fail "baresip refused the hangup command"
wait_file_re "$O" '^CALL 1 ENDED' 5
sleep 0.3
bg_stop voip-echo TERM 10
check "voip-echo exited 0 on SIGTERM (exit $BG_RC)" [ "$BG_RC" = 0 ]
bg_stop baresip TERM 10      # closes its recordings
capture_stop cap

expect_once "$O" "CALL 1 ANSWERED"
expect_once "$O" "HOLD 1 remote"
expect_once "$O" "RESUME 1 remote"
order=$(grep -E '^(HOLD|RESUME) 1 ' "$O" | awk '{printf "%s ", $1}')
check "HOLD before RESUME: '$order'" [ "$order" = "HOLD RESUME " ]
n=$(grep -Ec '^CALL 1 ENDED( |$)' "$O")
check "'CALL 1 ENDED <reason>' printed once ($n)" [ "$n" = 1 ]

# voip-echo -> baresip RTP, by capture time: while held (from 0.3 s after the HOLD line
# to the resume) and in the 1.5 s from 0.2 s after the RESUME line.
tshark -r "$RUN/cap.pcapng" $(for p in $(seq "$BS_RTP_LO" "$BS_RTP_HI"); do printf -- '-d udp.port==%s,rtp ' "$p"; done) \
  -Y "rtp && udp.srcport >= $ECHO_RTP_LO && udp.srcport <= $ECHO_RTP_HI && rtp.p_type == 0" \
  -T fields -e frame.time_epoch > "$RUN/echo_rtp.txt" 2>"$RUN/echo_rtp.err"
held=$(awk -v a="$t_hold" -v b="$t_resume" '$1 > a + 0.3 && $1 < b { n++ } END { print n+0 }' "$RUN/echo_rtp.txt")
after=$(awk -v a="$t_resume" '$1 > a + 0.2 && $1 < a + 1.7 { n++ } END { print n+0 }' "$RUN/echo_rtp.txt")
total=$(wc -l < "$RUN/echo_rtp.txt")
log "voip-echo -> baresip PCMU: $total packets; $held while held; $after in 1.5 s after the resume"
check "voip-echo sent no audio while held ($held packets, want <= 3)" [ "$held" -le 3 ]
check "voip-echo's audio came back after the resume ($after packets in 1.5 s, want >= 50)" [ "$after" -ge 50 ]

DEC=$(ls "$RUN"/baresip/rec/*-dec.wav 2>/dev/null | head -1)
if [ -n "$DEC" ]; then
  r=$(tone --wav "$DEC" --expect 440 --tol 10 --min-rms 300 --min-active 1.0); rc=$?
  check "baresip received ~440 Hz (the echo of its tone) in $(basename "$DEC"): $(echo "$r" | tr '\n' ' ')" [ "$rc" = 0 ]
else
  fail "baresip made no recording of the received audio ($RUN/baresip/rec: $(ls "$RUN/baresip/rec" | tr '\n' ' '))"
fi

finish

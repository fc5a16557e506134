#!/usr/bin/env bash
# baresip_calls_echo.sh — baresip (a real softphone) calls voip-echo.
#
# baresip's microphone is a 440 Hz sine (ausine); through its ctrl_tcp
# interface we dial sip:echo@127.0.0.1:PORT, send digits 1 2 3 # about 1 s
# after the answer, and hang up about 4 s after the answer.  Passes when:
#   - baresip reports the call established and then closed;
#   - voip-echo printed CALL 1 ANSWERED, DTMF 1 1 / 1 2 / 1 3 / 1 # (once each)
#     and CALL 1 ENDED <reason>, and exited 0 on SIGTERM;
#   - baresip's recording of what it received (the echo) holds ~440 Hz.
# Ports (override with env): voip-echo SIP 5380, RTP 20300-20309;
#   baresip SIP 5381 (TLS 5382), ctrl 4481, RTP 20340-20349.
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
interop_init baresip_calls_echo
need_peer baresip tshark
find_example voip-echo VOIP_ECHO

ECHO_SIP=${ECHO_SIP:-5380}; ECHO_RTP_LO=${ECHO_RTP_LO:-20300}; ECHO_RTP_HI=${ECHO_RTP_HI:-20309}
BS_SIP=${BS_SIP:-5381}; BS_CTRL=${BS_CTRL:-4481}; BS_RTP_LO=${BS_RTP_LO:-20340}; BS_RTP_HI=${BS_RTP_HI:-20349}
need_free_ports "$ECHO_SIP"
show_on_fail "$RUN/voip-echo.out" "$RUN/voip-echo.err" "$RUN/bsctl.out" "$RUN/bsctl.err" "$RUN/baresip.out"

capture_start cap "udp and (port $ECHO_SIP or port $BS_SIP or portrange $ECHO_RTP_LO-$ECHO_RTP_HI or portrange $BS_RTP_LO-$BS_RTP_HI)"
bg_start voip-echo "$VOIP_ECHO" --bind "127.0.0.1:$ECHO_SIP" --rtp-ports "$ECHO_RTP_LO-$ECHO_RTP_HI" --user echo
wait_udp "$ECHO_SIP" 10 || die "voip-echo is not listening on udp 127.0.0.1:$ECHO_SIP"
baresip_start "$BS_SIP" "$BS_CTRL" "$BS_RTP_LO" "$BS_RTP_HI" 440 \
  "<sip:alice@127.0.0.1:$BS_SIP>;regint=0;audio_codecs=PCMU/8000/1;ptime=20"

log "baresip dials sip:echo@127.0.0.1:$ECHO_SIP, sends 123#, hangs up after ~4 s"
run_fg bsctl 40 bash "$INTEROP_DIR/baresip/bsctl.sh" -p "$BS_CTRL" call "sip:echo@127.0.0.1:$ECHO_SIP" '123#' 3
rc=$FG_RC
check "baresip: call established and closed (bsctl exit $rc: $(tr '\n' ' ' < "$RUN/bsctl.out"))" [ "$rc" = 0 ]

wait_file_re "$RUN/voip-echo.out" '^CALL 1 ENDED' 5
sleep 0.5
bg_stop voip-echo TERM 10
check "voip-echo exited 0 on SIGTERM (exit $BG_RC)" [ "$BG_RC" = 0 ]
bg_stop baresip TERM 10      # closes its recordings
capture_stop cap

O=$RUN/voip-echo.out
expect_once "$O" "CALL 1 ANSWERED"
for d in 1 2 3 '#'; do expect_once "$O" "DTMF 1 $d"; done
n=$(grep -Ec '^CALL 1 ENDED( |$)' "$O")
check "'CALL 1 ENDED <reason>' printed once ($n): $(grep -E '^CALL 1 ENDED' "$O" | head -1)" [ "$n" = 1 ]
d=$(grep -E '^DTMF ' "$O" | awk '{printf "%s", $3}')
check "digits in order: '$d' (want '123#')" [ "$d" = "123#" ]

# What baresip sent (diagnostics: were the digits really on the wire?)
T=$RUN/rtp.tsv
rtp_table "$RUN/cap.pcapng" "$T" $(seq "$BS_RTP_LO" "$BS_RTP_HI")
TO_ECHO="s >= $BS_RTP_LO && s <= $BS_RTP_HI && d >= $ECHO_RTP_LO && d <= $ECHO_RTP_HI"
FROM_ECHO="d >= $BS_RTP_LO && d <= $BS_RTP_HI && s >= $ECHO_RTP_LO && s <= $ECHO_RTP_HI"
log "RTP: baresip -> voip-echo: PCMU $(rtp_count "$T" "$TO_ECHO && pt == 0") packets, digits '$(rtp_digits "$T" "$TO_ECHO")';" \
    "voip-echo -> baresip: PCMU $(rtp_count "$T" "$FROM_ECHO && pt == 0") packets"

DEC=$(ls "$RUN"/baresip/rec/*-dec.wav 2>/dev/null | head -1)
if [ -n "$DEC" ]; then
  r=$(tone --wav "$DEC" --expect 440 --tol 10 --min-rms 300 --min-active 1.0); rc=$?
  check "baresip received ~440 Hz (the echo of its tone) in $(basename "$DEC"): $(echo "$r" | tr '\n' ' ')" [ "$rc" = 0 ]
else
  fail "baresip made no recording of the received audio ($RUN/baresip/rec: $(ls "$RUN/baresip/rec" | tr '\n' ' '))"
fi

finish

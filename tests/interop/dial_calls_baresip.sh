#!/usr/bin/env bash
# dial_calls_baresip.sh — voip-dial calls baresip (a real softphone, auto-answer).
#
# baresip runs as sip:bob@127.0.0.1:PORT with a 440 Hz sine as microphone and
# answers automatically; we run
#   voip-dial sip:bob@127.0.0.1:PORT --tone 1000 --seconds 4 --dtmf 1234 --record F.wav
# Passes when:
#   - voip-dial exits 0 and printed CALL 1 ANSWERED and CALL 1 ENDED <reason>;
#   - its AUDIO line and its recording show baresip's 440 Hz tone;
#   - baresip logged the digits 1 2 3 4 (once each, in order);
#   - baresip's recording of what it received holds our 1000 Hz tone.
# Ports (override with env): baresip SIP 5390 (TLS 5391), ctrl 4491, RTP 20440-20449;
#   voip-dial SIP 5392, RTP 20400-20409.
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
interop_init dial_calls_baresip
need_peer baresip tshark
find_example voip-dial VOIP_DIAL

BS_SIP=${BS_SIP:-5390}; BS_CTRL=${BS_CTRL:-4491}; BS_RTP_LO=${BS_RTP_LO:-20440}; BS_RTP_HI=${BS_RTP_HI:-20449}
DIAL_SIP=${DIAL_SIP:-5392}; DIAL_RTP_LO=${DIAL_RTP_LO:-20400}; DIAL_RTP_HI=${DIAL_RTP_HI:-20409}
need_free_ports "$DIAL_SIP"
show_on_fail "$RUN/dial.out" "$RUN/dial.err" "$RUN/baresip.out"

capture_start cap "udp and (port $DIAL_SIP or port $BS_SIP or portrange $DIAL_RTP_LO-$DIAL_RTP_HI or portrange $BS_RTP_LO-$BS_RTP_HI)"
baresip_start "$BS_SIP" "$BS_CTRL" "$BS_RTP_LO" "$BS_RTP_HI" 440 \
  "<sip:bob@127.0.0.1:$BS_SIP>;regint=0;answermode=auto;audio_codecs=PCMU/8000/1;ptime=20"

log "voip-dial sip:bob@127.0.0.1:$BS_SIP --tone 1000 --seconds 4 --dtmf 1234"
t0=$SECONDS
run_fg dial 40 "$VOIP_DIAL" "sip:bob@127.0.0.1:$BS_SIP" --bind "127.0.0.1:$DIAL_SIP" \
    --rtp-ports "$DIAL_RTP_LO-$DIAL_RTP_HI" --tone 1000 --seconds 4 --dtmf 1234 --record "$RUN/dial.wav"
rc=$FG_RC
log "voip-dial exit $rc after $((SECONDS - t0)) s; stdout: $(tr '\n' '|' < "$RUN/dial.out")"
[ -s "$RUN/dial.err" ] && log "voip-dial stderr: $(tr '\n' '|' < "$RUN/dial.err")"
check "voip-dial exited 0 (exit $rc)" [ "$rc" = 0 ]

sleep 0.5
bg_stop baresip TERM 10      # closes its recordings
capture_stop cap

O=$RUN/dial.out
expect_once "$O" "CALL 1 ANSWERED"
n=$(grep -Ec '^CALL 1 ENDED( |$)' "$O")
check "'CALL 1 ENDED <reason>' printed once ($n): $(grep -E '^CALL 1 ENDED' "$O" | head -1)" [ "$n" = 1 ]
a=$(grep -E '^AUDIO ' "$O" | tail -1)
read -r _ hz rms _ <<<"${a:-AUDIO x x}"
check "AUDIO line shows baresip's ~440 Hz at a non-trivial level: '$a'" \
  awk -v f="$hz" -v r="$rms" 'BEGIN { exit !(f ~ /^[0-9.]+$/ && r ~ /^[0-9.]+$/ && f >= 430 && f <= 450 && r >= 300) }'
if [ -s "$RUN/dial.wav" ]; then
  r=$(tone --wav "$RUN/dial.wav" --expect 440 --tol 10 --min-rms 300 --min-active 1.0); rc=$?
  check "voip-dial's recording holds ~440 Hz: $(echo "$r" | tr '\n' ' ')" [ "$rc" = 0 ]
else
  fail "voip-dial wrote no recording ($RUN/dial.wav)"
fi

grep -q "Call established" "$RUN/baresip.out"; check "baresip answered the call (log: Call established)" [ $? = 0 ]
bd=$(baresip_digits)
check "baresip received the digits 1 2 3 4 once each, in order ('$bd')" [ "$bd" = "1234" ]

T=$RUN/rtp.tsv
rtp_table "$RUN/cap.pcapng" "$T" $(seq "$BS_RTP_LO" "$BS_RTP_HI")
TO_BS="s >= $DIAL_RTP_LO && s <= $DIAL_RTP_HI && d >= $BS_RTP_LO && d <= $BS_RTP_HI"
FROM_BS="d >= $DIAL_RTP_LO && d <= $DIAL_RTP_HI && s >= $BS_RTP_LO && s <= $BS_RTP_HI"
log "RTP: voip-dial -> baresip: PCMU $(rtp_count "$T" "$TO_BS && pt == 0") packets, digits '$(rtp_digits "$T" "$TO_BS")';" \
    "baresip -> voip-dial: PCMU $(rtp_count "$T" "$FROM_BS && pt == 0") packets"

DEC=$(ls "$RUN"/baresip/rec/*-dec.wav 2>/dev/null | head -1)
if [ -n "$DEC" ]; then
  r=$(tone --wav "$DEC" --expect 1000 --tol 10 --min-rms 300 --min-active 1.0); rc=$?
  check "baresip received our ~1000 Hz tone ($(basename "$DEC")): $(echo "$r" | tr '\n' ' ')" [ "$rc" = 0 ]
else
  fail "baresip made no recording of the received audio ($RUN/baresip/rec: $(ls "$RUN/baresip/rec" | tr '\n' ' '))"
fi

finish

#!/usr/bin/env bash
# baresip_wideband.sh — wideband calls between baresip and libvoip (issue 13).
#
# For each codec, G.722 (audio_codecs=G722/16000/1: baresip names codecs by
# their audio rate; SDP says G722/8000) and Opus (opus/48000/2),
# and each tone, 1 kHz and 5 kHz: baresip (microphone = that sine) calls
# voip-echo, which runs with --option codecs=... and sample_rate=16000 (G.722)
# or 48000 (Opus) and echoes what it hears; baresip hangs up after ~3 s.
# Passes when, each time:
#   - the call was established and closed, with RTP of the codec's payload
#     type both ways (pcap);
#   - baresip's recording of what it received (our encoding of the echo of
#     what it sent, decoded by baresip's g722/opus module) holds the tone
#     as the main component (within 3 dB of the audio's RMS): 5 kHz needs
#     wideband both ways;
#   - with G.722, the digit 5 baresip sent arrived (telephone-event/8000).
# Then voip-dial (8 kHz application audio) offers opus, then G722, to an
# answering baresip: baresip hears its 1 kHz, it hears baresip's 440 Hz.
# Ports (override with env): voip-echo SIP 5570, RTP 20800-20809;
#   baresip SIP 5571 (TLS 5572), ctrl 4571, RTP 20840-20849.
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
interop_init baresip_wideband
need_peer baresip tshark
find_example voip-echo VOIP_ECHO

ECHO_SIP=${ECHO_SIP:-5570}; ECHO_RTP_LO=${ECHO_RTP_LO:-20800}; ECHO_RTP_HI=${ECHO_RTP_HI:-20809}
BS_SIP=${BS_SIP:-5571}; BS_CTRL=${BS_CTRL:-4571}; BS_RTP_LO=${BS_RTP_LO:-20840}; BS_RTP_HI=${BS_RTP_HI:-20849}
need_free_ports "$ECHO_SIP"
show_on_fail "$RUN/voip-echo.out" "$RUN/voip-echo.err" "$RUN/bsctl.out" "$RUN/bsctl.err" "$RUN/baresip.out"
level() { "$PY" "$INTEROP_DIR/tools/tone_level.py" "$@"; }

# one_call CODECS RATE BS_CODEC PT_COND TONE DIGITS: one call; checks as above.
one_call() {
  local codecs=$1 rate=$2 bscodec=$3 ptcond=$4 hz=$5 digits=$6 tag="$3 ${5} Hz"
  rm -rf "$RUN/baresip/rec"
  rm -f "$RUN"/{cap,voip-echo,baresip,bsctl}.rc # bg_stop reads a stale rc as "already ended"
  capture_start cap "udp and (portrange $ECHO_RTP_LO-$ECHO_RTP_HI or portrange $BS_RTP_LO-$BS_RTP_HI)"
  bg_start voip-echo "$VOIP_ECHO" --bind "127.0.0.1:$ECHO_SIP" --rtp-ports "$ECHO_RTP_LO-$ECHO_RTP_HI" --user echo \
    --option "codecs=$codecs" --option "sample_rate=$rate"
  wait_udp "$ECHO_SIP" 10 || die "voip-echo is not listening on udp 127.0.0.1:$ECHO_SIP"
  baresip_start "$BS_SIP" "$BS_CTRL" "$BS_RTP_LO" "$BS_RTP_HI" "$hz" \
    "<sip:alice@127.0.0.1:$BS_SIP>;regint=0;audio_codecs=$bscodec;ptime=20"
  log "$tag: baresip dials voip-echo (codecs=$codecs sample_rate=$rate)"
  run_fg bsctl 40 bash "$INTEROP_DIR/baresip/bsctl.sh" -p "$BS_CTRL" call "sip:echo@127.0.0.1:$ECHO_SIP" "$digits" 3
  check "$tag: call established and closed (bsctl exit $FG_RC)" [ "$FG_RC" = 0 ]
  wait_file_re "$RUN/voip-echo.out" '^CALL 1 ENDED' 5
  bg_stop voip-echo TERM 10
  bg_stop baresip TERM 10 # closes its recordings
  capture_stop cap
  if [ -n "$digits" ]; then expect_once "$RUN/voip-echo.out" "DTMF 1 $digits"; fi

  local T=$RUN/rtp.tsv
  rtp_table "$RUN/cap.pcapng" "$T" $(seq "$BS_RTP_LO" "$BS_RTP_HI")
  local to="s >= $BS_RTP_LO && s <= $BS_RTP_HI && d >= $ECHO_RTP_LO && d <= $ECHO_RTP_HI && $ptcond"
  local from="d >= $BS_RTP_LO && d <= $BS_RTP_HI && s >= $ECHO_RTP_LO && s <= $ECHO_RTP_HI && $ptcond"
  local n1 n2; n1=$(rtp_count "$T" "$to"); n2=$(rtp_count "$T" "$from")
  check "$tag: RTP of the codec both ways (baresip->echo $n1, echo->baresip $n2 packets)" [ "$n1" -gt 100 ] && [ "$n2" -gt 100 ]

  local dec; dec=$(ls "$RUN"/baresip/rec/*-dec.wav 2>/dev/null | head -1)
  if [ -z "$dec" ]; then fail "$tag: baresip made no recording of the received audio"; return; fi
  local r rc; r=$(level --wav "$dec" --freq "$hz" --min-db -3); rc=$?
  check "$tag: baresip received the echo at $hz Hz: $r" [ "$rc" = 0 ]
  mv "$dec" "$RUN/${bscodec%%/*}-$hz-dec.wav"
  mv "$RUN/voip-echo.out" "$RUN/voip-echo-${bscodec%%/*}-$hz.out"
}

# one_dial CODECS BS_CODEC PT_COND: voip-dial (8 kHz application audio, so
# the codec's rate is reached by resampling, or by Opus coding at 8 kHz)
# offers CODECS to baresip, which answers with BS_CODEC; voip-dial plays
# 1 kHz and hears baresip's 440 Hz.
one_dial() {
  local codecs=$1 bscodec=$2 ptcond=$3 tag="voip-dial offers $1"
  rm -rf "$RUN/baresip/rec"
  rm -f "$RUN"/{cap,baresip,dial}.rc
  capture_start cap "udp and (portrange $ECHO_RTP_LO-$ECHO_RTP_HI or portrange $BS_RTP_LO-$BS_RTP_HI)"
  baresip_start "$BS_SIP" "$BS_CTRL" "$BS_RTP_LO" "$BS_RTP_HI" 440 \
    "<sip:bob@127.0.0.1:$BS_SIP>;regint=0;answermode=auto;audio_codecs=$bscodec;ptime=20"
  run_fg dial 40 "$VOIP_DIAL" "sip:bob@127.0.0.1:$BS_SIP" --bind "127.0.0.1:$ECHO_SIP" \
    --rtp-ports "$ECHO_RTP_LO-$ECHO_RTP_HI" --tone 1000 --seconds 3 --option "codecs=$codecs"
  check "$tag: voip-dial exited 0 (exit $FG_RC): $(tr '\n' '|' < "$RUN/dial.out")" [ "$FG_RC" = 0 ]
  local f; f=$(awk '$1 == "AUDIO" { printf "%d", $2 }' "$RUN/dial.out")
  check "$tag: voip-dial heard baresip's 440 Hz (AUDIO ${f:-none})" [ -n "$f" ] && [ "$f" -ge 430 ] && [ "$f" -le 450 ]
  sleep 0.5
  bg_stop baresip TERM 10
  capture_stop cap
  local T=$RUN/rtp.tsv
  rtp_table "$RUN/cap.pcapng" "$T" $(seq "$BS_RTP_LO" "$BS_RTP_HI")
  local n; n=$(rtp_count "$T" "s >= $ECHO_RTP_LO && s <= $ECHO_RTP_HI && $ptcond")
  check "$tag: voip-dial sent the codec ($n packets)" [ "$n" -gt 100 ]
  local dec; dec=$(ls "$RUN"/baresip/rec/*-dec.wav 2>/dev/null | head -1)
  if [ -z "$dec" ]; then fail "$tag: baresip made no recording"; return; fi
  local r rc; r=$(level --wav "$dec" --freq 1000 --min-db -3); rc=$?
  check "$tag: baresip heard 1000 Hz: $r" [ "$rc" = 0 ]
}

find_example voip-dial VOIP_DIAL
one_dial opus,PCMU opus/48000/2 "pt >= 96 && pt != 101"
one_dial G722,PCMU G722/16000/1 "pt == 9"

for hz in 1000 5000; do
  one_call G722,PCMU 16000 G722/16000/1 "pt == 9" "$hz" 5
  one_call opus,PCMU 48000 opus/48000/2 "pt >= 96 && pt != 101" "$hz" ""
done

finish

#!/usr/bin/env bash
# inband_dtmf.sh — in-band DTMF (issue 12) with real peers, both ways.
#
# 1. A peer that sends no RFC 4733 (an analog gateway): SIPp (UAC,
#    sipp/uac_inband_dtmf.xml) offers PCMU only and plays a pcap whose audio
#    carries the keys 1 5 9 0 # * as tone pairs (tools/dtmf_pcap.py, 100 ms
#    each).  voip-echo runs with dtmf_detect_inband=1: it must print
#    DTMF 1 <key> for each key, once, in order.
# 2. libvoip sends in band: voip-dial (dtmf_mode=inband) calls baresip (a
#    real softphone, auto-answer, PCMU) and sends 1 5 9 0 # *.  baresip
#    decodes the audio (its G.711 decoder and jitter buffer) and records it
#    (sndfile); multimon-ng, an independent DTMF decoder, must find the six
#    keys in baresip's recording, and baresip must have received no RFC 4733
#    event (the digits are in the audio only).
# Ports (override with env): voip-echo SIP 5570, RTP 21900-21909; SIPp 5571
#   (media 21920); baresip SIP 5572 (TLS 5573), ctrl 4571, RTP 21930-21939;
#   voip-dial SIP 5574, RTP 21940-21949.
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
interop_init inband_dtmf
need_peer sipp baresip multimon-ng sox
find_example voip-echo VOIP_ECHO
find_example voip-dial VOIP_DIAL

ECHO_SIP=${ECHO_SIP:-5570}; ECHO_RTP_LO=${ECHO_RTP_LO:-21900}; ECHO_RTP_HI=${ECHO_RTP_HI:-21909}
SIPP_SIP=${SIPP_SIP:-5571}; SIPP_MEDIA=${SIPP_MEDIA:-21920}
BS_SIP=${BS_SIP:-5572}; BS_CTRL=${BS_CTRL:-4571}; BS_RTP_LO=${BS_RTP_LO:-21930}; BS_RTP_HI=${BS_RTP_HI:-21939}
DIAL_SIP=${DIAL_SIP:-5574}; DIAL_RTP_LO=${DIAL_RTP_LO:-21940}; DIAL_RTP_HI=${DIAL_RTP_HI:-21949}
KEYS='1590#*'
need_free_ports "$ECHO_SIP" "$SIPP_SIP" "$SIPP_MEDIA" "$DIAL_SIP"

# --- 1. SIPp plays in-band keys to voip-echo, which detects them -------------
log "--- 1. SIPp (PCMU only, keys in the audio) calls voip-echo with dtmf_detect_inband=1"
show_on_fail "$RUN/voip-echo.out" "$RUN/voip-echo.err" "$RUN/sipp.out" "$RUN/sipp_errors.log"
"$PY" "$INTEROP_DIR/tools/dtmf_pcap.py" "$RUN/inband.pcap" "$KEYS" || die "cannot write the pcap"
bg_start voip-echo "$VOIP_ECHO" --bind "127.0.0.1:$ECHO_SIP" --rtp-ports "$ECHO_RTP_LO-$ECHO_RTP_HI" --user echo \
    --option dtmf_detect_inband=1
wait_udp "$ECHO_SIP" 10 || die "voip-echo is not listening on udp 127.0.0.1:$ECHO_SIP"
run_fg sipp 30 sipp "127.0.0.1:$ECHO_SIP" -sf "$INTEROP_DIR/sipp/uac_inband_dtmf.xml" -s echo \
    -i 127.0.0.1 -p "$SIPP_SIP" -mi 127.0.0.1 -mp "$SIPP_MEDIA" -m 1 -key dtmf_pcap "$RUN/inband.pcap" \
    -recv_timeout 10000 -timeout 25 -nostdin -trace_err -error_file "$RUN/sipp_errors.log"
check "SIPp's call completed (sipp exit $FG_RC, want 0)" [ "$FG_RC" = 0 ]
wait_file_re "$RUN/voip-echo.out" '^CALL 1 ENDED' 5
bg_stop voip-echo TERM 10
check "voip-echo exited 0 on SIGTERM (exit $BG_RC)" [ "$BG_RC" = 0 ]
d=$(grep -E '^DTMF 1 ' "$RUN/voip-echo.out" | awk '{printf "%s", $3}')
check "voip-echo detected the in-band keys once each, in order: '$d' (want '$KEYS')" [ "$d" = "$KEYS" ]

# --- 2. voip-dial sends in band to baresip; multimon-ng decodes what baresip got
log "--- 2. voip-dial (dtmf_mode=inband) sends $KEYS to baresip"
show_on_fail "$RUN/dial.out" "$RUN/dial.err" "$RUN/baresip.out" "$RUN/multimon.out"
baresip_start "$BS_SIP" "$BS_CTRL" "$BS_RTP_LO" "$BS_RTP_HI" 440 \
  "<sip:bob@127.0.0.1:$BS_SIP>;regint=0;answermode=auto;audio_codecs=PCMU/8000/1;ptime=20"
run_fg dial 40 "$VOIP_DIAL" "sip:bob@127.0.0.1:$BS_SIP" --bind "127.0.0.1:$DIAL_SIP" \
    --rtp-ports "$DIAL_RTP_LO-$DIAL_RTP_HI" --seconds 4 --dtmf "$KEYS" --option dtmf_mode=inband
check "voip-dial exited 0 (exit $FG_RC)" [ "$FG_RC" = 0 ]
sleep 0.5
bg_stop baresip TERM 10      # closes its recordings
bd=$(baresip_digits)
check "baresip received no RFC 4733 event ('$bd')" [ -z "$bd" ]
DEC=$(ls "$RUN"/baresip/rec/*-dec.wav 2>/dev/null | head -1)
if [ -n "$DEC" ]; then
  multimon-ng -q -c -a DTMF -t wav "$DEC" > "$RUN/multimon.out" 2>&1
  m=$(grep -oE '^DTMF: .' "$RUN/multimon.out" | cut -c7 | tr -d '\n')
  check "multimon-ng found the keys in baresip's decoded audio: '$m' (want '$KEYS')" [ "$m" = "$KEYS" ]
else
  fail "baresip made no recording of the received audio ($RUN/baresip/rec: $(ls "$RUN/baresip/rec" | tr '\n' ' '))"
fi

finish

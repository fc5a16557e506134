#!/usr/bin/env bash
# baresip_srtp.sh — SRTP (SDES, RFC 4568) between baresip and voip-echo.
#
# voip-echo runs with media_encryption=mandatory.  Two baresip calls:
#   1. mediaenc=srtp-mand (RTP/SAVP with a=crypto, baresip's srtp module):
#      answered, voip-echo reports "ENCRYPTION 1 sdes", baresip hears the
#      echo of its 440 Hz tone (so both directions decrypt), and the capture
#      of both directions shows no clear PCMU: the payloads, read as G.711,
#      hold no 440 Hz tone, and each packet carries an SRTP tag.
#   2. no mediaenc (plain RTP/AVP): refused with 488, no call.
#   (mediaenc=dtls_srtp is answered since libvoip does DTLS-SRTP: see
#   baresip_dtls.sh.)
# Then voip-dial (media_encryption=mandatory) calls baresip (srtp-mand,
# auto-answer): each side hears the other's tone through SRTP.
# Ports (override with env): voip-echo SIP 5470, RTP 20700-20709;
#   baresip SIP 5471 (TLS 5472), ctrl 4571, RTP 20740-20749;
#   voip-dial SIP 5473, RTP 20720-20729.
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
interop_init baresip_srtp
need_peer baresip tshark
find_example voip-echo VOIP_ECHO
[ -f /usr/lib/baresip/modules/srtp.so ] || { log "SKIP baresip's srtp module is not installed"; exit 77; }

ECHO_SIP=${ECHO_SIP:-5470}; ECHO_RTP_LO=${ECHO_RTP_LO:-20700}; ECHO_RTP_HI=${ECHO_RTP_HI:-20709}
BS_SIP=${BS_SIP:-5471}; BS_CTRL=${BS_CTRL:-4571}; BS_RTP_LO=${BS_RTP_LO:-20740}; BS_RTP_HI=${BS_RTP_HI:-20749}
DIAL_SIP=${DIAL_SIP:-5473}; DIAL_RTP_LO=${DIAL_RTP_LO:-20720}; DIAL_RTP_HI=${DIAL_RTP_HI:-20729}
need_free_ports "$ECHO_SIP" "$DIAL_SIP"
show_on_fail "$RUN/voip-echo.out" "$RUN/voip-echo.err" "$RUN/bsctl.out" "$RUN/bsctl.err" "$RUN/baresip.out" "$RUN/dial.out" "$RUN/dial.err"

export BS_CONFIG_EXTRA="module srtp.so
module dtls_srtp.so"
ACCT="<sip:alice@127.0.0.1:$BS_SIP>;regint=0;audio_codecs=PCMU/8000/1;ptime=20"

capture_start cap "udp and (portrange $ECHO_RTP_LO-$ECHO_RTP_HI or portrange $BS_RTP_LO-$BS_RTP_HI)"
bg_start voip-echo "$VOIP_ECHO" --bind "127.0.0.1:$ECHO_SIP" --rtp-ports "$ECHO_RTP_LO-$ECHO_RTP_HI" \
  --user echo --option media_encryption=mandatory
wait_udp "$ECHO_SIP" 10 || die "voip-echo is not listening on udp 127.0.0.1:$ECHO_SIP"

# 1. SRTP both ways.
baresip_start "$BS_SIP" "$BS_CTRL" "$BS_RTP_LO" "$BS_RTP_HI" 440 "$ACCT;mediaenc=srtp-mand"
log "call 1: baresip (srtp-mand) dials sip:echo@127.0.0.1:$ECHO_SIP for ~4 s"
run_fg bsctl 40 bash "$INTEROP_DIR/baresip/bsctl.sh" -p "$BS_CTRL" call "sip:echo@127.0.0.1:$ECHO_SIP" '' 3
rc=$FG_RC
check "call 1 established and closed (bsctl exit $rc)" [ "$rc" = 0 ]
wait_file_re "$RUN/voip-echo.out" '^CALL 1 ENDED' 5
bs_stop 1 # closes its recordings
capture_stop cap
enc=$(grep -E '^ENCRYPTION 1 ' "$RUN/voip-echo.out")
check "voip-echo: the call is SRTP with SDES ($enc)" grep -Eq '^ENCRYPTION 1 sdes \{"suite":"(AES_CM_128_HMAC_SHA1_(80|32)|AEAD_AES_128_GCM)"' "$RUN/voip-echo.out"
DEC=$(ls "$RUN"/baresip/rec/*-dec.wav 2>/dev/null | head -1)
if [ -n "$DEC" ]; then
  r=$(tone --wav "$DEC" --expect 440 --tol 10 --min-rms 300 --min-active 1.0); rc=$?
  check "baresip decrypted the echo of its tone: $(echo "$r" | tr '\n' ' ')" [ "$rc" = 0 ]
else
  fail "baresip made no recording of the received audio"
fi

T=$RUN/rtp.tsv
rtp_table "$RUN/cap.pcapng" "$T" $(seq "$BS_RTP_LO" "$BS_RTP_HI")
TO_ECHO="s >= $BS_RTP_LO && s <= $BS_RTP_HI && d >= $ECHO_RTP_LO && d <= $ECHO_RTP_HI && pt == 0"
FROM_ECHO="d >= $BS_RTP_LO && d <= $BS_RTP_HI && s >= $ECHO_RTP_LO && s <= $ECHO_RTP_HI && pt == 0"
for dir in TO_ECHO FROM_ECHO; do
  n=$(rtp_count "$T" "${!dir}")
  check "$dir: $n SRTP packets captured" [ "$n" -ge 100 ]
  # SRTP adds a tag: no packet may carry exactly one 160-byte PCMU frame.
  plain=$(rtp_payloads "$T" "${!dir}" | awk 'length($0) == 320 { n++ } END { print n+0 }')
  check "$dir: no packet has a bare 160-byte payload ($plain)" [ "$plain" = 0 ]
  # Read as G.711 (tag included), the payloads must not reveal the tone.
  r=$(rtp_payloads "$T" "${!dir}" | cut -c1-320 | tone --g711 ulaw --expect 440 --tol 10 --min-rms 300 --min-purity 0.3 2>&1); rc=$?
  check "$dir: no clear 440 Hz tone on the wire (tone.py: $(echo "$r" | tr '\n' ' '))" [ "$rc" != 0 ]
done

# 2. A peer that cannot do SRTP is refused with 488.
n=2
for enc in ""; do
  baresip_start "$BS_SIP" "$BS_CTRL" "$BS_RTP_LO" "$BS_RTP_HI" 440 "$ACCT$enc"
  log "call $n: baresip (${enc:-plain RTP}) dials voip-echo: refused"
  run_fg bsctl 30 bash "$INTEROP_DIR/baresip/bsctl.sh" -p "$BS_CTRL" call "sip:echo@127.0.0.1:$ECHO_SIP" '' 1
  rc=$FG_RC
  check "call $n (${enc:-plain}) not established (bsctl exit $rc)" [ "$rc" = 1 ]
  check "call $n: baresip saw 488" grep -q '488 Not Acceptable Here' "$RUN/baresip.out"
  bs_stop $n
  n=$((n + 1))
done
check "voip-echo answered only the SRTP call" [ "$(grep -c ' ANSWERED$' "$RUN/voip-echo.out")" = 1 ]

# 3. Our offer (RTP/SAVP, three a=crypto lines) to baresip (srtp-mand, auto-answer).
find_example voip-dial VOIP_DIAL
baresip_start "$BS_SIP" "$BS_CTRL" "$BS_RTP_LO" "$BS_RTP_HI" 440 \
  "<sip:bob@127.0.0.1:$BS_SIP>;regint=0;answermode=auto;audio_codecs=PCMU/8000/1;ptime=20;mediaenc=srtp-mand"
log "call 3: voip-dial (media_encryption=mandatory) calls baresip (srtp-mand)"
run_fg dial 40 "$VOIP_DIAL" "sip:bob@127.0.0.1:$BS_SIP" --bind "127.0.0.1:$DIAL_SIP" \
    --rtp-ports "$DIAL_RTP_LO-$DIAL_RTP_HI" --tone 1000 --seconds 3 --option media_encryption=mandatory
rc=$FG_RC
check "call 3: voip-dial exited 0 (exit $rc; $(tr '\n' '|' < "$RUN/dial.out"))" [ "$rc" = 0 ]
a=$(grep -E '^AUDIO ' "$RUN/dial.out" | tail -1)
read -r _ hz rms _ <<<"${a:-AUDIO x x}"
check "call 3: voip-dial decrypted baresip's ~440 Hz: '$a'" \
  awk -v f="$hz" -v r="$rms" 'BEGIN { exit !(f ~ /^[0-9.]+$/ && r ~ /^[0-9.]+$/ && f >= 430 && f <= 450 && r >= 300) }'
bs_stop 3
DEC=$(ls -t "$RUN"/baresip/rec/*-dec.wav 2>/dev/null | head -1)
r=$(tone --wav "$DEC" --expect 1000 --tol 10 --min-rms 300 --min-active 1.0); rc=$?
check "call 3: baresip decrypted our 1000 Hz tone: $(echo "$r" | tr '\n' ' ')" [ "$rc" = 0 ]

bg_stop voip-echo TERM 10
check "voip-echo exited 0 on SIGTERM (exit $BG_RC)" [ "$BG_RC" = 0 ]
finish

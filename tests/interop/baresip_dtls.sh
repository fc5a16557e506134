#!/usr/bin/env bash
# baresip_dtls.sh — DTLS-SRTP (RFC 5763/5764) between baresip's dtls_srtp
# module and libvoip.
#
#   1. baresip (mediaenc=dtls_srtp: UDP/TLS/RTP/SAVP, a=setup:actpass) calls
#      voip-echo (media_encryption=mandatory): answered with a=setup:active
#      (libvoip is the DTLS client), voip-echo reports "ENCRYPTION 1 dtls",
#      baresip hears the echo of its 440 Hz tone (both directions decrypt),
#      and the capture shows DTLS records on the RTP ports and, in both
#      directions, SRTP packets with a tag and no clear PCMU tone.
#   2. voip-dial (media_encryption=mandatory, media_keying=dtls: our offer is
#      UDP/TLS/RTP/SAVP with a=setup:actpass) calls baresip (dtls_srtp,
#      auto-answer, so baresip picks its role): each side hears the other's
#      tone.
# Ports (override with env): voip-echo SIP 5476, RTP 20760-20769;
#   baresip SIP 5477 (TLS 5478), ctrl 4576, RTP 20780-20789;
#   voip-dial SIP 5479, RTP 20770-20779.
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
interop_init baresip_dtls
need_peer baresip tshark
find_example voip-echo VOIP_ECHO
[ -f /usr/lib/baresip/modules/dtls_srtp.so ] || { log "SKIP baresip's dtls_srtp module is not installed"; exit 77; }

ECHO_SIP=${ECHO_SIP:-5476}; ECHO_RTP_LO=${ECHO_RTP_LO:-20760}; ECHO_RTP_HI=${ECHO_RTP_HI:-20769}
BS_SIP=${BS_SIP:-5477}; BS_CTRL=${BS_CTRL:-4576}; BS_RTP_LO=${BS_RTP_LO:-20780}; BS_RTP_HI=${BS_RTP_HI:-20789}
DIAL_SIP=${DIAL_SIP:-5479}; DIAL_RTP_LO=${DIAL_RTP_LO:-20770}; DIAL_RTP_HI=${DIAL_RTP_HI:-20779}
need_free_ports "$ECHO_SIP" "$DIAL_SIP"
show_on_fail "$RUN/voip-echo.out" "$RUN/voip-echo.err" "$RUN/bsctl.out" "$RUN/bsctl.err" "$RUN/baresip.out" "$RUN/dial.out" "$RUN/dial.err"

export BS_CONFIG_EXTRA="module srtp.so
module dtls_srtp.so"
ACCT="<sip:alice@127.0.0.1:$BS_SIP>;regint=0;audio_codecs=PCMU/8000/1;ptime=20"

capture_start cap "udp and (portrange $ECHO_RTP_LO-$ECHO_RTP_HI or portrange $BS_RTP_LO-$BS_RTP_HI)"
bg_start voip-echo "$VOIP_ECHO" --bind "127.0.0.1:$ECHO_SIP" --rtp-ports "$ECHO_RTP_LO-$ECHO_RTP_HI" \
  --user echo --option media_encryption=mandatory
wait_udp "$ECHO_SIP" 10 || die "voip-echo is not listening on udp 127.0.0.1:$ECHO_SIP"

# 1. baresip offers DTLS-SRTP.
baresip_start "$BS_SIP" "$BS_CTRL" "$BS_RTP_LO" "$BS_RTP_HI" 440 "$ACCT;mediaenc=dtls_srtp"
log "call 1: baresip (dtls_srtp) dials sip:echo@127.0.0.1:$ECHO_SIP for ~4 s"
run_fg bsctl 40 bash "$INTEROP_DIR/baresip/bsctl.sh" -p "$BS_CTRL" call "sip:echo@127.0.0.1:$ECHO_SIP" '' 3
rc=$FG_RC
check "call 1 established and closed (bsctl exit $rc)" [ "$rc" = 0 ]
wait_file_re "$RUN/voip-echo.out" '^CALL 1 ENDED' 5
bs_stop 1
capture_stop cap
check "voip-echo: the call is DTLS-SRTP ($(grep -E '^ENCRYPTION 1 ' "$RUN/voip-echo.out"))" \
  grep -Eq '^ENCRYPTION 1 dtls ' "$RUN/voip-echo.out"
check "baresip checked our fingerprint" grep -q 'dtls_srtp: verified sha-256 fingerprint OK' "$RUN/baresip-1.out"
check "baresip: $(grep -o 'DTLS-SRTP complete.*' "$RUN/baresip-1.out" | head -1)" grep -q 'DTLS-SRTP complete (audio/RTP)' "$RUN/baresip-1.out"
DEC=$(ls "$RUN"/baresip/rec/*-dec.wav 2>/dev/null | head -1)
if [ -n "$DEC" ]; then
  r=$(tone --wav "$DEC" --expect 440 --tol 10 --min-rms 300 --min-active 1.0); rc=$?
  check "baresip decrypted the echo of its tone: $(echo "$r" | tr '\n' ' ')" [ "$rc" = 0 ]
else
  fail "baresip made no recording of the received audio"
fi
# RFC 7983: a first byte of 20-63 (hex 14-3f) is DTLS.
dtls=$(tshark -r "$RUN/cap.pcapng" -Y udp -T fields -e udp.payload 2>/dev/null |
  awk '{ c = tolower(substr($1, 1, 1)); d = tolower(substr($1, 2, 1)) }
       (c == "1" && d ~ /[4-9a-f]/) || c == "2" || c == "3" { n++ } END { print n + 0 }')
check "DTLS records on the RTP ports: $dtls" [ "$dtls" -ge 4 ]

# The RTP packets by their UDP payload (tshark's RTP fields stay empty once
# DTLS shares the port): first byte 0x80, PCMU (payload type 0).
U=$RUN/udp.tsv
tshark -r "$RUN/cap.pcapng" -Y udp -T fields -e udp.srcport -e udp.dstport -e udp.payload 2>/dev/null |
  awk -F'\t' 'tolower(substr($3, 1, 4)) == "8000" || tolower(substr($3, 1, 4)) == "8080"' >"$U"
TO_ECHO="\$1 >= $BS_RTP_LO && \$1 <= $BS_RTP_HI && \$2 >= $ECHO_RTP_LO && \$2 <= $ECHO_RTP_HI"
FROM_ECHO="\$2 >= $BS_RTP_LO && \$2 <= $BS_RTP_HI && \$1 >= $ECHO_RTP_LO && \$1 <= $ECHO_RTP_HI"
for dir in TO_ECHO FROM_ECHO; do
  n=$(awk -F'\t' "${!dir} { n++ } END { print n + 0 }" "$U")
  check "$dir: $n SRTP packets captured" [ "$n" -ge 100 ]
  # SRTP adds a tag: no packet may be a bare 12-byte header and 160-byte frame.
  plain=$(awk -F'\t' "${!dir} && length(\$3) == 2 * 172 { n++ } END { print n + 0 }" "$U")
  check "$dir: no packet has a bare 160-byte payload ($plain)" [ "$plain" = 0 ]
  # Read as G.711, the 160 bytes after the header must not reveal the tone.
  r=$(awk -F'\t' "${!dir} { print substr(\$3, 25, 320) }" "$U" |
    tone --g711 ulaw --expect 440 --tol 10 --min-rms 300 --min-purity 0.3 2>&1); rc=$?
  check "$dir: payloads read as audio ($(echo "$r" | tr '\n' ' '))" sh -c "! echo \"\$1\" | grep -q 'no audio'" _ "$r"
  check "$dir: no clear 440 Hz tone on the wire" [ "$rc" != 0 ]
done

# 2. We offer DTLS-SRTP to baresip.
find_example voip-dial VOIP_DIAL
baresip_start "$BS_SIP" "$BS_CTRL" "$BS_RTP_LO" "$BS_RTP_HI" 440 \
  "<sip:bob@127.0.0.1:$BS_SIP>;regint=0;answermode=auto;audio_codecs=PCMU/8000/1;ptime=20;mediaenc=dtls_srtp"
log "call 2: voip-dial (media_keying=dtls) calls baresip (dtls_srtp)"
run_fg dial 40 "$VOIP_DIAL" "sip:bob@127.0.0.1:$BS_SIP" --bind "127.0.0.1:$DIAL_SIP" \
    --rtp-ports "$DIAL_RTP_LO-$DIAL_RTP_HI" --tone 1000 --seconds 3 \
    --option media_encryption=mandatory --option media_keying=dtls
rc=$FG_RC
check "call 2: voip-dial exited 0 (exit $rc; $(tr '\n' '|' < "$RUN/dial.out"))" [ "$rc" = 0 ]
a=$(grep -E '^AUDIO ' "$RUN/dial.out" | tail -1)
read -r _ hz rms _ <<<"${a:-AUDIO x x}"
check "call 2: voip-dial decrypted baresip's ~440 Hz: '$a'" \
  awk -v f="$hz" -v r="$rms" 'BEGIN { exit !(f ~ /^[0-9.]+$/ && r ~ /^[0-9.]+$/ && f >= 430 && f <= 450 && r >= 300) }'
bs_stop 2
check "call 2: baresip checked our fingerprint" grep -q 'dtls_srtp: verified sha-256 fingerprint OK' "$RUN/baresip-2.out"
check "call 2: baresip: DTLS-SRTP complete" grep -q 'DTLS-SRTP complete (audio/RTP)' "$RUN/baresip-2.out"
DEC=$(ls -t "$RUN"/baresip/rec/*-dec.wav 2>/dev/null | head -1)
r=$(tone --wav "$DEC" --expect 1000 --tol 10 --min-rms 300 --min-active 1.0); rc=$?
check "call 2: baresip decrypted our 1000 Hz tone: $(echo "$r" | tr '\n' ' ')" [ "$rc" = 0 ]

bg_stop voip-echo TERM 10
check "voip-echo exited 0 on SIGTERM (exit $BG_RC)" [ "$BG_RC" = 0 ]
finish

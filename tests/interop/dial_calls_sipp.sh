#!/usr/bin/env bash
# dial_calls_sipp.sh — voip-dial calls SIPp (UAS).
#
# 1. SIPp answers (PCMU + telephone-event/101) and echoes RTP (-rtp_echo):
#      voip-dial sip:service@127.0.0.1:PORT --tone 440 --seconds 4 --dtmf 12# --record F.wav
#    passes when voip-dial exits 0, prints CALL 1 ANSWERED, CALL 1 ENDED and
#    AUDIO ~440 Hz (the echo of its own tone), its recording holds ~440 Hz,
#    the RTP it sent carries the 440 Hz tone and RFC 4733 digits 1 2 #, and
#    SIPp exits 0 (one call, completed: INVITE/200/ACK/BYE/200).
# 2. SIPp answers 486 Busy Here: voip-dial exits 2 and says busy/486; SIPp got the ACK.
# 3. Nothing listens: voip-dial --timeout 3 exits 3 within 10 s.
# Ports (override with env): SIPp UAS 5370 (media 20200), busy UAS 5372 (media 20220),
#   silent port 5373, voip-dial SIP 5371, RTP 20210-20219.
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
interop_init dial_calls_sipp
need_peer sipp tshark
find_example voip-dial VOIP_DIAL

UAS_SIP=${UAS_SIP:-5370}; UAS_MEDIA=${UAS_MEDIA:-20200}
BUSY_SIP=${BUSY_SIP:-5372}; BUSY_MEDIA=${BUSY_MEDIA:-20220}
DEAD_SIP=${DEAD_SIP:-5373}
DIAL_SIP=${DIAL_SIP:-5371}; DIAL_RTP_LO=${DIAL_RTP_LO:-20210}; DIAL_RTP_HI=${DIAL_RTP_HI:-20219}
need_free_ports "$UAS_SIP" "$UAS_MEDIA" "$BUSY_SIP" "$BUSY_MEDIA" "$DEAD_SIP" "$DIAL_SIP"
S=$INTEROP_DIR/sipp

# dial NAME ARGS...: run voip-dial in the foreground (bounded), sets DIAL_RC and DIAL_SECS
dial() {
  local name=$1 t0; shift
  log "voip-dial $*"
  t0=$(date +%s.%N)
  run_fg "$name" 40 "$VOIP_DIAL" "$@" --bind "127.0.0.1:$DIAL_SIP" --rtp-ports "$DIAL_RTP_LO-$DIAL_RTP_HI"
  DIAL_RC=$FG_RC
  DIAL_SECS=$(echo "$(date +%s.%N) $t0" | awk '{printf "%.1f", $1 - $2}')
  log "voip-dial exit $DIAL_RC after ${DIAL_SECS}s; stdout: $(tr '\n' '|' < "$RUN/$name.out")"
  [ -s "$RUN/$name.err" ] && log "voip-dial stderr: $(tr '\n' '|' < "$RUN/$name.err")"
  return 0
}

# --- 1. answered call, SIPp echoes ------------------------------------------------
log "--- 1. SIPp answers and echoes"
show_on_fail "$RUN/dial_ok.out" "$RUN/dial_ok.err" "$RUN/uas.out" "$RUN/uas_errors.log"
capture_start cap "udp and (port $UAS_SIP or port $DIAL_SIP or portrange $UAS_MEDIA-$((UAS_MEDIA + 3)) or portrange $DIAL_RTP_LO-$DIAL_RTP_HI)"
bg_start uas sipp -sf "$S/uas_answer.xml" -rtp_echo -i 127.0.0.1 -p "$UAS_SIP" -mi 127.0.0.1 -mp "$UAS_MEDIA" \
    -m 1 -timeout 40 -nostdin -trace_err -error_file "$RUN/uas_errors.log"
wait_udp "$UAS_SIP" 10 || die "SIPp UAS is not listening on udp 127.0.0.1:$UAS_SIP"

dial dial_ok "sip:service@127.0.0.1:$UAS_SIP" --tone 440 --seconds 4 --dtmf '12#' --record "$RUN/dial_ok.wav"
O=$RUN/dial_ok.out
check "voip-dial exited 0 (exit $DIAL_RC)" [ "$DIAL_RC" = 0 ]
expect_once "$O" "CALL 1 ANSWERED"
n=$(grep -Ec '^CALL 1 ENDED( |$)' "$O")
check "'CALL 1 ENDED <reason>' printed once ($n): $(grep -E '^CALL 1 ENDED' "$O" | head -1)" [ "$n" = 1 ]
a=$(grep -E '^AUDIO ' "$O" | tail -1)
read -r _ hz rms _ <<<"${a:-AUDIO x x}"
check "AUDIO line shows the echoed ~440 Hz at a non-trivial level: '$a'" \
  awk -v f="$hz" -v r="$rms" 'BEGIN { exit !(f ~ /^[0-9.]+$/ && r ~ /^[0-9.]+$/ && f >= 430 && f <= 450 && r >= 300) }'
if [ -s "$RUN/dial_ok.wav" ]; then
  r=$(tone --wav "$RUN/dial_ok.wav" --expect 440 --tol 10 --min-rms 300 --min-active 1.0); rc=$?
  check "recording dial_ok.wav holds ~440 Hz: $(echo "$r" | tr '\n' ' ')" [ "$rc" = 0 ]
else
  fail "voip-dial wrote no recording ($RUN/dial_ok.wav)"
fi
bg_wait uas 10
check "SIPp UAS saw the call complete (sipp exit $BG_RC, want 0)" [ "$BG_RC" = 0 ]
bg_stop uas INT 5
grep -E 'Successful call|Failed call' "$RUN/uas.out" | tail -2 | sed 's/^/    SIPp: /'
capture_stop cap

T=$RUN/rtp.tsv
rtp_table "$RUN/cap.pcapng" "$T" "$UAS_MEDIA"
TO_UAS="s >= $DIAL_RTP_LO && s <= $DIAL_RTP_HI && d == $UAS_MEDIA"
FROM_UAS="s == $UAS_MEDIA && d >= $DIAL_RTP_LO && d <= $DIAL_RTP_HI"
sent=$(rtp_count "$T" "$TO_UAS && pt == 0"); back=$(rtp_count "$T" "$FROM_UAS && pt == 0")
digits=$(rtp_digits "$T" "$TO_UAS && pt == 101")
log "RTP: voip-dial -> SIPp: PCMU $sent packets, digits '$digits'; SIPp echo -> voip-dial: PCMU $back packets"
check "voip-dial sent its PCMU audio (>= 100 packets: $sent)" [ "$sent" -ge 100 ]
check "voip-dial sent RFC 4733 digits '12#' on PT 101 ('$digits')" [ "$digits" = "12#" ]
r=$(rtp_payloads "$T" "$TO_UAS && pt == 0" | tone --g711 ulaw --expect 440 --tol 10 --min-rms 300); rc=$?
check "voip-dial's RTP carries its 440 Hz tone: $(echo "$r" | tr '\n' ' ')" [ "$rc" = 0 ]
# Informational: SIPp's echo returns our RFC 4733 packets too.
e=$(grep -E '^DTMF 1 ' "$O" | awk '{printf "%s", $3}')
[ -n "$e" ] && log "info: voip-dial printed echoed digits '$e'"

# --- 2. busy ------------------------------------------------------------------------
log "--- 2. SIPp answers 486 Busy Here"
show_on_fail "$RUN/dial_busy.out" "$RUN/dial_busy.err" "$RUN/busy.out" "$RUN/busy_errors.log"
bg_start busy sipp -sf "$S/uas_busy.xml" -i 127.0.0.1 -p "$BUSY_SIP" -mi 127.0.0.1 -mp "$BUSY_MEDIA" \
    -m 1 -timeout 30 -nostdin -trace_err -error_file "$RUN/busy_errors.log"
wait_udp "$BUSY_SIP" 10 || die "SIPp busy UAS is not listening on udp 127.0.0.1:$BUSY_SIP"
dial dial_busy "sip:service@127.0.0.1:$BUSY_SIP" --tone 440 --seconds 4 --record "$RUN/dial_busy.wav"
check "voip-dial exited 2 on 486 Busy Here (exit $DIAL_RC)" [ "$DIAL_RC" = 2 ]
check "voip-dial says busy/486: $(cat "$RUN/dial_busy.out" "$RUN/dial_busy.err" | grep -Ei 'busy|486' | head -1)" \
  grep -Eqi 'busy|486' "$RUN/dial_busy.out" "$RUN/dial_busy.err"
check "voip-dial never printed ANSWERED on a rejected call" [ "$(count_lines "$RUN/dial_busy.out" "CALL 1 ANSWERED")" = 0 ]
bg_wait busy 10
check "SIPp busy UAS got the ACK for its 486 (sipp exit $BG_RC, want 0)" [ "$BG_RC" = 0 ]
bg_stop busy INT 5

# --- 3. nobody there ----------------------------------------------------------------
log "--- 3. nothing listens on 127.0.0.1:$DEAD_SIP"
show_on_fail "$RUN/dial_dead.out" "$RUN/dial_dead.err"
port_free "$DEAD_SIP" || die "port $DEAD_SIP should be free"
dial dial_dead "sip:nobody@127.0.0.1:$DEAD_SIP" --timeout 3 --seconds 2
check "voip-dial exited 3 (no answer) when nothing listens (exit $DIAL_RC)" [ "$DIAL_RC" = 3 ]
check "... within 10 s (${DIAL_SECS}s)" awk -v t="$DIAL_SECS" 'BEGIN { exit !(t <= 10) }'
check "voip-dial never printed ANSWERED when nothing listens" [ "$(count_lines "$RUN/dial_dead.out" "CALL 1 ANSWERED")" = 0 ]

finish

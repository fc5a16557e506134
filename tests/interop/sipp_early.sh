#!/usr/bin/env bash
# sipp_early.sh — redirects and reliable provisional responses (RFC 3262)
# with SIPp.
#
# 1. SIPp answers voip-dial's INVITE with 302 Moved Temporarily (Contact:
#    sip:moved@127.0.0.1:TARGET); voip-dial follows it to a second SIPp,
#    which answers and echoes: voip-dial exits 0, prints
#    "EVENT 1 redirected sip:moved@127.0.0.1:TARGET" and hears its own
#    440 Hz tone; both SIPps exit 0 (302/ACK; INVITE/200/ACK/BYE/200).
# 2. SIPp (UAS) answers voip-dial's INVITE (which must say Supported: 100rel)
#    with a reliable 183 (Require: 100rel, RSeq 1, SDP) and waits for the
#    PRACK (RAck: 1 <INVITE CSeq> INVITE) before its 200 OK: voip-dial exits
#    0 and SIPp exits 0; on the wire the PRACK's RAck names the INVITE's
#    CSeq.
# 3. SIPp (UAC) calls voip-echo with Require: 100rel: voip-echo's 180 is
#    reliable (Require: 100rel, RSeq), SIPp PRACKs it, the PRACK gets 200
#    before the INVITE's 200 OK; SIPp exits 0, voip-echo printed CALL 1
#    ANSWERED and CALL 1 ENDED.
# Ports (override with env): redirecting SIPp 5384 (media 20260), target
#   SIPp 5385 (media 20264), reliable-183 SIPp 5386 (media 20268), UAC SIPp
#   5387 (media 20272), voip-dial 5388 RTP 20280-20289, voip-echo 5389 RTP
#   20290-20299.
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
interop_init sipp_early
need_peer sipp tshark
find_example voip-dial VOIP_DIAL
find_example voip-echo VOIP_ECHO

REDIR_SIP=${REDIR_SIP:-5384}; REDIR_MEDIA=${REDIR_MEDIA:-20260}
TARGET_SIP=${TARGET_SIP:-5385}; TARGET_MEDIA=${TARGET_MEDIA:-20264}
REL_SIP=${REL_SIP:-5386}; REL_MEDIA=${REL_MEDIA:-20268}
UAC_SIP=${UAC_SIP:-5387}; UAC_MEDIA=${UAC_MEDIA:-20272}
DIAL_SIP=${DIAL_SIP:-5388}; DIAL_RTP_LO=${DIAL_RTP_LO:-20280}; DIAL_RTP_HI=${DIAL_RTP_HI:-20289}
ECHO_SIP=${ECHO_SIP:-5389}; ECHO_RTP_LO=${ECHO_RTP_LO:-20290}; ECHO_RTP_HI=${ECHO_RTP_HI:-20299}
need_free_ports "$REDIR_SIP" "$REDIR_MEDIA" "$TARGET_SIP" "$TARGET_MEDIA" "$REL_SIP" "$REL_MEDIA" \
    "$UAC_SIP" "$UAC_MEDIA" "$DIAL_SIP" "$ECHO_SIP"
S=$INTEROP_DIR/sipp

# sipp_uas NAME SCENARIO SIP MEDIA [ARGS...]: a one-call SIPp UAS in the background
sipp_uas() {
  local name=$1 sf=$2 sip=$3 media=$4; shift 4
  show_on_fail "$RUN/$name.out" "$RUN/${name}_errors.log"
  bg_start "$name" sipp -sf "$S/$sf" -i 127.0.0.1 -p "$sip" -mi 127.0.0.1 -mp "$media" \
      -m 1 -timeout 40 -nostdin -trace_err -error_file "$RUN/${name}_errors.log" "$@"
  wait_udp "$sip" 10 || die "SIPp $name is not listening on udp 127.0.0.1:$sip"
}

# dial NAME ARGS...: voip-dial in the foreground (bounded); sets DIAL_RC
dial() {
  local name=$1; shift
  log "voip-dial $*"
  show_on_fail "$RUN/$name.out" "$RUN/$name.err"
  run_fg "$name" 40 "$VOIP_DIAL" "$@" --bind "127.0.0.1:$DIAL_SIP" --rtp-ports "$DIAL_RTP_LO-$DIAL_RTP_HI"
  DIAL_RC=$FG_RC
  log "voip-dial exit $DIAL_RC; stdout: $(tr '\n' '|' < "$RUN/$name.out")"
}

# sip_rel PCAP OUT PORT...: SIP messages with their 100rel headers, tab separated:
#   first-line  CSeq  RSeq  RAck  Require  Supported
sip_rel() {
  local pcap=$1 out=$2 p d=(); shift 2
  for p in "$@"; do d+=(-d "udp.port==$p,sip"); done
  tshark -r "$pcap" "${d[@]}" -Y sip -T fields -E separator=/t \
         -e sip.Request-Line -e sip.Status-Line -e sip.CSeq -e sip.RSeq -e sip.RAck \
         -e sip.Require -e sip.Supported 2>"$out.err" \
    | awk -F'\t' -v OFS='\t' '{ print $1 $2, $3, $4, $5, $6, $7 }' >"$out"
  sed 's/^/    /' "$out"
}

# --- 1. 302 followed ------------------------------------------------------------------
log "--- 1. SIPp redirects with 302, voip-dial follows to a second SIPp"
sipp_uas target uas_answer.xml "$TARGET_SIP" "$TARGET_MEDIA" -rtp_echo
sipp_uas redir uas_redirect.xml "$REDIR_SIP" "$REDIR_MEDIA" -key target_port "$TARGET_SIP"
dial dial_redir "sip:service@127.0.0.1:$REDIR_SIP" --tone 440 --seconds 3
O=$RUN/dial_redir.out
check "voip-dial exited 0 after following the 302 (exit $DIAL_RC)" [ "$DIAL_RC" = 0 ]
expect_once "$O" "EVENT 1 redirected sip:moved@127.0.0.1:$TARGET_SIP"
expect_once "$O" "CALL 1 ANSWERED"
a=$(grep -E '^AUDIO ' "$O" | tail -1)
read -r _ hz rms _ <<<"${a:-AUDIO x x}"
check "the redirected call carries audio: voip-dial hears its echoed ~440 Hz: '$a'" \
  awk -v f="$hz" -v r="$rms" 'BEGIN { exit !(f ~ /^[0-9.]+$/ && r ~ /^[0-9.]+$/ && f >= 430 && f <= 450 && r >= 300) }'
bg_wait redir 10
check "the redirecting SIPp got the ACK for its 302 (sipp exit $BG_RC, want 0)" [ "$BG_RC" = 0 ]
bg_wait target 10
check "the target SIPp saw the call complete (sipp exit $BG_RC, want 0)" [ "$BG_RC" = 0 ]
bg_stop redir INT 5
bg_stop target INT 5

# --- 2. reliable 183 PRACKed by voip-dial ---------------------------------------------------
log "--- 2. SIPp sends a reliable 183 with SDP; voip-dial PRACKs it"
capture_start cap2 "udp and (port $REL_SIP or port $DIAL_SIP)"
sipp_uas rel uas_reliable183.xml "$REL_SIP" "$REL_MEDIA" -rtp_echo
dial dial_rel "sip:service@127.0.0.1:$REL_SIP" --tone 440 --seconds 2
check "voip-dial exited 0 (exit $DIAL_RC)" [ "$DIAL_RC" = 0 ]
expect_once "$RUN/dial_rel.out" "CALL 1 PROGRESS"
expect_once "$RUN/dial_rel.out" "CALL 1 ANSWERED"
bg_wait rel 10
check "SIPp got the PRACK (RAck 1) and completed the call (sipp exit $BG_RC, want 0)" [ "$BG_RC" = 0 ]
bg_stop rel INT 5
capture_stop cap2
L=$RUN/sip2.tsv
sip_rel "$RUN/cap2.pcapng" "$L" "$REL_SIP" "$DIAL_SIP"
icseq=$(awk -F'\t' '$1 ~ /^INVITE / { split($2, c, " "); print c[1]; exit }' "$L")
check "voip-dial's INVITE says Supported: 100rel" awk -F'\t' '$1 ~ /^INVITE / && $6 ~ /100rel/ { f=1 } END { exit !f }' "$L"
check "voip-dial's PRACK has RAck '1 $icseq INVITE'" awk -F'\t' -v w="1 $icseq INVITE" '$1 ~ /^PRACK / && $4 == w { f=1 } END { exit !f }' "$L"

# --- 3. voip-echo sends a reliable 180 to SIPp requiring 100rel -------------------------
log "--- 3. SIPp calls voip-echo with Require: 100rel and PRACKs its reliable 180"
capture_start cap3 "udp and (port $UAC_SIP or port $ECHO_SIP)"
show_on_fail "$RUN/voip-echo.out" "$RUN/voip-echo.err" "$RUN/uac.out" "$RUN/uac_errors.log"
bg_start voip-echo "$VOIP_ECHO" --bind "127.0.0.1:$ECHO_SIP" --rtp-ports "$ECHO_RTP_LO-$ECHO_RTP_HI" --user echo
wait_udp "$ECHO_SIP" 10 || die "voip-echo is not listening on udp 127.0.0.1:$ECHO_SIP"
run_fg uac 40 sipp "127.0.0.1:$ECHO_SIP" -sf "$S/uac_100rel.xml" -s echo \
    -i 127.0.0.1 -p "$UAC_SIP" -mi 127.0.0.1 -mp "$UAC_MEDIA" -m 1 \
    -recv_timeout 10000 -timeout 35 -nostdin -trace_err -error_file "$RUN/uac_errors.log"
check "SIPp's reliable-180 call completed: 180 with RSeq PRACKed, PRACK 200, INVITE 200 (sipp exit $FG_RC, want 0)" [ "$FG_RC" = 0 ]
wait_file_re "$RUN/voip-echo.out" '^CALL 1 ENDED' 5
bg_stop voip-echo TERM 10
check "voip-echo exited 0 on SIGTERM (exit $BG_RC)" [ "$BG_RC" = 0 ]
expect_once "$RUN/voip-echo.out" "CALL 1 ANSWERED"
capture_stop cap3
L=$RUN/sip3.tsv
sip_rel "$RUN/cap3.pcapng" "$L" "$UAC_SIP" "$ECHO_SIP"
check "voip-echo's 180 is reliable (Require: 100rel and an RSeq)" \
  awk -F'\t' '$1 ~ /^SIP\/2.0 180/ && $5 ~ /100rel/ && $3 ~ /^[0-9]+$/ { f=1 } END { exit !f }' "$L"
check "voip-echo answered the PRACK 200 before its 200 OK to the INVITE" \
  awk -F'\t' '$1 ~ /^SIP\/2.0 200/ && $2 ~ /PRACK/ { p=NR } $1 ~ /^SIP\/2.0 200/ && $2 ~ /INVITE/ && !i { i=NR } END { exit !(p && i && p < i) }' "$L"

finish

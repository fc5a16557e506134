#!/usr/bin/env bash
# dial_transfer_baresip.sh — baresip (a real softphone) transfers a call from
# voip-dial to a voip-echo (REFER, baresip's `transfer` command).
#
# baresip runs as sip:bob@127.0.0.1:PORT (auto-answer, 440 Hz sine mic);
#   voip-dial sip:bob@... --tone 1000 --seconds 8
# calls it; once answered, baresip's `transfer sip:echo@127.0.0.1:ECHO` sends
# voip-dial a REFER: libvoip accepts it (202), calls voip-echo, reports 100,
# then 200 in NOTIFYs, and ends the call with baresip.  Passes when:
#   - voip-dial printed CALL 1 ANSWERED, TRANSFER 1 <echo uri>, CALL 1 ENDED,
#     CALL 2 ANSWERED and exits 0; its AUDIO line (measured on the new call)
#     is ~1000 Hz: our own tone echoed by voip-echo;
#   - voip-echo answered one call (CALL 1 ANSWERED) and exits 0 on SIGTERM;
#   - the capture shows baresip's REFER answered 202 and our NOTIFY with
#     "SIP/2.0 200 OK".
# Ports (override with env): voip-echo SIP 5550, RTP 21800-21809;
#   voip-dial SIP 5551, RTP 21810-21819; baresip SIP 5552 (TLS 5553),
#   ctrl 4551, RTP 21840-21849.
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
interop_init dial_transfer_baresip
need_peer baresip tshark
find_example voip-echo VOIP_ECHO
find_example voip-dial VOIP_DIAL

ECHO_SIP=${ECHO_SIP:-5550}; ECHO_RTP_LO=${ECHO_RTP_LO:-21800}; ECHO_RTP_HI=${ECHO_RTP_HI:-21809}
DIAL_SIP=${DIAL_SIP:-5551}; DIAL_RTP_LO=${DIAL_RTP_LO:-21810}; DIAL_RTP_HI=${DIAL_RTP_HI:-21819}
BS_SIP=${BS_SIP:-5552}; BS_CTRL=${BS_CTRL:-4551}; BS_RTP_LO=${BS_RTP_LO:-21840}; BS_RTP_HI=${BS_RTP_HI:-21849}
need_free_ports "$ECHO_SIP" "$DIAL_SIP"
show_on_fail "$RUN/voip-echo.out" "$RUN/voip-echo.err" "$RUN/dial.out" "$RUN/dial.err" "$RUN/bsctl.out" "$RUN/baresip.out"

capture_start cap "udp and (port $ECHO_SIP or port $DIAL_SIP or port $BS_SIP or portrange $ECHO_RTP_LO-$ECHO_RTP_HI or portrange $DIAL_RTP_LO-$DIAL_RTP_HI or portrange $BS_RTP_LO-$BS_RTP_HI)"
bg_start voip-echo "$VOIP_ECHO" --bind "127.0.0.1:$ECHO_SIP" --rtp-ports "$ECHO_RTP_LO-$ECHO_RTP_HI" --user echo
wait_udp "$ECHO_SIP" 10 || die "voip-echo is not listening on udp 127.0.0.1:$ECHO_SIP"
baresip_start "$BS_SIP" "$BS_CTRL" "$BS_RTP_LO" "$BS_RTP_HI" 440 \
  "<sip:bob@127.0.0.1:$BS_SIP>;regint=0;answermode=auto;audio_codecs=PCMU/8000/1;ptime=20"

ECHO_URI="sip:echo@127.0.0.1:$ECHO_SIP"
log "voip-dial sip:bob@127.0.0.1:$BS_SIP --tone 1000 --seconds 8; baresip transfers it to $ECHO_URI"
bg_start dial "$VOIP_DIAL" "sip:bob@127.0.0.1:$BS_SIP" --bind "127.0.0.1:$DIAL_SIP" \
    --rtp-ports "$DIAL_RTP_LO-$DIAL_RTP_HI" --tone 1000 --seconds 8
wait_file_re "$RUN/dial.out" '^CALL 1 ANSWERED' 10 || die "baresip did not answer voip-dial"
sleep 1
run_fg bsctl 10 bash "$INTEROP_DIR/baresip/bsctl.sh" -p "$BS_CTRL" cmd transfer "$ECHO_URI"
log "bsctl transfer: $(tr '\n' ' ' < "$RUN/bsctl.out")"

wait_file_re "$RUN/dial.out" '^AUDIO ' 20 || fail "voip-dial did not finish"
bg_stop dial TERM 5
check "voip-dial exited 0 (exit $BG_RC)" [ "$BG_RC" = 0 ]
sleep 0.5
bg_stop voip-echo TERM 10
check "voip-echo exited 0 on SIGTERM (exit $BG_RC)" [ "$BG_RC" = 0 ]
bg_stop baresip TERM 10
capture_stop cap

O=$RUN/dial.out
log "voip-dial: $(tr '\n' '|' < "$O")"
expect_once "$O" "CALL 1 ANSWERED"
expect_once "$O" "TRANSFER 1 $ECHO_URI"
expect_once "$O" "CALL 2 ANSWERED"
n=$(grep -Ec '^CALL 1 ENDED( |$)' "$O")
check "'CALL 1 ENDED <reason>' printed once ($n): $(grep -E '^CALL 1 ENDED' "$O" | head -1)" [ "$n" = 1 ]
a=$(grep -E '^AUDIO ' "$O" | tail -1)
read -r _ hz rms _ <<<"${a:-AUDIO x x}"
check "AUDIO of the new call is our ~1000 Hz echoed by voip-echo: '$a'" \
  awk -v f="$hz" -v r="$rms" 'BEGIN { exit !(f ~ /^[0-9.]+$/ && r ~ /^[0-9.]+$/ && f >= 990 && f <= 1010 && r >= 300) }'
expect_once "$RUN/voip-echo.out" "CALL 1 ANSWERED"

S=$RUN/sip.txt
tshark -r "$RUN/cap.pcapng" -Y sip -T fields -e sip.Method -e sip.Status-Line -e sip.msg_body 2>/dev/null > "$S" || true
grep -q "^REFER" "$S"; check "baresip sent a REFER" [ $? = 0 ]
grep -q "SIP/2.0 202 Accepted" "$S"; check "we answered it 202 Accepted" [ $? = 0 ]
F=$(tshark -r "$RUN/cap.pcapng" -Y 'sip.Method == "NOTIFY"' -T fields -e sipfrag.line 2>/dev/null | tr '\n' '|')
check "our NOTIFYs carry the sipfrags 100 Trying ... 200 OK: '$F'" bash -c '[[ $0 == "SIP/2.0 100 Trying|"*"SIP/2.0 200 OK|" ]]' "$F"
check "we sent NOTIFYs of the transfer's progress" grep -q "^NOTIFY" "$S"

finish

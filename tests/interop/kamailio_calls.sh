#!/usr/bin/env bash
# kamailio_calls.sh — a call between two registered phones through Kamailio.
#
# Kamailio (tests/interop/kamailio) is registrar and proxy on its own port;
# voip-echo registers as bob, voip-dial registers as alice and dials the bare
# user "bob" (Kamailio challenges the INVITE with 407, then routes it to bob's
# contact):
#   voip-dial bob --register sip:alice@127.0.0.1:KPORT --password alicepw \
#             --tone 440 --dtmf 12# --seconds 4
# Three rounds: over UDP; with --transport tcp (both phones); over UDP with
# --outbound-proxy sip:127.0.0.1:KPORT (both phones).  Each round passes when:
#   - both phones printed STATUS REGISTERED 200 OK, and bob has exactly one
#     contact in Kamailio's location table;
#   - Kamailio answered an INVITE with 407 and voip-dial's next INVITE went
#     through (seen on the wire);
#   - voip-dial exits 0 with CALL 1 ANSWERED, CALL 1 ENDED <reason> and an
#     AUDIO line at ~440 Hz (bob's echo of its tone);
#   - voip-echo saw exactly one call (CALL 1 ANSWERED, no CALL 2), printed
#     DTMF 1 1 / 1 2 / 1 # once each and CALL 1 ENDED <reason>;
#   - on SIGTERM voip-echo exits 0 and bob is gone from the location table.
# Ports (override with env): Kamailio 5510 (udp+tcp); voip-echo SIP 5511
#   (TCP round 5513, proxy round 5515), RTP 21200-21209; voip-dial SIP 5512
#   (TCP round 5514, proxy round 5516), RTP 21210-21219.
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
interop_init kamailio_calls
need_peer kamailio kamcmd tshark
find_example voip-echo VOIP_ECHO
find_example voip-dial VOIP_DIAL

KAM_PORT=${KAM_PORT:-5510}
ECHO_SIP=${ECHO_SIP:-5511}; ECHO_RTP_LO=${ECHO_RTP_LO:-21200}; ECHO_RTP_HI=${ECHO_RTP_HI:-21209}
DIAL_SIP=${DIAL_SIP:-5512}; DIAL_RTP_LO=${DIAL_RTP_LO:-21210}; DIAL_RTP_HI=${DIAL_RTP_HI:-21219}
ECHO_SIP_TCP=${ECHO_SIP_TCP:-5513}; DIAL_SIP_TCP=${DIAL_SIP_TCP:-5514}
ECHO_SIP_OBP=${ECHO_SIP_OBP:-5515}; DIAL_SIP_OBP=${DIAL_SIP_OBP:-5516}
need_free_ports "$ECHO_SIP" "$DIAL_SIP" "$ECHO_SIP_TCP" "$DIAL_SIP_TCP" "$ECHO_SIP_OBP" "$DIAL_SIP_OBP"

kamailio_start "$KAM_PORT"
capture_start cap "(udp or tcp) and (port $KAM_PORT or port $ECHO_SIP or port $DIAL_SIP or port $ECHO_SIP_TCP or port $DIAL_SIP_TCP or port $ECHO_SIP_OBP or port $DIAL_SIP_OBP)"

# round NAME TRANSPORT ECHO_PORT DIAL_PORT [OPTION...]: one registered call,
# checked; the OPTIONs go to both programs.
round() {
  local tr=$1 transport=$2 eport=$3 dport=$4 E=echo-$1 D=dial-$1; shift 4
  show_on_fail "$RUN/$E.out" "$RUN/$E.err" "$RUN/$D.out" "$RUN/$D.err"
  log "== $tr: voip-echo registers as bob"
  bg_start "$E" "$VOIP_ECHO" --bind "127.0.0.1:$eport" --rtp-ports "$ECHO_RTP_LO-$ECHO_RTP_HI" \
    --register "sip:bob@127.0.0.1:$KAM_PORT" --password bobpw --transport "$transport" "$@"
  wait_file_re "$RUN/$E.out" '^STATUS (REGISTERED|FAILED)' 10
  check "$tr: voip-echo (bob) printed 'STATUS REGISTERED 200 OK': $(grep '^STATUS' "$RUN/$E.out" | tr '\n' '|')" \
    grep -qx 'STATUS REGISTERED 200 OK' "$RUN/$E.out"
  wait_registered bob 5
  local c n
  c=$(kam_contacts bob | tr '\n' ' '); n=$(kam_contacts bob | grep -c .)
  check "$tr: bob has exactly one contact in Kamailio's location table ($n: $c)" [ "$n" = 1 ]

  log "$tr: voip-dial bob --register sip:alice@127.0.0.1:$KAM_PORT --tone 440 --dtmf 12# --seconds 4"
  local t0=$SECONDS rc
  run_fg "$D" 30 "$VOIP_DIAL" bob --bind "127.0.0.1:$dport" --rtp-ports "$DIAL_RTP_LO-$DIAL_RTP_HI" \
    --register "sip:alice@127.0.0.1:$KAM_PORT" --password alicepw --transport "$transport" "$@" \
    --tone 440 --dtmf '12#' --seconds 4 --timeout 10
  rc=$FG_RC
  log "$tr: voip-dial exit $rc after $((SECONDS - t0)) s; stdout: $(tr '\n' '|' < "$RUN/$D.out")"
  [ -s "$RUN/$D.err" ] && log "$tr: voip-dial stderr: $(tr '\n' '|' < "$RUN/$D.err")"
  check "$tr: voip-dial exited 0 (exit $rc)" [ "$rc" = 0 ]
  check "$tr: voip-dial (alice) printed 'STATUS REGISTERED 200 OK'" grep -qx 'STATUS REGISTERED 200 OK' "$RUN/$D.out"
  expect_once "$RUN/$D.out" "CALL 1 ANSWERED"
  n=$(grep -Ec '^CALL 1 ENDED( |$)' "$RUN/$D.out")
  check "$tr: voip-dial printed 'CALL 1 ENDED <reason>' once ($n)" [ "$n" = 1 ]
  local a hz rms
  a=$(grep -E '^AUDIO ' "$RUN/$D.out" | tail -1)
  read -r _ hz rms _ <<<"${a:-AUDIO x x}"
  check "$tr: voip-dial heard bob's echo at ~440 Hz: '$a'" \
    awk -v f="$hz" -v r="$rms" 'BEGIN { exit !(f ~ /^[0-9.]+$/ && r ~ /^[0-9.]+$/ && f >= 430 && f <= 450 && r >= 1000) }'

  wait_file_re "$RUN/$E.out" '^CALL 1 ENDED' 5
  sleep 0.3
  local O=$RUN/$E.out d
  expect_once "$O" "CALL 1 ANSWERED"
  check "$tr: voip-echo saw exactly one call (no 'CALL 2': $(grep -E '^CALL [2-9]' "$O" | tr '\n' '|'))" \
    not grep -qE '^CALL [2-9]' "$O"
  for d in 1 2 '#'; do expect_once "$O" "DTMF 1 $d"; done
  d=$(grep -E '^DTMF 1 ' "$O" | awk '{printf "%s", $3}')
  check "$tr: voip-echo got the digits in order: '$d' (want '12#')" [ "$d" = "12#" ]
  n=$(grep -Ec '^CALL 1 ENDED( |$)' "$O")
  check "$tr: voip-echo printed 'CALL 1 ENDED <reason>' once ($n): $(grep -E '^CALL 1 ENDED' "$O" | head -1)" [ "$n" = 1 ]

  bg_stop "$E" TERM 10
  check "$tr: voip-echo exited 0 on SIGTERM (exit $BG_RC)" [ "$BG_RC" = 0 ]
  wait_unregistered bob 3
  c=$(kam_contacts bob | tr '\n' ' ')
  check "$tr: bob is gone from the location table after SIGTERM (contacts left: '$c')" not kam_registered bob
  c=$(kam_contacts alice | tr '\n' ' ')
  check "$tr: alice is gone from the location table after voip-dial ended (contacts left: '$c')" not kam_registered alice
}

round udp udp "$ECHO_SIP" "$DIAL_SIP"
round tcp tcp "$ECHO_SIP_TCP" "$DIAL_SIP_TCP"
round proxy udp "$ECHO_SIP_OBP" "$DIAL_SIP_OBP" --outbound-proxy "sip:127.0.0.1:$KAM_PORT"

capture_stop cap
L=$RUN/sip.tsv
sip_ladder "$RUN/cap.pcapng" "$L" "$KAM_PORT" "$ECHO_SIP" "$DIAL_SIP" "$ECHO_SIP_TCP" "$DIAL_SIP_TCP" "$ECHO_SIP_OBP" "$DIAL_SIP_OBP"
show_on_fail "$L"
# Per round: Kamailio's 407 to voip-dial's INVITE for bob, and the INVITEs it
# got from voip-dial (the challenged one and the one with credentials).
# Over UDP voip-dial sends from its SIP port; over TCP from its connection.
for r in "udp udp 127.0.0.1:$DIAL_SIP" "tcp tcp 127.0.0.1:" "proxy udp 127.0.0.1:$DIAL_SIP_OBP"; do
  read -r name tr peer <<<"$r"
  n407=$(awk -F'\t' -v k="127.0.0.1:$KAM_PORT" -v tr="$tr" -v p="$peer" \
    '$2 == tr && $3 == k && index($4, p) == 1 && $5 ~ /^SIP\/2.0 407/ && $6 ~ /INVITE$/' "$L" | grep -c .)
  ninv=$(awk -F'\t' -v k="127.0.0.1:$KAM_PORT" -v tr="$tr" -v p="$peer" \
    '$2 == tr && $4 == k && index($3, p) == 1 && $5 ~ /^INVITE sip:bob@/' "$L" | grep -c .)
  check "$name: Kamailio challenged voip-dial's INVITE with 407 ($n407)" [ "$n407" = 1 ]
  check "$name: voip-dial sent the INVITE again with credentials ($ninv INVITEs to Kamailio, want 2)" [ "$ninv" = 2 ]
done

finish

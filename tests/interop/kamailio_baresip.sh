#!/usr/bin/env bash
# kamailio_baresip.sh — libvoip and baresip (a real softphone), both registered
# with Kamailio, call each other through it, in both directions.
#
# Kamailio (tests/interop/kamailio) is registrar and proxy on its own port.
# baresip registers as carol (digest auth, account
# "<sip:carol@127.0.0.1:KPORT>;auth_pass=carolpw;answermode=auto;..."), its
# microphone a 440 Hz sine; voip-echo registers as bob.
#   1. voip-dial registers as alice and dials the bare user "carol":
#        voip-dial carol --register sip:alice@127.0.0.1:KPORT --password alicepw \
#                  --tone 1000 --dtmf 12# --seconds 4
#      -> exit 0, CALL 1 ANSWERED / ENDED, AUDIO ~440 Hz (baresip's tone),
#         baresip logged the digits 1 2 # (in order), and baresip's recording
#         of what it received holds our 1000 Hz.
#   2. baresip dials sip:bob@127.0.0.1:KPORT (Kamailio challenges its INVITE
#      with 407, baresip answers with carol's credentials), sends 12#, hangs
#      up after ~3 s -> voip-echo printed CALL 1 ANSWERED, DTMF 1 1 / 1 2 / 1 #
#      once each, CALL 1 ENDED; baresip's recording of that call (the echo)
#      holds ~440 Hz.
#   Then voip-echo exits 0 on SIGTERM and bob is gone from the location table.
# Ports (override with env): Kamailio 5520 (udp+tcp); baresip SIP 5521 (TLS
#   5522), ctrl 4521, RTP 21340-21349; voip-dial SIP 5524, RTP 21300-21309;
#   voip-echo SIP 5525, RTP 21310-21319.
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
interop_init kamailio_baresip
need_peer kamailio kamcmd baresip tshark
find_example voip-echo VOIP_ECHO
find_example voip-dial VOIP_DIAL

KAM_PORT=${KAM_PORT:-5520}
BS_SIP=${BS_SIP:-5521}; BS_CTRL=${BS_CTRL:-4521}; BS_RTP_LO=${BS_RTP_LO:-21340}; BS_RTP_HI=${BS_RTP_HI:-21349}
DIAL_SIP=${DIAL_SIP:-5524}; DIAL_RTP_LO=${DIAL_RTP_LO:-21300}; DIAL_RTP_HI=${DIAL_RTP_HI:-21309}
ECHO_SIP=${ECHO_SIP:-5525}; ECHO_RTP_LO=${ECHO_RTP_LO:-21310}; ECHO_RTP_HI=${ECHO_RTP_HI:-21319}
need_free_ports "$DIAL_SIP" "$ECHO_SIP"
show_on_fail "$RUN/voip-echo.out" "$RUN/voip-echo.err" "$RUN/dial.out" "$RUN/dial.err" \
  "$RUN/bsctl.out" "$RUN/bsctl.err" "$RUN/baresip.out"

kamailio_start "$KAM_PORT"
capture_start cap "(udp or tcp) and (port $KAM_PORT or port $BS_SIP or port $DIAL_SIP or port $ECHO_SIP or portrange $BS_RTP_LO-$BS_RTP_HI or portrange $DIAL_RTP_LO-$ECHO_RTP_HI)"

log "voip-echo registers as bob"
bg_start voip-echo "$VOIP_ECHO" --bind "127.0.0.1:$ECHO_SIP" --rtp-ports "$ECHO_RTP_LO-$ECHO_RTP_HI" \
  --register "sip:bob@127.0.0.1:$KAM_PORT" --password bobpw
wait_file_re "$RUN/voip-echo.out" '^STATUS (REGISTERED|FAILED)' 10
check "voip-echo (bob) printed 'STATUS REGISTERED 200 OK': $(grep '^STATUS' "$RUN/voip-echo.out" | tr '\n' '|')" \
  grep -qx 'STATUS REGISTERED 200 OK' "$RUN/voip-echo.out"

log "baresip registers as carol"
baresip_start "$BS_SIP" "$BS_CTRL" "$BS_RTP_LO" "$BS_RTP_HI" 440 \
  "<sip:carol@127.0.0.1:$KAM_PORT;transport=udp>;auth_pass=carolpw;regint=300;answermode=auto;audio_codecs=PCMU/8000/1;ptime=20"
wait_registered carol 10
check "baresip (carol) is in Kamailio's location table: $(kam_contacts carol | tr '\n' ' ')" kam_registered carol
check "voip-echo (bob) is in Kamailio's location table: $(kam_contacts bob | tr '\n' ' ')" kam_registered bob
REC=$RUN/baresip/rec

# ---- 1. voip-dial (alice) -> Kamailio -> baresip (carol) ----
log "voip-dial carol --register sip:alice@127.0.0.1:$KAM_PORT --tone 1000 --dtmf 12# --seconds 4"
t0=$SECONDS
run_fg dial 30 "$VOIP_DIAL" carol --bind "127.0.0.1:$DIAL_SIP" --rtp-ports "$DIAL_RTP_LO-$DIAL_RTP_HI" \
  --register "sip:alice@127.0.0.1:$KAM_PORT" --password alicepw \
  --tone 1000 --dtmf '12#' --seconds 4 --timeout 10 --record "$RUN/dial.wav"
rc=$FG_RC
log "voip-dial exit $rc after $((SECONDS - t0)) s; stdout: $(tr '\n' '|' < "$RUN/dial.out")"
[ -s "$RUN/dial.err" ] && log "voip-dial stderr: $(tr '\n' '|' < "$RUN/dial.err")"
O=$RUN/dial.out
check "1: voip-dial exited 0 (exit $rc)" [ "$rc" = 0 ]
check "1: voip-dial (alice) printed 'STATUS REGISTERED 200 OK'" grep -qx 'STATUS REGISTERED 200 OK' "$O"
expect_once "$O" "CALL 1 ANSWERED"
n=$(grep -Ec '^CALL 1 ENDED( |$)' "$O")
check "1: voip-dial printed 'CALL 1 ENDED <reason>' once ($n)" [ "$n" = 1 ]
a=$(grep -E '^AUDIO ' "$O" | tail -1)
read -r _ hz rms _ <<<"${a:-AUDIO x x}"
check "1: voip-dial heard baresip's ~440 Hz: '$a'" \
  awk -v f="$hz" -v r="$rms" 'BEGIN { exit !(f ~ /^[0-9.]+$/ && r ~ /^[0-9.]+$/ && f >= 430 && f <= 450 && r >= 300) }'
if [ -s "$RUN/dial.wav" ]; then
  r=$(tone --wav "$RUN/dial.wav" --expect 440 --tol 10 --min-rms 300 --min-active 1.0); rc=$?
  check "1: voip-dial's recording holds ~440 Hz: $(echo "$r" | tr '\n' ' ')" [ "$rc" = 0 ]
else
  fail "1: voip-dial wrote no recording ($RUN/dial.wav)"
fi
sleep 0.5
check "1: baresip answered the call (log: Call established)" grep -q "Call established" "$RUN/baresip.out"
bd=$(baresip_digits)
check "1: baresip received the digits 1 2 # once each, in order ('$bd')" [ "$bd" = "12#" ]
# baresip writes its recordings when the call is closed: wait for them.
for i in $(seq 1 30); do ls "$REC"/*-dec.wav >/dev/null 2>&1 && break; sleep 0.1; done
DEC1=$(ls -tr "$REC"/*-dec.wav 2>/dev/null | head -1)
if [ -n "$DEC1" ]; then
  sleep 0.5
  r=$(tone --wav "$DEC1" --expect 1000 --tol 10 --min-rms 300 --min-active 1.0); rc=$?
  check "1: baresip received our ~1000 Hz tone ($(basename "$DEC1")): $(echo "$r" | tr '\n' ' ')" [ "$rc" = 0 ]
else
  fail "1: baresip made no recording of the received audio ($REC: $(ls "$REC" | tr '\n' ' '))"
fi
check "voip-dial (alice) unregistered when it ended" not kam_registered alice

# ---- 2. baresip (carol) -> Kamailio -> voip-echo (bob) ----
log "baresip dials sip:bob@127.0.0.1:$KAM_PORT, sends 12#, hangs up after ~3 s"
run_fg bsctl 40 bash "$INTEROP_DIR/baresip/bsctl.sh" -p "$BS_CTRL" call "sip:bob@127.0.0.1:$KAM_PORT" '12#' 3
rc=$FG_RC
check "2: baresip: call established and closed (bsctl exit $rc: $(tr '\n' ' ' < "$RUN/bsctl.out"))" [ "$rc" = 0 ]
wait_file_re "$RUN/voip-echo.out" '^CALL 1 ENDED' 5
sleep 0.5
O=$RUN/voip-echo.out
expect_once "$O" "CALL 1 ANSWERED"
check "2: voip-echo saw exactly one call (no 'CALL 2': $(grep -E '^CALL [2-9]' "$O" | tr '\n' '|'))" \
  not grep -qE '^CALL [2-9]' "$O"
for d in 1 2 '#'; do expect_once "$O" "DTMF 1 $d"; done
d=$(grep -E '^DTMF 1 ' "$O" | awk '{printf "%s", $3}')
check "2: voip-echo got the digits in order: '$d' (want '12#')" [ "$d" = "12#" ]
n=$(grep -Ec '^CALL 1 ENDED( |$)' "$O")
check "2: voip-echo printed 'CALL 1 ENDED <reason>' once ($n): $(grep -E '^CALL 1 ENDED' "$O" | head -1)" [ "$n" = 1 ]

bg_stop voip-echo TERM 10
check "voip-echo exited 0 on SIGTERM (exit $BG_RC)" [ "$BG_RC" = 0 ]
wait_unregistered bob 3
check "bob is gone from the location table after SIGTERM" not kam_registered bob
bg_stop baresip TERM 10      # closes its recordings
capture_stop cap

DEC2=$(ls -tr "$REC"/*-dec.wav 2>/dev/null | grep -vxF "$DEC1" | tail -1)
if [ -n "$DEC2" ]; then
  r=$(tone --wav "$DEC2" --expect 440 --tol 10 --min-rms 300 --min-active 1.0); rc=$?
  check "2: baresip received ~440 Hz (voip-echo's echo of its tone) in $(basename "$DEC2"): $(echo "$r" | tr '\n' ' ')" [ "$rc" = 0 ]
else
  fail "2: baresip made no recording of the second call ($REC: $(ls "$REC" | tr '\n' ' '))"
fi

# On the wire: Kamailio challenged both INVITEs (voip-dial's and baresip's) with 407.
L=$RUN/sip.tsv
sip_ladder "$RUN/cap.pcapng" "$L" "$KAM_PORT" "$BS_SIP" "$DIAL_SIP" "$ECHO_SIP"
show_on_fail "$L"
n=$(awk -F'\t' -v k="127.0.0.1:$KAM_PORT" -v d="127.0.0.1:$DIAL_SIP" '$3 == k && $4 == d && $5 ~ /^SIP\/2.0 407/ && $6 ~ /INVITE$/' "$L" | grep -c .)
check "Kamailio challenged voip-dial's INVITE with 407 ($n)" [ "$n" -ge 1 ]
n=$(awk -F'\t' -v k="127.0.0.1:$KAM_PORT" -v b="127.0.0.1:$BS_SIP" '$3 == k && $4 == b && $5 ~ /^SIP\/2.0 407/ && $6 ~ /INVITE$/' "$L" | grep -c .)
check "Kamailio challenged baresip's INVITE with 407 ($n)" [ "$n" -ge 1 ]
T=$RUN/rtp.tsv
rtp_table "$RUN/cap.pcapng" "$T" $(seq "$BS_RTP_LO" "$BS_RTP_HI")
log "RTP: baresip -> voip-echo digits '$(rtp_digits "$T" "s >= $BS_RTP_LO && s <= $BS_RTP_HI && d >= $ECHO_RTP_LO && d <= $ECHO_RTP_HI")'," \
    "voip-dial -> baresip digits '$(rtp_digits "$T" "s >= $DIAL_RTP_LO && s <= $DIAL_RTP_HI && d >= $BS_RTP_LO && d <= $BS_RTP_HI")'"

finish

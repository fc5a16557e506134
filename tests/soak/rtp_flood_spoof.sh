#!/usr/bin/env bash
# rtp_flood_spoof.sh — an RTP flood and a spoofer during a call.
#
# voip-dial calls voip-echo with a 440 Hz tone and the digits 0123456789*#.
# As soon as the call is answered, tools/rtp_abuse.py, for 3 s, aims at
# voip-echo's RTP port (the only port of its --rtp-ports range):
#   - a flooder from another port: 2,000 packets/s, half one steady stream
#     (one SSRC, consecutive sequence numbers), half a new random SSRC each;
#   - a spoofer with the caller's exact address (raw socket, IP_HDRINCL):
#     500 packets/s, a new random SSRC and sequence number each;
# all of it PCMU of a full-scale 1000 Hz tone and RFC 4733 events with random
# digits. Passes when:
#   - the flood reached a listening voip-echo port (no ICMP refusals; the
#     port is voip-echo's) and the spoofed source address works (self-check);
#   - voip-echo reports the digits exactly once each, in order: 0123456789*#;
#   - the tone echoed back stays at 440 Hz ± 10 (voip-dial's AUDIO line and
#     tools/tone.py on its recording: level and purity);
#   - both sides see the call end; voip-echo exits 0 on SIGTERM.
# Fails without the source-address check (the steady stream would pass
# probation and take over: 1000 Hz and stray digits), or without SSRC
# probation (each spoofed packet would restart the source: the call goes
# silent and every event packet reports a digit).
# Ports (env): voip-echo SIP 5630, RTP 22300; voip-dial SIP 5631, RTP 22310.
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
interop_init rtp_flood_spoof
find_example voip-echo VOIP_ECHO
find_example voip-dial VOIP_DIAL

ECHO_SIP=${ECHO_SIP:-5630}; ECHO_RTP=${ECHO_RTP:-22300}; DIAL_SIP=${DIAL_SIP:-5631}; DIAL_RTP=${DIAL_RTP:-22310}
DIGITS='0123456789*#'
need_free_ports "$ECHO_SIP" "$DIAL_SIP" "$ECHO_RTP" "$DIAL_RTP"
show_on_fail "$RUN/voip-echo.out" "$RUN/voip-echo.err" "$RUN/dial.out" "$RUN/dial.err" "$RUN/abuse.out" "$RUN/abuse.err"

bg_start voip-echo "$VOIP_ECHO" --bind "127.0.0.1:$ECHO_SIP" --rtp-ports "$ECHO_RTP-$ECHO_RTP" --user echo
wait_udp "$ECHO_SIP" 10 || die "voip-echo did not start"
PID=$(real_pid voip-echo voip-echo) || die "no voip-echo process"

bg_start dial "$VOIP_DIAL" "sip:echo@127.0.0.1:$ECHO_SIP" --bind "127.0.0.1:$DIAL_SIP" \
  --rtp-ports "$DIAL_RTP-$DIAL_RTP" --seconds 6 --tone 440 --dtmf "$DIGITS" --record "$RUN/dial.wav"
wait_file_re "$RUN/voip-echo.out" '^CALL 1 ANSWERED' 10 || die "voip-echo did not answer voip-dial's call"
check "voip-echo holds RTP port $ECHO_RTP during the call" \
  bash -c "ss -Hunap 'sport = :$ECHO_RTP' | grep -q 'pid=$PID,'"

run_fg abuse 20 "$PY" "$SOAK_TOOLS/rtp_abuse.py" --target "127.0.0.1:$ECHO_RTP" --seconds 3 \
  --flood-rate 2000 --spoof-from "127.0.0.1:$DIAL_RTP" --spoof-rate 500
check "rtp_abuse.py ended (rc=$FG_RC)" test "$FG_RC" = 0
while read -r line; do log "rtp_abuse.py: $line"; done < "$RUN/abuse.out"
check "the spoofed source address works here (raw socket self-check)" grep -q '^SPOOF selfcheck ok' "$RUN/abuse.out"
check "the flood went out: 6,000 packets in ~3 s" grep -Eq '^FLOOD sent=6000 ' "$RUN/abuse.out"
check "the flood reached a listening port (no ICMP refusals)" grep -q '^FLOOD .* refused=0 ' "$RUN/abuse.out"
check "the spoofer sent 1,500 packets from the caller's address" grep -q '^SPOOF mode=raw sent=1500' "$RUN/abuse.out"

bg_wait dial 20
check "voip-dial exited 0 (rc=$BG_RC)" test "$BG_RC" = 0
wait_file_re "$RUN/voip-echo.out" '^CALL 1 ENDED' 5
got=$(sed -n 's/^DTMF 1 //p' "$RUN/voip-echo.out" | tr -d '\n')
count=$(grep -c '^DTMF 1 ' "$RUN/voip-echo.out")
check "voip-echo got each digit once, in order: '$got' ($count lines), want '$DIGITS'" \
  test "$got" = "$DIGITS" -a "$count" = 12
check "voip-echo saw the call end" grep -q '^CALL 1 ENDED .' "$RUN/voip-echo.out"
read -r freq rms < <(sed -n 's/^AUDIO //p' "$RUN/dial.out"; echo)
check "echoed tone at ${freq:-none} Hz (rms ${rms:-none}), want 440 ± 10" \
  test "${freq:-0}" -ge 430 -a "${freq:-0}" -le 450
r=$(tone --wav "$RUN/dial.wav" --expect 440 --tol 10 --min-rms 300 --min-active 3.0 --min-purity 0.5); rc=$?
check "tone.py on voip-dial's recording: $r" test "$rc" = 0

check "voip-echo is still alive" bg_alive voip-echo
bg_stop voip-echo TERM 5
check "voip-echo exited 0 on SIGTERM (rc=$BG_RC)" test "$BG_RC" = 0
finish

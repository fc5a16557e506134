#!/usr/bin/env bash
# lossy_link.sh — voip-dial calls voip-echo through a lossy link.
#
# cmd/voip-impair (a userspace impairment relay: this kernel has no netem)
# relays the SIP and rewrites the SDP so that all RTP passes through it; it
# drops, delays, jitters and reorders the media with a fixed seed. Two
# rounds, 5 % and 20 % loss each way, both with 20 ms delay, 15 ms jitter and
# 5 % of the packets held back 50 ms (overtaken by later ones). Each round
# voip-dial sends a 440 Hz tone and the digits 0123456789*# to voip-echo.
# Passes when, in each round:
#   - voip-echo reports every digit of 0123456789*# exactly once, in order;
#   - the tone echoed back (through the link twice) is still 440 Hz ± 10
#     (voip-dial's AUDIO line and tools/tone.py on its recording);
#   - the relay really impaired that call's media, both ways: the packets
#     went through it, its drop ratio is near the loss asked for, some
#     packets arrived out of order, none went elsewhere;
#   - both sides saw the call end.
# Ports (override with env): voip-echo SIP 5540, relay 5541, voip-dial 5542,
# RTP 21700-21719; the relay's media ports are ephemeral.
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
interop_init lossy_link
find_example voip-echo VOIP_ECHO
find_example voip-dial VOIP_DIAL

ECHO_SIP=${ECHO_SIP:-5540}; RELAY_SIP=${RELAY_SIP:-5541}; DIAL_SIP=${DIAL_SIP:-5542}
ECHO_RTP=${ECHO_RTP:-21700-21709}; DIAL_RTP=${DIAL_RTP:-21710-21719}
DIGITS='0123456789*#'
need_free_ports "$ECHO_SIP" "$RELAY_SIP" "$DIAL_SIP"

# The relay: VOIP_IMPAIR, or built from cmd/voip-impair (Go is needed).
if [ -z "${VOIP_IMPAIR:-}" ]; then
  GO=$(command -v go || echo /usr/local/go/bin/go)
  if [ ! -x "$GO" ]; then
    [ -n "${CI:-}" ] && die "go not found: cannot build cmd/voip-impair"
    log "SKIP  go not found: cannot build cmd/voip-impair"; exit 77
  fi
  VOIP_IMPAIR=$RUN/voip-impair
  (cd "$REPO_ROOT" && "$GO" build -o "$VOIP_IMPAIR" ./cmd/voip-impair) >"$RUN/build.err" 2>&1 ||
    die "go build ./cmd/voip-impair: $(tail -5 "$RUN/build.err")"
fi

bg_start voip-echo "$VOIP_ECHO" --bind "127.0.0.1:$ECHO_SIP" --rtp-ports "$ECHO_RTP" --user echo
wait_udp "$ECHO_SIP" 10 || die "voip-echo did not start"
show_on_fail "$RUN/voip-echo.out" "$RUN/voip-echo.err"

# round N LOSS SEED: one call through a relay losing LOSS % each way.
round() {
  local n=$1 loss=$2 seed=$3 name=relay$1 lo hi
  show_on_fail "$RUN/$name.out" "$RUN/$name.err" "$RUN/dial$n.out" "$RUN/dial$n.err"
  bg_start "$name" "$VOIP_IMPAIR" -listen "127.0.0.1:$RELAY_SIP" -target "127.0.0.1:$ECHO_SIP" \
    -loss "$loss" -delay 20ms -jitter 15ms -reorder 5 -reorder-gap 50ms -seed "$seed" \
    -duration 20s -max-packets 5000
  wait_udp "$RELAY_SIP" 10 || die "voip-impair did not start: $(cat "$RUN/$name.err")"

  log "round $n: $loss % loss each way: voip-dial --tone 440 --dtmf '$DIGITS' through the relay"
  run_fg "dial$n" 20 "$VOIP_DIAL" "sip:echo@127.0.0.1:$RELAY_SIP" --bind "127.0.0.1:$DIAL_SIP" \
    --rtp-ports "$DIAL_RTP" --seconds 5 --tone 440 --dtmf "$DIGITS" --record "$RUN/dial$n.wav"
  check "round $n: voip-dial exited 0 (rc=$FG_RC)" test "$FG_RC" = 0
  wait_file_re "$RUN/voip-echo.out" "^CALL $n ENDED" 5
  bg_stop "$name" TERM 5
  check "round $n: voip-impair exited 0 (rc=$BG_RC)" test "$BG_RC" = 0

  local got count
  got=$(sed -n "s/^DTMF $n //p" "$RUN/voip-echo.out" | tr -d '\n')
  count=$(grep -c "^DTMF $n " "$RUN/voip-echo.out")
  check "round $n: voip-echo got each digit once, in order: '$got' ($count lines), want '$DIGITS'" \
    test "$got" = "$DIGITS" -a "$count" = 12
  check "round $n: voip-echo saw the call end" grep -q "^CALL $n ENDED ." "$RUN/voip-echo.out"

  local freq rms r rc
  read -r freq rms < <(sed -n 's/^AUDIO //p' "$RUN/dial$n.out"; echo)
  check "round $n: echoed tone at ${freq:-none} Hz (rms ${rms:-none}), want 440 ± 10" \
    test "${freq:-0}" -ge 430 -a "${freq:-0}" -le 450
  r=$(tone --wav "$RUN/dial$n.wav" --expect 440 --tol 10 --min-rms 300 --min-active 1.0); rc=$?
  check "round $n: tone.py on the recording: $r" test "$rc" = 0

  # The relay's own count, each way: TOTAL <dir> in=N dropped=N sent=N reordered=N ...
  local dir line
  for dir in 'caller->target' 'target->caller'; do
    line=$(grep "^TOTAL $dir " "$RUN/$name.out")
    local in dropped sent reordered refused
    eval "$(echo "$line" | tr ' ' '\n' | grep -E '^(in|dropped|sent|reordered|refused)=[0-9]+$')"
    log "round $n: relay $dir: ${line#TOTAL * }"
    check "round $n: $dir media went through the relay (sent=${sent:-0} >= 100)" test "${sent:-0}" -ge 100
    check "round $n: $dir drop ratio ${dropped:-0}/${in:-0} near $loss %" \
      awk -v d="${dropped:-0}" -v i="${in:-0}" -v l="$loss" 'BEGIN { exit !(i > 0 && d / i >= l / 100 / 2 && d / i <= l / 100 * 1.6 + 0.02) }'
    check "round $n: $dir some packets arrived out of order (reordered=${reordered:-0})" test "${reordered:-0}" -gt 0
    check "round $n: $dir nothing refused (refused=${refused:-x})" test "${refused:-x}" = 0
  done
}

round 1 5 5
round 2 20 20

bg_stop voip-echo TERM 5
check "voip-echo exited 0 on SIGTERM (rc=$BG_RC)" test "$BG_RC" = 0
finish

#!/usr/bin/env bash
# demo.sh BIN_DIR OUT_DIR — the `make demo` script.
#
# Starts voip-echo on 127.0.0.1:5098, calls it with voip-dial (a 440 Hz tone
# for 4 s, the digits 123#, the received audio recorded to OUT_DIR/demo.wav),
# stops the echo with SIGTERM and prints what happened.  Exit 0 when the
# call went as expected.  Ports (environment, as `make demo VAR=...` sets
# them): DEMO_SIP_PORT (voip-echo, 5098), DEMO_DIAL_PORT (voip-dial, 5099),
# DEMO_RTP_PORTS (30000-30099), DEMO_DIAL_RTP_PORTS (30100-30199).
set -u
bin=${1:-build/cmake/bin}
out=${2:-build}
sip_port=${DEMO_SIP_PORT:-5098}
dial_port=${DEMO_DIAL_PORT:-5099}
rtp_ports=${DEMO_RTP_PORTS:-30000-30099}
dial_rtp_ports=${DEMO_DIAL_RTP_PORTS:-30100-30199}
mkdir -p "$out"
echo_out=$out/demo-echo.out echo_err=$out/demo-echo.err
dial_out=$out/demo-dial.out dial_err=$out/demo-dial.err
wav=$out/demo.wav
rm -f "$echo_out" "$echo_err" "$dial_out" "$dial_err" "$wav"

for b in voip-echo voip-dial; do
  [ -x "$bin/$b" ] || { echo "demo: $bin/$b not built (run make)" >&2; exit 1; }
done

echo "demo: starting voip-echo --bind 127.0.0.1:$sip_port --rtp-ports $rtp_ports"
"$bin/voip-echo" --bind "127.0.0.1:$sip_port" --rtp-ports "$rtp_ports" \
  >"$echo_out" 2>"$echo_err" </dev/null &
echo_pid=$!
trap 'kill -KILL $echo_pid 2>/dev/null' EXIT
for _ in $(seq 1 50); do # until it listens (at most 5 s)
  grep -q 'listening on' "$echo_err" 2>/dev/null && break
  kill -0 "$echo_pid" 2>/dev/null || break
  sleep 0.1
done

echo "demo: voip-dial sip:echo@127.0.0.1:$sip_port --bind 127.0.0.1:$dial_port --rtp-ports $dial_rtp_ports \\"
echo "        --seconds 4 --tone 440 --dtmf 123# --record $wav"
"$bin/voip-dial" "sip:echo@127.0.0.1:$sip_port" --bind "127.0.0.1:$dial_port" --rtp-ports "$dial_rtp_ports" \
  --seconds 4 --tone 440 --dtmf '123#' --record "$wav" >"$dial_out" 2>"$dial_err" </dev/null
dial_rc=$?

# Stop the echo with SIGTERM (it hangs up, stops and exits 0).
sleep 0.5 # let its last lines come out
kill -TERM "$echo_pid" 2>/dev/null
for _ in $(seq 1 100); do
  kill -0 "$echo_pid" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$echo_pid" 2>/dev/null; then
  echo "demo: voip-echo ignored SIGTERM for 10 s; killing it" >&2
  kill -KILL "$echo_pid"
fi
wait "$echo_pid"
echo_rc=$?
trap - EXIT

show() { # FILE LABEL
  [ -s "$1" ] || return 0
  sed "s/^/  $2| /" "$1"
}
echo
echo "---- voip-dial output"
show "$dial_out" "dial"
show "$dial_err" "dial stderr"
echo "---- voip-echo output"
show "$echo_out" "echo"
show "$echo_err" "echo stderr"

# ---- summary ----
answered=no
grep -qx 'CALL 1 ANSWERED' "$dial_out" && answered=yes
read -r freq rms < <(sed -n 's/^AUDIO //p' "$dial_out"; echo)
freq=${freq:-none} rms=${rms:-none}
digits=$(sed -n 's/^DTMF [0-9]* //p' "$echo_out" | tr -d '\n')
dial_end=$(sed -n 's/^CALL 1 ENDED //p' "$dial_out")
echo_end=$(sed -n 's/^CALL 1 ENDED //p' "$echo_out")
wav_bytes=$(wc -c <"$wav" 2>/dev/null || echo 0)
wav_secs=$(( wav_bytes > 44 ? (wav_bytes - 44) / 16000 : 0 ))

ok=1
verdict() { [ "${1:-0}" = 1 ] && echo "ok" || { ok=0; echo "UNEXPECTED"; }; }
freq_ok=0
[[ $freq =~ ^[0-9]+$ ]] && [ "$freq" -ge 430 ] && [ "$freq" -le 450 ] && freq_ok=1
rms_ok=0
[[ $rms =~ ^[0-9]+$ ]] && [ "$rms" -ge 1000 ] && rms_ok=1

echo
echo "==== demo summary"
printf '  %-34s %-28s %s\n' "call answered:" "$answered" "$(verdict $([ $answered = yes ] && echo 1))"
printf '  %-34s %-28s %s\n' "audio received back (freq):" "$freq Hz (sent 440 Hz)" "$(verdict $freq_ok)"
printf '  %-34s %-28s %s\n' "audio received back (RMS level):" "$rms (tone amplitude 8000)" "$(verdict $rms_ok)"
printf '  %-34s %-28s %s\n' "digits the echo side printed:" "${digits:-none} (sent 123#)" "$(verdict $([ "$digits" = '123#' ] && echo 1))"
printf '  %-34s %-28s %s\n' "voip-dial's call ended:" "${dial_end:-no}" "$(verdict $([ -n "$dial_end" ] && echo 1))"
printf '  %-34s %-28s %s\n' "voip-echo's call ended:" "${echo_end:-no}" "$(verdict $([ -n "$echo_end" ] && echo 1))"
printf '  %-34s %-28s %s\n' "recording:" "$wav (~${wav_secs} s)" "$(verdict $([ "$wav_secs" -ge 3 ] && echo 1))"
printf '  %-34s %-28s %s\n' "voip-dial exit code:" "$dial_rc" "$(verdict $([ $dial_rc = 0 ] && echo 1))"
printf '  %-34s %-28s %s\n' "voip-echo exit code (SIGTERM):" "$echo_rc" "$(verdict $([ $echo_rc = 0 ] && echo 1))"
if [ $ok = 1 ]; then
  echo "==== demo OK: the echo answered, returned our 440 Hz tone, got 123#, and both sides hung up cleanly"
else
  echo "==== demo FAILED (see above)"
  exit 1
fi

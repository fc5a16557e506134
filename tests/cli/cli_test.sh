#!/usr/bin/env bash
# cli_test.sh CASE — the `voip` command-line softphone (cmd/voip) in real
# calls on 127.0.0.1 (ctest label "cli"; tests/cli/cli.cmake).
#
#   call_echo    voip call -> voip-echo: --dtmf after a delay, --hold,
#                --hangup; voip-echo sees every digit, the hold, our BYE
#   answer_dial  voip-dial (C example) -> voip answer --duration: digits,
#                the end line, both exit 0
#   register     voip register against SIPp as a registrar: 200 (exit 0,
#                REGISTER then the unregistering REGISTER) and 403 (exit 5)
#   sound_null   voip call --sound --sound-backend null: miniaudio's null
#                device runs duplex for the whole call
#   interactive  voip call in a tmux session: keys 1 2 # send digits, o holds
#                and resumes, h hangs up; exit 0
#   play_record  voip call -> voip-echo --play a 1.5 s 1 kHz WAV (16 kHz) --record
#                --hangup: the call ends after the file, the recording's
#                received channel is the echoed 1 kHz tone
#
# Environment: VOIP_CLI (the voip binary), VOIP_ECHO, VOIP_DIAL (ctest sets
# them); the rest as tests/interop/lib.sh.
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../interop/lib.sh"
CLI_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CASE=${1:?usage: cli_test.sh CASE}
interop_init "cli_$CASE"
find_example voip VOIP_CLI

# Ports: a block per case (SIP 5981-5986, RTP 38400-38759).
declare -A BASE=([call_echo]=0 [answer_dial]=1 [register]=2 [sound_null]=3 [interactive]=4 [play_record]=5)
i=${BASE[$CASE]:?unknown case $CASE}
SIP=$((5981 + i)); RTP=$((38400 + 60 * i))
CLI_NET=(--bind 127.0.0.1:0 --rtp-ports "$RTP-$((RTP + 19))")

start_echo() {
  find_example voip-echo VOIP_ECHO
  need_free_ports "$SIP"
  bg_start echo "$VOIP_ECHO" --bind "127.0.0.1:$SIP" --rtp-ports "$((RTP + 20))-$((RTP + 39))" --user echo
  wait_udp "$SIP" 10 || die "voip-echo is not listening on $SIP"
  show_on_fail "$RUN/echo.out" "$RUN/echo.err"
}

# end_line FILE: the END line of a voip run.
end_line() { grep -E '^END ' "$1" | tail -1; }

case_call_echo() {
  start_echo
  show_on_fail "$RUN/voip.out" "$RUN/voip.err"
  run_fg voip 30 "$VOIP_CLI" call "sip:echo@127.0.0.1:$SIP" "${CLI_NET[@]}" \
      --dtmf '123#' --dtmf-delay 300ms --hold --hangup
  check "voip exit 0 (got $FG_RC)" [ "$FG_RC" = 0 ]
  O=$RUN/voip.out
  expect_once "$O" "CALL ANSWERED 200 OK"
  expect_once "$O" "SENT 123#"
  expect_once "$O" "EVENT hold local"
  check "END line: $(end_line "$O")" grep -qE '^END code=0 reason="local hangup" talk=[0-9.]+s exit=0$' "$O"
  wait_file_re "$RUN/echo.out" '^CALL 1 ENDED' 5
  E=$RUN/echo.out
  d=$(grep -E '^DTMF 1 ' "$E" | awk '{printf "%s", $3}')
  check "voip-echo got '$d' (want 123#)" [ "$d" = "123#" ]
  expect_once "$E" "HOLD 1 remote"
  expect_once "$E" "CALL 1 ENDED remote hangup"
}

case_answer_dial() {
  find_example voip-dial VOIP_DIAL
  need_free_ports "$SIP"
  show_on_fail "$RUN/voip.out" "$RUN/voip.err" "$RUN/dial.out" "$RUN/dial.err"
  bg_start voip "$VOIP_CLI" answer --bind "127.0.0.1:$SIP" --rtp-ports "$RTP-$((RTP + 19))" --duration 2s --timeout 20s
  wait_file_re "$RUN/voip.out" '^LISTENING sip:' 10 || die "voip answer printed no LISTENING line"
  run_fg dial 30 "$VOIP_DIAL" "sip:bob@127.0.0.1:$SIP" --bind 127.0.0.1:0 \
      --rtp-ports "$((RTP + 20))-$((RTP + 39))" --dtmf 42 --seconds 6
  check "voip-dial exit 0 (got $FG_RC)" [ "$FG_RC" = 0 ]
  bg_wait voip 10
  check "voip answer exit 0 (got $BG_RC)" [ "$BG_RC" = 0 ]
  O=$RUN/voip.out
  check "INCOMING line" grep -qE '^INCOMING sip:' "$O"
  d=$(grep -E '^DTMF ' "$O" | awk '{printf "%s", $2}')
  check "voip answer got digits '$d' (want 42)" [ "$d" = 42 ]
  check "END line: $(end_line "$O")" grep -qE '^END code=0 reason="local hangup" talk=2\.[0-9]s exit=0$' "$O"
  expect_once "$RUN/dial.out" "CALL 1 ENDED remote hangup"
}

case_register() {
  need_peer sipp
  show_on_fail "$RUN/sipp.out" "$RUN/sipp.err" "$RUN/voip.out" "$RUN/voip.err" "$RUN/refused.out" "$RUN/refused.err"
  need_free_ports "$SIP"
  bg_start sipp sipp -sf "$CLI_DIR/registrar_ok.xml" -i 127.0.0.1 -p "$SIP" -m 1 -nostdin -timeout 20
  wait_udp "$SIP" 10 || die "sipp is not listening on $SIP"
  run_fg voip 20 "$VOIP_CLI" register --server "127.0.0.1:$SIP" --user alice "${CLI_NET[@]}" --duration 1s
  check "voip register exit 0 (got $FG_RC)" [ "$FG_RC" = 0 ]
  check "STATUS REGISTERED line" grep -qE '^STATUS REGISTERED' "$RUN/voip.out"
  bg_wait sipp 10
  check "sipp saw REGISTER and the unregistering REGISTER (exit $BG_RC)" [ "$BG_RC" = 0 ]

  bg_start sipp403 sipp -sf "$CLI_DIR/registrar_403.xml" -i 127.0.0.1 -p "$SIP" -m 1 -nostdin -timeout 20
  wait_udp "$SIP" 10 || die "sipp is not listening on $SIP"
  run_fg refused 20 "$VOIP_CLI" register --server "127.0.0.1:$SIP" --user alice "${CLI_NET[@]}" --duration 1s
  check "voip register refused: exit 5 (got $FG_RC)" [ "$FG_RC" = 5 ]
  check "STATUS FAILED 403 line" grep -qE '^STATUS FAILED 403' "$RUN/refused.out"
}

case_sound_null() {
  start_echo
  show_on_fail "$RUN/voip.out" "$RUN/voip.err"
  run_fg voip 30 "$VOIP_CLI" call "sip:echo@127.0.0.1:$SIP" "${CLI_NET[@]}" \
      --sound --sound-backend null --duration 1500ms
  check "voip exit 0 (got $FG_RC)" [ "$FG_RC" = 0 ]
  line=$(grep -E '^SOUND ' "$RUN/voip.out")
  cap=$(sed -nE 's/.*captured=([0-9]+).*/\1/p' <<<"$line")
  play=$(sed -nE 's/.*played=([0-9]+).*/\1/p' <<<"$line")
  # 1.5 s at 8 kHz: 12000 frames each way; allow for start-up.
  check "null device ran both ways: $line" [ "${cap:-0}" -ge 8000 ] && [ "${play:-0}" -ge 8000 ]
}

case_interactive() {
  need_peer tmux
  start_echo
  local sock="voip-cli-$$" pane
  T=(tmux -L "$sock")
  cleanup_tmux() { "${T[@]}" kill-server 2>/dev/null || true; }
  trap 'cleanup_tmux; _on_exit' EXIT
  "${T[@]}" -f /dev/null new-session -d -s cli -x 160 -y 50 \
      "$VOIP_CLI call sip:echo@127.0.0.1:$SIP ${CLI_NET[*]} 2>&1; echo EXIT=\$?; sleep 30"
  pane() { "${T[@]}" capture-pane -p -t cli -S -200 > "$RUN/pane.txt"; }
  wait_pane() { local k; for k in $(seq 1 $(( ${2:-10} * 10 ))); do pane; grep -Eq -- "$1" "$RUN/pane.txt" && return 0; sleep 0.1; done; return 1; }
  show_on_fail "$RUN/pane.txt"
  wait_pane '^CALL ANSWERED' 10 || die "no answer in the tmux session"
  wait_pane 'keys: 0-9' 2 || fail "no key help line on the terminal"
  "${T[@]}" send-keys -t cli -l '12#'
  wait_file_re "$RUN/echo.out" '^DTMF 1 #' 8 || fail "voip-echo did not get the # key"
  "${T[@]}" send-keys -t cli -l 'o'
  wait_file_re "$RUN/echo.out" '^HOLD 1 remote' 8 || fail "o did not hold the call"
  "${T[@]}" send-keys -t cli -l 'o'
  wait_file_re "$RUN/echo.out" '^RESUME 1 remote' 8 || fail "o did not resume the call"
  "${T[@]}" send-keys -t cli -l 'h'
  wait_pane '^EXIT=' 10 || fail "voip did not exit after h"
  pane
  check "exit 0 after h" grep -q '^EXIT=0' "$RUN/pane.txt"
  check "END line on the terminal" grep -qE '^END code=0 reason="local hangup"' "$RUN/pane.txt"
  check "typed keys are not echoed (no '12#' on the terminal)" not grep -q '12#' "$RUN/pane.txt"
  d=$(grep -E '^DTMF 1 ' "$RUN/echo.out" | awk '{printf "%s", $3}')
  check "voip-echo got '$d' (want 12#)" [ "$d" = "12#" ]
  cleanup_tmux
}

case_play_record() {
  start_echo
  show_on_fail "$RUN/voip.out" "$RUN/voip.err"
  "$PY" - "$RUN/tone.wav" <<'PYEOF'
import math, struct, sys, wave
w = wave.open(sys.argv[1], "wb")
w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000)
w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 1000 * i / 16000))) for i in range(24000)))
w.close()
PYEOF
  run_fg voip 30 "$VOIP_CLI" call "sip:echo@127.0.0.1:$SIP" "${CLI_NET[@]}" \
      --play "$RUN/tone.wav" --record "$RUN/call.wav" --hangup
  check "voip exit 0 (got $FG_RC)" [ "$FG_RC" = 0 ]
  O=$RUN/voip.out
  expect_once "$O" "EVENT playback_ended finished"
  check "RECORDED line: $(grep -E '^RECORDED' "$O")" grep -qE "^RECORDED $RUN/call.wav 1\.[4-9]s$" "$O"
  check "hung up after the file: $(end_line "$O")" grep -qE '^END code=0 reason="local hangup" talk=1\.[4-9]s exit=0$' "$O"
  check "the recording holds the echoed 1 kHz tone: $(tone "--wav" "$RUN/call.wav" 2>&1)" \
      tone --wav "$RUN/call.wav" --expect 1000 --min-rms 1000 --min-active 1.0
}

"case_$CASE"
finish

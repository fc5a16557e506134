#!/usr/bin/env bash
# bsctl.sh - dependency-free client for baresip's ctrl_tcp module (netstring-framed JSON over TCP).
# (copied from the peers rig; the interop tests always pass -p with their own ctrl port)
# Usage:
#   bsctl.sh [-p PORT] cmd COMMAND [PARAMS]        send one long command (dial, hangup, sndcode, listcalls,
#                                                  callstat, accept, reginfo, ...) and print the JSON reply
#   bsctl.sh [-p PORT] call URI [DTMF] [SECS]      dial URI, wait for CALL_ESTABLISHED (max 15 s), send DTMF
#                                                  digits (RFC 2833, e.g. "123#"), keep the call SECS seconds
#                                                  (default 3), hang up, wait for CALL_CLOSED.
#                                                  Exit 0 = established and closed, 1 = failed.
#   bsctl.sh [-p PORT] events [SECS]               print events for SECS seconds (default 10)
# Note: ctrl_tcp serves ONE client at a time; a new connection replaces the previous one.
set -u
export LC_ALL=C
PORT=4444
if [ "${1:-}" = "-p" ]; then PORT=$2; shift 2; fi
MODE=${1:-}; shift || true

exec 3<>"/dev/tcp/127.0.0.1/$PORT" || { echo "cannot connect to 127.0.0.1:$PORT" >&2; exit 2; }

ns_send() { local j=$1; printf '%d:%s,' "${#j}" "$j" >&3; echo ">> $j" >&2; }
# ns_recv TIMEOUT -> sets MSG (one netstring payload)
ns_recv() {
  local len c
  IFS= read -r -t "$1" -d ':' len <&3 || return 1
  len=${len//[!0-9]/}
  IFS= read -r -t "$1" -N "$len" MSG <&3 || return 1
  IFS= read -r -t "$1" -N 1 c <&3 || return 1
  echo "<< $MSG" >&2
}
cmd() { ns_send "{\"command\":\"$1\",\"params\":\"${2:-}\",\"token\":\"t$RANDOM\"}"; }
# wait_for PATTERN FAILPATTERN SECS
wait_for() {
  local end=$((SECONDS + $3))
  while [ $SECONDS -lt $end ]; do
    ns_recv 1 || continue
    case $MSG in *"$1"*) return 0;; esac
    if [ -n "$2" ]; then case $MSG in *"$2"*) return 1;; esac; fi
  done
  return 1
}

case $MODE in
  cmd)
    cmd "$1" "${2:-}"
    wait_for '"response":true' '' 5 && echo "$MSG" ;;
  events)
    end=$((SECONDS + ${1:-10})); while [ $SECONDS -lt $end ]; do ns_recv 1 && echo "$MSG"; done ;;
  call)
    URI=$1; DTMF=${2:-}; SECS=${3:-3}
    cmd dial "$URI"
    if ! wait_for '"type":"CALL_ESTABLISHED"' '"type":"CALL_CLOSED"' 15; then
      echo "CALL FAILED: ${MSG:-no event}"; cmd hangup; exit 1
    fi
    echo "ESTABLISHED"
    sleep 1
    if [ -n "$DTMF" ]; then cmd sndcode "$DTMF"; wait_for '"response":true' '' 5; fi
    sleep "$SECS"
    cmd hangup
    wait_for '"type":"CALL_CLOSED"' '' 10 && echo "CLOSED" || { echo "no CALL_CLOSED"; exit 1; } ;;
  *) sed -n '2,12p' "$0"; exit 2 ;;
esac

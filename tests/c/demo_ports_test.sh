#!/bin/sh
# demo_ports_test.sh SOURCE_DIR WORK_DIR
#
# `make demo` with its ports overridden (issue 17) works while its default
# SIP port is taken.
set -u
src=$1 work=$2
fail() { echo "FAIL demo_ports: $*" >&2; [ -f "$work/demo.log" ] && tail -n 40 "$work/demo.log" >&2; exit 1; }
rm -rf "$work"
mkdir -p "$work"
# Hold the default port 5098 for the run (a UDP socket that never answers).
python3 -c 'import socket,time; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("127.0.0.1",5098)); time.sleep(60)' &
holder=$!
sleep 0.3
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$src" --no-print-directory demo \
  DEMO_SIP_PORT=29398 DEMO_DIAL_PORT=29399 DEMO_RTP_PORTS=29400-29449 DEMO_DIAL_RTP_PORTS=29450-29499 \
  >"$work/demo.log" 2>&1 </dev/null
rc=$?
kill "$holder" 2>/dev/null
[ $rc -eq 0 ] || fail "make demo exited $rc"
grep -q 'voip-echo --bind 127.0.0.1:29398 --rtp-ports 29400-29449' "$work/demo.log" || fail "voip-echo did not use the ports given"
grep -q 'sip:echo@127.0.0.1:29398 --bind 127.0.0.1:29399 --rtp-ports 29450-29499' "$work/demo.log" || fail "voip-dial did not use the ports given"
echo "PASS demo_ports"

#!/usr/bin/env bash
# start.sh [-A DEFINE ...]   e.g. -A NO_INVITE_AUTH -A NO_QOP -A WITH_RECHALLENGE
#
# Starts Kamailio, a registrar and proxy with digest auth and no database, on
# udp+tcp 127.0.0.1:$KAMAILIO_PORT (default 5060), in the foreground of a
# background job, with its files in $KAMAILIO_RUN (default
# /tmp/voip-kamailio-$KAMAILIO_PORT): kamailio.cfg, kamailio.log,
# kamailio.pid, kamailio_ctl (binrpc socket for kamcmd). Exits 0 once it
# answers RPCs. Users: alice/alicepw, bob/bobpw, carol/carolpw.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PORT=${KAMAILIO_PORT:-5060}
R=${KAMAILIO_RUN:-/tmp/voip-kamailio-$PORT}
mkdir -p "$R"
command -v kamailio >/dev/null || { echo "start.sh: kamailio is not installed (scripts/install-deps.sh installs it)" >&2; exit 1; }
if [ -s "$R/kamailio.pid" ] && kill -0 "$(cat "$R/kamailio.pid")" 2>/dev/null; then
  echo "start.sh: kamailio already running (pid $(cat "$R/kamailio.pid"))"; exit 0
fi
rm -f "$R/kamailio.pid" "$R/kamailio_ctl"
sed -e "s/@PORT@/$PORT/g" -e "s/@TLSPORT@/${KAMAILIO_TLS_PORT:-$((PORT + 1))}/g" -e "s#@RUN@#$R#g" \
  "$here/kamailio.cfg.in" > "$R/kamailio.cfg"
CTL="CTLSOCK=\"unix:$R/kamailio_ctl\""
if ! kamailio -c -f "$R/kamailio.cfg" -A "$CTL" "$@" > "$R/check.log" 2>&1; then
  echo "start.sh: config check failed:" >&2; tail -5 "$R/check.log" >&2; exit 1
fi
kamailio -f "$R/kamailio.cfg" -A "$CTL" -DD -E -m 64 -M 8 -P "$R/kamailio.pid" -Y "$R" -w "$R" "$@" > "$R/kamailio.log" 2>&1 &
KPID=$!
for i in $(seq 1 100); do
  if kamcmd -s "unix:$R/kamailio_ctl" core.uptime >/dev/null 2>&1; then
    echo "start.sh: kamailio ready (pid $KPID) on udp/tcp 127.0.0.1:$PORT"
    exit 0
  fi
  kill -0 "$KPID" 2>/dev/null || break
  sleep 0.1
done
echo "start.sh: kamailio failed to start:" >&2; tail -20 "$R/kamailio.log" >&2
kill "$KPID" 2>/dev/null; exit 1

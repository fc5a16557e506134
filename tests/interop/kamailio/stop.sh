#!/usr/bin/env bash
# stop.sh: stops the Kamailio that start.sh started for $KAMAILIO_PORT
# (SIGTERM, SIGKILL after 5 s). Exits 0 when none is running.
set -u
PORT=${KAMAILIO_PORT:-5060}
R=${KAMAILIO_RUN:-/tmp/voip-kamailio-$PORT}
[ -s "$R/kamailio.pid" ] || exit 0
pid=$(cat "$R/kamailio.pid")
kill -TERM "$pid" 2>/dev/null || { rm -f "$R/kamailio.pid"; exit 0; }
for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
pkill -KILL -f "kamailio -f $R/kamailio.cfg" 2>/dev/null
rm -f "$R/kamailio.pid" "$R/kamailio_ctl"
exit 0

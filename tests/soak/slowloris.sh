#!/usr/bin/env bash
# slowloris.sh — 200 TCP connections dribbling a byte every 300 ms, 20 idle
# ones, and a well-behaved client meanwhile.
#
# voip-echo on TCP with --option tcp_message_timeout_ms=1000 and
# --option tcp_idle_timeout_ms=2000. tools/tcp_abuse.py opens 200 connections
# that each send one more byte of an OPTIONS every 300 ms (never finishing
# it; each one closed is replaced for 3.5 s, at most 1,000 in all) and 20 that send one whole OPTIONS, read the 200 and go silent; every
# 0.5 s a probe sends a whole OPTIONS on a new connection. Passes when:
#   - every dribbling connection is closed by voip-echo between 0.8 s and
#     2.0 s after it opened (the message timeout, 1 s, counted from accept
#     for a first message);
#   - every idle connection is closed between 1.5 s and 3.0 s after its
#     answer (the idle timeout, 2 s);
#   - every probe got 200, the slowest within 1 s;
#   - voip-echo's fds are back near the baseline and it exits 0 on SIGTERM.
# Fails without the message timeout (sip/transport_tcp.go guardedConn): a
# connection inside a message is never closed (the idle timeout only runs
# between messages); without the idle timeout the silent ones stay open.
# At most 1,000 connections, 200 open at once, 20 bytes each, 6 s.
# Ports (env): voip-echo SIP 5620 (TCP), RTP 22200-22209.
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
interop_init slowloris
find_example voip-echo VOIP_ECHO

ECHO_SIP=${ECHO_SIP:-5620}; ECHO_RTP=${ECHO_RTP:-22200-22209}; SLOW=200; IDLE=20
need_free_ports "$ECHO_SIP"
show_on_fail "$RUN/voip-echo.out" "$RUN/voip-echo.err" "$RUN/slowloris.out" "$RUN/slowloris.err"

bg_start voip-echo "$VOIP_ECHO" --bind "127.0.0.1:$ECHO_SIP" --rtp-ports "$ECHO_RTP" --user echo \
  --transport tcp --option tcp_message_timeout_ms=1000 --option tcp_idle_timeout_ms=2000
wait_tcp "$ECHO_SIP" 10 || die "voip-echo did not listen on TCP $ECHO_SIP"
PID=$(real_pid voip-echo voip-echo) || die "no voip-echo process"
run_fg options0 10 "$PY" "$SOAK_TOOLS/tcp_abuse.py" options --target "127.0.0.1:$ECHO_SIP"
check "TCP OPTIONS before the attack: $(cat "$RUN/options0.out")" grep -q '^ANSWER 200 ' "$RUN/options0.out"
read_stats base "$PID"
log "baseline: $(proc_stats "$PID")"

run_fg slowloris 20 "$PY" "$SOAK_TOOLS/tcp_abuse.py" slowloris --target "127.0.0.1:$ECHO_SIP" \
  --conns $SLOW --interval 0.3 --duration 6 --idle-conns $IDLE --probe-every 0.5 --reopen --max-total 1000
check "tcp_abuse.py slowloris ended (rc=$FG_RC)" test "$FG_RC" = 0
while read -r line; do log "tcp_abuse.py: $line"; done < "$RUN/slowloris.out"

# field LINE KEY: the value of KEY=... in the tool's LINE
field() { sed -n "s/^$1 .*\\<$2=\\([^ ]*\\).*/\\1/p" "$RUN/slowloris.out"; }
closed=$(field SLOW closed)
check "every dribbling connection was closed ($closed), more than $SLOW (the attack lasted)" \
  awk -v c="$closed" 'BEGIN { split(c, a, "/"); exit !(a[1] == a[2] && a[1] > '$SLOW') }'
check "dribbling connections closed 0.8..2.0 s after they opened (min $(field SLOW min), max $(field SLOW max))" \
  awk -v lo="$(field SLOW min)" -v hi="$(field SLOW max)" 'BEGIN { exit !(lo >= 0.8 && hi <= 2.0) }'
check "every idle connection got its 200 ($(field IDLE answered)/$IDLE) and was closed ($(field IDLE closed))" \
  test "$(field IDLE answered)" = "$IDLE" -a "$(field IDLE closed)" = "$IDLE/$IDLE"
check "idle connections closed 1.5..3.0 s after their answer (min $(field IDLE min), max $(field IDLE max))" \
  awk -v lo="$(field IDLE min)" -v hi="$(field IDLE max)" 'BEGIN { exit !(lo >= 1.5 && hi <= 3.0) }'
ok=$(field PROBES ok); sent=$(field PROBES sent); lat=$(field PROBES max_latency)
check "every well-behaved OPTIONS during the attack got 200 ($ok/$sent, slowest ${lat}s)" \
  test -n "$ok" -a "$ok" = "$sent" -a "${sent:-0}" -ge 3
check "the slowest well-behaved OPTIONS took at most 1 s (${lat}s)" awk -v l="$lat" 'BEGIN { exit !(l != "" && l <= 1.0) }'

check "voip-echo is still alive" bg_alive voip-echo
for _ in $(seq 1 30); do read_stats end "$PID"; [ "$end_fds" -le $((base_fds + 5)) ] && break; sleep 0.1; done
log "after: $(proc_stats "$PID") (baseline fds $base_fds threads $base_threads rss_kb $base_rss_kb)"
check "voip-echo's fds back near the baseline ($end_fds <= $base_fds + 5)" test "$end_fds" -le $((base_fds + 5))
bg_stop voip-echo TERM 5
check "voip-echo exited 0 on SIGTERM (rc=$BG_RC)" test "$BG_RC" = 0
finish

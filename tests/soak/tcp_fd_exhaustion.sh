#!/usr/bin/env bash
# tcp_fd_exhaustion.sh — voip-echo on TCP under a 256-file limit, 300 idle
# connections, then recovery.
#
# voip-echo listens on TCP (--transport tcp, no registration) under
# `prlimit --nofile=256:256`. tools/tcp_abuse.py opens 300 idle connections
# (more than the process can hold: accept4 fails with EMFILE), holds them 3 s,
# closes them, then sends OPTIONS on new connections. Passes when:
#   - voip-echo really ran out: its open fds reached the limit (>= 250) while
#     the connections were held;
#   - after they are closed, a new TCP OPTIONS gets 200 within 5 s;
#   - voip-echo is still alive, its fds back near the baseline, exit 0 on SIGTERM.
# Fails without the accept back-off (sip/transport_tcp.go): sipgo's Serve
# ends at the first EMFILE and no later connection is ever answered.
# Ports (env): voip-echo SIP 5610 (TCP), RTP 22100-22109.
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
interop_init tcp_fd_exhaustion
find_example voip-echo VOIP_ECHO
need_peer prlimit

ECHO_SIP=${ECHO_SIP:-5610}; ECHO_RTP=${ECHO_RTP:-22100-22109}; LIMIT=256; CONNS=300
need_free_ports "$ECHO_SIP"
show_on_fail "$RUN/voip-echo.out" "$RUN/voip-echo.err" "$RUN/exhaust.out" "$RUN/exhaust.err"

bg_start voip-echo prlimit --nofile=$LIMIT:$LIMIT -- "$VOIP_ECHO" --bind "127.0.0.1:$ECHO_SIP" \
  --rtp-ports "$ECHO_RTP" --user echo --transport tcp
wait_tcp "$ECHO_SIP" 10 || die "voip-echo did not listen on TCP $ECHO_SIP"
PID=$(real_pid voip-echo voip-echo) || die "no voip-echo process"
check "voip-echo runs with a $LIMIT-file limit" \
  grep -Eq "^Max open files +$LIMIT +$LIMIT " "/proc/$PID/limits"

run_fg options0 10 "$PY" "$SOAK_TOOLS/tcp_abuse.py" options --target "127.0.0.1:$ECHO_SIP"
check "TCP OPTIONS before the attack: $(cat "$RUN/options0.out")" grep -q '^ANSWER 200 ' "$RUN/options0.out"
read_stats base "$PID"
log "baseline: $(proc_stats "$PID")"

bg_start exhaust "$PY" "$SOAK_TOOLS/tcp_abuse.py" exhaust --target "127.0.0.1:$ECHO_SIP" \
  --conns $CONNS --hold 3 --recover-within 5
wait_file_re "$RUN/exhaust.out" '^HOLDING' 15 || die "tcp_abuse.py did not open its connections"
log "tcp_abuse.py: $(grep '^OPENED' "$RUN/exhaust.out")"
max_fds=0
for _ in $(seq 1 20); do
  read_stats now "$PID"; [ "$now_fds" -gt "$max_fds" ] && max_fds=$now_fds
  grep -q '^CLOSED' "$RUN/exhaust.out" && break
  sleep 0.1
done
log "voip-echo's open fds while $CONNS connections were held: up to $max_fds (limit $LIMIT)"
check "voip-echo ran out of file descriptors (fds reached $max_fds >= $((LIMIT - 6)))" test "$max_fds" -ge $((LIMIT - 6))

bg_wait exhaust 15
check "tcp_abuse.py ended (rc=$BG_RC)" test "$BG_RC" = 0
rec=$(grep -E '^(RECOVERED|NOT_RECOVERED)' "$RUN/exhaust.out")
log "after closing them: ${rec:-nothing}"
check "a new TCP OPTIONS got 200 within 5 s of the close: ${rec:-nothing}" grep -q '^RECOVERED 200 ' "$RUN/exhaust.out"
check "voip-echo is still alive" bg_alive voip-echo

# Its fds return near the baseline once the closed connections are read to EOF.
for _ in $(seq 1 50); do read_stats end "$PID"; [ "$end_fds" -le $((base_fds + 5)) ] && break; sleep 0.1; done
log "fds: baseline $base_fds, peak $max_fds, after $end_fds; $(proc_stats "$PID")"
check "voip-echo's fds back near the baseline ($end_fds <= $base_fds + 5)" test "$end_fds" -le $((base_fds + 5))
run_fg options1 10 "$PY" "$SOAK_TOOLS/tcp_abuse.py" options --target "127.0.0.1:$ECHO_SIP"
check "TCP OPTIONS at the end: $(cat "$RUN/options1.out")" grep -q '^ANSWER 200 ' "$RUN/options1.out"

bg_stop voip-echo TERM 5
check "voip-echo exited 0 on SIGTERM (rc=$BG_RC)" test "$BG_RC" = 0
finish

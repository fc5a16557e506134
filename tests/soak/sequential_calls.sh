#!/usr/bin/env bash
# sequential_calls.sh — 2,000 short calls from SIPp; fds, threads and memory flat.
#
# SIPp's built-in UAC (-sn uac: INVITE with SDP, ACK, 200 ms, BYE) calls
# voip-echo at 200 calls/s, at most 50 at once:
#   A: after 200 calls        fds, threads, RSS, and Go's live heap
#   B: after 2,000 calls      (GODEBUG=gctrace=1 on voip-echo's stderr)
#   C: 35 s later, after 200 more calls
# sipgo keeps every finished transaction until its RFC 3261 timers (J: 32 s
# over UDP) expire, about 15 kB a call, so at B the last 32 s of calls (here
# all of them) are still held. C comes after
# those timers, with the same 200-call load as A, so C - A is what the calls
# left behind. Passes when:
#   - every SIPp run ends with 0 failed calls (exit 0, -trace_stat counts) and
#     voip-echo printed an ENDED line for each of the 2,200 calls;
#   - B and C against A: fds +0..+5, threads +0..+8;
#   - C against A: Go live heap at most +2 MB (when both gctrace lines exist):
#     the strict leak check, about 1 kB a call;
#   - RSS: C at most A + 20 MB.
# voip-echo runs with GOGC=10: the collector then runs every few calls, so
# the live heap read at C is measured after the expired transactions were
# collected (with the default GOGC an idle process may not collect before
# Go's 2-minute forced GC, and the last gctrace line still shows B's heap),
# and freed memory does not pile up in RSS.
#   - voip-echo exits 0 on SIGTERM.
# Fails when a call leaves anything behind: an RTP socket or a SIP connection
# (fds), an audio or Go thread, or ~10 kB of memory per call (22 MB).
# Ports (env): voip-echo SIP 5640, RTP 22400-22599; SIPp 5641, media 22690.
VOIP_TEST_DEADLINE=${VOIP_TEST_DEADLINE:-85}
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
interop_init sequential_calls
find_example voip-echo VOIP_ECHO
need_peer sipp

ECHO_SIP=${ECHO_SIP:-5640}; ECHO_RTP=${ECHO_RTP:-22400-22599}; SIPP_SIP=${SIPP_SIP:-5641}; SIPP_MEDIA=${SIPP_MEDIA:-22690}
need_free_ports "$ECHO_SIP" "$SIPP_SIP"
show_on_fail "$RUN/voip-echo.out" "$RUN/voip-echo.err" "$RUN/sipp_errors.log"

bg_start voip-echo env GODEBUG=gctrace=1 GOGC=10 "$VOIP_ECHO" --bind "127.0.0.1:$ECHO_SIP" --rtp-ports "$ECHO_RTP" --user echo
wait_udp "$ECHO_SIP" 10 || die "voip-echo did not start"
PID=$(real_pid voip-echo voip-echo) || die "no voip-echo process"
log "at start: $(proc_stats "$PID")"

TOTAL=0
# calls NAME N: N calls from SIPp; checks its result and that voip-echo ended them all.
calls() {
  local name=$1 n=$2 ok failed
  rm -f "$RUN/$name.csv"
  run_fg "$name" 40 sipp "127.0.0.1:$ECHO_SIP" -sn uac -s echo -i 127.0.0.1 -mi 127.0.0.1 \
    -p "$SIPP_SIP" -mp "$SIPP_MEDIA" -m "$n" -r 200 -l 50 -d 200 -timeout 35 -nostdin \
    -trace_stat -stf "$RUN/$name.csv" -trace_err -error_file "$RUN/sipp_errors.log"
  ok=$(awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "SuccessfulCall(C)") c = i } END { print $c + 0 }' "$RUN/$name.csv" 2>/dev/null)
  failed=$(awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "FailedCall(C)") c = i } END { print $c + 0 }' "$RUN/$name.csv" 2>/dev/null)
  TOTAL=$((TOTAL + n))
  check "$name: SIPp made $n calls: ${ok:-?} successful, ${failed:-?} failed (exit $FG_RC)" \
    test "$FG_RC" = 0 -a "${ok:-0}" = "$n" -a "${failed:-x}" = 0
  wait_calls_zero "$RUN/voip-echo.out" 10
  check "$name: voip-echo ended every call ($(grep -c '^CALL [0-9]* ENDED' "$RUN/voip-echo.out")/$TOTAL, $(calls_open "$RUN/voip-echo.out") open)" \
    test "$(grep -c '^CALL [0-9]* ENDED' "$RUN/voip-echo.out")" = "$TOTAL" -a "$(calls_open "$RUN/voip-echo.out")" = 0
}
# live_heap: Go's live heap (MB) after the last GC voip-echo traced ("a->b->c MB": c)
live_heap() { grep '^gc ' "$RUN/voip-echo.err" | tail -1 | sed -n 's/.*->\([0-9]*\) MB.*/\1/p'; }
# settle VAR: read the stats (VAR_*) once threads and fds are within the margins of A, or after 5 s
settle() {
  local i
  for i in $(seq 1 25); do
    read_stats "$1" "$PID"
    local f=${1}_fds t=${1}_threads
    [ "${!f}" -le $((A_fds + 5)) ] && [ "${!t}" -le $((A_threads + 8)) ] && break
    sleep 0.2
  done
}

calls first200 200
sleep 0.5; read_stats A "$PID"; A_heap=$(live_heap)
log "A, after 200 calls:   fds=$A_fds threads=$A_threads rss_kb=$A_rss_kb live_heap=${A_heap:-?}MB"

calls next1800 1800
settle B; B_heap=$(live_heap)
log "B, after 2,000 calls: fds=$B_fds threads=$B_threads rss_kb=$B_rss_kb live_heap=${B_heap:-?}MB (finished transactions still held)"
check "B: fds flat ($A_fds -> $B_fds, +0..+5)" test "$B_fds" -le $((A_fds + 5))
check "B: threads flat ($A_threads -> $B_threads, +0..+8)" test "$B_threads" -le $((A_threads + 8))

log "waiting 35 s: sipgo's transaction timers (J = 32 s) expire"
sleep 35
calls last200 200
sleep 0.5; settle C; C_heap=$(live_heap)
log "C, 35 s later, after 200 more calls: fds=$C_fds threads=$C_threads rss_kb=$C_rss_kb live_heap=${C_heap:-?}MB"
check "C: fds flat ($A_fds -> $C_fds, +0..+5)" test "$C_fds" -le $((A_fds + 5))
check "C: threads flat ($A_threads -> $C_threads, +0..+8)" test "$C_threads" -le $((A_threads + 8))
check "C: RSS flat ($A_rss_kb kB -> $C_rss_kb kB: +$(( (C_rss_kb - A_rss_kb) / 1024 )) MB, at most +20 MB)" \
  test "$C_rss_kb" -le $((A_rss_kb + 20 * 1024))
if [ -n "${A_heap:-}" ] && [ -n "${C_heap:-}" ]; then
  check "C: Go live heap flat (${A_heap} MB -> ${C_heap} MB, at most +2 MB)" test "$C_heap" -le $((A_heap + 2))
else
  log "no gctrace line to compare the live heap (A=${A_heap:-none} C=${C_heap:-none})"
fi

bg_stop voip-echo TERM 5
check "voip-echo exited 0 on SIGTERM (rc=$BG_RC)" test "$BG_RC" = 0
finish

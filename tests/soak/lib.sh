# tests/soak/lib.sh — helpers of the soak tests (source it; bash only).
#
# Builds on tests/interop/lib.sh (interop_init, bg_start, check, finish, ...)
# and adds what the soak tests measure from outside a running process:
#
#   real_pid NAME COMM      pid of the program under bg_start's timeout
#   proc_stats PID          prints "fds=N threads=N rss_kb=N" (/proc/PID)
#   read_stats VAR PID      sets VAR_fds, VAR_threads, VAR_rss_kb
#   cpu_ms PID              CPU time used so far (user + system), ms
#   calls_open FILE         calls of voip-echo's output not yet ENDED
#   calls_max_open FILE     the most calls open at once in that output
#   soak_tool NAME ARGS...  runs tests/soak/tools/NAME.py with the stdlib python
#
# Loopback only; every flood a test starts is bounded in count and time by
# the tool's arguments (each tool also caps its own duration).
SOAK_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$SOAK_DIR/../interop/lib.sh"

# real_pid NAME COMM: the pid of the program bg_start NAME runs (bg_start's pid
# is its `timeout` wrapper): the child whose command name is COMM (comm is
# cut to 15 characters). Waits up to 5 s for it; prints nothing if none.
real_pid() {
  local tpid i p
  tpid=$(bg_pid "$1") || return 1
  for i in $(seq 1 50); do
    p=$(ps -o pid=,comm= --ppid "$tpid" 2>/dev/null | awk -v c="${2:0:15}" '$2 == c { print $1; exit }')
    [ -n "$p" ] && { echo "$p"; return 0; }
    sleep 0.1
  done
  return 1
}
# proc_stats PID: open file descriptors, threads and resident memory of PID.
proc_stats() {
  local pid=$1 fds threads rss
  fds=$(ls "/proc/$pid/fd" 2>/dev/null | wc -l)
  threads=$(awk '/^Threads:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
  rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
  echo "fds=${fds:-0} threads=${threads:-0} rss_kb=${rss:-0}"
}
# cpu_ms PID: CPU time (user + system) PID has used, in milliseconds.
cpu_ms() {
  local tck; tck=$(getconf CLK_TCK 2>/dev/null || echo 100)
  # Fields after the ")" of the command name: utime and stime are the 12th and 13th.
  sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk -v t="$tck" '{ print int(($12 + $13) * 1000 / t) }'
}
# read_stats VAR PID: VAR_fds, VAR_threads, VAR_rss_kb from proc_stats.
read_stats() {
  local var=$1 kv
  for kv in $(proc_stats "$2"); do printf -v "${var}_${kv%%=*}" '%s' "${kv#*=}"; done
}
# calls_open FILE: calls voip-echo announced (CALL n RINGING) minus those ENDED.
calls_open() {
  awk '$1 == "CALL" && $3 == "RINGING" { o++ } $1 == "CALL" && $3 == "ENDED" { o-- } END { print o + 0 }' "$1"
}
# calls_max_open FILE: the most calls open at once (RINGING .. ENDED) in FILE.
calls_max_open() {
  awk '$1 == "CALL" && $3 == "RINGING" { o++; if (o > m) m = o } $1 == "CALL" && $3 == "ENDED" { o-- } END { print m + 0 }' "$1"
}
# wait_calls_zero FILE SECS: until every call in FILE has ENDED (at least one call seen).
wait_calls_zero() {
  local i
  for i in $(seq 1 $(( $2 * 10 ))); do
    [ "$(calls_open "$1")" = 0 ] && grep -q '^CALL ' "$1" && return 0
    sleep 0.1
  done
  return 1
}
# soak_tool NAME ARGS...: one of tests/soak/tools/*.py (stdlib only)
soak_tool() { local t=$1; shift; "$PY" "$SOAK_DIR/tools/$t.py" "$@"; }
SOAK_TOOLS=$SOAK_DIR/tools

# tests/interop/lib.sh — shared helpers for the interop tests (source it; bash only).
#
# Every test:
#   . "$(dirname "$0")/lib.sh"
#   interop_init NAME            # run dir, traps, binaries
#   need_peer sipp tshark ...    # skip (77) or fail (CI) when a peer is missing
#   bg_start NAME CMD...         # background process, pid/log under the run dir
#   ... checks: check / fail ...
#   finish                       # prints the verdict, exits 0 or 1
#
# Loopback only: every address used here is 127.0.0.1.
#
# Environment:
#   VOIP_ECHO, VOIP_DIAL  paths of the example programs (ctest sets them; else
#                         they are looked for under the repo's build/ tree)
#   VOIP_TEST_RUN         run directory (default: a new mktemp -d); each test
#                         writes into $VOIP_TEST_RUN/<test name>/
#   VOIP_TEST_KEEP=1      keep the run directory even when the test passes
#   VOIP_TEST_DEADLINE    seconds a whole test may take (default 60): then it is
#                         stopped, cleaned up and failed
#   CI                    when set, a missing peer program is a failure, not a skip
set -u
export LC_ALL=C

INTEROP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$INTEROP_DIR/../.." && pwd)
# The python used by the tools: Debian's, stdlib only (avoid pyenv shims).
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
# Kamailio and kamcmd live in /usr/sbin, which a non-root PATH may lack.
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH=$PATH:/usr/sbin ;; esac
# Longest life of any background process (a backstop if the test itself is killed).
BG_MAX_LIFE=${BG_MAX_LIFE:-100}

_T0=$SECONDS
_FAILS=0
_BG_NAMES=()
_RUN_CREATED=0

log()  { printf '[%3ds] %s\n' $((SECONDS - _T0)) "$*"; }
pass() { log "ok    $*"; }
fail() { log "FAIL  $*"; _FAILS=$((_FAILS + 1)); }
# check DESCRIPTION CMD...: run CMD; pass or fail with DESCRIPTION
check() { local d=$1; shift; if "$@"; then pass "$d"; else fail "$d"; fi; }
# die MSG: fatal setup problem (exit 1 after cleanup)
die()  { log "ERROR $*"; _FAILS=$((_FAILS + 1)); finish; }

# interop_init NAME: sets RUN (this test's directory) and the cleanup traps.
interop_init() {
  TEST_NAME=$1
  if [ -z "${VOIP_TEST_RUN:-}" ]; then
    VOIP_TEST_RUN=$(mktemp -d "${TMPDIR:-/tmp}/voip-interop.XXXXXX") || { echo "mktemp failed" >&2; exit 1; }
    _RUN_CREATED=1
  fi
  export VOIP_TEST_RUN
  RUN=$VOIP_TEST_RUN/$TEST_NAME
  rm -rf "$RUN"; mkdir -p "$RUN" || { echo "cannot create $RUN" >&2; exit 1; }
  trap _on_exit EXIT
  trap '_on_signal' INT TERM HUP
  log "== $TEST_NAME (run dir $RUN)"
  # Watchdog: TERM this test when it outlives its deadline.  It ends by itself
  # (within a second) when the test exits; it holds none of the test's output.
  local dl=${VOIP_TEST_DEADLINE:-60} me=$$
  ( timeout "$dl" tail --pid="$me" -f /dev/null
    [ $? = 124 ] && { touch "$RUN/.deadline"; kill -TERM "$me"; } ) </dev/null >/dev/null 2>&1 &
}
_on_signal() {
  if [ -f "$RUN/.deadline" ]; then fail "the test exceeded its ${VOIP_TEST_DEADLINE:-60} s deadline"
  else log "interrupted"; fi
  show_logs "${_SHOW_ON_FAIL[@]:-}"
  exit 130
}

# find_example NAME ENVVAR: sets the variable to the example binary path or dies.
find_example() {
  local name=$1 var=$2 p=${!2:-} c
  if [ -z "$p" ]; then
    for c in "$REPO_ROOT/build/cmake/bin/$name" "$REPO_ROOT/build/cmake/examples/$name" "$REPO_ROOT/build/examples/$name" \
             "$REPO_ROOT/build/cmake/examples/$name/$name" "$REPO_ROOT/build/bin/$name"; do
      [ -x "$c" ] && { p=$c; break; }
    done
    [ -n "$p" ] || p=$(find "$REPO_ROOT/build" -type f -name "$name" -perm -u+x 2>/dev/null | head -1)
  fi
  [ -n "$p" ] && [ -x "$p" ] || die "example program $name not found (set $var=/path/to/$name, or build it with make)"
  printf -v "$var" '%s' "$p"
  log "using $name: $p"
}

# need_peer CMD...: a missing peer program skips the test (exit 77), or fails it when CI is set.
need_peer() {
  local c missing=()
  for c in "$@"; do command -v "$c" >/dev/null 2>&1 || missing+=("$c"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ -n "${CI:-}" ]; then
    die "peer program(s) missing in CI: ${missing[*]} (scripts/install-deps.sh must install them)"
  fi
  log "SKIP  peer program(s) missing: ${missing[*]} (run scripts/install-deps.sh)"
  _SKIP=1; exit 77
}

# port_free PORT: nothing listens on UDP or TCP PORT
port_free() { ! ss -Hlnut "sport = :$1" 2>/dev/null | grep -q . ; }
# need_free_ports PORT...: die when one is taken (another test or program uses it)
need_free_ports() {
  local p
  for p in "$@"; do port_free "$p" || die "port $p is in use: $(ss -Hlnutp "sport = :$p" | head -2 | tr -s ' ')"; done
}
# wait_udp PORT [SECS] / wait_tcp PORT [SECS]: until something listens on 127.0.0.1:PORT
wait_udp() { local i; for i in $(seq 1 $(( ${2:-10} * 10 ))); do ss -Hlnu "sport = :$1" | grep -q "127.0.0.1:$1" && return 0; sleep 0.1; done; return 1; }
wait_tcp() { local i; for i in $(seq 1 $(( ${2:-10} * 10 ))); do ss -Hlnt "sport = :$1" | grep -q "127.0.0.1:$1" && return 0; sleep 0.1; done; return 1; }
# wait_file_re FILE ERE [SECS]: until a line of FILE matches ERE
wait_file_re() { local i; for i in $(seq 1 $(( ${3:-10} * 10 ))); do grep -Eq -- "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done; return 1; }

# _alive PID: running and not a zombie
_alive() { local s; s=$(ps -o stat= -p "$1" 2>/dev/null) || return 1; [[ $s != Z* ]]; }

# bg_start NAME CMD...: start CMD in the background (stdin /dev/null), stdout in
# $RUN/NAME.out, stderr in $RUN/NAME.err, pid in $RUN/NAME.pid.  CMD runs under
# `timeout` so it cannot outlive the test by more than BG_MAX_LIFE seconds.
bg_start() {
  local name=$1; shift
  ( cd "$RUN" && exec timeout -k 5 "$BG_MAX_LIFE" "$@" ) </dev/null >"$RUN/$name.out" 2>"$RUN/$name.err" &
  echo $! > "$RUN/$name.pid"
  _BG_NAMES+=("$name")
  log "started $name (pid $!): $*"
}
bg_pid() { cat "$RUN/$1.pid" 2>/dev/null; }
bg_alive() { local p; p=$(bg_pid "$1") && [ -n "$p" ] && _alive "$p"; }

# bg_wait NAME SECS: wait for NAME to exit by itself; sets BG_RC (its exit code,
# or 124 when it did not exit in time, in which case it keeps running).
bg_wait() {
  local name=$1 secs=$2 pid i
  pid=$(bg_pid "$name") || { BG_RC=255; return; }
  if [ -f "$RUN/$name.rc" ]; then BG_RC=$(cat "$RUN/$name.rc"); return; fi
  for i in $(seq 1 $((secs * 10))); do _alive "$pid" || break; sleep 0.1; done
  if _alive "$pid"; then BG_RC=124; return; fi
  wait "$pid" 2>/dev/null; BG_RC=$?
  [ -f "$RUN/$name.rc" ] || echo "$BG_RC" > "$RUN/$name.rc"
}

# run_fg NAME SECS CMD...: run CMD to its end, bounded by SECS (then TERM, KILL
# 5 s later), stdout/stderr in $RUN/NAME.out / NAME.err; sets FG_RC (124 = timed
# out).  It runs as a waited-for background job, so a signal to the test runs
# the cleanup trap at once (bash delays traps until a foreground command ends).
run_fg() {
  local name=$1 secs=$2 pid; shift 2
  ( cd "$RUN" && exec timeout -k 5 "$secs" "$@" ) </dev/null >"$RUN/$name.out" 2>"$RUN/$name.err" &
  pid=$!
  echo "$pid" > "$RUN/$name.pid"
  _BG_NAMES+=("$name")
  wait "$pid"; FG_RC=$?
  echo "$FG_RC" > "$RUN/$name.rc"
}

# bg_stop NAME [SIGNAL] [SECS]: send SIGNAL (default TERM), wait up to SECS
# (default 10), then SIGKILL that pid.  Sets BG_RC (137 when it had to be killed).
# Stopping a process that already exited just collects its exit code.
bg_stop() {
  local name=$1 sig=${2:-TERM} secs=${3:-10} pid
  pid=$(bg_pid "$name") || { BG_RC=255; return; }
  if [ -f "$RUN/$name.rc" ]; then BG_RC=$(cat "$RUN/$name.rc"); return; fi
  if _alive "$pid"; then
    kill "-$sig" "$pid" 2>/dev/null
    bg_wait "$name" "$secs"
    if [ "$BG_RC" = 124 ]; then
      log "$name (pid $pid) still alive ${secs}s after SIG$sig -> SIGKILL"
      kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
      BG_RC=137; echo 137 > "$RUN/$name.rc"
    fi
  else
    wait "$pid" 2>/dev/null; BG_RC=$?; echo "$BG_RC" > "$RUN/$name.rc"
  fi
}

# capture_start NAME BPF: capture on lo with capture filter BPF into $RUN/NAME.pcapng
# (dumpcap, the capture engine of tshark, when present: it starts faster).
capture_start() {
  local name=$1 filter=$2 cap=tshark
  command -v dumpcap >/dev/null 2>&1 && cap=dumpcap
  bg_start "$name" "$cap" -i lo -f "$filter" -w "$RUN/$name.pcapng" -q
  wait_file_re "$RUN/$name.err" "Capturing on" 10 || die "$cap did not start capturing: $(tail -3 "$RUN/$name.err")"
  sleep 0.2
}
capture_stop() { sleep 0.3; bg_stop "$1" TERM 5; }

# rtp_table PCAP OUT PORT...: one tshark pass over PCAP; every UDP packet to or
# from one of the PORTs is decoded as RTP.  OUT gets one line per RTP packet:
#   srcport dstport pt ssrc timestamp event end payload   (tab separated)
rtp_table() {
  local pcap=$1 out=$2 p d=(); shift 2
  for p in "$@"; do d+=(-d "udp.port==$p,rtp"); done
  tshark -r "$pcap" "${d[@]}" -Y rtp -T fields -e udp.srcport -e udp.dstport -e rtp.p_type \
         -e rtp.ssrc -e rtp.timestamp -e rtpevent.event_id -e rtpevent.end_of_event -e rtp.payload \
         >"$out" 2>"$out.err"
}
# rtp_count TABLE AWKCOND: packets for which the awk condition holds
#   (fields: s=srcport d=dstport pt ssrc ts ev end pl)
_rtp_awk() { awk -F'\t' -v OFS='\t' "{ s=\$1+0; d=\$2+0; pt=\$3+0; ssrc=\$4; ts=\$5; ev=\$6; end=\$7+0; pl=\$8 } $2" "$1"; }
rtp_count() { _rtp_awk "$1" "($2) { n++ } END { print n+0 }"; }
# rtp_payloads TABLE AWKCOND: hex payloads of the matching packets, one a line
rtp_payloads() { _rtp_awk "$1" "($2) { print pl }"; }
# rtp_digits TABLE AWKCOND: RFC 4733 digits (end-of-event, one per ssrc+timestamp) in order
rtp_digits() {
  _rtp_awk "$1" "($2) && ev != \"\" && end == 1 && !seen[ssrc\" \"ts]++ { e=ev+0; c=e; if (e==10) c=\"*\"; if (e==11) c=\"#\"; printf \"%s\", c }"
}

# tone ARGS...: tests/interop/tools/tone.py (WAV or G.711 payloads on stdin)
tone() { "$PY" "$INTEROP_DIR/tools/tone.py" "$@"; }

# count_lines FILE LINE: how many lines equal LINE exactly (trailing spaces/CR ignored)
count_lines() { sed 's/[[:space:]]*$//' "$1" 2>/dev/null | grep -cxF -- "$2"; }
# expect_once FILE LINE: check LINE occurs exactly once in FILE
expect_once() {
  local n; n=$(count_lines "$1" "$2")
  if [ "$n" = 1 ]; then pass "'$2' printed once"; else fail "'$2' printed $n times (expected once) in $(basename "$1")"; fi
}

# show_logs FILE...: tail of each file, for a failure report
show_logs() {
  local f
  for f in "$@"; do
    [ -s "$f" ] || continue
    echo "----- ${f#$VOIP_TEST_RUN/} (last 40 lines)"
    tail -n 40 "$f"
  done
}

_on_exit() {
  local rc=$? n
  trap - EXIT INT TERM HUP
  # Stop everything we started, newest first (TERM, then KILL after 5 s).
  for ((n=${#_BG_NAMES[@]}-1; n>=0; n--)); do
    bg_alive "${_BG_NAMES[$n]}" && bg_stop "${_BG_NAMES[$n]}" TERM 5 >/dev/null
  done
  if [ "${_SKIP:-0}" = 1 ]; then
    [ "$_RUN_CREATED" = 1 ] && rm -rf "$VOIP_TEST_RUN"
    exit 77
  fi
  if [ "$rc" = 0 ] && [ "$_FAILS" = 0 ]; then
    if [ "$_RUN_CREATED" = 1 ] && [ "${VOIP_TEST_KEEP:-0}" != 1 ]; then rm -rf "$VOIP_TEST_RUN"; fi
    exit 0
  fi
  [ "$rc" = 0 ] && rc=1
  log "logs kept in $RUN"
  exit "$rc"
}

# finish: verdict line, exit 0 when no check failed
finish() {
  if [ "$_FAILS" = 0 ]; then
    log "PASS  $TEST_NAME ($((SECONDS - _T0)) s)"
    exit 0
  fi
  [ "${_LOGS_SHOWN:-0}" = 1 ] || { _LOGS_SHOWN=1; show_logs "${_SHOW_ON_FAIL[@]:-}"; }
  log "FAIL  $TEST_NAME: $_FAILS check(s) failed ($((SECONDS - _T0)) s)"
  exit 1
}
_SHOW_ON_FAIL=()
# show_on_fail FILE...: files whose tails finish() prints when the test failed
show_on_fail() { _SHOW_ON_FAIL+=("$@"); }

# baresip_start SIP_PORT CTRL_PORT RTP_LO RTP_HI TONE_HZ ACCOUNT_LINE
#   baresip with tests/interop/baresip/config.in in $RUN/baresip/conf, log in
#   $RUN/baresip.out, recordings (*-enc.wav sent, *-dec.wav received) in
#   $RUN/baresip/rec.  Waits until SIP (udp) and ctrl_tcp listen.
baresip_start() {
  local sip=$1 ctrl=$2 lo=$3 hi=$4 hz=$5 acct=$6 B=$RUN/baresip
  need_free_ports "$sip" "$((sip + 1))" "$ctrl"
  mkdir -p "$B/conf" "$B/rec"
  sed -e "s#@SIP_PORT@#$sip#g" -e "s#@CTRL_PORT@#$ctrl#g" -e "s#@RTP_LO@#$lo#g" -e "s#@RTP_HI@#$hi#g" \
      -e "s#@TONE_HZ@#$hz#g" -e "s#@REC_DIR@#$B/rec#g" "$INTEROP_DIR/baresip/config.in" > "$B/conf/config"
  # BARESIP_CONFIG_SED: extra sed expressions for the config (e.g. baresip_rtcp.sh's rtcp_mux and rtcpsummary)
  if [ -n "${BARESIP_CONFIG_SED:-}" ]; then sed -i -e "$BARESIP_CONFIG_SED" "$B/conf/config"; fi
  # BS_CONFIG_EXTRA: more config lines (e.g. "module srtp.so"), appended
  [ -n "${BS_CONFIG_EXTRA:-}" ] && printf '%s\n' "$BS_CONFIG_EXTRA" >> "$B/conf/config"
  echo "$acct" > "$B/conf/accounts"
  : > "$B/conf/contacts"
  bg_start baresip baresip -4 -f "$B/conf"
  wait_file_re "$RUN/baresip.out" "baresip is ready" 10 || die "baresip did not start: $(tail -5 "$RUN/baresip.out" "$RUN/baresip.err")"
  wait_udp "$sip" 5 && wait_tcp "$ctrl" 5 || die "baresip is not listening on 127.0.0.1:$sip (udp) and :$ctrl (tcp)"
}
# baresip_digits: digits baresip logged as received (start of each RFC 4733 event).
# baresip 1.0 logs "received event: 'X' (end=0)" at the start of a digit; the end=1
# line of the last digit appears only when a later packet arrives.
baresip_digits() { grep -o "received event: '.' (end=0)" "$RUN/baresip.out" | cut -c18 | tr -d '\n'; }
# bsctl ARGS...: tests/interop/baresip/bsctl.sh against our ctrl port
bsctl() { bash "$INTEROP_DIR/baresip/bsctl.sh" -p "$BS_CTRL" "$@"; }
# bs_stop N: stop baresip (on $BS_SIP and $BS_CTRL), keep its log as
#   baresip-N.out, and wait until its ports are free, so that it can be
#   started again for another call.
bs_stop() {
  local i
  bg_stop baresip TERM 10
  mv "$RUN/baresip.out" "$RUN/baresip-$1.out"
  rm -f "$RUN/baresip.rc" # a restarted baresip is stopped again
  for i in $(seq 1 50); do port_free "$BS_SIP" && port_free "$((BS_SIP + 1))" && port_free "$BS_CTRL" && return 0; sleep 0.2; done
}

# ---- Kamailio (tests/interop/kamailio: registrar + proxy, digest auth) ----
# kamailio_start PORT [-A DEFINE ...]: Kamailio from kamailio/kamailio.cfg.in on
#   udp+tcp 127.0.0.1:PORT, as the background process "kamailio" (log in
#   $RUN/kamailio.err, so the usual cleanup stops it), its files (cfg, binrpc
#   socket) in $RUN/kam.  Exports KAMAILIO_PORT and KAMAILIO_RUN for
#   kamailio/kamctl.sh.  Waits until it answers RPCs.  Users: alice/alicepw,
#   bob/bobpw, carol/carolpw.
kamailio_start() {
  local port=$1 i; shift
  need_free_ports "$port"
  export KAMAILIO_PORT=$port KAMAILIO_RUN=$RUN/kam
  mkdir -p "$KAMAILIO_RUN"
  sed -e "s/@PORT@/$port/g" -e "s/@TLSPORT@/${KAMAILIO_TLS_PORT:-$((port + 1))}/g" -e "s#@RUN@#$KAMAILIO_RUN#g" \
    "$INTEROP_DIR/kamailio/kamailio.cfg.in" > "$KAMAILIO_RUN/kamailio.cfg"
  local ctl="CTLSOCK=\"unix:$KAMAILIO_RUN/kamailio_ctl\""
  kamailio -c -f "$KAMAILIO_RUN/kamailio.cfg" -A "$ctl" "$@" > "$KAMAILIO_RUN/check.log" 2>&1 \
    || die "kamailio config check failed: $(tail -3 "$KAMAILIO_RUN/check.log")"
  bg_start kamailio kamailio -f "$KAMAILIO_RUN/kamailio.cfg" -A "$ctl" -DD -E -m 64 -M 8 \
    -Y "$KAMAILIO_RUN" -w "$KAMAILIO_RUN" "$@"
  for i in $(seq 1 100); do
    kamcmd -s "unix:$KAMAILIO_RUN/kamailio_ctl" core.uptime >/dev/null 2>&1 && break
    bg_alive kamailio || die "kamailio exited at start: $(tail -5 "$RUN/kamailio.err")"
    sleep 0.1
  done
  wait_udp "$port" 5 && wait_tcp "$port" 5 || die "kamailio is not listening on udp+tcp 127.0.0.1:$port"
  log "kamailio ready on udp+tcp 127.0.0.1:$port"
}
# kamctl RPC [ARGS...]: kamailio/kamctl.sh (kamcmd) against our Kamailio; a few
# tries, as kamcmd can miss a busy Kamailio.
kamctl() {
  local i
  for i in 1 2 3 4 5; do
    bash "$INTEROP_DIR/kamailio/kamctl.sh" "$@" 2>/dev/null && return 0
    sleep 0.3
  done
  return 1
}
# kam_registered USER: USER has an entry in the location table (ul.dump brief)
kam_registered() { kamctl ul.dump brief | grep -Eq "AoR: $1\$"; }
# kam_contacts USER: USER's contact addresses in the location table, one a line
kam_contacts() {
  kamctl ul.dump | awk -v u="$1" '/AoR:/ { cur = $2 } cur == u && /Address:/ { print $2 }'
}
# wait_registered USER [SECS] / wait_unregistered USER [SECS]
wait_registered()   { local i; for i in $(seq 1 $(( ${2:-10} * 5 ))); do kam_registered "$1" && return 0; sleep 0.2; done; return 1; }
wait_unregistered() { local i; for i in $(seq 1 $(( ${2:-10} * 5 ))); do kam_registered "$1" || return 0; sleep 0.2; done; return 1; }
# sip_ladder PCAP OUT PORT...: one line per SIP message in PCAP (SIP decoded on
# udp and tcp PORTs), tab separated:  time  udp|tcp  src:port  dst:port  first-line  CSeq
sip_ladder() {
  local pcap=$1 out=$2 p d=(); shift 2
  for p in "$@"; do d+=(-d "udp.port==$p,sip" -d "tcp.port==$p,sip"); done
  tshark -r "$pcap" "${d[@]}" -Y sip -T fields -E separator=/t -e frame.time_relative \
         -e ip.src -e udp.srcport -e tcp.srcport -e ip.dst -e udp.dstport -e tcp.dstport \
         -e sip.Request-Line -e sip.Status-Line -e sip.CSeq \
    2>"$out.err" | awk -F'\t' -v OFS='\t' '{ print $1, ($3 != "" ? "udp" : "tcp"), $2 ":" $3 $4, $5 ":" $6 $7, $8 $9, $10 }' >"$out"
}
# not CMD...: succeeds when CMD fails (for check)
not() { ! "$@"; }

#!/usr/bin/env bash
# dispatcher.sh — scale-out: Kamailio's dispatcher spreads calls over three
# libvoip workers (voip-echo), each in its own network namespace with its own
# address; a worker that dies is taken out by OPTIONS probing and failover,
# and taken back when it returns.
#
# The test builds its own network (nothing on the host's interfaces changes):
#
#   namespace <p>-hub  bridge br0 10.99.0.1/24: Kamailio on udp 10.99.0.1:5060
#   namespace <p>-c    eth0 10.99.0.100: the callers (voip-dial, one per call)
#   namespace <p>-w1   eth0 10.99.0.11: worker 1, voip-echo on 10.99.0.11:5060
#   namespace <p>-w2   eth0 10.99.0.12: worker 2
#   namespace <p>-w3   eth0 10.99.0.13: worker 3
#
# each leaf joined to br0 by a veth pair; <p> is "lvs<pid of this script>".
# Kamailio (tests/scale/dispatcher.cfg.in): dispatcher set 1 = the three
# workers, round-robin, OPTIONS probes every second, failover to the next
# worker when one does not answer an INVITE in 2 s.
#
# Steps and checks:
#   1. all three workers answer Kamailio's probes (dispatcher.list: AP);
#   2. six long calls (16 s, tones 400..900 Hz) through Kamailio: every one
#      answered, and the spread is even (2 per worker: round-robin), in
#      both the workers' own output and Kamailio's dispatch log;
#   3. worker 2 is killed (SIGKILL) 3 s into the calls; six new calls
#      (tones 1000..1500 Hz) right after: every one answered and echoed on
#      worker 1 or 3 (some are placed before a probe noticed: failover);
#      Kamailio marks worker 2 inactive (IP) within 5 s (a probe every
#      second, unanswered after fr_timer, 2 s);
#   4. the long calls on workers 1 and 3 end cleanly and still echo their own
#      tone over their last 8 s (after the kill); the long calls that were
#      on worker 2 do not (the check tells the two apart);
#   5. worker 2 is started again on the same address: Kamailio marks it
#      active (AP) within 5 s, and of three new calls it gets one.
#
# Needs root (ip netns), kamailio (with dispatcher.so), kamcmd; exits 77
# (skipped) with the reason when network namespaces cannot be created.
# Ports: only inside the test's namespaces (nothing is bound on the host).
. "$(cd "$(dirname "${BASH_SOURCE[0]}")/../interop" && pwd)/lib.sh"
SCALE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BG_MAX_LIFE=${BG_MAX_LIFE:-150}
VOIP_TEST_DEADLINE=${VOIP_TEST_DEADLINE:-110}
interop_init scale_dispatcher
need_peer kamailio kamcmd ip
find_example voip-echo VOIP_ECHO
find_example voip-dial VOIP_DIAL
compgen -G '/usr/lib*/*kamailio/modules/dispatcher.so' >/dev/null || compgen -G '/usr/lib/*/kamailio/modules/dispatcher.so' >/dev/null \
  || need_peer kamailio-dispatcher-module   # Debian's kamailio package has it

P=lvs$$
HUB=$P-hub
KAM=10.99.0.1
CALLER=10.99.0.100
declare -A WADDR=([w1]=10.99.0.11 [w2]=10.99.0.12 [w3]=10.99.0.13)
NSES=()

# ---- the network ----
# ns_down: stop what runs in our namespaces (only those), then delete them.
ns_down() {
  local n p
  for n in "${NSES[@]}"; do
    for p in $(ip netns pids "$n" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
  done
  for n in "${NSES[@]}"; do ip netns del "$n" 2>/dev/null; done
  NSES=()
}
trap 'rc=$?; ns_down; (exit $rc); _on_exit' EXIT

# ns_add NAME: a new namespace with lo up (skips the test when impossible).
ns_add() {
  if ! ip netns add "$1" 2>"$RUN/netns.err"; then
    log "SKIP  cannot create network namespaces here ($(id -un): $(tr '\n' ' ' < "$RUN/netns.err")); this test needs root and 'ip netns add'"
    _SKIP=1; exit 77
  fi
  NSES+=("$1")
  ip -n "$1" link set lo up
}
# ns_leaf NAME ADDR: namespace NAME joined to the hub's bridge, eth0 = ADDR/24.
ns_leaf() {
  local n=$P-$1
  ns_add "$n"
  ip -n "$HUB" link add "v$1" type veth peer name eth0 netns "$n" || die "veth for $n"
  ip -n "$HUB" link set "v$1" master br0 up
  ip -n "$n" addr add "$2/24" dev eth0
  ip -n "$n" link set eth0 up
}
ns_add "$HUB"
ip -n "$HUB" link add br0 type bridge || die "cannot create a bridge in $HUB"
ip -n "$HUB" addr add "$KAM/24" dev br0
ip -n "$HUB" link set br0 up
ns_leaf c "$CALLER"
for w in w1 w2 w3; do ns_leaf "$w" "${WADDR[$w]}"; done
log "network: $HUB (br0 $KAM), $P-c ($CALLER), $P-w1..3 (${WADDR[w1]} ${WADDR[w2]} ${WADDR[w3]})"

# ---- workers and Kamailio ----
# worker_start NAME INSTANCE: voip-echo in namespace <p>-NAME on its address;
# its output is $RUN/INSTANCE.out.
worker_start() {
  local w=$1 i=$2
  bg_start "$i" ip netns exec "$P-$w" "$VOIP_ECHO" --bind "${WADDR[$w]}:5060" --rtp-ports 20000-20199
  show_on_fail "$RUN/$i.out" "$RUN/$i.err"
}
for w in w1 w2 w3; do worker_start "$w" "$w"; done

K=$RUN/kam
mkdir -p "$K"
for w in w1 w2 w3; do echo "1 sip:${WADDR[$w]}:5060 0 0"; done > "$K/dispatcher.list"
sed -e "s/@ADDR@/$KAM/g" -e "s/@PORT@/5060/g" -e "s#@LIST@#$K/dispatcher.list#g" \
  "$SCALE_DIR/dispatcher.cfg.in" > "$K/kamailio.cfg"
CTL="CTLSOCK=\"unix:$K/kamailio_ctl\""
kamailio -c -f "$K/kamailio.cfg" -A "$CTL" > "$K/check.log" 2>&1 \
  || die "kamailio config check failed: $(tail -3 "$K/check.log")"
bg_start kamailio ip netns exec "$HUB" kamailio -f "$K/kamailio.cfg" -A "$CTL" -DD -E -m 64 -M 8 -Y "$K" -w "$K"
show_on_fail "$RUN/kamailio.err"
kam() { kamcmd -s "unix:$K/kamailio_ctl" "$@" 2>/dev/null; }
for i in $(seq 1 100); do
  kam core.uptime >/dev/null && break
  bg_alive kamailio || die "kamailio exited at start: $(tail -5 "$RUN/kamailio.err")"
  sleep 0.1
done

# ds_flags NAME: worker NAME's flags in Kamailio's dispatcher list (AP: active
# and probed, IP: inactive and probed).
ds_flags() {
  kam dispatcher.list | awk -v u="sip:${WADDR[$1]}:5060" '
    $1 == "URI:" { cur = $2 } $1 == "FLAGS:" && cur == u { print $2; exit }'
}
# wait_flags NAME RE SECS: until NAME's flags match RE.
wait_flags() {
  local i
  for i in $(seq 1 $(($3 * 10))); do [[ $(ds_flags "$1") =~ $2 ]] && return 0; sleep 0.1; done
  return 1
}
for w in w1 w2 w3; do
  wait_flags "$w" '^AP' 8
  check "1: Kamailio's OPTIONS probes found $w active (flags $(ds_flags "$w"), want AP)" [ "$(ds_flags "$w")" = AP ]
done

# ---- calls ----
# dial TAG TONE SECS: one call through Kamailio from namespace <p>-c, in the
# background ("call-TAG"), recording what comes back in $RUN/call-TAG.wav.
# Each call has its own SIP port (5100 + TAG) and 10 RTP ports.
dial() {
  local tag=$1 port=$((5100 + $1)) rtp=$((30000 + 10 * $1))
  bg_start "call-$tag" ip netns exec "$P-c" "$VOIP_DIAL" "sip:echo@$KAM:5060" \
    --bind "$CALLER:$port" --rtp-ports "$rtp-$((rtp + 9))" --tone "$2" --seconds "$3" \
    --timeout 10 --record "$RUN/call-$tag.wav"
  sleep 0.2
}
# worker_of TAG: the worker Kamailio last dispatched call TAG's INVITE to.
worker_of() {
  local a
  a=$(grep -F "DISPATCH INVITE from $CALLER:$((5100 + $1)) to " "$RUN/kamailio.err" | tail -1 \
    | sed -E 's/.* to sip:([0-9.]+):.*/\1/')
  for w in w1 w2 w3; do [ "${WADDR[$w]}" = "$a" ] && { echo "$w"; return; }; done
  echo "none"
}
# answered INSTANCE: calls the worker instance answered (its own output).
answered() { grep -c ' ANSWERED$' "$RUN/$1.out" 2>/dev/null; }
# tone_of TAG: "freq rms" of call TAG's AUDIO line.
tone_of() { grep -E '^AUDIO ' "$RUN/call-$1.out" | tail -1 | cut -d' ' -f2-3; }
near() { awk -v f="$1" -v r="$2" -v want="$3" 'BEGIN { exit !(f ~ /^[0-9.]+$/ && f >= want - 10 && f <= want + 10 && r >= 1000) }'; }
# tail_tone TAG SECS: tone.py on the last SECS seconds of call TAG's recording.
tail_tone() {
  "$PY" - "$RUN/call-$1.wav" "$RUN/call-$1.tail.wav" "$2" <<'EOF'
import sys, wave
src, dst, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
with wave.open(src, "rb") as r:
    p, n = r.getparams(), r.getnframes()
    r.setpos(max(0, n - int(secs * p.framerate)))
    data = r.readframes(n)
with wave.open(dst, "wb") as w:
    w.setparams(p)
    w.writeframes(data)
EOF
  "$PY" "$INTEROP_DIR/tools/tone.py" --wav "$RUN/call-$1.tail.wav" --min-active "$(awk -v s="$2" 'BEGIN { print s - 1 }')" \
    --expect "$3" 2>&1
}
wav_secs() { "$PY" -c 'import sys, wave; w = wave.open(sys.argv[1]); print("%.1f" % (w.getnframes() / w.getframerate()))' "$1" 2>/dev/null || echo 0; }

log "2: six long calls (16 s) through Kamailio"
for t in 1 2 3 4 5 6; do dial "$t" $((300 + 100 * t)) 16; done
for t in 1 2 3 4 5 6; do
  wait_file_re "$RUN/call-$t.out" '^CALL 1 (ANSWERED|ENDED)' 10
  check "2: long call $t was answered" grep -qx 'CALL 1 ANSWERED' "$RUN/call-$t.out"
done
declare -A ON
spread=""
for t in 1 2 3 4 5 6; do ON[$t]=$(worker_of "$t"); spread+="$t:${ON[$t]} "; done
n1=$(answered w1); n2=$(answered w2); n3=$(answered w3)
log "2: spread: workers answered w1=$n1 w2=$n2 w3=$n3; Kamailio dispatched $spread"
for w in w1 w2 w3; do
  k=0; for t in 1 2 3 4 5 6; do [ "${ON[$t]}" = "$w" ] && k=$((k + 1)); done
  check "2: round-robin gave $w two of the six calls (it answered $(answered "$w"), Kamailio sent it $k)" \
    eval '[ "$(answered "$w")" = 2 ] && [ "$k" = 2 ]'
done

sleep 3
log "3: kill worker 2 (SIGKILL) with its calls up"
killed=$(ip netns pids "$P-w2")
kill -KILL $killed
T_KILL=$SECONDS
for t in 11 12 13 14 15 16; do dial "$t" $((900 + 100 * (t - 10))) 3; done
wait_flags w2 '^I' 5
check "3: Kamailio marked worker 2 inactive within 5 s (flags $(ds_flags w2), want IP)" [ "$(ds_flags w2)" = IP ]
log "3: worker 2 inactive $((SECONDS - T_KILL)) s after the kill; flags w1=$(ds_flags w1) w2=$(ds_flags w2) w3=$(ds_flags w3)"
for t in 11 12 13 14 15 16; do
  bg_wait "call-$t" 20
  read -r f r _ <<<"$(tone_of "$t") x x"
  w=$(worker_of "$t")
  check "3: call $t after the kill: exit $BG_RC, on $w, echoed ${f} Hz rms ${r} (want $((900 + 100 * (t - 10))) Hz)" \
    eval '[ "$BG_RC" = 0 ] && [ "$w" != w2 ] && [ "$w" != none ] && near "$f" "$r" $((900 + 100 * (t - 10)))'
done
failovers=$(grep -c 'DISPATCH INVITE .*(failover)' "$RUN/kamailio.err")
log "3: $failovers INVITE(s) failed over from worker 2 to the next worker"

log "4: the long calls end; survivors must still echo their tone over their last 8 s"
for t in 1 2 3 4 5 6; do
  bg_wait "call-$t" 25
  want=$((300 + 100 * t))
  out=$(tail_tone "$t" 8 "$want"); ok=$?
  secs=$(wav_secs "$RUN/call-$t.wav")
  if [ "${ON[$t]}" = w2 ]; then
    log "4: long call $t was on the killed worker: exit $BG_RC, recorded $secs s, last 8 s: $out"
    check "4: long call $t (on the killed worker) has no echo after the kill" [ "$ok" != 0 ]
  else
    check "4: long call $t on ${ON[$t]}: exit $BG_RC (want 0), recorded $secs s, last 8 s: $out (want $want Hz)" \
      eval '[ "$BG_RC" = 0 ] && [ "$ok" = 0 ]'
  fi
done

log "5: restart worker 2 on ${WADDR[w2]}"
worker_start w2 w2b
T_UP=$SECONDS
wait_flags w2 '^AP' 5
check "5: Kamailio's probes took worker 2 back within 5 s (flags $(ds_flags w2), want AP)" [ "$(ds_flags w2)" = AP ]
log "5: worker 2 active again $((SECONDS - T_UP)) s after its restart"
for t in 21 22 23; do dial "$t" $((1500 + 100 * (t - 20))) 2; done
for t in 21 22 23; do
  bg_wait "call-$t" 15
  read -r f r _ <<<"$(tone_of "$t") x x"
  check "5: call $t after the restart: exit $BG_RC, on $(worker_of "$t"), echoed $f Hz (want $((1500 + 100 * (t - 20))))" \
    eval '[ "$BG_RC" = 0 ] && near "$f" "$r" $((1500 + 100 * (t - 20)))'
done
check "5: the restarted worker 2 answered one of the three new calls ($(answered w2b))" [ "$(answered w2b)" = 1 ]

for w in w1 w3 w2b; do
  bg_stop "$w" TERM 10
  check "$w exited 0 on SIGTERM (exit $BG_RC)" [ "$BG_RC" = 0 ]
done
finish

#!/usr/bin/env bash
# kamailio_register.sh — voip-echo registers with a real Kamailio (digest auth).
#
# Kamailio (tests/interop/kamailio) runs as registrar on its own port; then
#   voip-echo --register sip:alice@127.0.0.1:KPORT --password alicepw
# Passes when:
#   - voip-echo prints "STATUS REGISTERED 200 OK" (after REGISTERING);
#   - Kamailio's location table (kamctl.sh ul.dump brief) shows alice, with
#     exactly one contact, voip-echo's own address;
#   - on SIGTERM voip-echo unregisters: alice is gone from the location table,
#     and it exits 0;
#   - with a wrong password voip-echo exits 5 within a few seconds, with
#     "403" in its message on stderr and "STATUS FAILED 403 Forbidden";
#     nothing is registered;
#   - --auth-user reaches the Authorization header (Kamailio logs the digest
#     username it got; this Kamailio refuses one that differs from the user).
# Ports (override with env): Kamailio 5500 (udp+tcp); voip-echo SIP 5501,
#   RTP 21100-21109.
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
interop_init kamailio_register
need_peer kamailio kamcmd
find_example voip-echo VOIP_ECHO

KAM_PORT=${KAM_PORT:-5500}
ECHO_SIP=${ECHO_SIP:-5501}; ECHO_RTP_LO=${ECHO_RTP_LO:-21100}; ECHO_RTP_HI=${ECHO_RTP_HI:-21109}
need_free_ports "$ECHO_SIP"
show_on_fail "$RUN/voip-echo.out" "$RUN/voip-echo.err" "$RUN/bad.out" "$RUN/bad.err" "$RUN/authuser.err" "$RUN/kamailio.err"

kamailio_start "$KAM_PORT"

log "voip-echo --register sip:alice@127.0.0.1:$KAM_PORT --password alicepw"
bg_start voip-echo "$VOIP_ECHO" --bind "127.0.0.1:$ECHO_SIP" --rtp-ports "$ECHO_RTP_LO-$ECHO_RTP_HI" \
  --register "sip:alice@127.0.0.1:$KAM_PORT" --password alicepw
O=$RUN/voip-echo.out
wait_file_re "$O" '^STATUS (REGISTERED|FAILED)' 10
check "voip-echo printed 'STATUS REGISTERED 200 OK': $(grep '^STATUS' "$O" | tr '\n' '|')" \
  grep -qx 'STATUS REGISTERED 200 OK' "$O"
check "voip-echo printed 'STATUS REGISTERING ...' first: $(grep -m1 '^STATUS' "$O")" \
  grep -qE '^STATUS REGISTERING' <(grep -m1 '^STATUS' "$O")
check "voip-echo is running" bg_alive voip-echo

wait_registered alice 5
kamctl ul.dump brief > "$RUN/ul-registered.txt"
check "Kamailio's location table (ul.dump brief) shows alice" grep -Eq 'AoR: alice$' "$RUN/ul-registered.txt"
c=$(kam_contacts alice | tr '\n' ' ')
n=$(kam_contacts alice | grep -c .)
check "alice has exactly one contact, voip-echo's 127.0.0.1:$ECHO_SIP ($n: $c)" \
  [ "$n" = 1 -a -n "$(kam_contacts alice | grep -F "@127.0.0.1:$ECHO_SIP")" ]

log "SIGTERM -> voip-echo unregisters"
bg_stop voip-echo TERM 10
check "voip-echo exited 0 on SIGTERM (exit $BG_RC)" [ "$BG_RC" = 0 ]
check "voip-echo printed 'STATUS DEREGISTERING' on the way out" grep -q '^STATUS DEREGISTERING' "$O"
wait_unregistered alice 3
kamctl ul.dump brief > "$RUN/ul-stopped.txt"
check "alice is gone from the location table after SIGTERM" not grep -Eq 'AoR: alice$' "$RUN/ul-stopped.txt"

log "voip-echo --register sip:alice@127.0.0.1:$KAM_PORT --password wrong"
t0=$SECONDS
run_fg bad 20 "$VOIP_ECHO" --bind "127.0.0.1:$ECHO_SIP" --rtp-ports "$ECHO_RTP_LO-$ECHO_RTP_HI" \
  --register "sip:alice@127.0.0.1:$KAM_PORT" --password wrong
rc=$FG_RC
log "voip-echo exit $rc after $((SECONDS - t0)) s; stderr: $(tr '\n' '|' < "$RUN/bad.err")"
check "wrong password: voip-echo exited 5 (exit $rc)" [ "$rc" = 5 ]
check "wrong password: voip-echo exited within 5 s ($((SECONDS - t0)) s)" [ $((SECONDS - t0)) -le 5 ]
check "wrong password: its message names the 403: $(head -1 "$RUN/bad.err")" grep -q '403' "$RUN/bad.err"
check "wrong password: 'STATUS FAILED 403 Forbidden' printed" grep -qx 'STATUS FAILED 403 Forbidden' "$RUN/bad.out"
check "wrong password: no 'STATUS REGISTERED'" not grep -q '^STATUS REGISTERED' "$RUN/bad.out"
kamctl ul.dump brief > "$RUN/ul-bad.txt"
check "wrong password: alice is not in the location table" not grep -Eq 'AoR: alice$' "$RUN/ul-bad.txt"

# --auth-user: the digest username differs from the user.  This Kamailio
# insists that they match (pv_auth_check's user check): the REGISTER is
# refused, and Kamailio's log shows which auth user it got.
log "voip-echo --register sip:alice@127.0.0.1:$KAM_PORT --auth-user carol --password carolpw"
run_fg authuser 20 "$VOIP_ECHO" --bind "127.0.0.1:$ECHO_SIP" --rtp-ports "$ECHO_RTP_LO-$ECHO_RTP_HI" \
  --register "sip:alice@127.0.0.1:$KAM_PORT" --auth-user carol --password carolpw
rc=$FG_RC
check "--auth-user carol for alice: refused, exit 5 (exit $rc: $(head -1 "$RUN/authuser.err"))" [ "$rc" = 5 ]
wait_file_re "$RUN/kamailio.err" 'auth failed .* au=carol fU=alice' 3
check "--auth-user: Kamailio saw the digest username carol for user alice" \
  grep -Eq 'auth failed .* au=carol fU=alice' "$RUN/kamailio.err"

finish

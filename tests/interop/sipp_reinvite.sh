#!/usr/bin/env bash
# sipp_reinvite.sh — mid-call offers from SIPp applied by voip-echo (RFC 3264 §8,
# RFC 3311).  One voip-echo serves three SIPp calls in turn:
# 1. re-INVITE moving the media (CALL 1): SIPp (sipp/uac_reinvite_move.xml) offers RTP
#    at port A, then re-INVITEs with port B.  tools/rtp_move.py owns A and B: it sends a
#    1 kHz tone from A before the re-INVITE and from B after it.  Passes when SIPp exits
#    0, voip-echo printed "MEDIA 1 127.0.0.1:B PCMU", the echo of the tone arrived at A
#    before and at B after, and nothing reached A once the move was done.
# 2. late-offer re-INVITE (CALL 2, sipp/uac_reinvite_late.xml): re-INVITE without SDP,
#    our offer in the 200, SIPp's answer a=sendonly in the ACK: voip-echo prints
#    "HOLD 2 remote"; a second late offer answered sendrecv: "RESUME 2 remote".
# 3. UPDATE with an offer (CALL 3, sipp/uac_update.xml): a=sendonly answered 200
#    a=recvonly ("HOLD 3 remote"), a=sendrecv answered 200 a=sendrecv ("RESUME 3
#    remote").
# Ports (override with env): voip-echo SIP 5440, RTP 20600-20609; SIPp 5441 (its own
#   media socket 20620); rtp_move.py A 20630, B 20632.
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
interop_init sipp_reinvite
need_peer sipp
find_example voip-echo VOIP_ECHO

ECHO_SIP=${ECHO_SIP:-5440}; ECHO_RTP_LO=${ECHO_RTP_LO:-20600}; ECHO_RTP_HI=${ECHO_RTP_HI:-20609}
SIPP_SIP=${SIPP_SIP:-5441}; SIPP_MEDIA=${SIPP_MEDIA:-20620}
PA=${PA:-20630}; PB=${PB:-20632}
S=$INTEROP_DIR/sipp
need_free_ports "$ECHO_SIP" "$SIPP_SIP" "$SIPP_MEDIA" "$PA" "$PB"
O=$RUN/voip-echo.out
show_on_fail "$O" "$RUN/voip-echo.err" "$RUN/rtp.out" "$RUN/rtp.err"

bg_start voip-echo "$VOIP_ECHO" --bind "127.0.0.1:$ECHO_SIP" --rtp-ports "$ECHO_RTP_LO-$ECHO_RTP_HI" --user echo
wait_udp "$ECHO_SIP" 10 || die "voip-echo is not listening on udp 127.0.0.1:$ECHO_SIP"

# sipp_call NAME SCENARIO [ARGS...]: one SIPp call to voip-echo; sets FG_RC
sipp_call() {
  local name=$1 sf=$2; shift 2
  show_on_fail "$RUN/$name.out" "$RUN/${name}_errors.log"
  run_fg "$name" 30 sipp "127.0.0.1:$ECHO_SIP" -sf "$S/$sf" -s echo -i 127.0.0.1 -p "$SIPP_SIP" \
      -mi 127.0.0.1 -mp "$SIPP_MEDIA" -m 1 -recv_timeout 10000 -timeout 25 -nostdin \
      -trace_err -error_file "$RUN/${name}_errors.log" "$@"
}

# --- 1. the media moves ----------------------------------------------------------
log "--- 1. re-INVITE moving the media from port $PA to $PB"
# SIPp's re-INVITE goes out ~2 s after its INVITE: the tone comes from A until 1.5 s,
# from B from 2.8 s; A must hear nothing after 3.3 s.
bg_start rtp "$PY" "$INTEROP_DIR/tools/rtp_move.py" --a "$PA" --b "$PB" \
    --send-a 0:1.5 --send-b 2.8:5.2 --duration 5.6 --late 3.3
sleep 0.2
sipp_call move uac_reinvite_move.xml -set pa "$PA" -set pb "$PB"
check "SIPp: call, re-INVITE to port $PB answered sendrecv, BYE (sipp exit $FG_RC, want 0)" [ "$FG_RC" = 0 ]
bg_wait rtp 10
check "rtp_move.py exited 0 ($BG_RC)" [ "$BG_RC" = 0 ]
read -r _ a_total a_tone _ _ a_late < <(grep '^A ' "$RUN/rtp.out" | tr '=' ' ' | awk '{print $1, $3, $5, $7, $9, $11}')
read -r _ b_total b_tone _ _ b_late < <(grep '^B ' "$RUN/rtp.out" | tr '=' ' ' | awk '{print $1, $3, $5, $7, $9, $11}')
log "RTP: $(tr '\n' ';' < "$RUN/rtp.out")"
expect_once "$O" "MEDIA 1 127.0.0.1:$PB PCMU"
check "the echo reached A before the move (${a_tone:-0} tone packets of ${a_total:-0}, want >= 20)" [ "${a_tone:-0}" -ge 20 ]
check "the echo reached B after the move (${b_tone:-0} tone packets of ${b_total:-0}, want >= 40)" [ "${b_tone:-0}" -ge 40 ]
check "nothing reached A after the move (${a_late:-x})" [ "${a_late:-x}" = 0 ]

# --- 2. late offer ---------------------------------------------------------------
log "--- 2. late-offer re-INVITEs: answers in the ACKs"
sipp_call late uac_reinvite_late.xml
check "SIPp: our offers in the 200s, its answers in the ACKs, BYE (sipp exit $FG_RC, want 0)" [ "$FG_RC" = 0 ]
wait_file_re "$O" '^CALL 2 ENDED' 5
expect_once "$O" "HOLD 2 remote"
expect_once "$O" "RESUME 2 remote"

# --- 3. UPDATE -------------------------------------------------------------------
log "--- 3. UPDATE with offers"
sipp_call update uac_update.xml
check "SIPp: UPDATE sendonly answered recvonly, sendrecv answered sendrecv, BYE (sipp exit $FG_RC, want 0)" [ "$FG_RC" = 0 ]
wait_file_re "$O" '^CALL 3 ENDED' 5
expect_once "$O" "HOLD 3 remote"
expect_once "$O" "RESUME 3 remote"

sleep 0.3
bg_stop voip-echo TERM 10
check "voip-echo exited 0 on SIGTERM (exit $BG_RC)" [ "$BG_RC" = 0 ]
for n in 1 2 3; do expect_once "$O" "CALL $n ANSWERED"; done
finish

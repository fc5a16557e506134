#!/usr/bin/env bash
# baresip_rtcp.sh — RTCP between voip-dial and baresip (its rtcpsummary module).
#
# Two calls of 9 s, voip-dial → baresip (auto-answer, 440 Hz sine), with
# voip-dial's quality events on (--option quality_interval_ms=3000):
#   round 1: baresip's rtcp_mux no: RTCP goes between the RTP ports + 1
#            (our a=rtcp port, baresip's RTP port + 1);
#   round 2: baresip's rtcp_mux yes: RTCP is muxed on the RTP ports
#            (RFC 5761: we offer a=rtcp-mux, baresip answers it);
#   round 3: the other way: baresip (rtcp_mux yes) calls voip-echo, which
#            accepts baresip's a=rtcp-mux.
# Passes when, in each round:
#   - voip-dial exits 0; the call was answered and ended;
#   - baresip's rtcpsummary saw our reports: its summary at the end of the
#     call shows RTCP received from us (a non-zero "rx" count of packets
#     with its RTT measured from our reports, as baresip prints them);
#   - our last quality event (EVENT 1 quality {...}) shows RTCP from
#     baresip: rtcp_received > 0, rtt_ms a number under 20 ms on loopback,
#     remote_packets_lost 0 (baresip's view of our stream), rtcp_mux as
#     negotiated, packets_lost 0 and a MOS above 3.5;
#   - the capture shows the RTCP where it belongs: on the RTP+1 ports in
#     round 1, on the RTP ports (no RTP+1 traffic) in round 2.
# Round 3 passes when baresip logs RTP/RTCP multiplexing, its rtcpsummary
# reports the call, and the capture shows our SR/RR from voip-echo's RTP
# port to baresip's RTP port and nothing on RTCP ports.
# Ports (override with env): baresip SIP 5560 (TLS 5561), ctrl 4560,
#   RTP 21950-21959; voip-dial SIP 5562, RTP 21960-21969; voip-echo SIP 5563,
#   RTP 21970-21979.
VOIP_TEST_DEADLINE=${VOIP_TEST_DEADLINE:-90}
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
interop_init baresip_rtcp
need_peer baresip tshark
find_example voip-dial VOIP_DIAL
find_example voip-echo VOIP_ECHO
[ -f /usr/lib/baresip/modules/rtcpsummary.so ] || { log "SKIP  baresip has no rtcpsummary module"; exit 77; }

BS_SIP=${BS_SIP:-5560}; BS_CTRL=${BS_CTRL:-4560}; BS_RTP_LO=${BS_RTP_LO:-21950}; BS_RTP_HI=${BS_RTP_HI:-21959}
DIAL_SIP=${DIAL_SIP:-5562}; DIAL_RTP_LO=${DIAL_RTP_LO:-21960}; DIAL_RTP_HI=${DIAL_RTP_HI:-21969}
ECHO_SIP=${ECHO_SIP:-5563}; ECHO_RTP_LO=${ECHO_RTP_LO:-21970}; ECHO_RTP_HI=${ECHO_RTP_HI:-21979}
need_free_ports "$DIAL_SIP" "$ECHO_SIP"

# json_field JSON KEY: the value of a top-level key of our quality JSON.
json_field() { python3 -c 'import json,sys; v=json.loads(sys.argv[1]).get(sys.argv[2]); print("null" if v is None else str(v).lower() if isinstance(v,bool) else v)' "$1" "$2"; }

round() {
  local n=$1 mux=$2
  show_on_fail "$RUN/dial$n.out" "$RUN/dial$n.err" "$RUN/baresip.out"
  rm -f "$RUN/baresip.rc" # round 1's exit status: bg_stop would take baresip for stopped
  capture_start "cap$n" "udp and (portrange $DIAL_RTP_LO-$DIAL_RTP_HI or portrange $BS_RTP_LO-$BS_RTP_HI)"
  BARESIP_CONFIG_SED=$(baresip_config_sed "$mux") baresip_start "$BS_SIP" "$BS_CTRL" "$BS_RTP_LO" "$BS_RTP_HI" 440 \
    "<sip:bob@127.0.0.1:$BS_SIP>;regint=0;answermode=auto;audio_codecs=PCMU/8000/1;ptime=20"
  grep -q "rtcpsummary" "$RUN/baresip/conf/config" || die "no rtcpsummary in baresip's config"

  log "round $n (baresip rtcp_mux $mux): voip-dial --seconds 9 --option quality_interval_ms=3000"
  run_fg "dial$n" 40 "$VOIP_DIAL" "sip:bob@127.0.0.1:$BS_SIP" --bind "127.0.0.1:$DIAL_SIP" \
    --rtp-ports "$DIAL_RTP_LO-$DIAL_RTP_HI" --tone 1000 --seconds 9 --option quality_interval_ms=3000
  check "round $n: voip-dial exited 0 (exit $FG_RC)" [ "$FG_RC" = 0 ]
  sleep 0.5
  bg_stop baresip TERM 10
  capture_stop "cap$n"
  cp "$RUN/baresip.out" "$RUN/baresip$n.out"

  local O=$RUN/dial$n.out q
  expect_once "$O" "CALL 1 ANSWERED"
  q=$(sed -n 's/^EVENT 1 quality //p' "$O" | tail -1)
  log "round $n: our last quality event: $q"
  check "round $n: quality events came ($(grep -c '^EVENT 1 quality ' "$O"))" [ "$(grep -c '^EVENT 1 quality ' "$O")" -ge 3 ]
  local rx rtt rlost mx lost mos
  rx=$(json_field "$q" rtcp_received); rtt=$(json_field "$q" rtt_ms); rlost=$(json_field "$q" remote_packets_lost)
  mx=$(json_field "$q" rtcp_mux); lost=$(json_field "$q" packets_lost); mos=$(json_field "$q" mos)
  check "round $n: we received baresip's RTCP (rtcp_received=$rx)" [ "${rx:-0}" -ge 1 ]
  check "round $n: RTT from baresip's report about our SR: $rtt ms (< 20 on loopback)" \
    awk -v r="$rtt" 'BEGIN { exit !(r ~ /^[0-9.]+$/ && r >= 0 && r < 20) }'
  check "round $n: baresip's view of our loss: remote_packets_lost=$rlost" [ "$rlost" = 0 ]
  check "round $n: rtcp_mux=$mx as negotiated (baresip: $mux)" [ "$mx" = "$([ "$mux" = yes ] && echo true || echo false)" ]
  # no loss: the MOS is the delay's alone (about 4.4 when idle; a loaded
  # machine's jitter grows the adaptive buffer, up to 300 ms: 3.5)
  check "round $n: packets_lost=$lost, mos=$mos" awk -v l="$lost" -v m="$mos" 'BEGIN { exit !(l == 0 && m > 3.5) }'

  # baresip's side: rtcpsummary's line at the end of the call (RFC 6035
  # style): EX=BareSip;...;PR=<received>;PS=<sent>;PL=<lost rx>,<lost tx>;
  # JI=<jitter rx>,<jitter tx>;DL=<delay>;... where the "tx" values come
  # from our RTCP reports about baresip's stream.
  local ex pr
  ex=$(grep -o 'EX=BareSip;[^ ]*' "$RUN/baresip$n.out" | tail -1)
  log "round $n: baresip's rtcpsummary: $ex"
  check "round $n: baresip's rtcpsummary reported the call" [ -n "$ex" ]
  pr=$(echo "$ex" | sed -n 's/.*;PR=\([0-9]*\);.*/\1/p')
  check "round $n: baresip received our packets: PR=$pr, we sent $(json_field "$q" packets_sent)" \
    awk -v a="${pr:-0}" -v b="$(json_field "$q" packets_sent)" 'BEGIN { exit !(a > 100 && a - b <= 3 && b - a <= 3) }'

  # Where the RTCP went (tshark decodes RTCP on the ports it sees in SDP; count
  # packets whose second byte is 200/201 = SR/RR).
  local on_rtp on_rtcp
  on_rtcp=$(tshark -r "$RUN/cap$n.pcapng" -Y "udp.dstport == $((BS_RTP_LO + 1)) || (udp.dstport >= $DIAL_RTP_LO && udp.dstport <= $DIAL_RTP_HI && udp.dstport % 2 == 1)" -T fields -e frame.number 2>/dev/null | wc -l)
  on_rtp=$(tshark -r "$RUN/cap$n.pcapng" -Y "udp.payload[1:1] == c8 || udp.payload[1:1] == c9" -T fields -e udp.dstport 2>/dev/null | sort | uniq -c | tr '\n' ' ')
  log "round $n: SR/RR packets by destination port: $on_rtp; datagrams to odd (RTCP) ports: $on_rtcp"
  local to_bs
  to_bs=$(tshark -r "$RUN/cap$n.pcapng" -Y "(udp.payload[1:1] == c8 || udp.payload[1:1] == c9) && udp.dstport >= $BS_RTP_LO && udp.dstport <= $BS_RTP_HI" -T fields -e frame.number 2>/dev/null | wc -l)
  check "round $n: our SR/RR reached baresip's ports ($to_bs, plus the BYE)" [ "$to_bs" -ge 2 ]
  if [ "$mux" = yes ]; then
    check "round $n: muxed: nothing to the RTCP ports ($on_rtcp)" [ "$on_rtcp" = 0 ]
  else
    check "round $n: not muxed: RTCP on the RTCP ports ($on_rtcp)" [ "$on_rtcp" -ge 2 ]
  fi
}

# baresip_config_sed MUX: rtcpsummary loaded, rtcp_mux MUX.
baresip_config_sed() {
  echo "s/^rtcp_mux.*/rtcp_mux		$1/; s#^module			g711.so#module			g711.so\nmodule			rtcpsummary.so#"
}

# round 3: baresip offers rtcp-mux, voip-echo accepts it.
reverse() {
  local n=3
  rm -f "$RUN/baresip.rc"
  show_on_fail "$RUN/voip-echo.out" "$RUN/voip-echo.err" "$RUN/bsctl.out" "$RUN/baresip.out"
  capture_start "cap$n" "udp and (portrange $ECHO_RTP_LO-$ECHO_RTP_HI or portrange $BS_RTP_LO-$BS_RTP_HI)"
  bg_start voip-echo "$VOIP_ECHO" --bind "127.0.0.1:$ECHO_SIP" --rtp-ports "$ECHO_RTP_LO-$ECHO_RTP_HI" --user echo
  wait_udp "$ECHO_SIP" 10 || die "voip-echo did not start"
  BARESIP_CONFIG_SED=$(baresip_config_sed yes) baresip_start "$BS_SIP" "$BS_CTRL" "$BS_RTP_LO" "$BS_RTP_HI" 440 \
    "<sip:bob@127.0.0.1:$BS_SIP>;regint=0;answermode=auto;audio_codecs=PCMU/8000/1;ptime=20"
  log "round $n: baresip (rtcp_mux yes) calls voip-echo for 9 s"
  run_fg bsctl 40 bash "$INTEROP_DIR/baresip/bsctl.sh" -p "$BS_CTRL" call "sip:echo@127.0.0.1:$ECHO_SIP" '' 9
  check "round $n: baresip's call established and closed (bsctl exit $FG_RC)" [ "$FG_RC" = 0 ]
  sleep 0.5
  bg_stop baresip TERM 10
  bg_stop voip-echo TERM 5
  capture_stop "cap$n"
  grep -q "RTP/RTCP multiplexing enabled" "$RUN/baresip.out"
  check "round $n: baresip runs RTP/RTCP multiplexed (voip-echo accepted a=rtcp-mux)" [ $? = 0 ]
  local ex from_echo odd
  ex=$(grep -o 'EX=BareSip;[^ ]*' "$RUN/baresip.out" | tail -1)
  log "round $n: baresip's rtcpsummary: $ex"
  check "round $n: baresip's rtcpsummary reported the call" [ -n "$ex" ]
  from_echo=$(tshark -r "$RUN/cap$n.pcapng" -Y "(udp.payload[1:1] == c8 || udp.payload[1:1] == c9) && udp.srcport >= $ECHO_RTP_LO && udp.srcport <= $ECHO_RTP_HI && udp.dstport >= $BS_RTP_LO && udp.dstport <= $BS_RTP_HI && udp.dstport % 2 == 0" -T fields -e frame.number 2>/dev/null | wc -l)
  odd=$(tshark -r "$RUN/cap$n.pcapng" -Y "udp.dstport % 2 == 1" -T fields -e frame.number 2>/dev/null | wc -l)
  check "round $n: voip-echo's SR/RR went muxed, RTP port to RTP port ($from_echo)" [ "$from_echo" -ge 1 ]
  check "round $n: nothing to odd (RTCP) ports ($odd)" [ "$odd" = 0 ]
}

round 1 no
round 2 yes
reverse
finish

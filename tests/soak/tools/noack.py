#!/usr/bin/env python3
"""noack.py — one INVITE whose SDP names a third address, never ACKed.

  noack.py --target 127.0.0.1:PORT --sink-port N [--rtp-window 5] [--duration 45]
           [--bye-file PATH]

Sends one INVITE from an ephemeral UDP port; its SDP names 127.0.0.1:N, a UDP
socket this tool owns (the "third address": not the INVITE's source). It never
sends an ACK (it answers a BYE with 200). It counts the RTP that arrives at
the sink during --rtp-window seconds after the INVITE, then prints
  RTP count=N first=T last=T           (T: seconds after the INVITE, -1: none)
and keeps listening. When --bye-file exists it sends a BYE in the dialog and
prints the answer (BYE_ANSWER <code>), and exits. Each SIP message received
is printed as  SIP <t> <first line>. Ends after --duration seconds at most
(exit 0), or on SIGTERM, with the line  RTP_TOTAL count=N.
Loopback only; sends 1 INVITE (plus at most 7 retransmissions) and 1 BYE.
"""
import argparse
import os
import selectors
import signal
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sipmsg  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", type=sipmsg.loopback_addr, required=True)
    ap.add_argument("--sink-port", type=int, required=True)
    ap.add_argument("--user", default="echo")
    ap.add_argument("--rtp-window", type=float, default=5.0)
    ap.add_argument("--duration", type=float, default=45.0)
    ap.add_argument("--bye-file")
    a = ap.parse_args()
    a.duration = min(a.duration, 120.0)

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    sip = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sip.bind(("127.0.0.1", 0))
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", a.sink_port))
    sel = selectors.DefaultSelector()
    sel.register(sip, selectors.EVENT_READ)
    sel.register(sink, selectors.EVENT_READ)

    local = sip.getsockname()
    ruri = f"sip:{a.user}@{a.target[0]}:{a.target[1]}"
    call_id, tag = sipmsg.token(), sipmsg.token(4)
    invite, _ = sipmsg.request("INVITE", ruri, local, call_id, tag, 1,
                               body=sipmsg.sdp("127.0.0.1", a.sink_port))
    t0 = time.monotonic()
    sip.sendto(invite, a.target)
    print(f"INVITE sent from {local[0]}:{local[1]} naming media 127.0.0.1:{a.sink_port}", flush=True)

    resends, next_resend, answered = 0, t0 + 0.5, False
    rtp_n = rtp_total = 0
    first = last = -1.0
    reported = False
    remote_tag, remote_contact = "", ruri
    bye_sent = 0.0
    while not stop:
        now = time.monotonic()
        t = now - t0
        if t > a.duration or (bye_sent and now - bye_sent > 3):
            break
        if not reported and t >= a.rtp_window:
            print(f"RTP count={rtp_n} first={first:.2f} last={last:.2f}", flush=True)
            reported = True
        if not answered and now >= next_resend and resends < 7:
            sip.sendto(invite, a.target)  # Timer A, until any answer
            resends += 1
            next_resend = now + 0.5 * (2 ** resends)
        if a.bye_file and not bye_sent and remote_tag and os.path.exists(a.bye_file):
            bye, _ = sipmsg.request("BYE", remote_contact, local, call_id, tag, 2,
                                    to_tag=remote_tag, to_uri=ruri)
            sip.sendto(bye, a.target)
            bye_sent = now
            print(f"BYE sent at {t:.2f}", flush=True)
        for key, _ in sel.select(0.05):
            data, src = key.fileobj.recvfrom(65536)
            t = time.monotonic() - t0
            if key.fileobj is sink:
                rtp_total += 1
                if t < a.rtp_window:
                    rtp_n += 1
                    first = t if first < 0 else first
                    last = t
                continue
            m = sipmsg.Message(data)
            print(f"SIP {t:.2f} {m.first}", flush=True)
            if m.is_response:
                answered = True
                if m.status == 200 and m.cseq[1] == "INVITE":
                    remote_tag, remote_contact = m.to_tag, m.contact_uri or ruri
                if m.cseq[1] == "BYE" and bye_sent:
                    print(f"BYE_ANSWER {m.status}", flush=True)
                    stop.append(1)
            elif m.method == "BYE":
                sip.sendto(m.response(200, "OK"), src)
    if not reported:
        print(f"RTP count={rtp_n} first={first:.2f} last={last:.2f}", flush=True)
    print(f"RTP_TOTAL count={rtp_total}", flush=True)


if __name__ == "__main__":
    main()

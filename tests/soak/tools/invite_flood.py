#!/usr/bin/env python3
"""invite_flood.py — a bounded INVITE flood from one UDP socket (loopback).

  invite_flood.py --target 127.0.0.1:PORT [--count 1500] [--seconds 3]
                  [--ack-every 2] [--linger 10] [--sink-port 0]

Sends --count INVITEs, each a new call (Call-ID, tag), evenly over --seconds
(an INVITE that gets no answer at all is resent after 0.5, 1 and 2 s, as
RFC 3261's Timer A would: at most 4 copies);
their SDP names a sink socket of this tool (--sink-port, 0 = any), which
drains the RTP it gets; no RTP is sent. Every --ack-every-th call is ACKed
when its 200 arrives (the others never are); every non-2xx final answer is
ACKed, as any UAC would. A BYE gets 200. After the flood it goes on
answering for --linger seconds (or until SIGTERM), then prints:
  SENT n=N seconds=S
  FINAL <code> <count>                    one line per final status
  REJECTED n=N with_retry_after=N         final answers other than 2xx
  RETRY_AFTER_MISSING <code> <call-id>    (at most 5 lines)
  NO_FINAL n=N                            INVITEs without a final answer
  RESENT n=N                              INVITE copies resent (Timer A)
  ACKED n=N  BYES n=N  RTP packets=N
Bounded: --count <= 10000, --seconds <= 20, --linger <= 60.
"""
import argparse
import heapq
import os
import selectors
import signal
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sipmsg  # noqa: E402


class Flood:
    def __init__(self, a):
        self.a = a
        self.sip = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sip.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.sip.bind(("127.0.0.1", 0))
        self.sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sink.bind(("127.0.0.1", a.sink_port))
        self.local = self.sip.getsockname()
        self.ruri = f"sip:{a.user}@{a.target[0]}:{a.target[1]}"
        self.calls = {}  # call-id -> [index, tag, branch, final status, retry-after, answered, msg]
        self.resend = []  # heap of (due, call-id, copies sent)
        self.acked = self.byes = self.rtp = self.resent = 0
        self.missing = []
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.sip, selectors.EVENT_READ)
        self.sel.register(self.sink, selectors.EVENT_READ)
        self.body = sipmsg.sdp("127.0.0.1", self.sink.getsockname()[1])

    def send_invite(self, i):
        call_id, tag = sipmsg.token(), sipmsg.token(4)
        msg, branch = sipmsg.request("INVITE", self.ruri, self.local, call_id, tag, 1, body=self.body)
        self.calls[call_id] = [i, tag, branch, 0, False, False, msg]
        self.sip.sendto(msg, self.a.target)
        heapq.heappush(self.resend, (time.monotonic() + 0.5, call_id, 1))

    def resend_due(self):
        """Timer A: resend INVITEs that got no answer at all (4 copies at most)."""
        now = time.monotonic()
        while self.resend and self.resend[0][0] <= now:
            _, call_id, n = heapq.heappop(self.resend)
            c = self.calls[call_id]
            if c[5]:
                continue
            self.sip.sendto(c[6], self.a.target)
            self.resent += 1
            if n < 3:
                heapq.heappush(self.resend, (now + 0.5 * 2 ** n, call_id, n + 1))

    def ack(self, m, c, ruri, branch=None):
        msg, _ = sipmsg.request("ACK", ruri, self.local, m.call_id, c[1], 1, to_tag=m.to_tag,
                                to_uri=self.ruri, branch=branch)
        self.sip.sendto(msg, self.a.target)

    def on_response(self, m):
        c = self.calls.get(m.call_id)
        if c is None or m.cseq[1] != "INVITE":
            return
        c[5] = True
        if m.status < 200:
            return
        first = c[3] == 0
        if first:
            c[3] = m.status
            c[4] = bool(m.get("retry-after"))
            if m.status >= 300 and not c[4] and len(self.missing) < 5:
                self.missing.append(f"{m.status} {m.call_id}")
        if m.status >= 300:
            self.ack(m, c, self.ruri, branch=c[2])  # non-2xx: same transaction
        elif c[0] % self.a.ack_every == 0:
            self.ack(m, c, m.contact_uri or self.ruri)  # 2xx: a new one
            self.acked += first

    def drain(self, timeout):
        for key, _ in self.sel.select(timeout):
            while True:
                try:
                    data, src = key.fileobj.recvfrom(65536, socket.MSG_DONTWAIT)
                except BlockingIOError:
                    break
                if key.fileobj is self.sink:
                    self.rtp += 1
                    continue
                m = sipmsg.Message(data)
                if m.is_response:
                    self.on_response(m)
                elif m.method == "BYE":
                    self.byes += 1
                    self.sip.sendto(m.response(200, "OK"), src)

    def run(self, stop):
        a = self.a
        t0 = time.monotonic()
        sent = 0
        while sent < a.count and not stop:
            due = min(a.count, int((time.monotonic() - t0) / a.seconds * a.count) + 1)
            while sent < due:
                self.send_invite(sent)
                sent += 1
            self.resend_due()
            self.drain(0.002)
        took = time.monotonic() - t0
        print(f"SENT n={sent} seconds={took:.2f}", flush=True)
        end = time.monotonic() + a.linger
        while time.monotonic() < end and not stop:
            self.resend_due()
            self.drain(0.05)
        self.report()

    def report(self):
        finals = {}
        for c in self.calls.values():
            finals[c[3]] = finals.get(c[3], 0) + 1
        for code in sorted(k for k in finals if k):
            print(f"FINAL {code} {finals[code]}", flush=True)
        rejected = [c for c in self.calls.values() if c[3] >= 300]
        print(f"REJECTED n={len(rejected)} with_retry_after={sum(c[4] for c in rejected)}", flush=True)
        for line in self.missing:
            print(f"RETRY_AFTER_MISSING {line}", flush=True)
        print(f"NO_FINAL n={finals.get(0, 0)}", flush=True)
        print(f"RESENT n={self.resent}", flush=True)
        print(f"ACKED n={self.acked}", flush=True)
        print(f"BYES n={self.byes}", flush=True)
        print(f"RTP packets={self.rtp}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", type=sipmsg.loopback_addr, required=True)
    ap.add_argument("--user", default="echo")
    ap.add_argument("--count", type=int, default=1500)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--ack-every", type=int, default=2)
    ap.add_argument("--linger", type=float, default=10.0)
    ap.add_argument("--sink-port", type=int, default=0)
    a = ap.parse_args()
    a.count = max(1, min(a.count, 10000))
    a.seconds = max(0.1, min(a.seconds, 20.0))
    a.linger = max(0.0, min(a.linger, 60.0))
    a.ack_every = max(1, a.ack_every)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    Flood(a).run(stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""rtp_move.py — an RTP endpoint on two UDP ports, for a re-INVITE that moves the media
(Python standard library only).

It listens on 127.0.0.1:A and 127.0.0.1:B.  It sends a 1 kHz PCMU tone, one packet every
20 ms, to the peer's RTP port (learnt from the first packet the peer sends to A) from A
during --send-a START:END seconds and from B during --send-b START:END, and records every
packet it receives.  After --duration seconds it prints one line per port:
  A total=N tone=N first=S last=S late=N
total: RTP packets received; tone: those whose payload is loud, not silence (the echo of our
tone); first/last: seconds since start of the first/last packet (-1 = none); late: packets
received after --late SECONDS.
"""
import argparse
import math
import select
import socket
import struct
import time


def ulaw_encode(x):
    """16-bit linear sample -> G.711 mu-law byte."""
    sign = 0x80 if x < 0 else 0
    x = min(abs(x), 32635) + 0x84
    exp = 7
    while exp > 0 and not x & (0x4000 >> (7 - exp)) and not x & (1 << (exp + 7)):
        exp -= 1
    mant = (x >> (exp + 3)) & 0x0F
    return ~(sign | (exp << 4) | mant) & 0xFF


def loud(payload):
    """Whether a PCMU payload is more than silence: half its samples away from zero."""
    return sum(1 for b in payload if b & 0x7F < 0x7C) * 2 > len(payload)


def window(s):
    a, b = s.split(":")
    return float(a), float(b)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--a", type=int, required=True)
    ap.add_argument("--b", type=int, required=True)
    ap.add_argument("--send-a", type=window, default=(0, 0))
    ap.add_argument("--send-b", type=window, default=(0, 0))
    ap.add_argument("--duration", type=float, default=6)
    ap.add_argument("--late", type=float, default=1e9)
    args = ap.parse_args()
    socks = {}
    for name, port in (("A", args.a), ("B", args.b)):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", port))
        s.setblocking(False)
        socks[name] = s
    stats = {n: {"total": 0, "tone": 0, "first": -1.0, "last": -1.0, "late": 0} for n in socks}
    pcm = [int(8000 * math.sin(2 * math.pi * 1000 * i / 8000)) for i in range(160)]
    payload = bytes(ulaw_encode(v) for v in pcm)
    peer = None
    seq, ts, ssrc = 0, 0, 0x10AD
    t0 = time.monotonic()
    next_send = t0
    while True:
        now = time.monotonic() - t0
        if now >= args.duration:
            break
        r, _, _ = select.select(list(socks.values()), [], [], max(0, min(0.02, next_send - time.monotonic())))
        for name, s in socks.items():
            if s not in r:
                continue
            try:
                data, src = s.recvfrom(2048)
            except BlockingIOError:
                continue
            if len(data) < 12 or data[0] >> 6 != 2:
                continue
            if peer is None:
                peer = src
            st = stats[name]
            t = time.monotonic() - t0
            st["total"] += 1
            if loud(data[12:]):
                st["tone"] += 1
            if st["first"] < 0:
                st["first"] = t
            st["last"] = t
            if t > args.late:
                st["late"] += 1
        if time.monotonic() >= next_send:
            next_send += 0.02
            now = time.monotonic() - t0
            for name, (lo, hi) in (("A", args.send_a), ("B", args.send_b)):
                if peer is not None and lo <= now < hi:
                    hdr = struct.pack("!BBHII", 0x80, 0, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc)
                    socks[name].sendto(hdr + payload, peer)
            seq, ts = seq + 1, ts + 160
    for name, st in stats.items():
        print("%s total=%d tone=%d first=%.2f last=%.2f late=%d" % (
            name, st["total"], st["tone"], st["first"], st["last"], st["late"]))


if __name__ == "__main__":
    main()

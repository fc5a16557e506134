#!/usr/bin/env python3
"""tone.py — find the dominant tone of some audio (Python standard library only).

Input, one of:
  tone.py --wav FILE.wav            16-bit (or 8-bit) PCM WAV, any rate; channel 0
  tone.py --g711 ulaw|alaw          hex RTP payloads on stdin, one packet a line
                                    (tshark -T fields -e rtp.payload), 8 kHz

It keeps the "active" 20 ms frames (level above 20 % of the loud frames' level),
measures their RMS, scans 100..3900 Hz with Goertzel filters on the longest
active stretch and refines the peak to 0.1 Hz.  It prints one line:
  freq=440.1 rms=5612 purity=0.98 active=2.86s total=3.02s
purity = RMS of the tone component / RMS of the active audio (1.0 = pure sine).

Checks (exit 1 when one fails, 2 when there is no audio):
  --expect HZ      the peak must be within --tol Hz (default 10) of HZ
  --min-rms N      the active audio's RMS (16-bit scale) must be >= N (default 300)
  --min-purity P   purity must be >= P (default 0.3)
  --min-active S   at least S seconds of active audio (default 1.0)
"""
import argparse
import math
import sys
import wave


def ulaw(b):
    b = ~b & 0xFF
    s = b & 0x80
    e = (b >> 4) & 7
    m = b & 0x0F
    v = (((m << 3) + 0x84) << e) - 0x84
    return -v if s else v


def alaw(b):
    b ^= 0x55
    s = b & 0x80
    e = (b >> 4) & 7
    m = b & 0x0F
    v = (m << 4) + 8 if e == 0 else ((m << 4) + 0x108) << (e - 1)
    return v if s else -v


def read_wav(path):
    with wave.open(path, "rb") as w:
        ch, width, rate, n = w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()
        raw = w.readframes(n)
    if width == 2:
        vals = [int.from_bytes(raw[i:i + 2], "little", signed=True) for i in range(0, len(raw) - 1, 2)]
    elif width == 1:
        vals = [(x - 128) << 8 for x in raw]
    else:
        raise SystemExit("tone.py: unsupported sample width %d" % width)
    return vals[::ch], rate


def read_g711(law):
    dec = ulaw if law == "ulaw" else alaw
    table = [dec(i) for i in range(256)]
    pcm = []
    for line in sys.stdin:
        h = line.strip().replace(":", "")
        if h:
            pcm.extend(table[x] for x in bytes.fromhex(h))
    return pcm, 8000


def goertzel_power(x, f, rate):
    w = 2.0 * math.pi * f / rate
    c = 2.0 * math.cos(w)
    s1 = s2 = 0.0
    for v in x:
        s0 = v + c * s1 - s2
        s2 = s1
        s1 = s0
    return s1 * s1 + s2 * s2 - c * s1 * s2


def analyse(pcm, rate):
    flen = max(1, rate // 50)  # 20 ms frames
    frames = [pcm[i:i + flen] for i in range(0, len(pcm) - flen + 1, flen)]
    if not frames:
        return None
    frms = [math.sqrt(sum(v * v for v in fr) / len(fr)) for fr in frames]
    loud = sorted(frms)[int(0.9 * (len(frms) - 1))]
    thr = max(50.0, 0.2 * loud)
    active = [r >= thr for r in frms]
    nact = sum(active)
    if nact == 0:
        return dict(freq=0.0, rms=0.0, purity=0.0, active=0.0, total=len(pcm) / rate)
    rms = math.sqrt(sum(r * r for r, a in zip(frms, active) if a) / nact)
    # longest stretch of active frames
    best = (0, 0)
    start = None
    for i, a in enumerate(active + [False]):
        if a and start is None:
            start = i
        elif not a and start is not None:
            if i - start > best[1] - best[0]:
                best = (start, i)
            start = None
    seg = [v for fr in frames[best[0]:best[1]] for v in fr]
    # at most 1 s from the middle of the stretch
    if len(seg) > rate:
        mid = len(seg) // 2
        seg = seg[mid - rate // 2: mid - rate // 2 + rate]
    mean = sum(seg) / len(seg)
    seg = [v - mean for v in seg]
    n = len(seg)
    # coarse scan on short blocks (wide main lobe), averaged over the segment
    blk = min(n, rate // 20)  # 50 ms
    starts = list(range(0, n - blk + 1, max(blk, (n - blk) // 8 or blk)))[:8] or [0]
    best_f, best_p = 0.0, -1.0
    f = 100.0
    while f <= min(3900.0, rate / 2 - 100):
        p = sum(goertzel_power(seg[s:s + blk], f, rate) for s in starts)
        if p > best_p:
            best_f, best_p = f, p
        f += 10.0
    # fine scan on the whole segment: 1 Hz steps, then 0.1 Hz
    step_sets = [(best_f - 20, best_f + 20, 1.0)]
    fine_f, fine_p = best_f, -1.0
    for lo, hi, st in step_sets:
        f = lo
        while f <= hi:
            p = goertzel_power(seg, f, rate)
            if p > fine_p:
                fine_f, fine_p = f, p
            f += st
    f = fine_f - 1.0
    while f <= fine_f + 1.0:
        p = goertzel_power(seg, f, rate)
        if p > fine_p:
            fine_f, fine_p = f, p
        f += 0.1
    tone_rms = math.sqrt(2.0 * max(fine_p, 0.0)) / n
    seg_rms = math.sqrt(sum(v * v for v in seg) / n) or 1.0
    return dict(freq=fine_f, rms=rms, purity=min(1.0, tone_rms / seg_rms),
                active=nact * flen / rate, total=len(pcm) / rate)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--wav")
    src.add_argument("--g711", choices=["ulaw", "alaw"])
    ap.add_argument("--expect", type=float)
    ap.add_argument("--tol", type=float, default=10.0)
    ap.add_argument("--min-rms", type=float, default=300.0)
    ap.add_argument("--min-purity", type=float, default=0.3)
    ap.add_argument("--min-active", type=float, default=1.0)
    a = ap.parse_args()
    pcm, rate = read_wav(a.wav) if a.wav else read_g711(a.g711)
    r = analyse(pcm, rate) if pcm else None
    if not r:
        print("no audio (0 samples)")
        return 2
    print("freq=%.1f rms=%d purity=%.2f active=%.2fs total=%.2fs"
          % (r["freq"], r["rms"], r["purity"], r["active"], r["total"]))
    bad = []
    if a.expect is not None and abs(r["freq"] - a.expect) > a.tol:
        bad.append("frequency %.1f Hz is not %g±%g Hz" % (r["freq"], a.expect, a.tol))
    if r["rms"] < a.min_rms:
        bad.append("level rms=%d < %g" % (r["rms"], a.min_rms))
    if r["purity"] < a.min_purity:
        bad.append("purity %.2f < %g (not a clean tone)" % (r["purity"], a.min_purity))
    if r["active"] < a.min_active:
        bad.append("only %.2f s of audio above the noise (need %g s)" % (r["active"], a.min_active))
    for b in bad:
        print("tone.py: " + b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

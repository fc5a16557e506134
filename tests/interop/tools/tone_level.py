#!/usr/bin/env python3
"""tone_level.py — the level of one frequency in a WAV file (standard library only).

  tone_level.py --wav FILE.wav --freq HZ [--min-db D] [--max-db D] [--skip S]

Reads channel 0 of a 16-bit PCM WAV at any rate, drops the first S seconds
(default 0.5), keeps the 20 ms frames above 20 % of the loud frames' level,
and measures with a Hann-windowed Goertzel filter the RMS of the HZ component
in the longest run of them (a sine of amplitude A reads A/sqrt(2)).  Prints
  freq=5000 level=5600 rms=5650 share_db=-0.1 active=2.40s rate=16000
share_db = the component's level relative to the active audio's RMS (0 dB: the
whole signal is that tone).  Exits 1 when share_db is below --min-db or above
--max-db, 2 when there is no audio.
"""
import argparse
import math
import sys
import wave


def read_wav(path):
    with wave.open(path, "rb") as w:
        ch, width, rate, n = w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()
        raw = w.readframes(n)
    if width != 2:
        raise SystemExit("tone_level.py: want 16-bit PCM, got width %d" % width)
    vals = [int.from_bytes(raw[i:i + 2], "little", signed=True) for i in range(0, len(raw) - 1, 2)]
    return vals[::ch], rate


def longest_active(pcm, rate):
    flen = rate // 50
    frames = [pcm[i:i + flen] for i in range(0, len(pcm) - flen + 1, flen)]
    lv = [math.sqrt(sum(x * x for x in f) / flen) for f in frames]
    if not lv or max(lv) == 0:
        return []
    loud = sorted(lv)[int(len(lv) * 0.9)]
    best, cur, start = (0, 0), 0, 0
    for i, v in enumerate(lv + [0]):
        if v > 0.2 * loud:
            if cur == 0:
                start = i
            cur += 1
        else:
            if cur > best[1] - best[0]:
                best = (start, start + cur)
            cur = 0
    return pcm[best[0] * flen:best[1] * flen]


def level_at(x, rate, freq):
    n = len(x)
    coeff = 2 * math.cos(2 * math.pi * freq / rate)
    s1 = s2 = wsum = 0.0
    for i, v in enumerate(x):
        w = 0.5 - 0.5 * math.cos(2 * math.pi * i / (n - 1))
        wsum += w
        s1, s2 = v * w + coeff * s1 - s2, s1
    p = max(s1 * s1 + s2 * s2 - coeff * s1 * s2, 0.0)
    return 2 * math.sqrt(p) / wsum / math.sqrt(2)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wav", required=True)
    ap.add_argument("--freq", type=float, required=True)
    ap.add_argument("--skip", type=float, default=0.5)
    ap.add_argument("--min-db", type=float)
    ap.add_argument("--max-db", type=float)
    a = ap.parse_args()
    pcm, rate = read_wav(a.wav)
    x = longest_active(pcm[int(a.skip * rate):], rate)
    if len(x) < rate // 5:
        print("no audio (%d active samples) rate=%d" % (len(x), rate))
        return 2
    rms = math.sqrt(sum(v * v for v in x) / len(x))
    lvl = level_at(x, rate, a.freq) if a.freq < rate / 2 else 0.0
    share = 20 * math.log10(max(lvl, 1e-9) / rms)
    print("freq=%g level=%.0f rms=%.0f share_db=%.1f active=%.2fs rate=%d"
          % (a.freq, lvl, rms, share, len(x) / rate, rate))
    bad = []
    if a.min_db is not None and share < a.min_db:
        bad.append("the %g Hz tone is %.1f dB of the audio, want >= %g dB" % (a.freq, share, a.min_db))
    if a.max_db is not None and share > a.max_db:
        bad.append("the %g Hz tone is %.1f dB of the audio, want <= %g dB" % (a.freq, share, a.max_db))
    for b in bad:
        print("tone_level.py: " + b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

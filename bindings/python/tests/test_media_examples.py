"""The media toolkit's examples against the C dialer (voip-dial): the IVR
(greeting WAV at 44.1 kHz, the digit menu, a recorded message) and the
three-party conference room."""

from __future__ import annotations

import re
import subprocess
import sys
import wave
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from conftest import PKG_ROOT, Proc, assert_tone, goertzel_power, next_rtp_range, next_sip_port, s16_samples
from test_media import wav_bytes

EXAMPLES = PKG_ROOT / "examples"


def dial(voip_dial_bin: str, uri: str, *extra: str) -> subprocess.CompletedProcess[str]:
    low, high = next_rtp_range()
    return subprocess.run(
        [voip_dial_bin, uri, "--bind", "127.0.0.1:0", "--rtp-ports", f"{low}-{high}", *extra],
        capture_output=True, text=True, timeout=30,
    )


def test_ivr_example(tmp_path: Path, voip_dial_bin: str) -> None:
    assert len((EXAMPLES / "ivr.py").read_text().splitlines()) < 40
    greeting = tmp_path / "greeting.wav"
    greeting.write_bytes(wav_bytes(600, 500, 44100, channels=2))
    port = next_sip_port()
    low, high = next_rtp_range()
    out = tmp_path / "msg.wav"
    ivr = Proc([sys.executable, str(EXAMPLES / "ivr.py"), str(greeting), "--bind", f"127.0.0.1:{port}",
                "--rtp-ports", f"{low}-{high}", "--out", str(out)])
    try:
        assert ivr.wait_line(lambda l: l.startswith("READY"), 20), ivr.output()
        heard_path = tmp_path / "heard.wav"
        d = dial(voip_dial_bin, f"sip:ivr@127.0.0.1:{port}", "--tone", "440", "--dtmf", "1", "--seconds", "4",
                 "--record", str(heard_path))
        assert d.returncode == 0, d.stdout + d.stderr
        assert ivr.wait_line(lambda l: l == "MENU 1", 10), ivr.output()
        assert ivr.wait_line(lambda l: l.startswith("SAVED "), 10), ivr.output()
        # The caller heard the greeting (600 Hz, resampled from 44.1 kHz
        # stereo), then the beep (880 Hz).
        with wave.open(str(heard_path), "rb") as w:
            heard = s16_samples(w.readframes(w.getnframes()))
        windows = [heard[i : i + 800] for i in range(0, len(heard) - 800, 800)]
        greeting = [i for i, x in enumerate(windows) if goertzel_power(x, 600) > 0.5]
        beep = [i for i, x in enumerate(windows) if goertzel_power(x, 880) > 0.5]
        assert 4 <= len(greeting) <= 6, f"greeting heard in {len(greeting)} windows of 0.1 s"
        assert beep and beep[0] > greeting[-1], f"beep windows {beep}, greeting {greeting}"
    finally:
        ivr.stop()
    with wave.open(str(out), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 8000)
        frames = w.readframes(w.getnframes())
    assert len(frames) >= 2 * 8000, f"{len(frames) / 16000:.2f} s recorded"
    assert_tone(s16_samples(frames), 440)


def test_conference_example(voip_dial_bin: str) -> None:
    port = next_sip_port()
    low, high = next_rtp_range()
    room = Proc([sys.executable, str(EXAMPLES / "conference.py"), "--bind", f"127.0.0.1:{port}",
                 "--rtp-ports", f"{low}-{high}"])
    freqs = [440, 700, 1200]
    try:
        assert room.wait_line(lambda l: l.startswith("READY"), 20), room.output()
        with ThreadPoolExecutor(3) as pool:
            runs = list(pool.map(lambda hz: dial(voip_dial_bin, f"sip:room@127.0.0.1:{port}",
                                                 "--tone", str(hz), "--seconds", "5"), freqs))
        for hz, d in zip(freqs, runs):
            assert d.returncode == 0, d.stdout + d.stderr
            m = re.search(r"^AUDIO (\d+) (\d+)$", d.stdout, re.M)
            assert m, d.stdout
            heard = int(m.group(1))
            # Each party hears one of the two others, never itself.
            assert any(abs(heard - f) <= 10 for f in freqs if f != hz), f"{hz} Hz party heard {heard} Hz"
        assert room.wait_line(lambda l: l.startswith("LEAVE 3 "), 10), room.output()
        assert sum(l.startswith("JOIN ") for l in room.lines) == 3, room.output()
    finally:
        room.stop()

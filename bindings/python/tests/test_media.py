"""The media toolkit through Python: players, recorders, tones,
conferences and in-band DTMF between phones on 127.0.0.1."""

from __future__ import annotations

import math
import os
import signal
import struct
import subprocess
import sys
import textwrap
import threading
import time
import wave
from pathlib import Path
from typing import List

import pytest

import voip
from voip import CallState, VoIPCall

from conftest import (
    Answerer,
    PhoneFactory,
    goertzel_power,
    next_rtp_range,
    s16_samples,
    tone_s16,
    uri_of,
    wait_until,
)


def wav_bytes(freq: float, ms: int, rate: int, channels: int = 1) -> bytes:
    """A 16-bit WAV file of a tone in every channel."""
    n = rate * ms // 1000
    frames = []
    for i in range(n):
        v = int(12000 * math.sin(2 * math.pi * freq * i / rate))
        frames.append(struct.pack("<h", v) * channels)
    import io

    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(frames))
    return buf.getvalue()


def answered_pair(make_phone: PhoneFactory, **callee_kw):  # type: ignore[no-untyped-def]
    ans = Answerer(lambda c: c.answer())
    callee = make_phone(call_callback=ans, **callee_kw)
    caller = make_phone()
    call = caller.call(uri_of(callee, "bob"))
    assert call.wait(timeout=5) == CallState.ANSWERED
    assert ans.arrived.wait(5)
    peer = ans.calls[0]
    assert peer.wait(CallState.ANSWERED, timeout=5) == CallState.ANSWERED
    return caller, callee, call, peer


def test_play_reaches_peer_and_wait(make_phone: PhoneFactory, tmp_path: Path) -> None:
    caller, callee, call, peer = answered_pair(make_phone)
    path = tmp_path / "greeting.wav"
    path.write_bytes(wav_bytes(1000, 1000, 44100, channels=2))  # resampled, mixed down
    ended: List[str] = []
    with call.play(path) as player:
        player.on_end = lambda p, reason: ended.append(reason)
        heard = s16_samples(peer.read_audio(320 * 100))  # 2 s
        assert player.wait(timeout=3)
    assert ended == ["finished"] and player.end_reason == "finished"
    loud = [i for i, s in enumerate(heard) if abs(s) > 1500]
    assert loud, "the peer heard nothing"
    span = loud[-1] - loud[0]
    assert 7520 < span < 8480, f"the peer heard {span} samples of tone, want 8000 (1 s ± 60 ms)"
    assert goertzel_power(heard[loud[0] + 1000 : loud[0] + 5000], 1000) > 0.8
    # From memory, looped: still playing after two passes of 100 ms.
    with caller.player(wav_bytes(600, 100, 8000), loop=True) as looped:
        looped.connect(call)
        assert not looped.wait(timeout=0.5)
        assert looped.is_active
    call.hangup()


def test_record_both_directions(make_phone: PhoneFactory, tmp_path: Path) -> None:
    caller, callee, call, peer = answered_pair(make_phone)
    path = tmp_path / "call.wav"
    with peer.record(path, stereo=True, max_duration=1.0) as rec, callee.tone("1400") as tone:
        tone.connect(peer)
        call.write_audio(tone_s16(440, 1500))
        assert rec.wait(timeout=5), "the 1 s limit did not end the recording"
        assert rec.end_reason == "max duration"
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()) == (2, 2, 8000, 8000)
        data = s16_samples(w.readframes(8000))
    left, right = data[0::2], data[1::2]
    assert goertzel_power(left[4000:], 440) > 0.8, "left: what the call received"
    assert goertzel_power(right[4000:], 1400) > 0.8, "right: what the call sent"
    call.hangup()


def test_conference_of_three(make_phone: PhoneFactory) -> None:
    ans = Answerer(lambda c: c.answer())
    hub = make_phone(call_callback=ans)
    freqs = [500, 900, 1400]
    members = []
    for i in range(3):
        c = make_phone().call(uri_of(hub, "conf"))
        assert c.wait(timeout=5) == CallState.ANSWERED
        members.append(c)
    assert wait_until(lambda: len(ans.calls) == 3)
    heard: List[List[int]] = [[], [], []]
    with hub.conference(ans.calls) as conf:
        assert len(conf) == 3

        def run(i: int) -> None:
            members[i].write_audio(tone_s16(freqs[i], 1500))
            heard[i] = s16_samples(members[i].read_audio(320 * 75))

        threads = [threading.Thread(target=run, args=(i,)) for i in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    for i in range(3):
        part = heard[i][5000:11000]
        for j, f in enumerate(freqs):
            p = goertzel_power(part, f)
            if i == j:
                assert p < 0.02, f"member {i} hears itself ({p:.2f})"
            else:
                assert p > 0.3, f"member {i}: {f} Hz share {p:.2f}"
    for c in members:
        c.hangup()


def test_inband_dtmf(make_phone: PhoneFactory) -> None:
    ans = Answerer(lambda c: c.answer())
    callee = make_phone(call_callback=ans, dtmf_detect_inband=True, dtmf_payload_type=0)
    caller = make_phone(dtmf_mode="inband")
    call = caller.call(uri_of(callee, "ivr"))
    assert call.wait(timeout=5) == CallState.ANSWERED
    assert ans.arrived.wait(5)
    call.send_dtmf("42#")
    deadline_digits: List[str] = []

    def collected() -> bool:
        deadline_digits.append(ans.calls[0].get_dtmf(None))
        return len("".join(deadline_digits)) >= 3

    assert wait_until(collected, 4)
    assert "".join(deadline_digits) == "42#"
    call.hangup()


def test_media_errors(make_phone: PhoneFactory, tmp_path: Path) -> None:
    caller, callee, call, peer = answered_pair(make_phone)
    with pytest.raises(voip.MediaFileError):
        caller.player(tmp_path / "missing.wav")
    with pytest.raises(voip.MediaFormatError):
        caller.player(b"RIFF\x10\x00\x00\x00WAVEjunk")
    with pytest.raises(voip.MediaFormatError):
        caller.player(wav_bytes(440, 100, 8000)[:60])  # truncated
    with pytest.raises(voip.MediaFileError):
        caller.recorder(tmp_path / "no" / "such" / "dir.wav")
    with pytest.raises(voip.InvalidArgumentError):
        caller.tone("ringback:mars")
    with caller.tone("busy:eu") as tone:
        with pytest.raises(voip.InvalidArgumentError):
            tone.connect(tone)
        with pytest.raises(voip.InvalidArgumentError):
            call.connect(tone)  # a tone takes no audio
        with pytest.raises(TypeError):
            tone.connect("not a port")  # type: ignore[arg-type]
        with pytest.raises(voip.InvalidArgumentError):
            call.connect(call)
    with pytest.raises(voip.InvalidStateError):
        tone.connect(call)  # closed
    tone.close()  # twice: nothing
    call.hangup()


def test_recording_header_valid_after_kill(tmp_path: Path) -> None:
    """A process killed (SIGKILL) while recording leaves a valid WAV: the
    header is rewritten every second, so it covers what was written."""
    low, high = next_rtp_range()
    path = tmp_path / "killed.wav"
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import time, voip
            p = voip.VoIPPhone(voip.VoIPPhoneParameter(bind_ip="127.0.0.1", bind_port=0,
                               rtp_port_low={low}, rtp_port_high={high}))
            p.start()
            rec, tone = p.recorder({str(path)!r}), p.tone("1000")
            tone.connect(rec)
            print("RECORDING", flush=True)
            time.sleep(60)
        """)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "RECORDING"
        time.sleep(2.5)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    data = path.read_bytes()
    size = struct.unpack_from("<I", data, 40)[0]
    assert data[:4] == b"RIFF" and data[36:40] == b"data"
    assert struct.unpack_from("<I", data, 4)[0] == 36 + size
    assert 2 * 8000 <= size <= len(data) - 44, f"header covers {size} bytes of {len(data) - 44}"
    with wave.open(str(path)) as w:  # the standard library reads it
        frames = s16_samples(w.readframes(w.getnframes()))
    assert goertzel_power(frames[:8000], 1000) > 0.9

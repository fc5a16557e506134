"""Wideband audio: the sample_rate option with the G722 and opus codecs."""

from __future__ import annotations

import math
import struct
from typing import List

import pytest

import voip
from voip import CallState, VoIPCall

from conftest import Answerer, PhoneFactory, uri_of


def tone(freq: float, rate: int, ms: int, amp: int = 8000) -> bytes:
    n = rate * ms // 1000
    return struct.pack("<%dh" % n, *(int(amp * math.sin(2 * math.pi * freq * i / rate)) for i in range(n)))


def level(data: bytes, rate: int, freq: float) -> float:
    """RMS of the *freq* component (Hann-windowed Goertzel): a sine of
    amplitude A reads A/sqrt(2)."""
    n = len(data) // 2
    x = struct.unpack("<%dh" % n, data[: 2 * n])
    k = 2 * math.cos(2 * math.pi * freq / rate)
    s1 = s2 = 0.0
    wsum = 0.0
    for i, v in enumerate(x):
        w = 0.5 - 0.5 * math.cos(2 * math.pi * i / (n - 1))
        wsum += w
        s0 = v * w + k * s1 - s2
        s2, s1 = s1, s0
    p = max(s1 * s1 + s2 * s2 - k * s1 * s2, 0.0)
    return 2 * math.sqrt(p) / wsum / math.sqrt(2)


@pytest.mark.parametrize(
    "codecs,rate,codec,wide",
    [
        (["G722", "PCMU"], 16000, "G722", True),
        (["opus", "PCMU"], 48000, "opus", True),
        (["PCMU"], 16000, "PCMU", False),
    ],
)
def test_wideband_tones(make_phone: PhoneFactory, codecs: List[str], rate: int, codec: str, wide: bool) -> None:
    heard: List[bytes] = []
    frame = 2 * rate // 50  # bytes of 20 ms

    def callee_side(call: VoIPCall) -> None:
        call.answer()
        for _ in range(2):  # 1 kHz, then 5 kHz
            heard.append(call.read_audio(frame * 60))  # 1.2 s

    ans = Answerer(callee_side)
    callee = make_phone(call_callback=ans, codecs=codecs, sample_rate=rate)
    caller = make_phone(codecs=codecs, sample_rate=rate)
    assert caller.sample_rate == rate
    call = caller.call(uri_of(callee, "alice"))
    assert call.wait(timeout=5) == CallState.ANSWERED
    assert call.codec == codec
    call.write_audio(tone(1000, rate, 1200))
    call.write_audio(tone(5000, rate, 1200))
    assert ans.done.wait(10)
    assert not ans.errors
    call.hangup()
    want = 8000 / math.sqrt(2)
    # Skip the first 400 ms of each (jitter buffer, resampler delay).
    one, five = heard[0][frame * 20 :], heard[1][frame * 20 :]
    l1 = level(one, rate, 1000)
    assert want / 2 < l1 < want * 2, f"1 kHz level {l1:.0f}, want {want:.0f}"
    l5 = level(five, rate, 5000)
    if wide:
        assert want / 2 < l5 < want * 2, f"5 kHz level {l5:.0f} through {codec}, want {want:.0f}"
    else:
        assert l5 < want / 100, f"5 kHz level {l5:.0f} through narrowband {codec}, want < {want / 100:.0f}"


def test_sample_rate_option(make_phone: PhoneFactory) -> None:
    p = make_phone(sample_rate=48000, codecs="opus,G722")
    assert p.get_option("sample_rate") == "48000"
    assert p.get_option("codecs") == "opus,G722"
    with pytest.raises(TypeError):
        voip.VoIPPhoneParameter(sample_rate="16000").validate()  # type: ignore[arg-type]
    with pytest.raises(voip.InvalidArgumentError, match="sample_rate"):
        make_phone(start=False, sample_rate=44100)

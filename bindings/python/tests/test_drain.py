"""Waiting for what was queued, flushing, collecting digits (issue 17), on
real calls: against the C example voip-echo, and Python <-> Python."""

from __future__ import annotations

import time
from typing import Iterator, List

import pytest

from voip import CallState, DTMFCollection, InvalidArgumentError, InvalidStateError, VoIPCall

from conftest import (
    Answerer,
    PhoneFactory,
    Proc,
    next_rtp_range,
    next_sip_port,
    rms,
    s16_samples,
    tone_s16,
    uri_of,
    wait_until,
    wait_udp_port,
)


@pytest.fixture
def echo(voip_echo_bin: str) -> Iterator[tuple[Proc, int]]:
    port = next_sip_port()
    low, high = next_rtp_range()
    p = Proc([voip_echo_bin, "--bind", f"127.0.0.1:{port}", "--rtp-ports", f"{low}-{high}"])
    try:
        assert wait_udp_port(port), "voip-echo did not start:\n" + p.output()
        yield p, port
    finally:
        rc = p.stop()
        assert rc == 0, f"voip-echo exited {rc}:\n{p.output()}"


def digits_before_end(proc: Proc) -> str:
    """The DTMF voip-echo printed for call 1 before it ended."""
    out = []
    for line in proc.lines:
        if line.startswith("CALL 1 ENDED"):
            return "".join(out)
        if line.startswith("DTMF 1 "):
            out.append(line.split()[2])
    raise AssertionError("voip-echo never ended call 1:\n" + proc.output())


@pytest.mark.parametrize("mode", ["rfc4733", "info"])
def test_drain_then_hangup_sends_every_digit(make_phone: PhoneFactory, echo: tuple[Proc, int], mode: str) -> None:
    proc, port = echo
    call = make_phone(dtmf_mode=mode).call(f"sip:echo@127.0.0.1:{port}")
    assert call.wait(timeout=5) == CallState.ANSWERED
    call.send_dtmf("123#", 60)
    start = time.monotonic()
    assert call.drain(timeout=5) is True
    assert time.monotonic() - start >= 0.24  # four 60 ms digits cannot go faster
    call.hangup()
    assert proc.wait_line(lambda l: l.startswith("CALL 1 ENDED"), 5), proc.output()
    assert digits_before_end(proc) == "123#"
    with pytest.raises(InvalidStateError):
        call.drain(timeout=1)


def level(call: VoIPCall, seconds: float) -> float:
    return rms(s16_samples(call.read_audio(int(16000 * seconds))))


def test_flushed_audio_is_not_heard(make_phone: PhoneFactory, echo: tuple[Proc, int]) -> None:
    proc, port = echo
    call = make_phone().call(f"sip:echo@127.0.0.1:{port}")
    assert call.wait(timeout=5) == CallState.ANSWERED
    call.write_audio(tone_s16(1000, 400))
    start = time.monotonic()
    assert call.drain(dtmf=False, timeout=5)
    assert 0.36 <= time.monotonic() - start < 2
    call.flush(received_audio=True)
    call.write_audio(tone_s16(1000, 1800))
    time.sleep(0.3)
    assert level(call, 0.3) > 1000  # the echo of the tone
    call.flush(send_audio=True)  # barge-in
    time.sleep(0.6)  # what is in flight comes back (through the echo's jitter buffer)
    call.flush(received_audio=True)
    assert level(call, 0.5) < 50
    # audio received but not read is dropped by a flush
    call.write_audio(tone_s16(1000, 600))
    assert call.drain(dtmf=False, timeout=5)
    time.sleep(0.5)
    call.flush(received_audio=True)
    assert level(call, 0.3) < 50
    with pytest.raises(InvalidArgumentError):
        call.flush()
    call.hangup()


@pytest.fixture
def pair(make_phone: PhoneFactory) -> Iterator[tuple[VoIPCall, VoIPCall]]:
    answered: List[VoIPCall] = []

    def callee_side(call: VoIPCall) -> None:
        call.answer()
        answered.append(call)

    callee = make_phone(call_callback=Answerer(callee_side))
    caller = make_phone()
    call = caller.call(uri_of(callee))
    assert call.wait(timeout=5) == CallState.ANSWERED
    assert wait_until(lambda: bool(answered))
    yield call, answered[0]
    if call.state == CallState.ANSWERED:
        call.hangup()


CASES = [
    ("1234", dict(max_digits=3, timeout=5), DTMFCollection("123", "max_digits", "")),
    ("12#", dict(terminators="*#", timeout=5), DTMFCollection("12", "terminator", "#")),
    ("", dict(max_digits=4, timeout=0.3), DTMFCollection("", "timeout", "")),
    ("56", dict(inter_digit_timeout=0.6, timeout=5), DTMFCollection("56", "inter_digit_timeout", "")),
]


def test_collect_dtmf_stop_conditions(pair: tuple[VoIPCall, VoIPCall]) -> None:
    caller, callee = pair
    for send, kw, want in CASES:
        callee.flush(received_dtmf=True)
        if send:
            caller.send_dtmf(send)
        start = time.monotonic()
        got = callee.collect_dtmf(**kw)  # type: ignore[arg-type]
        assert got == want, (send, kw)
        if want.reason == "timeout":
            assert time.monotonic() - start >= 0.29
        assert caller.drain(audio=False, timeout=3)
    with pytest.raises(InvalidArgumentError):
        callee.collect_dtmf(terminators="x")
    callee.flush(received_dtmf=True)
    caller.send_dtmf("9")
    assert caller.drain(timeout=3)
    caller.hangup()
    digits, reason, _ = callee.collect_dtmf(terminators="#", timeout=5)
    assert (digits, reason) == ("9", "ended")


def test_constants_match_header() -> None:
    import re
    from pathlib import Path

    from voip import _lib

    text = (Path(__file__).resolve().parents[3] / "include" / "voip.h").read_text()
    found = {m[0]: int(m[1]) for m in re.findall(r"^#define VOIP_((?:DRAIN|FLUSH|COLLECT)_[A-Z_]+)\s+(\d+)u?\b", text, re.M)}
    ours = {
        "DRAIN_DTMF": _lib.DRAIN_DTMF, "DRAIN_AUDIO": _lib.DRAIN_AUDIO,
        "FLUSH_SEND_AUDIO": _lib.FLUSH_SEND_AUDIO, "FLUSH_RECEIVED_AUDIO": _lib.FLUSH_RECEIVED_AUDIO,
        "FLUSH_RECEIVED_DTMF": _lib.FLUSH_RECEIVED_DTMF,
    }
    ours.update({"COLLECT_" + name.upper().replace("INTER_DIGIT_TIMEOUT", "INTER_DIGIT"): code
                 for code, name in _lib.COLLECT_STOPS.items()})
    assert found == ours

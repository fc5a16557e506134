"""The batched audio path (issue 16): one Python thread for every call,
FrameBatch over voip_phone_read_frames / write_frames / exchange_frames."""

from __future__ import annotations

import threading
import time
from typing import Dict, List, Tuple

import pytest

import voip
from voip import CallState, FrameBatch, VoIPCall

from conftest import Answerer, PhoneFactory, dominant_frequency, rms, s16_samples, tone_s16, uri_of

NCALLS = 12


def echo_loop(batch: FrameBatch, stop: threading.Event, ended: List[VoIPCall]) -> None:
    """One thread echoes every call of the phone, one exchange per tick."""
    replies: List[Tuple[VoIPCall, bytes]] = []
    while not stop.is_set():
        frames = batch.exchange(replies, timeout=0.2)
        replies = [(f.call, f.data) for f in frames if f.data is not None]
        ended.extend(f.call for f in frames if f.data is None)


def test_batch_echo_many_calls(make_phone: PhoneFactory) -> None:
    ans = Answerer(lambda c: c.answer())
    callee = make_phone(call_callback=ans, rtp_port_low=35100, rtp_port_high=35199)
    caller = make_phone(rtp_port_low=35200, rtp_port_high=35299)
    echo = FrameBatch(callee, capacity=64)
    assert echo.frame_bytes == 320
    stop, ended = threading.Event(), []  # type: ignore[var-annotated]
    t = threading.Thread(target=echo_loop, args=(echo, stop, ended), daemon=True)
    t.start()
    try:
        calls = [caller.call(uri_of(callee, "bob")) for _ in range(NCALLS)]
        for c in calls:
            assert c.wait(CallState.ANSWERED, timeout=5) == CallState.ANSWERED
        mine = FrameBatch(caller, capacity=64)
        tones = [tone_s16(400 + 150 * i, 1800) for i in range(NCALLS)]
        while mine.read(timeout=0):  # what came while the calls were set up
            pass
        t0 = time.monotonic()
        for c, tone in zip(calls, tones):
            c.write_audio(tone)
        heard: Dict[int, List[bytes]] = {c.handle: [] for c in calls}
        while time.monotonic() - t0 < 1.6:
            for f in mine.read(timeout=1.0):
                assert f.data is not None and len(f.data) == 320
                heard[f.call.handle].append(f.data)
        ticks = (time.monotonic() - t0) / 0.020
        counts = [len(heard[c.handle]) for c in calls]
        # One frame per tick per call: none lost, none repeated.
        assert all(abs(n - ticks) <= 3 for n in counts), (ticks, counts)
        for i, c in enumerate(calls):
            pcm = s16_samples(b"".join(heard[c.handle][40:]))
            f, level = dominant_frequency(pcm), rms(pcm)
            assert abs(f - (400 + 150 * i)) <= 5 and level > 3000, (i, f, level)
        for c in calls:
            c.hangup()
        assert _wait(lambda: len(ended) >= NCALLS), f"{len(ended)} ends reported"
        time.sleep(0.1)
        assert sorted(c.handle for c in ended) == sorted(c.handle for c in ans.calls), "each end once"
    finally:
        stop.set()
        t.join(5)


def test_batch_write_and_errors(make_phone: PhoneFactory) -> None:
    ans = Answerer(lambda c: c.answer())
    callee = make_phone(call_callback=ans, rtp_port_low=35300, rtp_port_high=35349)
    caller = make_phone(rtp_port_low=35350, rtp_port_high=35399)
    call = caller.call(uri_of(callee, "bob"))
    assert call.wait(CallState.ANSWERED, timeout=5) == CallState.ANSWERED
    batch = FrameBatch(caller, capacity=4)
    assert batch.write([(call, bytes(320))]) == [voip._lib.OK]  # type: ignore[attr-defined]
    with pytest.raises(voip.InvalidArgumentError):
        batch.write([(call, bytes(100))])
    with pytest.raises(voip.InvalidArgumentError):
        FrameBatch(caller, capacity=0)
    frames = batch.read(timeout=1.0)
    assert [f.call for f in frames] == [call] and frames[0].data is not None
    call.hangup()
    assert _wait(lambda: any(f.data is None for f in batch.read(timeout=0.2)))
    assert batch.read(timeout=0.1) == []
    caller.stop()
    with pytest.raises(voip.InvalidStateError):
        batch.read(timeout=0.1)


def _wait(cond, timeout: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.02)
    return bool(cond())

"""Call quality (issue 13): the quality dict, quality events, the options."""

from __future__ import annotations

import threading
from typing import Any, Dict, List

import pytest

import voip
from voip import CallState, VoIPCall

from conftest import Answerer, PhoneFactory, tone_s16, uri_of, wait_until

FIELDS = {
    "codec", "packets_sent", "packets_received", "packets_lost", "loss_percent", "jitter_ms",
    "remote_packets_sent", "remote_packets_lost", "remote_loss_percent", "remote_jitter_ms",
    "rtt_ms", "concealed_frames", "comfort_noise_frames", "late", "duplicates",
    "jitter_buffer_ms", "jitter_buffer_target_ms", "jitter_mode", "rtcp_sent",
    "rtcp_received", "rtcp_mux", "r_factor", "mos",
}


def test_quality_dict_and_events(make_phone: PhoneFactory) -> None:
    events: List[Dict[str, Any]] = []
    via_call: List[Dict[str, Any]] = []
    texts: List[str] = []
    lock = threading.Lock()

    class QualityCall(VoIPCall):
        def quality_callback(self, quality: Dict[str, Any]) -> None:
            with lock:
                via_call.append(quality)

    def on_quality(call: VoIPCall, q: Dict[str, Any]) -> None:
        with lock:
            events.append(q)

    def on_event(call: VoIPCall, name: str, detail: str) -> None:
        if name == "quality":
            with lock:
                texts.append(detail)

    def callee_side(call: VoIPCall) -> None:
        call.answer()

    callee = make_phone(call_callback=Answerer(callee_side), quality_interval_ms=1000,
                        quality_callback=on_quality, call_event_callback=on_event,
                        call_class=QualityCall)
    caller_events: List[str] = []
    caller = make_phone(jitter_mode="fixed", plc=False,
                        call_event_callback=lambda c, name, detail: caller_events.append(name))
    call = caller.call(uri_of(callee, "q"))
    assert call.wait(timeout=5) == CallState.ANSWERED
    call.write_audio(tone_s16(440, 2500))
    wait_until(lambda: len(events) >= 2, 6)
    q = call.quality()
    assert FIELDS <= set(q), FIELDS - set(q)
    assert q["codec"] == "PCMU" and q["packets_sent"] > 50 and q["packets_received"] > 50
    assert q["packets_lost"] == 0 and q["loss_percent"] == 0
    assert q["jitter_mode"] == "fixed" and q["rtcp_mux"] is True
    assert 3.5 <= q["mos"] <= 4.5  # no loss: the delay alone (about 4.4 when idle)
    call.hangup()
    wait_until(lambda: len(events) >= 3, 5)
    # no quality_interval_ms: the caller gets the final event only
    wait_until(lambda: "quality" in caller_events, 5)
    assert caller_events.count("quality") == 1, caller_events
    with lock:
        # periodic events, then the final one; the same through the call's
        # hook, and as JSON text through call_event_callback
        assert len(events) == len(via_call) == len(texts) >= 3
        assert all(FIELDS <= set(e) for e in events)
        assert events[-1]["packets_received"] >= events[0]["packets_received"] > 0
        assert events[-1]["jitter_mode"] == "adaptive"


def test_quality_options_round_trip(make_phone: PhoneFactory) -> None:
    p = make_phone(rtcp=False, rtcp_mux=False, plc=False, comfort_noise=False, jitter_mode="fixed",
                   jitter_min_ms=60, jitter_max_ms=400, quality_interval_ms=2000)
    for key, want in [("rtcp", "0"), ("rtcp_mux", "0"), ("plc", "0"), ("comfort_noise", "0"),
                      ("jitter_mode", "fixed"), ("jitter_min_ms", "60"), ("jitter_max_ms", "400"),
                      ("quality_interval_ms", "2000")]:
        assert p.get_option(key) == want, key
    with pytest.raises(TypeError):
        voip.VoIPPhoneParameter(plc=1).validate()  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        voip.VoIPPhoneParameter(quality_interval_ms="1000").validate()  # type: ignore[arg-type]
    p.stop()
    with pytest.raises(voip.InvalidArgumentError):
        p.set_option("jitter_mode", "sometimes")

"""NAT traversal and IPv6 (issue 14): stun_server, ice and turn_* are named
options of VoIPPhoneParameter (they reach the library, read back as set,
keep the library's defaults when not given; types are the binding's to
check, values the library's); an ICE call between two phones selects a
host pair reported by info("ice") and has audio both ways, as has a call
over ::1."""

from __future__ import annotations

from typing import List

import pytest

from voip import CallState, InvalidArgumentError, VoIPCall, VoIPPhone, VoIPPhoneParameter, _lib

from conftest import Answerer, PhoneFactory, assert_tone, s16_samples, tone_s16, wait_until


def test_nat_options_round_trip() -> None:
    plain = VoIPPhone(VoIPPhoneParameter(bind_ip="127.0.0.1", bind_port=0))
    given = VoIPPhone(VoIPPhoneParameter(bind_ip="127.0.0.1", bind_port=0,
                                         stun_server="stun.example.org:3479", ice=True,
                                         turn_server="turn.example.org", turn_user="alice",
                                         turn_password="secret"))
    try:
        assert plain.get_option("stun_server") == "" and plain.get_option("ice") == "0"
        assert plain.get_option("turn_server") == ""
        assert given.get_option("stun_server") == "stun.example.org:3479"
        assert given.get_option("ice") == "1"
        assert given.get_option("turn_server") == "turn.example.org"
        assert given.get_option("turn_user") == "alice"
        with pytest.raises(InvalidArgumentError):
            given.get_option("turn_password")  # write-only
    finally:
        plain.stop()
        given.stop()


def test_nat_option_types_and_values() -> None:
    with pytest.raises(TypeError, match="ice"):
        VoIPPhone(VoIPPhoneParameter(bind_ip="127.0.0.1", bind_port=0, ice=1))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="stun_server"):
        VoIPPhone(VoIPPhoneParameter(bind_ip="127.0.0.1", bind_port=0, stun_server=3478))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="turn_password"):
        VoIPPhone(VoIPPhoneParameter(bind_ip="127.0.0.1", bind_port=0, turn_password=1))  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError) as ei:
        VoIPPhone(VoIPPhoneParameter(bind_ip="127.0.0.1", bind_port=0, stun_server="a b"))
    assert ei.value.code == _lib.EINVAL and 'stun_server="a b"' in str(ei.value)
    with pytest.raises(InvalidArgumentError):
        VoIPPhone(VoIPPhoneParameter(bind_ip="127.0.0.1", bind_port=0, turn_server="a b"))


def _call_with_audio(make_phone: PhoneFactory, host: str, **kw: object) -> tuple[VoIPCall, VoIPCall]:
    """Calls a callee (options kw) from a caller (options kw), has them
    exchange 440 Hz and 1000 Hz tones and checks both by frequency."""
    heard_by_callee: List[bytes] = []

    def callee_side(call: VoIPCall) -> None:
        call.answer()
        call.write_audio(tone_s16(1000, 1500))
        heard_by_callee.append(call.read_audio(320 * 75))

    ans = Answerer(callee_side)
    callee = make_phone(call_callback=ans, user="bob", **kw)
    caller = make_phone(**kw)
    call = caller.call(f"sip:bob@{host}:{callee.sip_port}")
    assert call.wait(CallState.ANSWERED, 5) == CallState.ANSWERED
    call.write_audio(tone_s16(440, 1500))
    heard = call.read_audio(320 * 75)
    assert ans.done.wait(10) and not ans.errors
    assert_tone(s16_samples(heard), 1000)
    assert_tone(s16_samples(heard_by_callee[0]), 440)
    return call, ans.calls[0]


def test_ice_call_selects_a_pair_with_audio_both_ways(make_phone: PhoneFactory) -> None:
    call, incoming = _call_with_audio(make_phone, "127.0.0.1", ice=True)
    assert wait_until(lambda: "->" in call.info("ice"))
    pair = call.info("ice")
    assert pair.startswith("host 127.0.0.1:") and "-> host 127.0.0.1:" in pair, pair
    assert "a=ice-ufrag:" in call.info("remote_sdp")
    call.hangup()


def test_ipv6_loopback_call_with_audio_both_ways(make_phone: PhoneFactory) -> None:
    call, incoming = _call_with_audio(make_phone, "[::1]", bind_ip="::1")
    assert call.info("remote_rtp").startswith("[::1]:")
    assert call.info("ice") == ""
    call.hangup()

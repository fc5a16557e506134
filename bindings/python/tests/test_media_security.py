"""SRTP (media_encryption) between two Python phones on 127.0.0.1."""

from __future__ import annotations

from typing import List

import pytest

import voip
from voip import CallState, VoIPCall

from conftest import Answerer, PhoneFactory, assert_tone, s16_samples, tone_s16, uri_of


def test_srtp_mandatory_both_ways(make_phone: PhoneFactory) -> None:
    heard_by_callee: List[bytes] = []

    def callee_side(call: VoIPCall) -> None:
        call.answer()
        call.write_audio(tone_s16(1000, 1500))
        heard_by_callee.append(call.read_audio(320 * 75))

    ans = Answerer(callee_side)
    callee = make_phone(call_callback=ans, media_encryption="mandatory")
    caller = make_phone(media_encryption="mandatory")
    assert caller.get_option("media_encryption") == "mandatory"
    call = caller.call(uri_of(callee, "alice"))
    assert call.wait(timeout=5) == CallState.ANSWERED
    assert call.media_encryption == "sdes"
    srtp = call.srtp_stats()
    assert srtp["suite"] == "AES_CM_128_HMAC_SHA1_80"
    assert srtp["replayed"] == 0 and srtp["auth_failed"] == 0
    call.write_audio(tone_s16(440, 1500))
    heard = call.read_audio(320 * 75)
    assert ans.done.wait(10) and not ans.errors
    assert ans.calls[0].media_encryption == "sdes"
    assert_tone(s16_samples(heard), 1000)
    assert_tone(s16_samples(heard_by_callee[0]), 440)
    call.hangup()


def test_srtp_optional_meets_plain(make_phone: PhoneFactory) -> None:
    ans = Answerer(lambda c: c.answer())
    callee = make_phone(call_callback=ans)  # media_encryption off (default)
    caller = make_phone(media_encryption="optional")
    call = caller.call(uri_of(callee))
    assert call.wait(timeout=5) == CallState.ANSWERED
    assert call.media_encryption == "none"
    assert call.srtp_stats()["suite"] == ""
    call.hangup()


def test_srtp_mandatory_refused_by_plain_peer(make_phone: PhoneFactory) -> None:
    ans = Answerer(lambda c: c.answer())
    callee = make_phone(call_callback=ans, media_encryption="off")
    caller = make_phone(media_encryption="mandatory")
    call = caller.call(uri_of(callee))
    assert call.wait(timeout=5) == CallState.ENDED
    assert call.end_code == 488, call.end_reason
    assert not ans.calls


def test_media_encryption_type_and_value_checks(make_phone: PhoneFactory) -> None:
    with pytest.raises(TypeError):
        voip.VoIPPhone(voip.VoIPPhoneParameter(media_encryption=1))  # type: ignore[arg-type]
    with pytest.raises(voip.InvalidArgumentError):
        make_phone(media_encryption="always")

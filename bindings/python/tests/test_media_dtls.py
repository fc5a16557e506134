"""DTLS-SRTP (media_keying="dtls") between two Python phones on 127.0.0.1."""

from __future__ import annotations

from typing import List

import pytest

import voip
from voip import CallState, VoIPCall

from conftest import Answerer, PhoneFactory, assert_tone, s16_samples, tone_s16, uri_of


def test_dtls_srtp_both_ways(make_phone: PhoneFactory) -> None:
    heard_by_callee: List[bytes] = []

    def callee_side(call: VoIPCall) -> None:
        call.answer()
        call.write_audio(tone_s16(1000, 1500))
        heard_by_callee.append(call.read_audio(320 * 75))

    ans = Answerer(callee_side)
    callee = make_phone(call_callback=ans, media_encryption="mandatory", media_keying="dtls")
    caller = make_phone(media_encryption="mandatory", media_keying="dtls")
    assert caller.get_option("media_keying") == "dtls"
    call = caller.call(uri_of(callee, "alice"))
    assert call.wait(timeout=5) == CallState.ANSWERED
    assert call.media_encryption == "dtls"
    call.write_audio(tone_s16(440, 1500))
    heard = call.read_audio(320 * 75)
    assert ans.done.wait(10) and not ans.errors
    assert ans.calls[0].media_encryption == "dtls"
    assert_tone(s16_samples(heard), 1000)
    assert_tone(s16_samples(heard_by_callee[0]), 440)
    srtp = call.srtp_stats()
    assert srtp["suite"] == "AEAD_AES_128_GCM"
    assert srtp["auth_failed"] == 0
    call.hangup()


def test_dtls_refused_by_plain_peer(make_phone: PhoneFactory) -> None:
    ans = Answerer(lambda c: c.answer())
    callee = make_phone(call_callback=ans)  # media_encryption off
    caller = make_phone(media_encryption="optional", media_keying="dtls")
    call = caller.call(uri_of(callee))
    assert call.wait(timeout=5) == CallState.ENDED
    assert call.end_code == 488, call.end_reason
    assert not ans.calls


def test_media_keying_type_and_value_checks(make_phone: PhoneFactory) -> None:
    with pytest.raises(TypeError):
        voip.VoIPPhone(voip.VoIPPhoneParameter(media_keying=1))  # type: ignore[arg-type]
    with pytest.raises(voip.InvalidArgumentError):
        make_phone(media_keying="zrtp")

"""Early media (call.progress()), redirects (call.redirect(uri)) and the
rel100 option, between phones in one process."""

from __future__ import annotations

import threading
from typing import List, Tuple

import pytest

import voip
from voip import CallState, InvalidStateError, VoIPCall

from conftest import Answerer, PhoneFactory, assert_tone, s16_samples, tone_s16, uri_of, wait_until


@pytest.mark.parametrize("rel100", ["off", "required"])
def test_progress_early_media_then_answer(make_phone: PhoneFactory, rel100: str) -> None:
    answer_now = threading.Event()
    events: List[Tuple[str, str]] = []

    def callee_side(call: VoIPCall) -> None:
        call.progress()
        assert call.state == CallState.RINGING
        call.write_audio(tone_s16(1000, 1500))
        assert answer_now.wait(10)
        call.answer()

    ans = Answerer(callee_side)
    callee = make_phone(call_callback=ans, rel100=rel100)
    caller = make_phone(call_event_callback=lambda c, n, d: events.append((n, d)))
    call = caller.call(uri_of(callee))
    assert call.wait(CallState.PROGRESS, 5) == CallState.PROGRESS
    heard = call.read_audio(320 * 75)  # 1.5 s of early media, before any answer
    assert call.state == CallState.PROGRESS
    assert_tone(s16_samples(heard), 1000)
    assert ("early_media", "remote") in events
    answer_now.set()
    assert call.wait(CallState.ANSWERED, 5) == CallState.ANSWERED
    assert ans.done.wait(5) and not ans.errors
    call.hangup()


def test_deny_after_progress(make_phone: PhoneFactory) -> None:
    def callee_side(call: VoIPCall) -> None:
        call.progress()
        with pytest.raises(InvalidStateError):
            call.progress()
        call.deny(480)

    ans = Answerer(callee_side)
    callee = make_phone(call_callback=ans)
    caller = make_phone()
    call = caller.call(uri_of(callee))
    assert call.wait(CallState.ENDED, 10) == CallState.ENDED
    assert call.end_code == 480
    assert ans.done.wait(5) and not ans.errors


def test_redirect_followed(make_phone: PhoneFactory) -> None:
    target = Answerer(lambda c: c.answer())
    c_phone = make_phone(call_callback=target)
    redirector = Answerer(lambda c: c.redirect(uri_of(c_phone, "carol")))
    b_phone = make_phone(call_callback=redirector)
    events: List[Tuple[str, str]] = []
    a_phone = make_phone(call_event_callback=lambda c, n, d: events.append((n, d)))
    call = a_phone.call(uri_of(b_phone, "bob"))
    assert call.wait(CallState.ANSWERED, 10) == CallState.ANSWERED
    assert redirector.done.wait(5) and not redirector.errors
    assert redirector.calls[0].state == CallState.ENDED
    assert redirector.calls[0].end_code == 302
    assert target.arrived.wait(5)
    assert wait_until(lambda: any(n == "redirected" for n, _ in events))
    assert [d for n, d in events if n == "redirected"][0].startswith(uri_of(c_phone, "carol"))
    call.hangup()


def test_redirect_and_progress_checks(make_phone: PhoneFactory) -> None:
    callee = make_phone(call_callback=Answerer(None))
    caller = make_phone()
    call = caller.call(uri_of(callee))
    with pytest.raises(InvalidStateError):
        call.progress()  # outgoing
    with pytest.raises(InvalidStateError):
        call.redirect("sip:x@127.0.0.1")
    with pytest.raises(TypeError):
        call.redirect(5)  # type: ignore[arg-type]
    call.close()


def test_rel100_option_checked(make_phone: PhoneFactory) -> None:
    with pytest.raises(voip.InvalidArgumentError):
        make_phone(rel100="sometimes")

"""The session timer (RFC 4028) options session_expires and min_se are
named options of VoIPPhoneParameter: they reach the library, read back as
set, keep the library's defaults when not given, and an out-of-range value
gives the library's EINVAL and message; an answered call reports the
negotiated timer in info("session_expires")."""

from __future__ import annotations

import pytest

from voip import CallState, InvalidArgumentError, VoIPPhone, VoIPPhoneParameter, _lib

from conftest import Answerer, PhoneFactory, uri_of

# field/key: the library's default (voip.h), a value to set.
SESSION_TIMER = {
    "session_expires": ("1800", 600),
    "min_se": ("90", 120),
}


def test_session_timer_round_trip() -> None:
    plain = VoIPPhone(VoIPPhoneParameter(bind_ip="127.0.0.1", bind_port=0))
    given = VoIPPhone(
        VoIPPhoneParameter(
            bind_ip="127.0.0.1", bind_port=0, **{k: v for k, (_, v) in SESSION_TIMER.items()}
        )
    )
    try:
        for key, (default, value) in SESSION_TIMER.items():
            assert plain.get_option(key) == default, key
            assert given.get_option(key) == str(value), key
        assert ("session_expires", "0") in VoIPPhoneParameter(session_expires=0).to_options()
    finally:
        plain.stop()
        given.stop()


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("session_expires", 89, 'session_expires="89": use 0 or 90..86400'),
        ("session_expires", 86401, 'session_expires="86401": out of range 0..86400'),
        ("min_se", 60, 'min_se="60": out of range 90..86400'),
    ],
)
def test_session_timer_ranges_are_the_librarys(field: str, value: int, message: str) -> None:
    with pytest.raises(InvalidArgumentError) as ei:
        VoIPPhone(VoIPPhoneParameter(bind_ip="127.0.0.1", bind_port=0, **{field: value}))
    assert ei.value.code == _lib.EINVAL
    assert message in str(ei.value)


@pytest.mark.parametrize("field", sorted(SESSION_TIMER))
def test_session_timer_types_are_the_bindings(field: str) -> None:
    for bad in ("90", 1.5, True):
        with pytest.raises(TypeError, match=field):
            VoIPPhone(VoIPPhoneParameter(bind_ip="127.0.0.1", bind_port=0, **{field: bad}))


def test_call_reports_negotiated_session_timer(make_phone: PhoneFactory) -> None:
    """A caller asking for 600 s and a callee accepting no less than 900 s:
    the caller's INVITE is answered 422 and sent again with 900; both calls
    report "900 uac" (the caller, supporting timers, refreshes)."""
    ans = Answerer(lambda call: call.answer())
    callee = make_phone(call_callback=ans, min_se=900)
    caller = make_phone(session_expires=600)
    call = caller.call(uri_of(callee))
    assert call.wait(CallState.ANSWERED, 5) == CallState.ANSWERED
    assert ans.done.wait(5) and not ans.errors
    assert call.info("session_expires") == "900 uac"
    assert ans.calls[0].info("session_expires") == "900 uac"
    call.hangup()

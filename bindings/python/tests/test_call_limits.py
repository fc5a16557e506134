"""The call limits (rtp_timeout_ms, ring_timeout_ms, max_calls) are named
options of VoIPPhoneParameter: they reach the library, read back as set,
keep the library's defaults when not given, and an out-of-range value gives
the library's EINVAL and message."""

from __future__ import annotations

import pytest

from voip import InvalidArgumentError, VoIPPhone, VoIPPhoneParameter, _lib

# field/key: the library's default (voip.h), a value to set.
CALL_LIMITS = {
    "rtp_timeout_ms": ("30000", 1000),
    "ring_timeout_ms": ("120000", 0),
    "max_calls": ("1024", 2),
}


def test_call_limits_round_trip() -> None:
    plain = VoIPPhone(VoIPPhoneParameter(bind_ip="127.0.0.1", bind_port=0))
    given = VoIPPhone(
        VoIPPhoneParameter(
            bind_ip="127.0.0.1", bind_port=0, **{k: v for k, (_, v) in CALL_LIMITS.items()}
        )
    )
    try:
        for key, (default, value) in CALL_LIMITS.items():
            assert plain.get_option(key) == default, key
            assert given.get_option(key) == str(value), key
        assert ("max_calls", "2") in VoIPPhoneParameter(max_calls=2).to_options()
    finally:
        plain.stop()
        given.stop()


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("rtp_timeout_ms", 999, 'rtp_timeout_ms="999": use 0 or 1000..3600000'),
        ("rtp_timeout_ms", 3600001, 'rtp_timeout_ms="3600001": out of range 0..3600000'),
        ("ring_timeout_ms", 500, 'ring_timeout_ms="500": use 0 or 1000..86400000'),
        ("max_calls", -1, 'max_calls="-1": out of range 0..1048576'),
        ("max_calls", 1048577, 'max_calls="1048577": out of range 0..1048576'),
    ],
)
def test_call_limit_ranges_are_the_librarys(field: str, value: int, message: str) -> None:
    with pytest.raises(InvalidArgumentError) as ei:
        VoIPPhone(VoIPPhoneParameter(bind_ip="127.0.0.1", bind_port=0, **{field: value}))
    assert ei.value.code == _lib.EINVAL
    assert message in str(ei.value)


@pytest.mark.parametrize("field", sorted(CALL_LIMITS))
def test_call_limit_types_are_the_bindings(field: str) -> None:
    for bad in ("60", 1.5, True):
        with pytest.raises(TypeError, match=field):
            VoIPPhone(VoIPPhoneParameter(bind_ip="127.0.0.1", bind_port=0, **{field: bad}))

"""The binding agrees with include/voip.h (the one source of the result
codes and the version), leaves values and ranges to the library, and
reports the library's message, also for a handle whose failure happened on
another thread."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

import voip
from voip import InvalidArgumentError, VoIPPhone, VoIPPhoneParameter, _lib
from voip.errors import from_code

HEADER = Path(__file__).resolve().parents[3] / "include" / "voip.h"


def header() -> str:
    return HEADER.read_text()


def test_result_codes_match_header() -> None:
    codes = {m[0]: int(m[1]) for m in re.findall(r"^#define VOIP_(OK|ERROR|E[A-Z]+)\s+(\d+)", header(), re.M)}
    assert len(codes) >= 12
    ours = {name: getattr(_lib, name) for name in codes}
    assert ours == codes
    # and no code of the binding that voip.h lacks
    extra = [n for n in dir(_lib) if re.fullmatch(r"OK|ERROR|E[A-Z]+", n) and n not in codes]
    assert extra == []


def test_version_matches_header() -> None:
    m = re.search(r'^#define VOIP_VERSION "([^"]+)"', header(), re.M)
    assert m
    want = m.group(1)
    assert voip.__version__ == want
    assert voip.library_version() == want
    pyproject = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text()
    pm = re.search(r'^version = "([^"]+)"', pyproject, re.M)
    assert pm and pm.group(1) == want


# The transport limits: field/key, the library's default, a value to set.
LIMITS = {
    "tcp_max_connections": ("1024", 7),
    "tcp_idle_timeout_ms": ("180000", 1000),
    "tcp_message_timeout_ms": ("30000", 0),
    "tcp_max_message_bytes": ("65535", 1024),
    "udp_max_sources": ("4096", 0),
}


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("register_expires", 2**31 - 1, 'register_expires="2147483647": out of range 0..604800'),
        ("invite_timeout_ms", 2**31 - 1, 'invite_timeout_ms="2147483647": out of range 0..86400000'),
        ("dtmf_payload_type", 50, "use 0 or a dynamic payload type 96..127"),
        ("jitter_ms", 30, "must be a multiple of 20"),
        ("audio_format", "s24", 'audio_format="s24"'),
        ("tcp_max_connections", 1048577, 'tcp_max_connections="1048577": out of range 0..1048576'),
        ("tcp_idle_timeout_ms", 999, 'tcp_idle_timeout_ms="999": use 0 or 1000..86400000'),
        ("tcp_idle_timeout_ms", 86400001, 'tcp_idle_timeout_ms="86400001": out of range 0..86400000'),
        ("tcp_message_timeout_ms", 99, 'tcp_message_timeout_ms="99": use 0 or 100..3600000'),
        ("tcp_max_message_bytes", 1023, 'tcp_max_message_bytes="1023": out of range 1024..65535'),
        ("tcp_max_message_bytes", 65536, 'tcp_max_message_bytes="65536": out of range 1024..65535'),
        ("udp_max_sources", -1, 'udp_max_sources="-1": out of range 0..1048576'),
    ],
)
def test_ranges_are_the_librarys(field: str, value: object, message: str) -> None:
    with pytest.raises(InvalidArgumentError) as ei:
        VoIPPhone(VoIPPhoneParameter(bind_ip="127.0.0.1", bind_port=0, **{field: value}))
    assert ei.value.code == _lib.EINVAL
    assert message in str(ei.value)


def test_types_are_the_bindings() -> None:
    with pytest.raises(TypeError):
        VoIPPhone(VoIPPhoneParameter(bind_ip="127.0.0.1", bind_port=0, register_expires="60"))  # type: ignore[arg-type]
    for field in LIMITS:
        for bad in ("60", 1.5, True):
            with pytest.raises(TypeError, match=field):
                VoIPPhone(VoIPPhoneParameter(bind_ip="127.0.0.1", bind_port=0, **{field: bad}))


def test_handle_error_from_another_thread() -> None:
    p = VoIPPhone(VoIPPhoneParameter(bind_ip="127.0.0.1", bind_port=0))
    h = p.handle
    assert h
    assert _lib.handle_error(phone=h) == ""
    rcs = []
    t = threading.Thread(
        target=lambda: rcs.append(_lib.lib.voip_phone_set_option(h, b"no_such_option_in_thread", b"1"))
    )
    t.start()
    t.join()
    assert rcs == [_lib.EINVAL]
    assert "no_such_option_in_thread" not in _lib.last_error()
    msg = _lib.handle_error(phone=h)
    assert "voip_phone_set_option" in msg and "no_such_option_in_thread" in msg
    err = from_code(rcs[0], phone=h)
    assert isinstance(err, InvalidArgumentError)
    p.stop()


def test_transport_limits_are_named_options() -> None:
    plain = VoIPPhone(VoIPPhoneParameter(bind_ip="127.0.0.1", bind_port=0))
    given = VoIPPhone(
        VoIPPhoneParameter(
            bind_ip="127.0.0.1", bind_port=0, **{k: v for k, (_, v) in LIMITS.items()}
        )
    )
    try:
        for key, (default, value) in LIMITS.items():
            assert plain.get_option(key) == default, key
            assert given.get_option(key) == str(value), key
    finally:
        plain.stop()
        given.stop()


def test_set_option_round_trip_and_errors() -> None:
    p = VoIPPhone(VoIPPhoneParameter(bind_ip="127.0.0.1", bind_port=0))
    try:
        for key, (_, value) in LIMITS.items():
            p.set_option(key, value)
            assert p.get_option(key) == str(value), key
        p.set_option("udp_max_sources", "12")
        assert p.get_option("udp_max_sources") == "12"
        p.set_option("tls_insecure", True)
        assert p.get_option("tls_insecure") == "1"
        p.set_option("tls_insecure", False)
        assert p.get_option("tls_insecure") == "0"
        # the library's EINVAL and message; the option keeps its value
        with pytest.raises(InvalidArgumentError) as ei:
            p.set_option("tcp_message_timeout_ms", 50)
        assert ei.value.code == _lib.EINVAL
        assert 'tcp_message_timeout_ms="50": use 0 or 100..3600000' in str(ei.value)
        assert p.get_option("tcp_message_timeout_ms") == "0"
        with pytest.raises(InvalidArgumentError) as ei:
            p.set_option("no_such_option", 1)
        assert ei.value.code == _lib.EINVAL
        assert 'unknown option "no_such_option"' in str(ei.value)
        # types are the binding's
        with pytest.raises(TypeError):
            p.set_option("udp_max_sources", 1.5)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            p.set_option(b"udp_max_sources", 1)  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            p.set_option("user", "a\x00b")
    finally:
        p.stop()

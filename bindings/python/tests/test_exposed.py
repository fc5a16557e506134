"""Options for phones exposed to the Internet (accept_any_user, user_agent),
the process-wide memory limit, and TLS certificate rejections, through the
binding: named options round-trip, the library's EINVAL reaches Python."""

from __future__ import annotations

from pathlib import Path

import pytest

import voip
from voip import (
    InvalidAccountInfoError,
    InvalidArgumentError,
    PhoneStatus,
    TransportMode,
    VoIPPhone,
    VoIPPhoneParameter,
    _lib,
)

DATA = Path(__file__).resolve().parents[3] / "tests" / "data"


def local(**kw: object) -> VoIPPhoneParameter:
    return VoIPPhoneParameter(bind_ip="127.0.0.1", bind_port=0, **kw)  # type: ignore[arg-type]


def test_named_options_round_trip() -> None:
    plain = VoIPPhone(local())
    strict = VoIPPhone(local(accept_any_user=False, user_agent=""))
    named = VoIPPhone(local(accept_any_user=True, user_agent="acme/2"))
    try:
        assert plain.get_option("accept_any_user") == "1"
        assert plain.get_option("user_agent").startswith("libvoip/")
        assert strict.get_option("accept_any_user") == "0"
        assert strict.get_option("user_agent") == ""
        assert named.get_option("accept_any_user") == "1"
        assert named.get_option("user_agent") == "acme/2"
    finally:
        plain.stop()
        strict.stop()
        named.stop()
    assert ("accept_any_user", "0") in local(accept_any_user=False).to_options()
    assert ("user_agent", "") in local(user_agent="").to_options()
    assert all(k != "accept_any_user" for k, _ in local().to_options())


def test_library_refuses_bad_values() -> None:
    p = VoIPPhone(local())
    try:
        with pytest.raises(InvalidArgumentError) as ei:
            p.set_option("accept_any_user", "maybe")
        assert ei.value.code == _lib.EINVAL
        assert 'accept_any_user="maybe": want 0 or 1' in str(ei.value)
        with pytest.raises(InvalidArgumentError) as ei:
            p.set_option("user_agent", "a\r\nX-Injected: 1")
        assert ei.value.code == _lib.EINVAL
        p.set_option("accept_any_user", False)
        assert p.get_option("accept_any_user") == "0"
    finally:
        p.stop()


def test_types_are_the_bindings() -> None:
    with pytest.raises(TypeError, match="accept_any_user"):
        VoIPPhone(local(accept_any_user="0"))
    with pytest.raises(TypeError, match="user_agent"):
        VoIPPhone(local(user_agent=1))


def test_set_memory_limit() -> None:
    original = voip.set_memory_limit(-1)
    try:
        voip.set_memory_limit(512)
        assert voip.set_memory_limit(-1) == 512
        assert voip.set_memory_limit(256) == 512
        assert voip.set_memory_limit(0) == 256
        assert voip.set_memory_limit(-1) == 0
        with pytest.raises(InvalidArgumentError) as ei:
            voip.set_memory_limit(-2)
        assert ei.value.code == _lib.EINVAL
        assert "voip_set_memory_limit" in str(ei.value)
        with pytest.raises(TypeError):
            voip.set_memory_limit(1.5)  # type: ignore[arg-type]
    finally:
        voip.set_memory_limit(original)


def test_tls_certificate_rejected() -> None:
    server = VoIPPhone(
        local(
            transport_mode=TransportMode.TLS,
            cert_file=str(DATA / "untrusted-cert.pem"),
            key_file=str(DATA / "untrusted-key.pem"),
        )
    )
    server.start()
    try:
        p = VoIPPhone(
            local(
                server="127.0.0.1",
                port=server.sip_port,
                user="alice",
                transport_mode=TransportMode.TLS,
            )
        )
        with pytest.raises(InvalidAccountInfoError) as ei:
            p.start()
        assert ei.value.code == _lib.EREJECTED
        want = "TLS certificate rejected: x509: certificate signed by unknown authority"
        assert want in str(ei.value)
        assert p.get_status() == PhoneStatus.FAILED
        assert p.status_reason == want
    finally:
        server.stop()

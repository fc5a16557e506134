"""Issue 17: errors that say what to do, as a table, and the start and
registration behaviour shared with C and Node."""

from __future__ import annotations

import socket
import time
from typing import Any, Callable, List, Tuple, Type

import pytest

import voip
from voip import (
    CallState,
    InvalidAccountInfoError,
    InvalidArgumentError,
    InvalidRangeError,
    InvalidStateError,
    NoPortsAvailableError,
    PhoneStatus,
    VoIPError,
    _lib,
)

from conftest import PhoneFactory, next_rtp_range


def closed_port() -> int:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port: int = s.getsockname()[1]
    s.close()
    return port


# (what is dialed, the messages it must contain)
DIAL_ERRORS: List[Tuple[str, List[str]]] = [
    ("bob", ['"bob" is a bare user or number', '"server" option', "user@host[:port]"]),
    ("1001", ['"1001" is a bare user or number', '"server" option']),
    ("http://x", ['bad URI "http://x"', 'scheme "http" is not supported']),
    ("sip:bob@127.0.0.1;transport=foo", ['transport "foo" is not udp, tcp or tls']),
    ("sip:bob@127.0.0.1:99999", ['port "99999" is not a number of 1..65535']),
    ("sip:alice@", ["no host"]),
]


@pytest.mark.parametrize("uri,wants", DIAL_ERRORS)
def test_dial_errors(make_phone: PhoneFactory, uri: str, wants: List[str]) -> None:
    p = make_phone()
    t0 = time.monotonic()
    with pytest.raises(InvalidArgumentError) as ei:
        p.call(uri)
    assert time.monotonic() - t0 < 0.5, "a network look-up?"
    e = ei.value
    assert e.code == _lib.EINVAL and e.name == "invalid argument"
    for w in wants:
        assert w in e.message, e.message
    assert "strconv" not in e.message and "lookup" not in e.message


# (how to provoke it, the exception class, its code)
BINDING_ERRORS: List[Tuple[str, Callable[[], Any], Type[VoIPError], int]] = [
    ("InvalidRangeError raised by a program", lambda: (_ for _ in ()).throw(InvalidRangeError("low > high")),
     InvalidRangeError, _lib.ERANGE),
    ("InvalidStateError", lambda: (_ for _ in ()).throw(InvalidStateError("x")), InvalidStateError, _lib.ESTATE),
    ("NoPortsAvailableError", lambda: (_ for _ in ()).throw(NoPortsAvailableError("x")),
     NoPortsAvailableError, _lib.ENOPORTS),
    ("InvalidArgumentError", lambda: (_ for _ in ()).throw(InvalidArgumentError("x")),
     InvalidArgumentError, _lib.EINVAL),
    ("a server without a user", lambda: voip.VoIPPhone(voip.VoIPPhoneParameter(server="127.0.0.1")),
     InvalidAccountInfoError, _lib.EINVAL),
    ("unknown transport option", lambda: voip.VoIPPhone(voip.VoIPPhoneParameter(
        bind_ip="127.0.0.1", bind_port=0, options={"transport": "foo"})), InvalidArgumentError, _lib.EINVAL),
    ("rtp_port_low > rtp_port_high", lambda: voip.VoIPPhone(voip.VoIPPhoneParameter(
        bind_ip="127.0.0.1", bind_port=0, rtp_port_low=30010, rtp_port_high=30000)).start(),
     InvalidRangeError, _lib.ERANGE),
]


@pytest.mark.parametrize("what,provoke,cls,code", BINDING_ERRORS, ids=[b[0] for b in BINDING_ERRORS])
def test_every_error_has_a_code_and_a_name(
    what: str, provoke: Callable[[], Any], cls: Type[VoIPError], code: int
) -> None:
    with pytest.raises(cls) as ei:
        provoke()
    assert ei.value.code == code, (what, ei.value.code)
    assert ei.value.name == _lib.strerror(code) and ei.value.name, what


def test_call_to_a_closed_port_fails_at_once(make_phone: PhoneFactory) -> None:
    p = make_phone()
    port = closed_port()
    t0 = time.monotonic()
    call = p.call(f"sip:bob@127.0.0.1:{port}")
    assert call.wait(CallState.ENDED, 5) == CallState.ENDED
    assert time.monotonic() - t0 < 2
    assert call.end_reason == f"port unreachable: 127.0.0.1:{port} (ICMP)"


def test_registrar_unreachable_keeps_running_and_the_cause(make_phone: PhoneFactory) -> None:
    # As in C and Node: ETIMEOUT, the phone FAILED with the cause and still
    # running (retrying), until stop().
    port = closed_port()
    p = make_phone(start=False, server="127.0.0.1", port=port, user="alice")
    t0 = time.monotonic()
    with pytest.raises(VoIPError) as ei:
        p.start()
    assert time.monotonic() - t0 < 3
    e = ei.value
    assert e.code == _lib.ETIMEOUT and e.name == "timeout"
    assert f"registrar 127.0.0.1:{port} is unreachable" in e.message and "retrying" in e.message, e.message
    assert p.get_status() == PhoneStatus.FAILED
    assert p.status_reason == f"port unreachable: 127.0.0.1:{port} (ICMP)"
    assert p.sip_port > 0  # still running
    p.stop()
    assert p.get_status() == PhoneStatus.INACTIVE


def test_registrar_refusal_stops_and_keeps_the_cause(make_phone: PhoneFactory) -> None:
    registrar = make_phone()  # a phone, not a registrar: REGISTER gets 405
    p = make_phone(start=False, server="127.0.0.1", port=registrar.sip_port, user="alice")
    with pytest.raises(InvalidAccountInfoError) as ei:
        p.start()
    assert ei.value.code == _lib.EREJECTED
    assert "405" in ei.value.message
    assert p.get_status() == PhoneStatus.FAILED
    assert p.status_reason.startswith("405"), p.status_reason  # not "stopped"

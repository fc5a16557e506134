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


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("register_expires", 2**31 - 1, 'register_expires="2147483647": out of range 0..604800'),
        ("invite_timeout_ms", 2**31 - 1, 'invite_timeout_ms="2147483647": out of range 0..86400000'),
        ("dtmf_payload_type", 50, "use 0 or a dynamic payload type 96..127"),
        ("jitter_ms", 30, "must be a multiple of 20"),
        ("audio_format", "s24", 'audio_format="s24"'),
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

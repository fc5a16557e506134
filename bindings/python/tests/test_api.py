"""The package itself and bad arguments: no network calls beyond 127.0.0.1
socket binds."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import voip
from voip import (
    CallState,
    CredentialsManager,
    InvalidAccountInfoError,
    InvalidArgumentError,
    InvalidRangeError,
    InvalidStateError,
    NoPortsAvailableError,
    PhoneStatus,
    TransportMode,
    VoIPCall,
    VoIPError,
    VoIPPhone,
    VoIPPhoneParameter,
    _lib,
)

from conftest import PKG_ROOT, PhoneFactory, next_rtp_range, uri_of


def test_imports_the_installed_copy_with_bundled_library() -> None:
    pkg_dir = Path(voip.__file__).resolve().parent
    # run_tests.sh installs into a fresh venv and runs from outside the tree.
    if os.environ.get("VOIP_TEST_INSTALLED") == "1":
        assert PKG_ROOT not in pkg_dir.parents, f"imported the source tree: {pkg_dir}"
        assert "site-packages" in str(pkg_dir)
    if not os.environ.get("VOIP_LIBRARY"):
        assert Path(voip.LIBRARY_PATH).resolve() == (pkg_dir / "libvoip.so.0").resolve()
        assert (pkg_dir / "libvoip.so.0").is_file()
    assert (pkg_dir / "py.typed").is_file()
    assert voip.library_version() == "0.1.0" or voip.library_version().count(".") == 2
    assert voip.__version__


def test_import_from_any_directory_without_environment(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOIP_")}
    env.pop("PYTHONPATH", None)
    out = subprocess.run(
        [sys.executable, "-c", "import voip; print(voip.LIBRARY_PATH); print(voip.library_version())"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "libvoip.so.0" in out.stdout


def test_voip_library_env_is_honoured(tmp_path: Path) -> None:
    env = dict(os.environ, VOIP_LIBRARY=str(tmp_path / "nope.so"))
    out = subprocess.run(
        [sys.executable, "-c", "import voip"], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=60,
    )
    assert out.returncode != 0
    assert "VOIP_LIBRARY" in out.stderr and "nope.so" in out.stderr
    # and pointing it at a real build works
    env["VOIP_LIBRARY"] = voip.LIBRARY_PATH
    out = subprocess.run(
        [sys.executable, "-c", "import voip; print(voip.LIBRARY_PATH)"], cwd=tmp_path,
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == voip.LIBRARY_PATH


def test_enums_match_pyvoip() -> None:
    assert [s.name for s in CallState] == [
        "DIALING", "RINGING", "PROGRESS", "ANSWERED", "CANCELING", "ENDED",
    ]
    assert CallState.ANSWRED is CallState.ANSWERED
    assert [s.name for s in PhoneStatus] == [
        "INACTIVE", "REGISTERING", "REGISTERED", "DEREGISTERING", "FAILED",
    ]
    assert {m.name for m in TransportMode} == {"UDP", "TCP", "TLS"}


def test_exception_hierarchy() -> None:
    for cls in (InvalidStateError, InvalidRangeError, NoPortsAvailableError,
                InvalidAccountInfoError, InvalidArgumentError):
        assert issubclass(cls, VoIPError)
    assert issubclass(InvalidArgumentError, ValueError)


def test_parameter_positional_order_is_pyvoips() -> None:
    cm = CredentialsManager()
    p = VoIPPhoneParameter(
        "pbx.example", 5070, "alice", cm, "127.0.0.1", 5399, "10.0.0.0/8",
        "10.0.0.2", "203.0.113.5", TransportMode.TCP, "c.pem", "k.pem", "pw",
        30000, 30010, None,
    )
    assert (p.server, p.port, p.user, p.credentials_manager) == ("pbx.example", 5070, "alice", cm)
    assert (p.bind_ip, p.bind_port, p.bind_network) == ("127.0.0.1", 5399, "10.0.0.0/8")
    assert (p.hostname, p.remote_hostname, p.transport_mode) == ("10.0.0.2", "203.0.113.5", TransportMode.TCP)
    assert (p.cert_file, p.key_file, p.key_password) == ("c.pem", "k.pem", "pw")
    assert (p.rtp_port_low, p.rtp_port_high, p.call_class) == (30000, 30010, None)
    opts = dict(p.to_options())
    assert opts["server"] == "pbx.example" and opts["server_port"] == "5070"
    assert opts["transport"] == "tcp" and opts["bind_network"] == "10.0.0.0/8"
    assert opts["key_password"] == "pw"


def test_invalid_rtp_range_raises_invalid_range() -> None:
    # Ranges are the library's to check: it refuses an inverted RTP range
    # at start (InvalidRangeError) and a bad port at once, with its message.
    p = VoIPPhone(VoIPPhoneParameter(bind_ip="127.0.0.1", bind_port=0,
                                     rtp_port_low=34010, rtp_port_high=34000))
    with pytest.raises(InvalidRangeError) as ei:
        p.start()
    assert "rtp_port_low 34010 > rtp_port_high 34000" in str(ei.value)
    assert p.get_status() != PhoneStatus.REGISTERED
    with pytest.raises(InvalidArgumentError) as ea:
        VoIPPhone(bind_ip="127.0.0.1", bind_port=70000)
    assert 'bind_port="70000": out of range 0..65535' in str(ea.value)


def test_bad_types_and_values() -> None:
    with pytest.raises(TypeError):
        VoIPPhone(VoIPPhoneParameter(bind_port="5060"))  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError):
        VoIPPhone(VoIPPhoneParameter(audio_format="s24"))
    with pytest.raises(TypeError):
        VoIPPhone(VoIPPhoneParameter(call_class=int))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        VoIPPhone(VoIPPhoneParameter(sip_class=object))
    with pytest.raises(TypeError):
        VoIPPhone(VoIPPhoneParameter(call_callback=42))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        VoIPPhone(42)  # type: ignore[call-overload]


def test_library_rejects_bad_option_with_its_message() -> None:
    with pytest.raises(InvalidArgumentError) as ei:
        VoIPPhone(VoIPPhoneParameter(bind_ip="not-an-ip", bind_port=0))
    assert ei.value.code == 2
    assert "bind_ip" in str(ei.value)
    with pytest.raises(InvalidArgumentError) as ei:
        VoIPPhone(VoIPPhoneParameter(bind_ip="127.0.0.1", bind_port=0, options={"no_such_option": "1"}))
    assert "no_such_option" in str(ei.value)
    with pytest.raises(InvalidArgumentError):
        VoIPPhone(VoIPPhoneParameter(bind_ip="127.0.0.1", bind_port=0, jitter_ms=7))


def test_dtmf_mode_named_option() -> None:
    # Round trip of each mode; the library refuses others (EINVAL, its
    # message); the binding checks the type.
    for mode in ("auto", "rfc4733", "info"):
        p = VoIPPhone(VoIPPhoneParameter(bind_ip="127.0.0.1", bind_port=0, dtmf_mode=mode))
        assert p.get_option("dtmf_mode") == mode
        assert ("dtmf_mode", mode) in p.params.to_options()
    plain = VoIPPhoneParameter(bind_ip="127.0.0.1", bind_port=0)
    assert "dtmf_mode" not in dict(plain.to_options())
    assert VoIPPhone(plain).get_option("dtmf_mode") == "auto"
    with pytest.raises(InvalidArgumentError) as ei:
        VoIPPhone(VoIPPhoneParameter(bind_ip="127.0.0.1", bind_port=0, dtmf_mode="sipinfo"))
    assert ei.value.code == 2
    assert 'dtmf_mode="sipinfo": want "auto", "rfc4733", "info" or "inband"' in str(ei.value)
    with pytest.raises(TypeError):
        VoIPPhone(VoIPPhoneParameter(dtmf_mode=1))  # type: ignore[arg-type]


def test_registering_phone_needs_a_user() -> None:
    with pytest.raises(InvalidAccountInfoError):
        VoIPPhone(VoIPPhoneParameter(server="127.0.0.1", port=5390))


def test_call_before_start_is_invalid_state(make_phone: PhoneFactory) -> None:
    p = make_phone(start=False)
    assert p.get_status() == PhoneStatus.INACTIVE
    with pytest.raises(InvalidStateError):
        p.call("sip:x@127.0.0.1:5399")


def test_bad_uri_is_invalid_argument(make_phone: PhoneFactory) -> None:
    p = make_phone()
    with pytest.raises(InvalidArgumentError) as ei:
        p.call("sip:")
    assert ei.value.message
    with pytest.raises(ValueError):
        p.call("sip:a@b\x00c")
    with pytest.raises(TypeError):
        p.call(1234)  # type: ignore[arg-type]


def test_start_twice_and_port_in_use(make_phone: PhoneFactory) -> None:
    p = make_phone()
    with pytest.raises(InvalidStateError):
        p.start()
    assert p.get_status() == PhoneStatus.REGISTERED  # left running
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    try:
        q = make_phone(start=False, bind_port=s.getsockname()[1])
        with pytest.raises(VoIPError) as ei:
            q.start()
        assert ei.value.code == 8  # VOIP_ENETWORK
        assert q.get_status() == PhoneStatus.FAILED
    finally:
        s.close()


def test_no_ports_available(make_phone: PhoneFactory) -> None:
    callee = make_phone(call_callback=lambda c: None)  # lets calls ring
    low, _ = next_rtp_range()
    caller = make_phone(rtp_port_low=low, rtp_port_high=low)
    first = caller.call(uri_of(callee))
    try:
        with pytest.raises(NoPortsAvailableError):
            caller.call(uri_of(callee))
    finally:
        first.close()


def test_wrong_state_actions_raise_invalid_state(make_phone: PhoneFactory) -> None:
    callee = make_phone(call_callback=lambda c: None)
    caller = make_phone()
    call = caller.call(uri_of(callee))
    assert call.state in (CallState.DIALING, CallState.PROGRESS)
    with pytest.raises(InvalidStateError):
        call.answer()  # outgoing
    with pytest.raises(InvalidStateError):
        call.hangup()  # not answered
    with pytest.raises(InvalidStateError):
        call.write_audio(b"\x00" * 320)
    with pytest.raises(InvalidArgumentError):
        call.read_audio(321)  # odd length in s16le
    with pytest.raises(TypeError):
        call.write_audio("text")  # type: ignore[arg-type]
    # Values are the library's to check: InvalidArgumentError (EINVAL) with
    # its message, before it looks at the state.
    for args, text in [
        (("x",), "'x' is not a DTMF digit (0-9 * # A-D)"),
        (("",), "no digits"),
        (("1", 10), "DTMF duration 10ms is not 40 ms..5 s"),
        (("1", 5001), "DTMF duration 5.001s is not 40 ms..5 s"),
        (("1", -1), "voip_call_send_dtmf: negative duration -1"),
    ]:
        with pytest.raises(InvalidArgumentError) as ei:
            call.send_dtmf(*args)
        assert ei.value.code == 2, args
        assert text in str(ei.value), (args, str(ei.value))
    for blocking in (True, False):
        with pytest.raises(InvalidArgumentError) as ei:
            call.read_audio(0, blocking)
        assert ei.value.code == 2
        assert "voip_call_read_audio: NULL or zero-length buffer" in str(ei.value)
    # Types, and what does not fit the C type (no silent wrap-around).
    with pytest.raises(TypeError):
        call.send_dtmf("1", "80")  # type: ignore[arg-type]
    with pytest.raises(OverflowError):
        call.send_dtmf("1", 1 << 31)
    with pytest.raises(OverflowError):
        call.read_audio(-2)
    with pytest.raises(TypeError):
        call.read_audio(True)
    call.cancel()
    assert call.wait(CallState.ENDED, 5) == CallState.ENDED
    with pytest.raises(InvalidStateError):
        call.cancel()
    with pytest.raises(InvalidStateError):
        call.send_dtmf("1")


def test_deny_code_out_of_range(make_phone: PhoneFactory) -> None:
    got: list[VoIPCall] = []
    callee = make_phone(call_callback=got.append)
    caller = make_phone()
    out = caller.call(uri_of(callee))
    from conftest import wait_until
    assert wait_until(lambda: bool(got))
    with pytest.raises(InvalidArgumentError) as ei:
        got[0].deny(999)
    assert ei.value.code == 2
    assert "voip_call_deny: call" in str(ei.value)
    assert "deny status 999 is not 400..699" in str(ei.value)
    with pytest.raises(TypeError):
        got[0].deny("486")  # type: ignore[arg-type]
    with pytest.raises(OverflowError):
        got[0].deny((1 << 32) + 486)  # would be 486 once wrapped to int32_t
    assert got[0].state == CallState.RINGING
    got[0].deny(603)
    assert out.wait(CallState.ENDED, 5) == CallState.ENDED
    assert out.end_code == 603


def test_credentials_manager() -> None:
    cm = CredentialsManager()
    cm.add("alice", "pw1")
    cm.add("alice-auth", "pw2", server="pbx.example", realm="corp")
    cm.add("other", "pw3", server="elsewhere.example")
    assert cm.get("pbx.example", "corp", "alice") == {"username": "alice-auth", "password": "pw2"}
    assert cm.get("pbx.example", "other", "alice") == {"username": "alice", "password": "pw1"}
    assert [e.username for e in cm.entries_for("pbx.example:5060")] == ["alice", "alice-auth"]
    assert [e.username for e in cm.entries_for(None)] == ["alice"]
    assert "pw1" not in repr(cm)
    with pytest.raises(TypeError):
        cm.add("u", 123)  # type: ignore[arg-type]


def test_message_needs_a_started_phone() -> None:
    p = VoIPPhone(bind_ip="127.0.0.1", bind_port=0)
    p.stop()
    with pytest.raises(InvalidStateError):
        p.message("sip:x@127.0.0.1:5399", "hi")


def test_legacy_pyvoip1_constructor(make_phone: PhoneFactory) -> None:
    low, high = next_rtp_range()
    p = VoIPPhone(None, 5060, "bob", "pw", None, myIP="127.0.0.1", sipPort=0,
                  rtpPortLow=low, rtpPortHigh=high)
    try:
        assert p.audio_format == "u8"
        p.start()
        assert p.getStatus() == PhoneStatus.REGISTERED
    finally:
        p.stop()
    assert p.get_status() == PhoneStatus.INACTIVE


def test_set_option_only_while_stopped(make_phone: PhoneFactory) -> None:
    """Phone.set_option, as Node's setOption: the library allows it while
    the phone is stopped, and the binding keeps the value across restarts."""
    p = make_phone(start=False)
    p.set_option("tcp_max_connections", 3)
    p.start()
    assert p.get_option("tcp_max_connections") == "3"
    # running: the library's InvalidStateError; nothing changes
    with pytest.raises(InvalidStateError) as ei:
        p.set_option("tcp_max_connections", 4)
    assert ei.value.code == _lib.ESTATE
    assert "stop the phone first" in str(ei.value)
    assert p.get_option("tcp_max_connections") == "3"
    p.stop()
    # stopped again: allowed, and kept (with the earlier values) for the next start
    p.set_option("udp_max_sources", 9)
    assert p.get_option("udp_max_sources") == "9"
    p.start()
    assert p.get_option("tcp_max_connections") == "3"
    assert p.get_option("udp_max_sources") == "9"

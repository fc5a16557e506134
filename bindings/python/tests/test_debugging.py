"""Issue 17: the SIP trace, voip.DEBUG, pyVoIP-style enums and the u8
warning."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
import textwrap
import warnings
from typing import List

import pytest

import voip
from voip import CallState, PhoneStatus

from conftest import Answerer, PhoneFactory, tone_s16, tone_u8, uri_of, wait_until


def test_sip_trace_reaches_python_logging(make_phone: PhoneFactory, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="voip.libvoip")
    callee = make_phone(call_callback=Answerer(lambda c: c.answer()))
    caller = make_phone(sip_trace=True)
    call = caller.call(uri_of(callee))
    assert call.wait(timeout=5) == CallState.ANSWERED
    call.hangup()
    sent = re.compile(
        r"SIP sent UDP 127\.0\.0\.1:%d -> 127\.0\.0\.1:%d \(\d+ bytes\)\nINVITE sip:test@"
        % (caller.sip_port, callee.sip_port)
    )

    def lines() -> List[str]:
        return [r.getMessage() for r in caplog.records if r.name == "voip.libvoip"]

    # log lines arrive on the phone's dispatcher thread, shortly after
    assert wait_until(lambda: any(sent.search(m) for m in lines())), lines()
    assert wait_until(
        lambda: any("SIP received UDP" in m and "\nSIP/2.0 200 OK\n" in m for m in lines())
    ), lines()
    # only the caller traces
    traced = {m.split(":")[0] for m in lines() if re.search(r"^phone \d+: SIP (sent|received) ", m)}
    assert traced == {"phone %d" % caller._handle}, traced


def test_sip_trace_type_checked() -> None:
    with pytest.raises(TypeError, match="sip_trace must be a bool"):
        voip.VoIPPhoneParameter(sip_trace="yes").validate()  # type: ignore[arg-type]
    assert ("sip_trace", "1") in voip.VoIPPhoneParameter(sip_trace=True).to_options()
    assert not any(k == "sip_trace" for k, _ in voip.VoIPPhoneParameter().to_options())


def test_debug_switch_prints_the_trace(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # pyVoIP.DEBUG = True prints what happens; voip.DEBUG = True does too,
    # with no logging configured by the program.
    code = textwrap.dedent(
        """
        import voip
        voip.DEBUG = True
        callee = voip.VoIPPhone(voip.VoIPPhoneParameter(bind_ip="127.0.0.1", bind_port=0,
            rtp_port_low=34980, rtp_port_high=34989, call_callback=lambda c: c.deny()))
        callee.start()
        voip.DEBUG = False
        caller = voip.VoIPPhone(voip.VoIPPhoneParameter(bind_ip="127.0.0.1", bind_port=0,
            rtp_port_low=34990, rtp_port_high=34999))
        caller.start()
        call = caller.call("sip:test@127.0.0.1:%d" % callee.sip_port)
        print(call.wait(timeout=5))
        caller.stop(); callee.stop()
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "CallState.ENDED" in out.stdout
    assert re.search(r"SIP received UDP .*\nINVITE sip:test@", out.stderr), out.stderr
    assert re.search(r"SIP sent UDP .*\nSIP/2.0 486 Busy Here", out.stderr), out.stderr
    assert "DEBUG" in out.stderr  # debug-level lines too


def test_enums_print_and_compare_like_pyvoip() -> None:
    assert str(CallState.ENDED) == "CallState.ENDED"
    assert f"{CallState.ANSWERED}" == "CallState.ANSWERED"
    assert str(PhoneStatus.REGISTERED) == "PhoneStatus.REGISTERED"
    assert CallState.ENDED.value == "ENDED" and PhoneStatus.FAILED.value == "FAILED"
    assert CallState("ENDED") is CallState.ENDED
    assert CallState.ANSWRED is CallState.ANSWERED
    assert CallState.ENDED != 5 and PhoneStatus.INACTIVE != 0  # pyVoIP's Enum: no int equality
    assert [s.code for s in CallState] == [0, 1, 2, 3, 4, 5]
    assert int(PhoneStatus.FAILED) == 4
    assert CallState.from_code(5) is CallState.ENDED and PhoneStatus.from_code(2) is PhoneStatus.REGISTERED


def test_call_state_prints_like_pyvoip(make_phone: PhoneFactory) -> None:
    callee = make_phone(call_callback=Answerer(lambda c: c.deny()))
    call = make_phone().call(uri_of(callee))
    assert call.wait(CallState.ENDED, 5) == CallState.ENDED
    assert str(call.state) == "CallState.ENDED"


def test_u8_data_in_s16le_mode_warns(make_phone: PhoneFactory) -> None:
    callee = make_phone(call_callback=Answerer(lambda c: c.answer()))
    call = make_phone().call(uri_of(callee))
    assert call.wait(timeout=5) == CallState.ANSWERED
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        call.write_audio(tone_s16(440, 100))
        call.write_audio(b"\x00" * 320)  # 16-bit silence
        assert not got, [str(w.message) for w in got]
        call.write_audio(tone_u8(440, 100))  # pyVoIP 2 code in s16le mode
        call.write_audio(b"\x80" * 320)  # pyVoIP's u8 silence
    assert len(got) == 1, "warned once per call"
    assert issubclass(got[0].category, RuntimeWarning)
    assert "audio_format='u8'" in str(got[0].message)
    call.hangup()


def test_u8_data_in_u8_mode_does_not_warn(make_phone: PhoneFactory) -> None:
    callee = make_phone(call_callback=Answerer(lambda c: c.answer()), audio_format="u8")
    call = make_phone(audio_format="u8").call(uri_of(callee))
    assert call.wait(timeout=5) == CallState.ANSWERED
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        call.write_audio(tone_u8(440, 100))
    assert not got
    call.hangup()

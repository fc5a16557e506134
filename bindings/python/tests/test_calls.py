"""Python phone <-> Python phone, with real calls on 127.0.0.1."""

from __future__ import annotations

import gc
import logging
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import List

import pytest

import voip
from voip import CallRequest, CallState, InvalidStateError, PhoneStatus, VoIPCall

from conftest import (
    Answerer,
    PhoneFactory,
    assert_tone,
    next_rtp_range,
    rms,
    s16_samples,
    tone_s16,
    tone_u8,
    u8_samples,
    uri_of,
    wait_until,
)


def connect(make_phone: PhoneFactory, action=None, **callee_kw):  # type: ignore[no-untyped-def]
    """Callee phone answering with *action*, caller phone, answered call."""
    ans = Answerer(action)
    callee = make_phone(call_callback=ans, **callee_kw)
    caller = make_phone(audio_format=callee_kw.get("audio_format", "s16le"))
    call = caller.call(uri_of(callee, "alice"))
    return ans, callee, caller, call


def test_audio_level_and_frequency_both_ways(make_phone: PhoneFactory) -> None:
    heard_by_callee: List[bytes] = []

    def callee_side(call: VoIPCall) -> None:
        call.answer()
        call.write_audio(tone_s16(1000, 1500))
        heard_by_callee.append(call.read_audio(320 * 75))  # 1.5 s

    ans, callee, caller, call = connect(make_phone, callee_side)
    assert call.wait(timeout=5) == CallState.ANSWERED
    assert call.codec in ("PCMU", "PCMA")
    call.write_audio(tone_s16(440, 1500))
    heard = call.read_audio(320 * 75)
    assert len(heard) == 320 * 75
    assert ans.done.wait(10)
    assert not ans.errors
    assert_tone(s16_samples(heard), 1000)
    assert_tone(s16_samples(heard_by_callee[0]), 440)
    assert ans.calls[0].request is not None
    assert ans.calls[0].request.to_uri.startswith("sip:alice@127.0.0.1")
    assert ans.calls[0].direction == "incoming" and call.direction == "outgoing"
    stats = call.stats()
    assert stats["packets_received"] > 50 and stats["packets_sent"] > 50
    call.hangup()


def test_u8_audio_format_like_pyvoip(make_phone: PhoneFactory) -> None:
    got: List[bytes] = []

    def callee_side(call: VoIPCall) -> None:
        call.answer()
        call.write_audio(tone_u8(600, 1500))
        got.append(call.read_audio(160 * 75))

    ans, callee, caller, call = connect(make_phone, callee_side, audio_format="u8")
    assert call.wait(timeout=5) == CallState.ANSWERED
    call.write_audio(tone_u8(1200, 1500))
    heard = call.read_audio(160 * 75)  # length counts u8 bytes, as in pyVoIP
    assert len(heard) == 160 * 75
    assert_tone(u8_samples(heard), 600)
    assert ans.done.wait(10)
    assert_tone(u8_samples(got[0]), 1200)
    # non-blocking read on a quiet call pads with pyVoIP's u8 silence
    time.sleep(0.1)
    quiet = call.read_audio(160, blocking=False)
    assert len(quiet) == 160
    call.hangup()


def test_dtmf_both_ways(make_phone: PhoneFactory) -> None:
    callee_digits: List[str] = []
    cb_digits: List[str] = []
    done = threading.Event()

    def callee_side(call: VoIPCall) -> None:
        call.answer()
        call.send_dtmf("9*", 80)
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline and len("".join(callee_digits)) < 4:
            callee_digits.append(call.get_dtmf())
            time.sleep(0.02)
        done.set()

    ans, callee, caller, call = connect(
        make_phone, callee_side, dtmf_callback=lambda c, d: cb_digits.append(d)
    )
    assert call.wait(timeout=5) == CallState.ANSWERED
    call.send_dtmf("12#A")
    assert done.wait(10)
    assert "".join(callee_digits) == "12#A"
    assert "".join(cb_digits) == "12#A"
    assert wait_until(lambda: len(call.phone.calls) >= 0 and call.stats()["dtmf_received"] >= 2, 5)
    assert call.get_dtmf(None) == "9*"
    assert call.get_dtmf() == ""
    call.hangup()


def test_dtmf_by_sip_info(make_phone: PhoneFactory) -> None:
    # dtmf_mode "info": one SIP INFO per digit, each way, reported once
    # and in order to get_dtmf and the DTMF callbacks.
    callee_cb: List[str] = []
    caller_cb: List[str] = []
    answered: List[VoIPCall] = []

    def callee_side(call: VoIPCall) -> None:
        call.answer()
        answered.append(call)

    ans = Answerer(callee_side)
    callee = make_phone(call_callback=ans, dtmf_mode="info",
                        dtmf_callback=lambda c, d: callee_cb.append(d))
    caller = make_phone(dtmf_mode="info", dtmf_callback=lambda c, d: caller_cb.append(d))
    call = caller.call(uri_of(callee))
    assert call.wait(timeout=5) == CallState.ANSWERED
    assert wait_until(lambda: bool(answered))
    inc = answered[0]
    call.send_dtmf("0123456789*#")
    inc.send_dtmf("#A", 60)
    assert wait_until(lambda: len(callee_cb) >= 12 and len(caller_cb) >= 2, 8)
    time.sleep(0.3)  # no digit twice
    assert "".join(callee_cb) == "0123456789*#"
    assert "".join(caller_cb) == "#A"
    assert inc.get_dtmf(None) == "0123456789*#"
    assert call.get_dtmf(None) == "#A"
    assert call.stats()["dtmf_info_sent"] == 12 and call.stats()["dtmf_sent"] == 0
    assert inc.stats()["dtmf_info_received"] == 12
    call.hangup()


def test_deny(make_phone: PhoneFactory) -> None:
    ans, callee, caller, call = connect(make_phone, lambda c: c.deny())
    assert call.wait(CallState.ENDED, 5) == CallState.ENDED
    assert call.end_code == 486
    assert "486" in call.end_reason
    assert ans.done.wait(5) and not ans.errors
    assert ans.calls[0].state == CallState.ENDED


def test_default_ringing_is_busy(make_phone: PhoneFactory) -> None:
    callee = make_phone()  # no call_callback, base VoIPCall.ringing
    caller = make_phone()
    call = caller.call(uri_of(callee))
    assert call.wait(CallState.ENDED, 5) == CallState.ENDED
    assert call.end_code == 486


def test_cancel(make_phone: PhoneFactory) -> None:
    ans, callee, caller, call = connect(make_phone, None)  # rings, never answered
    assert ans.arrived.wait(5)
    incoming = ans.calls[0]
    assert wait_until(lambda: incoming.state == CallState.RINGING)
    call.cancel()
    assert call.wait(CallState.ENDED, 5) == CallState.ENDED
    assert incoming.wait(CallState.ENDED, 5) == CallState.ENDED
    assert "cancel" in incoming.end_reason.lower()
    with pytest.raises(InvalidStateError):
        incoming.answer()


def test_hangup_from_caller(make_phone: PhoneFactory) -> None:
    ended = threading.Event()

    def callee_side(call: VoIPCall) -> None:
        call.answer()
        call.wait(CallState.ENDED, 10)
        ended.set()

    ans, callee, caller, call = connect(make_phone, callee_side)
    assert call.wait(timeout=5) == CallState.ANSWERED
    call.hangup()
    assert call.state == CallState.ENDED
    assert ended.wait(5)
    assert ans.calls[0].end_reason == "remote hangup"
    with pytest.raises(InvalidStateError):
        call.hangup()
    with pytest.raises(InvalidStateError):
        call.write_audio(b"\x00" * 320)


def test_hangup_from_callee(make_phone: PhoneFactory) -> None:
    def callee_side(call: VoIPCall) -> None:
        call.answer()
        time.sleep(0.5)
        call.hangup()

    ans, callee, caller, call = connect(make_phone, callee_side)
    assert call.wait(timeout=5) == CallState.ANSWERED
    assert call.wait(CallState.ENDED, 5) == CallState.ENDED
    assert call.end_reason == "remote hangup"
    assert not ans.errors


def test_blocking_read_returns_on_remote_hangup(make_phone: PhoneFactory) -> None:
    def callee_side(call: VoIPCall) -> None:
        call.answer()
        time.sleep(0.6)
        call.hangup()

    ans, callee, caller, call = connect(make_phone, callee_side)
    assert call.wait(timeout=5) == CallState.ANSWERED
    t0 = time.monotonic()
    data = call.read_audio(320 * 500)  # 10 s worth: must return early
    assert time.monotonic() - t0 < 5
    assert len(data) < 320 * 500
    # remaining audio was returned; the next read on the ended call raises
    with pytest.raises(InvalidStateError):
        while True:
            call.read_audio(320)


def test_blocking_read_returns_on_stop(make_phone: PhoneFactory) -> None:
    result: List[object] = []

    def callee_side(call: VoIPCall) -> None:
        call.answer()
        try:
            result.append(call.read_audio(320 * 1000))  # 20 s
        except InvalidStateError as e:
            result.append(e)

    ans, callee, caller, call = connect(make_phone, callee_side)
    assert call.wait(timeout=5) == CallState.ANSWERED
    time.sleep(0.3)
    t0 = time.monotonic()
    callee.stop()
    assert ans.done.wait(5), "the blocked read_audio did not return after stop()"
    assert time.monotonic() - t0 < 5
    assert callee.get_status() == PhoneStatus.INACTIVE
    assert call.wait(CallState.ENDED, 5) == CallState.ENDED
    # the callee's call was released with its phone
    with pytest.raises(InvalidStateError):
        ans.calls[0].answer()
    assert ans.calls[0].state == CallState.ENDED


def test_call_class_ringing_override(make_phone: PhoneFactory) -> None:
    seen: List[CallRequest] = []

    class Answering(VoIPCall):
        def ringing(self, request: CallRequest) -> None:
            seen.append(request)
            self.answer()
            self.write_audio(tone_s16(800, 1200))

    callee = make_phone(call_class=Answering)
    caller = make_phone()
    call = caller.call(uri_of(callee, "bob"))
    assert isinstance(call, VoIPCall)
    assert call.wait(timeout=5) == CallState.ANSWERED
    assert_tone(s16_samples(call.read_audio(320 * 60)), 800)
    assert seen and seen[0].from_uri.startswith("sip:") and seen[0].to_uri.startswith("sip:bob@")
    assert isinstance(callee.calls[0], Answering)
    call.hangup()


def test_with_statements(make_phone: PhoneFactory) -> None:
    low, high = next_rtp_range()
    ans = Answerer(lambda c: c.answer())
    callee = make_phone(call_callback=ans)
    with voip.VoIPPhone(bind_ip="127.0.0.1", bind_port=0, rtp_port_low=low,
                        rtp_port_high=high) as caller:
        assert caller.get_status() == PhoneStatus.REGISTERED
        with caller.call(uri_of(callee)) as call:
            assert call.wait(timeout=5) == CallState.ANSWERED
        # leaving the block hung up and released the call
        assert call.state == CallState.ENDED
        with pytest.raises(InvalidStateError):
            call.get_dtmf()
        assert ans.calls[0].wait(CallState.ENDED, 5) == CallState.ENDED
    assert caller.get_status() == PhoneStatus.INACTIVE
    # a stopped phone can be started again
    caller.start()
    try:
        assert caller.get_status() == PhoneStatus.REGISTERED
        c2 = caller.call(uri_of(callee))
        assert c2.wait(timeout=5) == CallState.ANSWERED
    finally:
        caller.stop()


def test_raising_callbacks_are_logged_not_fatal(
    make_phone: PhoneFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="voip")
    n = {"calls": 0}

    def bad_then_good(call: VoIPCall) -> None:
        n["calls"] += 1
        if n["calls"] == 1:
            raise RuntimeError("boom in call_callback")
        call.answer()

    def bad_dtmf(call: VoIPCall, digit: str) -> None:
        raise ValueError("boom in dtmf_callback " + digit)

    callee = make_phone(call_callback=bad_then_good, dtmf_callback=bad_dtmf)
    caller = make_phone()
    first = caller.call(uri_of(callee))
    # the handler raised while the call rang: logged, and the call denied 500
    assert first.wait(CallState.ENDED, 5) == CallState.ENDED
    assert first.end_code == 500
    second = caller.call(uri_of(callee))
    assert second.wait(timeout=5) == CallState.ANSWERED
    second.send_dtmf("5")
    assert wait_until(lambda: "boom in dtmf_callback 5" in caplog.text, 5)
    assert "boom in call_callback" in caplog.text
    assert callee.get_status() == PhoneStatus.REGISTERED
    # still serving: a third call still works
    second.hangup()
    third = caller.call(uri_of(callee))
    assert third.wait(timeout=5) == CallState.ANSWERED
    third.hangup()


def test_stop_from_a_callback(make_phone: PhoneFactory) -> None:
    stopped = threading.Event()
    holder: List[voip.VoIPPhone] = []

    def on_dtmf(call: VoIPCall, digit: str) -> None:
        # runs on the library's dispatcher thread of this very phone
        holder[0].stop()
        stopped.set()

    ans = Answerer(lambda c: c.answer())
    callee = make_phone(call_callback=ans, dtmf_callback=on_dtmf)
    holder.append(callee)
    caller = make_phone()
    call = caller.call(uri_of(callee))
    assert call.wait(timeout=5) == CallState.ANSWERED
    call.send_dtmf("0")
    assert stopped.wait(5), "stop() from a callback did not return"
    assert call.wait(CallState.ENDED, 5) == CallState.ENDED
    assert wait_until(lambda: callee.get_status() == PhoneStatus.INACTIVE, 5)
    # the deferred destroy finishes; the phone can start again
    callee.start()
    assert callee.get_status() == PhoneStatus.REGISTERED
    c2 = caller.call(uri_of(callee))
    assert c2.wait(timeout=5) == CallState.ANSWERED
    c2.hangup()


def test_stop_from_ringing_handler(make_phone: PhoneFactory) -> None:
    holder: List[voip.VoIPPhone] = []
    ans = Answerer(lambda c: holder[0].stop())
    callee = make_phone(call_callback=ans)
    holder.append(callee)
    caller = make_phone()
    call = caller.call(uri_of(callee))
    assert call.wait(CallState.ENDED, 8) == CallState.ENDED
    assert ans.done.wait(5) and not ans.errors
    assert callee.get_status() == PhoneStatus.INACTIVE


def test_ended_calls_are_released_when_collected(make_phone: PhoneFactory) -> None:
    ans = Answerer(lambda c: c.answer())
    callee = make_phone(call_callback=ans)
    caller = make_phone()
    call = caller.call(uri_of(callee))
    assert call.wait(timeout=5) == CallState.ANSWERED
    handle = call.handle
    call.hangup()
    assert wait_until(lambda: not caller.calls)
    del call
    gc.collect()
    # the library no longer knows the handle
    st = voip._lib.ctypes.c_int32()
    assert wait_until(
        lambda: voip._lib.lib.voip_call_state(handle, voip._lib.ctypes.byref(st)) == voip._lib.ENOTFOUND, 3
    )
    ans.calls.clear()


def test_outgoing_call_kept_alive_by_the_phone(make_phone: PhoneFactory) -> None:
    ans = Answerer(lambda c: c.answer())
    callee = make_phone(call_callback=ans)
    caller = make_phone()
    handle = caller.call(uri_of(callee)).handle  # no reference kept
    gc.collect()
    assert wait_until(lambda: bool(ans.calls) and ans.calls[0].state == CallState.ANSWERED, 5)
    live = caller.calls
    assert [c.handle for c in live] == [handle]
    assert live[0].wait(timeout=5) == CallState.ANSWERED
    live[0].hangup()


def test_several_concurrent_calls(make_phone: PhoneFactory) -> None:
    def echo(call: VoIPCall) -> None:
        call.answer()
        try:
            while True:
                data = call.read_audio(320)
                if not data:
                    break
                call.write_audio(data)
        except InvalidStateError:
            pass

    callee = make_phone(call_callback=echo)
    caller = make_phone()
    calls = [caller.call(uri_of(callee, f"u{i}")) for i in range(4)]
    for i, c in enumerate(calls):
        assert c.wait(timeout=5) == CallState.ANSWERED
        c.write_audio(tone_s16(500 + 200 * i, 1500))
    for i, c in enumerate(calls):
        heard = c.read_audio(320 * 75)
        assert_tone(s16_samples(heard), 500 + 200 * i)
    for c in calls:
        c.hangup()


def test_message_between_phones(make_phone: PhoneFactory) -> None:
    if voip._lib.optional("voip_phone_send_message") is None:
        pytest.skip("this libvoip has no MESSAGE support")
    got: List[voip.PhoneRequest] = []
    callee = make_phone(request_callback=got.append)
    caller = make_phone()
    assert caller.message(uri_of(callee, "bob"), "hello there", "text/plain") is True
    assert wait_until(lambda: bool(got), 5)
    assert got[0].method == "MESSAGE" and got[0].body == "hello there"
    assert got[0].content_type.startswith("text/plain")


def test_stop_at_interpreter_exit(tmp_path: Path) -> None:
    """A script that leaves a phone running with an active call and a thread
    blocked in read_audio exits cleanly (atexit stops the phones)."""
    low, high = next_rtp_range()
    script = tmp_path / "exit_test.py"
    script.write_text(textwrap.dedent(f"""
        import threading, time, voip
        from voip import VoIPPhone, CallState

        def answer(call):
            call.answer()
            call.read_audio(320 * 5000)   # blocks 100 s unless ended

        a = VoIPPhone(bind_ip="127.0.0.1", bind_port=0, rtp_port_low={low},
                      rtp_port_high={low + 9}, call_callback=answer)
        b = VoIPPhone(bind_ip="127.0.0.1", bind_port=0, rtp_port_low={low + 10},
                      rtp_port_high={high})
        a.start(); b.start()
        c = b.call("sip:x@127.0.0.1:%d" % a.sip_port)
        assert c.wait(timeout=5) == CallState.ANSWERED
        r = threading.Thread(target=lambda: c.read_audio(320 * 5000), daemon=True)
        r.start()
        time.sleep(0.3)
        print("exiting", flush=True)
    """))
    t0 = time.monotonic()
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "exiting" in out.stdout
    assert "Traceback" not in out.stderr, out.stderr
    assert time.monotonic() - t0 < 20


def test_ctrl_c_interrupts_a_blocking_read(tmp_path: Path) -> None:
    """SIGINT during a long blocking read_audio raises KeyboardInterrupt
    promptly (reads are made in short slices), and the program can stop."""
    import signal

    low, high = next_rtp_range()
    script = tmp_path / "sigint_test.py"
    script.write_text(textwrap.dedent(f"""
        import time, voip
        from voip import VoIPPhone, CallState

        a = VoIPPhone(bind_ip="127.0.0.1", bind_port=0, rtp_port_low={low},
                      rtp_port_high={low + 9}, call_callback=lambda c: c.answer())
        b = VoIPPhone(bind_ip="127.0.0.1", bind_port=0, rtp_port_low={low + 10},
                      rtp_port_high={high})
        a.start(); b.start()
        c = b.call("sip:x@127.0.0.1:%d" % a.sip_port)
        assert c.wait(timeout=5) == CallState.ANSWERED
        print("ready", flush=True)
        t0 = time.monotonic()
        try:
            c.read_audio(320 * 1500)   # 30 s
            print("not interrupted", flush=True)
        except KeyboardInterrupt:
            print("interrupted %.2f" % (time.monotonic() - t0), flush=True)
        b.stop(); a.stop()
        print("stopped", flush=True)
    """))
    p = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    assert p.stdout is not None
    assert p.stdout.readline().strip() == "ready"
    time.sleep(0.5)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=20)
    assert p.returncode == 0, out + err
    line = out.splitlines()[0]
    assert line.startswith("interrupted"), out + err
    assert float(line.split()[1]) < 2.0
    assert "stopped" in out


def test_unstarted_phones_are_collected(make_phone: PhoneFactory) -> None:
    for _ in range(20):
        low, high = next_rtp_range()
        p = voip.VoIPPhone(bind_ip="127.0.0.1", bind_port=0, rtp_port_low=low,
                           rtp_port_high=high, call_callback=lambda c: None)
        h = p.handle
        del p
        gc.collect()
        st = voip._lib.ctypes.c_int32()
        assert voip._lib.lib.voip_phone_status(h, voip._lib.ctypes.byref(st)) == voip._lib.ENOTFOUND


def test_hold_and_resume(make_phone: PhoneFactory) -> None:
    """Hold from either side stops the audio both ways; resume brings it back."""
    ans, callee, caller, call = connect(make_phone, lambda c: c.answer())
    assert call.wait(timeout=5) == CallState.ANSWERED
    assert ans.done.wait(10)
    other = ans.calls[0]
    assert wait_until(lambda: other.state == CallState.ANSWERED)
    events: List[str] = []
    caller.params.call_event_callback = lambda c, name, detail: events.append(f"{name} {detail}")

    def heard(listener: VoIPCall, talker: VoIPCall, freq: int) -> List[int]:
        listener.read_audio(320 * 100, blocking=False)  # what was queued
        talker.write_audio(tone_s16(freq, 1500))
        return s16_samples(listener.read_audio(320 * 75))

    for holder in (call, other):
        holder.hold()
        assert holder.hold_state == "local"
        peer = other if holder is call else call
        assert wait_until(lambda: peer.hold_state == "remote")
        assert rms(heard(call, other, 1000)) < 50
        assert rms(heard(other, call, 440)) < 50
        holder.resume()
        assert wait_until(lambda: peer.hold_state == "none")
        assert_tone(heard(call, other, 1000)[4000:], 1000)
        assert_tone(heard(other, call, 440)[4000:], 440)
    assert wait_until(lambda: len(events) >= 4)
    assert events == ["hold local", "resume local", "hold remote", "resume remote"]
    call.hangup()

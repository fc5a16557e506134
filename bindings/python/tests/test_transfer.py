"""Transfers between Python phones in one process (REFER, Replaces)."""

from __future__ import annotations

import threading
from typing import List, Tuple

import voip
from voip import CallState, VoIPCall

from conftest import Answerer, PhoneFactory, assert_tone, s16_samples, tone_s16, uri_of, wait_until


def answer(call: VoIPCall) -> None:
    call.answer()


class Events:
    """A call_event_callback recording (call, name, detail)."""

    def __init__(self) -> None:
        self.got: List[Tuple[VoIPCall, str, str]] = []
        self.lock = threading.Lock()

    def __call__(self, call: VoIPCall, name: str, detail: str) -> None:
        with self.lock:
            self.got.append((call, name, detail))

    def named(self, name: str) -> List[Tuple[VoIPCall, str, str]]:
        with self.lock:
            return [e for e in self.got if e[1] == name]


def talk(a: VoIPCall, b: VoIPCall) -> None:
    """a and b hear each other's tone.  The calls have been up a while, so
    their receive buffers hold older audio: 3 s are sent and the last
    second heard is checked."""
    heard: List[bytes] = []
    t = threading.Thread(target=lambda: (b.write_audio(tone_s16(1000, 3000)),
                                         heard.append(b.read_audio(320 * 150))))
    t.start()
    a.write_audio(tone_s16(440, 3000))
    got = a.read_audio(320 * 150)
    t.join(10)
    assert_tone(s16_samples(got)[-8000:], 1000)
    assert_tone(s16_samples(heard[0])[-8000:], 440)


def test_blind_transfer(make_phone: PhoneFactory) -> None:
    """A calls B; B transfers A to C (pyVoIP 2's transfer(uri=...)): A gets
    'transferred' with the new call as call.successor, talks to C; B's
    call ends."""
    ev = Events()
    a = make_phone(call_event_callback=ev)
    b_ans, c_ans = Answerer(answer), Answerer(answer)
    b = make_phone(call_callback=b_ans)
    c = make_phone(call_callback=c_ans)
    a1 = a.call(uri_of(b, "bob"))
    assert a1.wait(timeout=5) == CallState.ANSWERED
    assert b_ans.done.wait(5)
    b1 = b_ans.calls[0]
    assert b1.transfer(uri="<" + uri_of(c, "carol") + ">") is True
    assert b1.wait(CallState.ENDED, timeout=5) == CallState.ENDED
    assert wait_until(lambda: bool(ev.named("transferred")))
    call, _, detail = ev.named("transferred")[0]
    assert call is a1 and detail.startswith("call=") and detail.endswith(uri_of(c, "carol"))
    a2 = a1.successor
    assert isinstance(a2, VoIPCall) and a2 is not a1
    assert a2.wait(timeout=5) == CallState.ANSWERED
    assert c_ans.done.wait(5)
    assert a1.wait(CallState.ENDED, timeout=5) == CallState.ENDED
    talk(a2, c_ans.calls[0])
    a2.hangup()


def test_transfer_refused_and_consult(make_phone: PhoneFactory) -> None:
    """allow_transfer=False: transfer() returns False and the call goes on.
    Then a transfer waiting for the outcome (blind=False) reports
    transfer_progress events and returns True."""
    ev = Events()
    a = make_phone(allow_transfer=False)
    b_ans, c_ans = Answerer(answer), Answerer(answer)
    b = make_phone(call_callback=b_ans, call_event_callback=ev)
    c = make_phone(call_callback=c_ans)
    a1 = a.call(uri_of(b, "bob"))
    assert a1.wait(timeout=5) == CallState.ANSWERED
    assert b_ans.done.wait(5)
    b1 = b_ans.calls[0]
    assert b1.transfer(uri=uri_of(c, "carol")) is False
    assert b1.state == CallState.ANSWERED and a1.state == CallState.ANSWERED
    assert a1.successor is None
    a1.hangup()

    a = make_phone()
    a1 = a.call(uri_of(b, "bob"))
    assert a1.wait(timeout=5) == CallState.ANSWERED
    assert wait_until(lambda: len(b_ans.calls) == 2)
    b2 = b_ans.calls[1]
    assert b2.wait(timeout=5) == CallState.ANSWERED
    assert b2.transfer(uri=uri_of(c, "carol"), blind=False, timeout=10) is True
    assert wait_until(lambda: ("200 OK" in [d for (call, _, d) in ev.named("transfer_progress") if call is b2]))
    details = [d for (call, _, d) in ev.named("transfer_progress") if call is b2]
    assert details[0] == "100 Trying" and details[-1] == "200 OK", details


def test_attended_transfer(make_phone: PhoneFactory) -> None:
    """A calls B, B calls C, B.transfer_attended: A talks to C, C's call
    from B is replaced (event 'replaced', successor), B's calls end."""
    cev = Events()
    a = make_phone()
    b_ans, c_ans = Answerer(answer), Answerer(answer)
    b = make_phone(call_callback=b_ans)
    c = make_phone(call_callback=c_ans, call_event_callback=cev)
    a1 = a.call(uri_of(b, "bob"))
    assert a1.wait(timeout=5) == CallState.ANSWERED
    assert b_ans.done.wait(5)
    b1 = b_ans.calls[0]
    b2 = b.call(uri_of(c, "carol"))
    assert b2.wait(timeout=5) == CallState.ANSWERED
    assert c_ans.done.wait(5)
    c1 = c_ans.calls[0]
    assert b1.transfer_attended(b2, timeout=10) is True
    for name, call in (("b1", b1), ("b2", b2), ("c1", c1), ("a1", a1)):
        assert call.wait(CallState.ENDED, timeout=5) == CallState.ENDED, name
    assert wait_until(lambda: c1.successor is not None)
    assert [e[0] for e in cev.named("replaced")] == [c1]
    c2, a2 = c1.successor, a1.successor
    assert c2 is not None and a2 is not None
    assert c2.state == CallState.ANSWERED and a2.wait(timeout=5) == CallState.ANSWERED
    assert len(c_ans.calls) == 1  # the replacing call is not offered as a new one
    talk(a2, c2)
    a2.hangup()

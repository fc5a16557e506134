"""Events between Python phones in one process: presence both ways, a busy
lamp (dialog package), a rejected and an unserved subscription, an
unsolicited message-summary NOTIFY, bad input."""

from __future__ import annotations

import socket
import threading
from typing import List, Optional

import pytest

import voip
from voip import IncomingSubscription, Notification, Subscription

from conftest import Answerer, PhoneFactory, uri_of, wait_until


def accept(s: IncomingSubscription) -> None:
    s.accept()


def test_presence_both_ways(make_phone: PhoneFactory) -> None:
    a, b = make_phone(), make_phone()
    for p in (a, b):
        p.serve_events(["presence"], accept)
    b.set_presence("open", note="at my desk", activities=["busy"])
    to_b = a.subscribe(uri_of(b), "presence")
    n = to_b.wait(lambda n: n.summary.get("note") == "at my desk")
    assert n.summary["basic"] == "open" and n.summary["activities"] == ["busy"]
    assert n.content_type == "application/pidf+xml" and to_b.state == "active"
    to_a = b.subscribe(uri_of(a), "presence")
    to_a.wait(lambda n: n.summary.get("basic") == "closed")  # nothing set yet
    a.set_presence("open", note="lunch")
    to_a.wait(lambda n: n.summary.get("note") == "lunch")
    b.set_presence("closed", note="gone home")
    to_b.wait(lambda n: n.summary == {**n.summary, "basic": "closed", "note": "gone home"})
    to_b.stop()
    assert wait_until(lambda: to_b.state == "terminated")


def test_busy_lamp(make_phone: PhoneFactory) -> None:
    ringing = Answerer()
    a = make_phone()
    b = make_phone(call_callback=ringing)
    c = make_phone()
    b.serve_events(["dialog"], accept)
    lamp = a.watch(uri_of(b))
    lamp.wait(lambda n: n.summary.get("lamp") == "idle")
    call = c.call(uri_of(b))
    assert ringing.arrived.wait(5)
    lamp.wait(lambda n: n.summary.get("lamp") == "early")
    ringing.calls[0].answer()
    lamp.wait(lambda n: n.summary.get("lamp") == "confirmed")
    assert lamp.lamp == "confirmed"
    call.hangup()
    lamp.wait(lambda n: n.summary.get("lamp") == "idle" and n is lamp.last)


def test_rejected_unserved_and_bad_input(make_phone: PhoneFactory) -> None:
    a, b = make_phone(), make_phone()
    seen: List[IncomingSubscription] = []

    def reject(s: IncomingSubscription) -> None:
        seen.append(s)
        s.reject(403)

    with pytest.raises(voip.VoIPError, match="489"):
        a.subscribe(uri_of(b), "presence")
    b.serve_events(["presence"], reject)
    with pytest.raises(voip.VoIPError, match="403"):
        a.subscribe(uri_of(b), "presence")
    assert seen and seen[0].event == "presence" and seen[0].from_uri.startswith("sip:")
    with pytest.raises(voip.VoIPError, match="489"):
        a.subscribe(uri_of(b), "message-summary")
    with pytest.raises(voip.InvalidArgumentError):
        a.subscribe(uri_of(b), "pre sence")
    with pytest.raises(voip.InvalidArgumentError):
        a.set_presence("maybe")
    with pytest.raises(voip.InvalidStateError):
        a.publish("presence", "application/pidf+xml", "<presence/>")
    with pytest.raises(TypeError):
        a.subscribe(uri_of(b), 5)  # type: ignore[arg-type]


def test_unsolicited_mwi_and_incoming_notify(make_phone: PhoneFactory) -> None:
    got: List[tuple] = []
    done = threading.Event()
    a, b = make_phone(), make_phone()

    def on_notify(sub: Optional[Subscription], n: Notification) -> None:
        got.append((sub, n))
        done.set()

    a.notify_callback = on_notify
    body = "Messages-Waiting: yes\r\nVoice-Message: 4/2 (1/0)\r\n"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        msg = (f"NOTIFY {uri_of(a)} SIP/2.0\r\n"
               f"Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK-py-mwi\r\n"
               f"From: <sip:vm@127.0.0.1:{port}>;tag=vm1\r\nTo: <{uri_of(a)}>\r\n"
               "Call-ID: py-mwi-1\r\nCSeq: 1 NOTIFY\r\nMax-Forwards: 70\r\n"
               "Event: message-summary\r\nSubscription-State: active\r\n"
               "Content-Type: application/simple-message-summary\r\n"
               f"Content-Length: {len(body)}\r\n\r\n{body}")
        s.sendto(msg.encode(), ("127.0.0.1", a.sip_port))
        s.settimeout(5)
        answer = s.recv(4096).decode()
    assert answer.startswith("SIP/2.0 200"), answer
    assert done.wait(5)
    sub, n = got[0]
    assert sub is None and n.event == "message-summary"
    assert n.summary == {"waiting": True, "new": 4, "old": 2, "new_urgent": 1, "old_urgent": 0}

    # B serves an application package: its NOTIFYs carry our own body.
    incoming: List[IncomingSubscription] = []

    def keep(s: IncomingSubscription) -> None:
        incoming.append(s)
        s.accept()

    b.serve_events(["x-status"], keep)
    x = a.subscribe(uri_of(b), "x-status", accept=["text/plain"])
    assert wait_until(lambda: bool(incoming))
    incoming[0].notify("text/plain", "all good")
    n2 = x.wait(lambda n: n.body == "all good")
    assert n2.summary == {} and n2.error == ""
    incoming[0].end("deactivated")
    # deactivated: the subscriber subscribes again at once.
    assert wait_until(lambda: len(incoming) == 2, timeout=8)
    assert incoming[0].state == "terminated"


def test_watcher_info(make_phone: PhoneFactory) -> None:
    """A serves presence and presence.winfo; B watches A's watchers; C
    subscribes to A's presence: B sees C pending until A accepts, active,
    then terminated when C unsubscribes; a malformed watcherinfo body gives
    the error summary."""
    a, b, c = make_phone(), make_phone(), make_phone()
    held: List[IncomingSubscription] = []

    def decide(s: IncomingSubscription) -> None:
        if s.event == "presence.winfo":
            s.accept()
        else:
            held.append(s)  # the test accepts it later

    a.serve_events(["presence", "presence.winfo"], decide)
    w = b.watchers(uri_of(a))
    first = w.wait(lambda n: n.summary.get("state") == "full")
    assert first.content_type == "application/watcherinfo+xml"
    assert first.summary == {"resource": uri_of(a), "package": "presence", "state": "full",
                             "version": 0, "watchers": []}
    assert w.watchers == []
    me = c.uri
    started: List[Subscription] = []
    t = threading.Thread(target=lambda: started.append(c.subscribe(uri_of(a), "presence", timeout=10)))
    t.start()
    n = w.wait_status(me, "pending")
    assert n.summary["state"] == "partial" and n.summary["version"] == 1
    assert [(x["uri"], x["status"], x["event"]) for x in w.watchers] == [(me, "pending", "subscribe")]
    assert wait_until(lambda: bool(held))
    held[0].accept()
    t.join(10)
    assert started and started[0].state == "active"
    w.wait_status(me, "active")
    assert [(x["uri"], x["status"], x["event"]) for x in w.watchers] == [(me, "active", "approved")]
    started[0].stop()
    n = w.wait_status(me, "terminated")
    assert n.summary["watchers"][0]["event"] == "timeout"
    assert w.watchers == [] and w.status(me) == "terminated"

    # Bad input: C serves presence.winfo and sends a malformed document.
    mine: List[IncomingSubscription] = []

    def keep(s: IncomingSubscription) -> None:
        mine.append(s)
        s.accept()

    c.serve_events(["presence.winfo"], keep)
    w2 = b.watchers(uri_of(c))
    w2.wait(lambda n: n.summary.get("state") == "full")
    mine[0].notify("application/watcherinfo+xml", '<watcherinfo version="x" state="full"/>')
    bad = w2.wait(lambda n: n.error != "")
    assert "version" in bad.error and bad.summary.keys() == {"error"}

#!/usr/bin/env python3
"""voip_echo.py — the bench's Python answering side: one Python process
that answers every call and sends the caller's audio straight back, written
the way the binding (bindings/python) is meant to be used for many calls
(issue 16): the call callback only answers; one thread echoes every call
with voip.FrameBatch, one exchange per 20 ms media tick (until issue 16: a
thread per call reading a frame and writing it back).

    voip_echo.py --bind IP:PORT --rtp-ports LOW-HIGH [--user NAME]

make bench (bench/run.sh) ramps calls onto it with voip-load, like onto
voip-echo, to measure how many calls one Python process holds with no loss.
Runs until SIGTERM or SIGINT, then stops the phone (ending every call).
Environment: VOIP_LIBRARY (the library), PYTHONPATH (bindings/python/src).
"""

from __future__ import annotations

import argparse
import signal
import threading
from typing import Any, List, Tuple

from voip import FrameBatch, InvalidStateError, VoIPPhone, VoIPPhoneParameter


def answer(call: Any) -> None:
    """Answer; the echo loop takes the call's frames from then on."""
    try:
        call.answer()
    except InvalidStateError:
        pass  # the caller hung up first


def echo_all(phone: VoIPPhone, stop: threading.Event) -> None:
    """Every call's frames, written back at the next tick."""
    batch = FrameBatch(phone, capacity=8192)
    replies: List[Tuple[Any, bytes]] = []
    while not stop.is_set():
        frames = batch.exchange(replies, timeout=0.2)
        replies = [(f.call, f.data) for f in frames if f.data is not None]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bind", default="127.0.0.1:5060")
    ap.add_argument("--rtp-ports", default="10000-20000")
    ap.add_argument("--user", default="echo")
    a = ap.parse_args()
    ip, port = a.bind.rsplit(":", 1)
    low, high = (int(x) for x in a.rtp_ports.split("-"))
    phone = VoIPPhone(VoIPPhoneParameter(
        bind_ip=ip, bind_port=int(port), rtp_port_low=low, rtp_port_high=high,
        user=a.user, call_callback=answer, max_calls=0))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    phone.start()
    loop = threading.Thread(target=echo_all, args=(phone, stop), daemon=True)
    loop.start()
    print("READY", flush=True)
    while not stop.wait(0.5):
        pass
    loop.join(2)
    phone.stop()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""voip_echo.py — the bench's Python answering side: one Python process
that answers every call and sends the caller's audio straight back, written
the way the binding (bindings/python, pyVoIP's API) is meant to be used: the
call callback runs in a thread per call, which reads a 20 ms frame (blocking,
paced by the call) and writes it back.

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
from typing import Any

from voip import CallState, InvalidStateError, VoIPPhone, VoIPPhoneParameter

FRAME = 320  # 20 ms of s16le mono at 8 kHz


def echo(call: Any) -> None:
    """Answer, then echo frame by frame until the call ends."""
    try:
        call.answer()
        while call.state == CallState.ANSWERED:
            call.write_audio(call.read_audio(FRAME))
    except InvalidStateError:
        pass  # the caller hung up


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
        user=a.user, call_callback=echo, max_calls=0))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    phone.start()
    print("READY", flush=True)
    while not stop.wait(0.5):
        pass
    phone.stop()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""IVR on libvoip's media toolkit: ivr.py greeting.wav (any rate); key 1 records a message to --out."""
import argparse
import threading
import time
from voip import CallState, VoIPCall, VoIPPhone

ap = argparse.ArgumentParser()
ap.add_argument("greeting")
ap.add_argument("--bind", default="127.0.0.1:5064")
ap.add_argument("--rtp-ports", default="34600-34699")
ap.add_argument("--out", default="message.wav")
args = ap.parse_args()


def answer(call: VoIPCall) -> None:
    call.answer()
    call.play(args.greeting).wait(timeout=60)                  # the greeting, resampled
    key, deadline = "", time.monotonic() + 10                  # 10 s to press a key
    while not key and time.monotonic() < deadline and call.state == CallState.ANSWERED:
        time.sleep(0.1)
        key = call.get_dtmf()
    print(f"MENU {key or 'none'}", flush=True)
    if key == "1":
        beep = call.phone.tone("once:880/300")                 # the beep, then the message
        beep.connect(call)
        with call.record(args.out, max_duration=30) as rec:
            while not rec.wait(timeout=0.1) and call.state == CallState.ANSWERED:
                pass
        print(f"SAVED {args.out}", flush=True)
    if call.state == CallState.ANSWERED:
        call.hangup()


(ip, port), (low, high) = args.bind.rsplit(":", 1), args.rtp_ports.split("-")
with VoIPPhone(bind_ip=ip, bind_port=int(port), rtp_port_low=int(low), rtp_port_high=int(high),
               user="ivr", call_callback=answer) as phone:
    print(f"READY {phone.uri}", flush=True)
    threading.Event().wait()

#!/usr/bin/env python3
"""A conference room on libvoip's media toolkit: answers every call and joins
it to one conference, where each caller hears all the others (not itself).
A ringback-style tone plays to a caller while it is alone in the room.

    python3 conference.py [--bind 127.0.0.1:5066] [--rtp-ports 34700-34799]

Try it with three C dialers at once (each hears the other two):

    for hz in 440 700 1200; do
      build/cmake/bin/voip-dial sip:room@127.0.0.1:5066 --tone $hz --seconds 6 &
    done; wait

Prints JOIN <n> <from> and LEAVE <n> <reason> per caller.  Stops on Ctrl-C.
"""

from __future__ import annotations

import argparse
import threading

from voip import CallState, Conference, VoIPCall, VoIPPhone, VoIPPhoneParameter


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bind", default="127.0.0.1:5066", help="SIP address IP:PORT")
    ap.add_argument("--rtp-ports", default="34700-34799", help="RTP port range LOW-HIGH")
    args = ap.parse_args()
    ip, port = args.bind.rsplit(":", 1)
    low, high = (int(x) for x in args.rtp_ports.split("-"))
    lock = threading.Lock()
    room = Conference()  # the calls of the room: each hears the others
    count = 0

    def join(call: VoIPCall) -> None:
        nonlocal count
        call.answer()
        with lock:
            count += 1
            n = count
            room.add(call)
            print(f"JOIN {n} {call.remote_uri} ({len(room)} in the room)", flush=True)
        with call.phone.tone("425/1000/4000") as alone:  # while nobody else is there
            alone.connect(call)
            while call.wait(CallState.ENDED, timeout=0.2) != CallState.ENDED:
                if len(room) > 1 and alone.is_active:
                    alone.close()
        with lock:
            room.remove(call)
        print(f"LEAVE {n} {call.end_reason}", flush=True)

    params = VoIPPhoneParameter(bind_ip=ip, bind_port=int(port), rtp_port_low=low, rtp_port_high=high,
                                user="room", call_callback=join)
    with VoIPPhone(params) as phone:
        print(f"READY {phone.uri}", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()

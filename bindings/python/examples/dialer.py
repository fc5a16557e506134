#!/usr/bin/env python3
"""A dialer: calls URI, plays a tone, sends DTMF digits, listens, hangs up.

    python3 dialer.py sip:echo@127.0.0.1:5060 [--bind 127.0.0.1:0]
                      [--rtp-ports 34600-34699] [--tone 440] [--dtmf 123#]
                      [--seconds 3]

Try it with the C echo service from the repository:

    build/cmake/bin/voip-echo --bind 127.0.0.1:5060 &
    python3 dialer.py sip:echo@127.0.0.1:5060 --tone 440 --dtmf 123#

Prints CALL ANSWERED, SENT <digits>, HEARD <hz> <rms> (the strongest
frequency of what came back and its level), CALL ENDED <reason>.  Exit
status: 0 answered and ended cleanly, 2 rejected, 3 not answered.
"""

from __future__ import annotations

import argparse
import logging
import math
import struct
import sys

from voip import CallState, VoIPPhone, VoIPPhoneParameter

RATE = 8000


def tone(freq: float, seconds: float, amp: int = 8000) -> bytes:
    n = int(RATE * seconds)
    return struct.pack("<%dh" % n, *(int(amp * math.sin(2 * math.pi * freq * i / RATE)) for i in range(n)))


def strongest(samples: list[int]) -> tuple[float, float]:
    """(frequency, rms) of the loudest frequency 100-3900 Hz (Goertzel, 10 Hz steps)."""
    x = samples[:4000]
    if not x:
        return 0.0, 0.0
    rms = math.sqrt(sum(s * s for s in x) / len(x))

    def power(f: float) -> float:
        k = 2 * math.cos(2 * math.pi * f / RATE)
        s1 = s2 = 0.0
        for v in x:
            s1, s2 = v + k * s1 - s2, s1
        return s1 * s1 + s2 * s2 - k * s1 * s2

    return float(max(range(100, 3900, 10), key=power)), rms


def setup_logging(trace: bool, verbose: int) -> None:
    """--trace and --verbose: libvoip's log lines (the SIP trace at INFO)
    go to the "voip" logger; print them to stderr."""
    if trace or verbose:
        logging.basicConfig(stream=sys.stderr, format="%(name)s %(levelname)s %(message)s",
                            level=logging.DEBUG if verbose > 1 else logging.INFO)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("uri")
    ap.add_argument("--bind", default="127.0.0.1:0", help="SIP address IP:PORT (port 0 = any)")
    ap.add_argument("--rtp-ports", default="34600-34699")
    ap.add_argument("--tone", type=float, default=440.0, help="Hz; 0 = silence")
    ap.add_argument("--dtmf", default="123#")
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--timeout", type=float, default=15.0, help="give up when not answered")
    ap.add_argument("--trace", action="store_true", help="log every SIP message to stderr")
    ap.add_argument("-v", "--verbose", action="count", default=0,
                    help="log the library's lines to stderr (twice: debug)")
    args = ap.parse_args()
    setup_logging(args.trace, args.verbose)
    ip, port = args.bind.rsplit(":", 1)
    low, high = (int(x) for x in args.rtp_ports.split("-"))

    params = VoIPPhoneParameter(bind_ip=ip, bind_port=int(port), rtp_port_low=low,
                                rtp_port_high=high, user="dialer", sip_trace=args.trace or None)
    with VoIPPhone(params) as phone:
        with phone.call(args.uri) as call:
            state = call.wait(CallState.ANSWERED, timeout=args.timeout)
            if state != CallState.ANSWERED:
                print(f"CALL ENDED {call.end_reason or 'no answer'}", flush=True)
                return 2 if call.end_code >= 400 else 3
            print("CALL ANSWERED", flush=True)
            if args.tone > 0:
                call.write_audio(tone(args.tone, args.seconds))
            if args.dtmf:
                call.send_dtmf(args.dtmf)
                print(f"SENT {args.dtmf}", flush=True)
            heard = call.read_audio(int(args.seconds * RATE) * 2)
            samples = list(struct.unpack("<%dh" % (len(heard) // 2), heard[: len(heard) // 2 * 2]))
            loud: list[int] = []  # the 20 ms frames above the noise floor
            for i in range(0, len(samples) - 159, 160):
                frame = samples[i:i + 160]
                if math.sqrt(sum(v * v for v in frame) / 160) > 300:
                    loud.extend(frame)
            hz, rms = strongest(loud)
            print(f"HEARD {hz:.0f} {rms:.0f}", flush=True)
            if call.state == CallState.ANSWERED:
                call.hangup()
            print(f"CALL ENDED {call.end_reason}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

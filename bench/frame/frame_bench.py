#!/usr/bin/env python3
"""frame_bench.py — one 20 ms frame read and written from Python, through the
libvoip binding (bindings/python: VoIPCall.read_audio / write_audio).

    python3 frame_bench.py [ROUNDS] [SIP_PORT_BASE]

Same method as frame_bench.c: two phones in this process call each other on
127.0.0.1; each round sleeps 1 s (the receive queue fills with 50 frames,
the send queue drains), then times 40 pairs of

    call.read_audio(320)     # a whole frame is waiting: no wait
    call.write_audio(frame)  # there is room: no wait

and prints one line per round in Go's benchmark format for benchstat.
Environment: VOIP_LIBRARY points at the library to load; PYTHONPATH at
bindings/python/src.
"""

import statistics
import sys
import time

from voip import CallState, VoIPPhone, VoIPPhoneParameter

FRAME = 320
PAIRS = 40


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    base = int(sys.argv[2]) if len(sys.argv) > 2 else 5594
    if not 1 <= rounds <= 1000:
        print("usage: frame_bench.py [ROUNDS 1..1000] [SIP_PORT_BASE]", file=sys.stderr)
        return 2

    def answer(call):
        call.answer()

    callee = VoIPPhone(VoIPPhoneParameter(bind_ip="127.0.0.1", bind_port=base + 1,
                                          rtp_port_low=46130, rtp_port_high=46139,
                                          call_callback=answer))
    caller = VoIPPhone(VoIPPhoneParameter(bind_ip="127.0.0.1", bind_port=base,
                                          rtp_port_low=46120, rtp_port_high=46129))
    callee.start()
    caller.start()
    try:
        call = caller.call(f"sip:bench@127.0.0.1:{base + 1}")
        if call.wait(CallState.ANSWERED, timeout=5) != CallState.ANSWERED:
            print("frame_bench.py: the call was not answered", file=sys.stderr)
            return 1
        frame = bytes(FRAME)
        short = 0
        clock = time.perf_counter_ns
        for _ in range(rounds):
            time.sleep(1.0)
            t = []
            for _ in range(PAIRS):
                t0 = clock()
                got = call.read_audio(FRAME)
                call.write_audio(frame)
                t.append(clock() - t0)
                if len(got) != FRAME:
                    short += 1
            print("BenchmarkFrameReadWrite/Python \t%8d\t%10.1f ns/op\t%10.1f median-ns/op"
                  % (PAIRS, sum(t) / PAIRS, statistics.median(t)), flush=True)
        call.hangup()
        if short:
            print(f"frame_bench.py: {short} reads returned less than a frame", file=sys.stderr)
            return 1
        return 0
    finally:
        caller.stop()
        callee.stop()


if __name__ == "__main__":
    sys.exit(main())

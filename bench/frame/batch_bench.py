#!/usr/bin/env python3
"""batch_bench.py — one 20 ms frame read and written from Python through the
batched path (bindings/python: FrameBatch.exchange), amortised over many
calls.

    python3 batch_bench.py [ROUNDS] [SIP_PORT_BASE] [CALLS]

Same method as batch_bench.c: CALLS calls (default 100) between two phones
of this process; each round sleeps 1 s (every receive queue fills with 50
frames), then times 40 exchanges on the caller's phone, each writing back
the frames the previous one read (one per call) and reading one frame from
every call without waiting, Python objects included.  Prints one line per
round in Go's benchmark format, per frame read + written.
"""

import statistics
import sys
import time

from voip import CallState, FrameBatch, VoIPPhone, VoIPPhoneParameter

FRAME = 320
EXCHANGES = 40


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    base = int(sys.argv[2]) if len(sys.argv) > 2 else 5600
    ncalls = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    if not (1 <= rounds <= 1000 and 1 <= ncalls <= 1000):
        print("usage: batch_bench.py [ROUNDS 1..1000] [SIP_PORT_BASE] [CALLS 1..1000]", file=sys.stderr)
        return 2
    callee = VoIPPhone(VoIPPhoneParameter(bind_ip="127.0.0.1", bind_port=base + 1,
                                          rtp_port_low=50400, rtp_port_high=50400 + 2 * ncalls + 9,
                                          call_callback=lambda c: c.answer()))
    caller = VoIPPhone(VoIPPhoneParameter(bind_ip="127.0.0.1", bind_port=base,
                                          rtp_port_low=48000, rtp_port_high=48000 + 2 * ncalls + 9))
    callee.start()
    caller.start()
    try:
        calls = [caller.call(f"sip:bench@127.0.0.1:{base + 1}") for _ in range(ncalls)]
        for c in calls:
            if c.wait(CallState.ANSWERED, timeout=5) != CallState.ANSWERED:
                print("batch_bench.py: a call was not answered", file=sys.stderr)
                return 1
        batch = FrameBatch(caller, capacity=ncalls)
        replies = [(c, bytes(FRAME)) for c in calls]
        short = 0
        clock = time.perf_counter_ns
        for _ in range(rounds):
            time.sleep(1.0)
            t = []
            for _ in range(EXCHANGES):
                t0 = clock()
                frames = batch.exchange(replies, timeout=0)
                replies = [(f.call, f.data) for f in frames if f.data is not None]
                t.append(clock() - t0)
                if len(replies) != ncalls:
                    short += 1
                    replies = [(c, bytes(FRAME)) for c in calls]
            print("BenchmarkFrameBatch/Python \t%8d\t%10.1f ns/op\t%10.1f median-ns/op"
                  % (EXCHANGES * ncalls, sum(t) / EXCHANGES / ncalls, statistics.median(t) / ncalls), flush=True)
        if short:
            print(f"batch_bench.py: {short} exchanges did not read a frame from every call", file=sys.stderr)
            return 1
        return 0
    finally:
        caller.stop()
        callee.stop()


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""The phone under test of bench_pyvoip.py: one pyVoIP 1.x program (the echo
example of pyVoIP's documentation) run with pyVoIP or with libvoip's Python
binding.  The only difference between the two is the import.

    answerer.py --impl pyvoip|libvoip --server-port P --sip-port S
                --rtp-ports LOW-HIGH --calls N

Registers with the benchmark's harness (127.0.0.1:P, which plays the
registrar), answers N calls and echoes their audio, then prints one JSON line
with the CPU time this process used while calls were up.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import threading
import time
from typing import Any, Dict, List

ap = argparse.ArgumentParser()
ap.add_argument("--impl", choices=["pyvoip", "libvoip"], required=True)
ap.add_argument("--server-port", type=int, required=True)
ap.add_argument("--sip-port", type=int, required=True)
ap.add_argument("--rtp-ports", default="34700-34899")
ap.add_argument("--calls", type=int, default=10)
ap.add_argument("--timeout", type=float, default=120.0)
args = ap.parse_args()

if args.impl == "pyvoip":
    from pyVoIP.VoIP import CallState, InvalidStateError, VoIPPhone  # type: ignore
else:
    from voip import CallState, InvalidStateError, VoIPPhone

low, high = (int(x) for x in args.rtp_ports.split("-"))


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)  # all threads of the process
    return r.ru_utime + r.ru_stime


lock = threading.Lock()
marks: Dict[str, float] = {}
ended = threading.Semaphore(0)
errors: List[str] = []


def answer(call: Any) -> None:
    """pyVoIP's documented echo example."""
    try:
        call.answer()
        with lock:
            if "cpu0" not in marks:
                marks["cpu0"], marks["wall0"] = cpu(), time.monotonic()
        while call.state == CallState.ANSWERED:
            audio = call.read_audio()
            call.write_audio(audio)
    except InvalidStateError:
        pass
    except Exception as e:  # pragma: no cover - reported in the JSON
        errors.append(repr(e))
    finally:
        with lock:
            marks["cpu1"], marks["wall1"] = cpu(), time.monotonic()
        ended.release()


phone = VoIPPhone(
    "127.0.0.1", args.server_port, "bench", "secret", callCallback=answer,
    myIP="127.0.0.1", sipPort=args.sip_port, rtpPortLow=low, rtpPortHigh=high,
)
phone.start()
print("READY", flush=True)
deadline = time.monotonic() + args.timeout
n = 0
while n < args.calls and ended.acquire(timeout=max(0.1, deadline - time.monotonic())):
    n += 1
phone.stop()
cpu_s = marks.get("cpu1", 0.0) - marks.get("cpu0", 0.0)
wall_s = marks.get("wall1", 0.0) - marks.get("wall0", 0.0)
print(json.dumps({
    "impl": args.impl, "calls_ended": n, "cpu_s": round(cpu_s, 3),
    "wall_s": round(wall_s, 3), "errors": errors[:5],
}), flush=True)
sys.exit(0)

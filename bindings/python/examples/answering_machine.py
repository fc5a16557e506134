#!/usr/bin/env python3
"""An answering machine on libvoip's media toolkit: answers every call,
plays a greeting (a WAV file at any rate, or a beep), then records the
caller to a WAV file (16-bit mono 8 kHz) until they hang up or the time
limit is reached.  Digits the caller presses are printed.

    python3 answering_machine.py [--bind 127.0.0.1:5062] [--rtp-ports 34500-34599]
                                 [--greeting hello.wav] [--out-dir .]
                                 [--max-seconds 60] [--calls N]

Try it with the C dialer from the repository:

    build/cmake/bin/voip-dial sip:machine@127.0.0.1:5062 --tone 440 --dtmf 42 --seconds 3

Prints one line per event: CALL <n> ANSWERED <from>, DTMF <n> <digit>,
SAVED <n> <file> <seconds>.  Stops on Ctrl-C (or after --calls calls).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import wave

from voip import CallState, InvalidStateError, VoIPCall, VoIPPhone, VoIPPhoneParameter


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bind", default="127.0.0.1:5062", help="SIP address IP:PORT")
    ap.add_argument("--rtp-ports", default="34500-34599", help="RTP port range LOW-HIGH")
    ap.add_argument("--greeting", default="", help="greeting WAV file (default: a 0.5 s beep)")
    ap.add_argument("--out-dir", default=".", help="where the WAV files go")
    ap.add_argument("--max-seconds", type=float, default=60.0, help="longest recording")
    ap.add_argument("--calls", type=int, default=0, help="exit after this many calls (0 = never)")
    ap.add_argument("--trace", action="store_true", help="log every SIP message to stderr")
    ap.add_argument("-v", "--verbose", action="count", default=0,
                    help="log the library's lines to stderr (twice: debug)")
    args = ap.parse_args()
    if args.trace or args.verbose:
        # libvoip's log lines (the SIP trace at INFO) go to the "voip" logger.
        logging.basicConfig(stream=sys.stderr, format="%(name)s %(levelname)s %(message)s",
                            level=logging.DEBUG if args.verbose > 1 else logging.INFO)
    ip, port = args.bind.rsplit(":", 1)
    low, high = (int(x) for x in args.rtp_ports.split("-"))
    os.makedirs(args.out_dir, exist_ok=True)

    counter = 0
    lock = threading.Lock()
    finished = threading.Semaphore(0)

    class Machine(VoIPCall):
        """Each incoming call gets an instance; ringing() runs in its own thread."""

        def ringing(self, request: object) -> None:
            nonlocal counter
            with lock:
                counter += 1
                n = counter
            self.n = n
            path = os.path.join(args.out_dir, f"message-{n}.wav")
            try:
                self.answer()
                print(f"CALL {n} ANSWERED {self.remote_uri}", flush=True)
                # The greeting: a WAV file played into the call, or a beep.
                greeting = self.play(args.greeting) if args.greeting else self.phone.tone("once:880/500")
                with greeting:
                    greeting.connect(self)
                    greeting.wait(timeout=120)
                # The message: the caller's audio into a WAV file, for at
                # most --max-seconds, or until the caller hangs up.
                with self.record(path, max_duration=args.max_seconds) as rec:
                    while not rec.wait(timeout=0.1) and self.state == CallState.ANSWERED:
                        pass
                if self.state == CallState.ANSWERED:
                    self.hangup()                      # time limit reached
            except InvalidStateError:
                pass  # the call ended at an awkward moment
            finally:
                seconds = 0.0
                if os.path.exists(path):
                    with wave.open(path, "rb") as w:
                        seconds = w.getnframes() / w.getframerate()
                print(f"SAVED {n} {path} {seconds:.2f}", flush=True)
                finished.release()

        def dtmf_callback(self, code: str) -> None:
            print(f"DTMF {getattr(self, 'n', '?')} {code}", flush=True)

    params = VoIPPhoneParameter(
        bind_ip=ip, bind_port=int(port), rtp_port_low=low, rtp_port_high=high,
        user="machine", call_class=Machine, sip_trace=args.trace or None,
    )
    with VoIPPhone(params) as phone:
        print(f"READY {phone.uri}", flush=True)
        try:
            if args.calls > 0:
                for _ in range(args.calls):
                    finished.acquire()
            else:
                threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()

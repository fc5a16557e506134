#!/usr/bin/env python3
"""pyVoIP vs libvoip's Python binding, side by side.

    python3 bench/bench_pyvoip.py [--calls 10] [--seconds 10] [--only pyvoip|libvoip]

For each implementation, answerer.py (pyVoIP's documented echo program; only
the import differs) runs in its own process and virtual environment:
  - pyVoIP 1.6.8 from the package index, in build/bench-venv-pyvoip
  - this package (pip install ./bindings/python), in build/bench-venv-libvoip
The harness here plays the registrar (pyVoIP 1.x must register and sends all
its responses to the server) and the callers: it places N concurrent calls,
sends each a 20 ms PCMU packet every 20 ms for --seconds, records when each
RTP packet of the answerer arrives, then hangs up.

Printed per implementation:
  cpu/call      CPU seconds the answering process used while calls were up,
                divided by N (and as % of one core per call)
  on time       share of the expected packets (50 per second of call) that
                arrived within 20 ms of their slot on a steady 20 ms clock
                (anchored at the median offset; missing packets count as late)
  pkts/s        packets received per second of call (ideal: 50)

Everything is on 127.0.0.1.  Runs in about 2 x (seconds + 10) s.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import selectors
import socket
import statistics
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

HERE = Path(__file__).resolve().parent
PKG = HERE.parent
ROOT = PKG.parent.parent
BUILD = ROOT / "build"
PYVOIP_VERSION = "1.6.8"


# ---------------------------------------------------------------------------
# Virtual environments
# ---------------------------------------------------------------------------
def venv(name: str, packages: List[str], fresh: bool) -> str:
    path = BUILD / name
    py = path / "bin" / "python"
    stamp = path / ".bench-ok"
    if fresh or not stamp.exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(path)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                        *packages], check=True, cwd=ROOT)
        stamp.write_text("ok\n")
    return str(py)


# ---------------------------------------------------------------------------
# G.711 u-law (for the tone we send)
# ---------------------------------------------------------------------------
def ulaw(sample: int) -> int:
    BIAS, CLIP = 0x84, 32635
    sign = 0x80 if sample < 0 else 0
    s = min(abs(sample), CLIP) + BIAS
    exp = 7
    for e in range(7, -1, -1):
        if s & (0x4000 >> (7 - e)):
            exp = e
            break
    else:
        exp = 0
    mant = (s >> (exp + 3)) & 0x0F
    return ~(sign | (exp << 4) | mant) & 0xFF


TONE = bytes(ulaw(int(6000 * math.sin(2 * math.pi * 440 * i / 8000))) for i in range(8000))


# ---------------------------------------------------------------------------
# A tiny SIP user agent: registrar for the answerer, caller of N calls
# ---------------------------------------------------------------------------
def parse(data: bytes) -> Tuple[str, Dict[str, str], str]:
    head, _, body = data.decode("utf-8", "replace").partition("\r\n\r\n")
    lines = head.split("\r\n")
    headers: Dict[str, str] = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers.setdefault(k.strip().lower(), v.strip())
    return lines[0], headers, body


def rand() -> str:
    return "%016x" % random.getrandbits(64)


@dataclass
class Call:
    n: int
    call_id: str
    from_tag: str
    rtp: socket.socket
    to_header: str = ""
    remote_rtp: Optional[Tuple[str, int]] = None
    contact: Optional[Tuple[str, int]] = None
    answered_at: float = 0.0
    bye_at: float = 0.0
    state: str = "calling"
    seq: int = 0
    arrivals: List[Tuple[float, int]] = field(default_factory=list)


class Harness:
    def __init__(self) -> None:
        self.sip = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sip.bind(("127.0.0.1", 0))
        self.port = self.sip.getsockname()[1]
        self.calls: Dict[str, Call] = {}
        self.stop = threading.Event()
        self.lock = threading.Lock()
        threading.Thread(target=self._sip_loop, daemon=True).start()

    # -- SIP ---------------------------------------------------------------
    def _sip_loop(self) -> None:
        self.sip.settimeout(0.2)
        while not self.stop.is_set():
            try:
                data, addr = self.sip.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                self._on_sip(data, addr)
            except Exception as e:  # keep serving
                print(f"harness: bad SIP message from {addr}: {e}", file=sys.stderr)

    def _reply(self, h: Dict[str, str], addr: Tuple[str, int], start: str, extra: str = "") -> None:
        to = h.get("to", "")
        if ";tag=" not in to:
            to += ";tag=" + rand()[:8]
        msg = (f"SIP/2.0 {start}\r\nVia: {h.get('via', '')}\r\nFrom: {h.get('from', '')}\r\n"
               f"To: {to}\r\nCall-ID: {h.get('call-id', '')}\r\nCSeq: {h.get('cseq', '')}\r\n"
               f"{extra}Content-Length: 0\r\n\r\n")
        self.sip.sendto(msg.encode(), addr)

    def _on_sip(self, data: bytes, addr: Tuple[str, int]) -> None:
        first, h, body = parse(data)
        if not first.startswith("SIP/2.0"):
            method = first.split(" ", 1)[0]
            if method == "ACK":
                return
            extra = ""
            if method == "REGISTER":
                extra = f"Contact: {h.get('contact', '')};expires=3600\r\nExpires: 3600\r\n"
            self._reply(h, addr, "200 OK", extra)
            return
        code = int(first.split()[1])
        call = self.calls.get(h.get("call-id", ""))
        if call is None:
            return
        method = h.get("cseq", "").split()[-1]
        if method == "INVITE" and code >= 200:
            to = h.get("to", "")
            if code < 300:
                contact = h.get("contact", "")
                host, port = "127.0.0.1", 5060
                if "@" in contact:
                    hp = contact.split("@", 1)[1].split(">")[0].split(";")[0]
                    host, _, p = hp.partition(":")
                    port = int(p or 5060)
                c_ip, m_port = "127.0.0.1", 0
                for line in body.splitlines():
                    if line.startswith("c=IN IP4 "):
                        c_ip = line.split()[2]
                    if line.startswith("m=audio "):
                        m_port = int(line.split()[1])
                with self.lock:
                    if call.state != "calling":
                        return  # retransmitted 200
                    call.to_header, call.contact = to, (host, port)
                    call.remote_rtp = (c_ip, m_port)
                    call.answered_at = time.monotonic()
                    call.state = "up"
            else:
                call.state = f"failed {code}"
            self._ack(call, to, (call.contact or addr), code < 300)
        elif method == "BYE" and code >= 200:
            call.state = "ended"

    def _ack(self, call: Call, to: str, dest: Tuple[str, int], ok: bool) -> None:
        msg = (f"ACK sip:answer@{dest[0]}:{dest[1]} SIP/2.0\r\n"
               f"Via: SIP/2.0/UDP 127.0.0.1:{self.port};branch=z9hG4bK{rand()};rport\r\n"
               f"Max-Forwards: 70\r\nFrom: <sip:bench@127.0.0.1:{self.port}>;tag={call.from_tag}\r\n"
               f"To: {to}\r\nCall-ID: {call.call_id}\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n")
        self.sip.sendto(msg.encode(), dest)

    def invite(self, n: int, target: Tuple[str, int]) -> Call:
        rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        rtp.bind(("127.0.0.1", 0))
        rtp.setblocking(False)
        call = Call(n, rand() + "@bench", rand()[:8], rtp)
        with self.lock:
            self.calls[call.call_id] = call
        port = rtp.getsockname()[1]
        sdp = ("v=0\r\no=bench 1 1 IN IP4 127.0.0.1\r\ns=bench\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
               f"m=audio {port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
               "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n")
        msg = (f"INVITE sip:answer@{target[0]}:{target[1]} SIP/2.0\r\n"
               f"Via: SIP/2.0/UDP 127.0.0.1:{self.port};branch=z9hG4bK{rand()};rport\r\n"
               f"Max-Forwards: 70\r\nFrom: <sip:bench@127.0.0.1:{self.port}>;tag={call.from_tag}\r\n"
               f"To: <sip:answer@{target[0]}:{target[1]}>\r\nCall-ID: {call.call_id}\r\n"
               f"CSeq: 1 INVITE\r\nContact: <sip:bench@127.0.0.1:{self.port}>\r\n"
               f"Content-Type: application/sdp\r\nContent-Length: {len(sdp)}\r\n\r\n{sdp}")
        self.sip.sendto(msg.encode(), target)
        return call

    def bye(self, call: Call) -> None:
        dest = call.contact or ("127.0.0.1", 5060)
        msg = (f"BYE sip:answer@{dest[0]}:{dest[1]} SIP/2.0\r\n"
               f"Via: SIP/2.0/UDP 127.0.0.1:{self.port};branch=z9hG4bK{rand()};rport\r\n"
               f"Max-Forwards: 70\r\nFrom: <sip:bench@127.0.0.1:{self.port}>;tag={call.from_tag}\r\n"
               f"To: {call.to_header}\r\nCall-ID: {call.call_id}\r\nCSeq: 2 BYE\r\n"
               f"Content-Length: 0\r\n\r\n")
        call.bye_at = time.monotonic()
        call.state = "bye"
        self.sip.sendto(msg.encode(), dest)

    # -- RTP ---------------------------------------------------------------
    def media(self, until: threading.Event) -> None:
        """Send 20 ms of PCMU to every call that is up, every 20 ms, and
        record the arrival of the answerers' packets."""
        sel = selectors.DefaultSelector()
        registered: set[int] = set()
        ssrc = random.getrandbits(32)
        nxt = time.monotonic()
        while not until.is_set():
            with self.lock:
                up = [c for c in self.calls.values() if c.state == "up"]
            for c in up:
                if c.n not in registered:
                    sel.register(c.rtp, selectors.EVENT_READ, c)
                    registered.add(c.n)
            now = time.monotonic()
            if now >= nxt:
                for c in up:
                    if c.remote_rtp and c.remote_rtp[1]:
                        off = (c.seq * 160) % (len(TONE) - 160)
                        pkt = struct.pack("!BBHII", 0x80, 0, c.seq & 0xFFFF,
                                          (c.seq * 160) & 0xFFFFFFFF, ssrc + c.n) + TONE[off:off + 160]
                        try:
                            c.rtp.sendto(pkt, c.remote_rtp)
                        except OSError:
                            pass
                        c.seq += 1
                nxt += 0.020
                if now - nxt > 0.2:
                    nxt = now  # we fell far behind; do not burst
            timeout = max(0.0, nxt - time.monotonic())
            for key, _ in sel.select(timeout):
                c = key.data
                while True:
                    try:
                        pkt = c.rtp.recv(2048)
                    except (BlockingIOError, OSError):
                        break
                    t = time.monotonic()
                    if len(pkt) >= 12 and c.state == "up" and (pkt[1] & 0x7F) in (0, 8):
                        c.arrivals.append((t, struct.unpack("!H", pkt[2:4])[0]))


# ---------------------------------------------------------------------------
# Metrics
# ---------------------------------------------------------------------------
def on_time(call: Call) -> Tuple[float, float]:
    """(share of expected packets on time, packets per second)."""
    arr = call.arrivals
    if len(arr) < 10:
        return 0.0, 0.0
    # unwrap the 16-bit sequence numbers
    seqs, last, base = [], arr[0][1], 0
    for _, s in arr:
        if s < last and last - s > 30000:
            base += 65536
        last = s
        seqs.append(s + base)
    s0 = min(seqs)
    t_first = arr[0][0]
    end = call.bye_at or arr[-1][0]
    duration = end - t_first
    offsets = [t - (s - s0) * 0.020 for (t, _), s in zip(arr, seqs)]
    anchor = statistics.median(offsets)
    good = sum(1 for o in offsets if abs(o - anchor) <= 0.020)
    expected = max(1, round(duration / 0.020))
    return min(1.0, good / expected), len(arr) / duration if duration > 0 else 0.0


def run(impl: str, python: str, n: int, seconds: float) -> Dict[str, Any]:
    h = Harness()
    sip_port = _free_udp_port()
    rtp_low = 34700 if impl == "pyvoip" else 34800
    env = dict(os.environ)
    env.pop("VOIP_LIBRARY", None)
    proc = subprocess.Popen(
        [python, str(HERE / "answerer.py"), "--impl", impl, "--server-port", str(h.port),
         "--sip-port", str(sip_port), "--rtp-ports", f"{rtp_low}-{rtp_low + 99}",
         "--calls", str(n), "--timeout", str(seconds + 60)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=str(BUILD),
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("READY"):
        proc.kill()
        raise SystemExit(f"{impl}: answerer did not start: {line}{proc.stderr.read() if proc.stderr else ''}")
    until = threading.Event()
    mt = threading.Thread(target=h.media, args=(until,), daemon=True)
    mt.start()
    calls = []
    for i in range(n):
        calls.append(h.invite(i, ("127.0.0.1", sip_port)))
        time.sleep(0.02)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(c.state == "calling" for c in calls):
        time.sleep(0.05)
    answered = [c for c in calls if c.state == "up"]
    # hold every call for `seconds` after it was answered
    for c in sorted(answered, key=lambda c: c.answered_at):
        time.sleep(max(0.0, c.answered_at + seconds - time.monotonic()))
        h.bye(c)
    time.sleep(1.0)
    until.set()
    mt.join(2)
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    h.stop.set()
    report: Dict[str, Any] = {}
    for line in out.splitlines():
        if line.startswith("{"):
            report = json.loads(line)
    shares = [on_time(c) for c in answered]
    cpu_s = float(report.get("cpu_s", 0.0) or 0.0)
    wall_s = float(report.get("wall_s", 0.0) or 0.0)
    return {
        "impl": impl,
        "answered": len(answered),
        "calls": n,
        "cpu_per_call_s": cpu_s / n if n else 0.0,
        "cpu_pct_per_call": 100.0 * cpu_s / (wall_s * n) if wall_s and n else 0.0,
        "on_time": statistics.mean(s for s, _ in shares) if shares else 0.0,
        "on_time_worst": min((s for s, _ in shares), default=0.0),
        "pkts_per_s": statistics.mean(r for _, r in shares) if shares else 0.0,
        "answerer": report,
        "stderr_tail": err.strip().splitlines()[-3:] if err.strip() else [],
    }


def _free_udp_port() -> int:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return int(p)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=10, help="concurrent calls (default 10)")
    ap.add_argument("--seconds", type=float, default=10.0, help="length of each call (default 10)")
    ap.add_argument("--only", choices=["pyvoip", "libvoip"])
    ap.add_argument("--fresh", action="store_true", help="recreate the virtual environments")
    ap.add_argument("--json", action="store_true", help="print the results as JSON too")
    args = ap.parse_args()

    results = []
    if args.only in (None, "pyvoip"):
        py = venv("bench-venv-pyvoip", [f"pyVoIP=={PYVOIP_VERSION}"], args.fresh)
        results.append(run("pyvoip", py, args.calls, args.seconds))
    if args.only in (None, "libvoip"):
        py = venv("bench-venv-libvoip", [str(PKG)], args.fresh)
        results.append(run("libvoip", py, args.calls, args.seconds))

    print(f"\n{args.calls} concurrent calls of {args.seconds:.0f} s, answered by pyVoIP's echo "
          "example (only the import differs)\n")
    print(f"{'implementation':<22} {'answered':>8} {'cpu/call':>10} {'%core/call':>10} "
          f"{'on time':>8} {'worst':>7} {'pkts/s':>7}")
    for r in results:
        name = f"pyVoIP {PYVOIP_VERSION}" if r["impl"] == "pyvoip" else "libvoip (voip)"
        print(f"{name:<22} {r['answered']:>4}/{r['calls']:<3} {r['cpu_per_call_s']:>9.3f}s "
              f"{r['cpu_pct_per_call']:>9.2f}% {100 * r['on_time']:>7.1f}% "
              f"{100 * r['on_time_worst']:>6.1f}% {r['pkts_per_s']:>7.1f}")
        if r["stderr_tail"]:
            print(f"    ({r['impl']} stderr: {' | '.join(r['stderr_tail'])[:300]})")
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

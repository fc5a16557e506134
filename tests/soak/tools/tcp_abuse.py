#!/usr/bin/env python3
"""tcp_abuse.py — TCP connection abuse against a SIP listener on 127.0.0.1.

  tcp_abuse.py exhaust   --target 127.0.0.1:PORT [--conns 300] [--hold 3] [--recover-within 5]
  tcp_abuse.py slowloris --target 127.0.0.1:PORT [--conns 200] [--interval 0.3]
                         [--duration 4] [--idle-conns 20] [--probe-every 0.5]
                         [--reopen] [--max-total 1000]
  tcp_abuse.py options   --target 127.0.0.1:PORT [--timeout 2]

exhaust: opens --conns idle connections (more than the listener's fd limit;
  the kernel's backlog completes them even when the process cannot accept),
  prints HOLDING, holds them --hold seconds, closes them all (CLOSED), then
  sends OPTIONS on a new connection every 0.2 s until one gets a 200 or
  --recover-within seconds pass:  RECOVERED <code> after <s>  or  NOT_RECOVERED.

slowloris: opens --conns connections that each send the next byte of an
  OPTIONS request every --interval seconds (never completing it), and
  --idle-conns that send one whole OPTIONS, read its answer and then stay
  silent. With --reopen, each dribbling connection the server closes is
  replaced by a new one until 2.5 s before --duration ends (at most
  --max-total dribbling connections in all), so the attack lasts. Every --probe-every seconds a probe sends a whole OPTIONS on a new
  connection and times the answer. Stops after --duration seconds (or when
  every abusive connection was closed) and prints:
    SLOW closed=N/M min=S median=S max=S    (seconds from connect to close)
    IDLE closed=N/M min=S max=S             (seconds from the 200 to close)
    PROBES ok=N sent=N max_latency=S
  Bytes sent: at most conns * duration / interval.

options: one OPTIONS on a new connection; prints ANSWER <code> <seconds>.
Loopback only.
"""
import argparse
import os
import selectors
import socket
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sipmsg  # noqa: E402


def options_msg(sock, target):
    local = sock.getsockname()
    msg, _ = sipmsg.request("OPTIONS", f"sip:echo@{target[0]}:{target[1]}", local,
                            sipmsg.token(), sipmsg.token(4), 1, transport="TCP")
    return msg


def options_once(target, timeout):
    """Status of one OPTIONS on a new connection (0: no answer), seconds."""
    t0 = time.monotonic()
    try:
        with socket.create_connection(target, timeout=timeout) as s:
            s.settimeout(max(0.05, timeout - (time.monotonic() - t0)))
            s.sendall(options_msg(s, target))
            m, _ = sipmsg.read_tcp_message(s)
            return (m.status if m else 0), time.monotonic() - t0
    except OSError:
        return 0, time.monotonic() - t0


def exhaust(a):
    conns, failed = [], 0
    for _ in range(a.conns):
        try:
            conns.append(socket.create_connection(a.target, timeout=1))
        except OSError:
            failed += 1
    print(f"OPENED {len(conns)} FAILED {failed}", flush=True)
    print("HOLDING", flush=True)
    time.sleep(a.hold)
    for s in conns:
        s.close()
    print("CLOSED", flush=True)
    t0 = time.monotonic()
    while time.monotonic() - t0 < a.recover_within:
        code, _ = options_once(a.target, 1.0)
        if code == 200:
            print(f"RECOVERED {code} after {time.monotonic() - t0:.2f}", flush=True)
            return 0
        time.sleep(0.2)
    print("NOT_RECOVERED", flush=True)
    return 0


class Conn:
    def __init__(self, sock, kind, t0, payload):
        self.sock, self.kind, self.t0, self.payload = sock, kind, t0, payload
        self.pos = 0
        self.closed_at = None
        self.answered_at = None
        self.buf = b""


def slowloris(a):
    sel = selectors.DefaultSelector()
    conns = []
    start = time.monotonic()

    def opened(kind):
        s = socket.create_connection(a.target, timeout=1)
        s.setblocking(False)
        c = Conn(s, kind, time.monotonic(), options_msg(s, a.target))
        sel.register(s, selectors.EVENT_READ, c)
        conns.append(c)
        return c

    total = a.conns
    for _ in range(a.conns):
        opened("slow")
    for _ in range(a.idle_conns):
        c = opened("idle")
        c.sock.sendall(c.payload)
    print(f"OPENED slow={a.conns} idle={a.idle_conns} in {time.monotonic() - start:.2f}s", flush=True)

    probes_ok = probes = 0
    max_latency = 0.0
    next_drip = next_probe = time.monotonic()
    while time.monotonic() - start < a.duration:
        now = time.monotonic()
        if now >= next_drip:
            next_drip = now + a.interval
            for c in conns:
                if c.kind == "slow" and c.closed_at is None and c.pos < len(c.payload) - 4:
                    try:
                        c.sock.send(c.payload[c.pos:c.pos + 1])
                        c.pos += 1
                    except OSError:
                        close(sel, c)
        if now >= next_probe:
            next_probe = now + a.probe_every
            code, lat = options_once(a.target, 1.0)
            probes += 1
            probes_ok += code == 200
            max_latency = max(max_latency, lat)
        for key, _ in sel.select(0.02):
            c = key.data
            try:
                data = c.sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                close(sel, c)
                if (c.kind == "slow" and a.reopen and total < a.max_total
                        and time.monotonic() - start < a.duration - 2.5):
                    total += 1
                    opened("slow")
            elif c.answered_at is None:
                c.buf += data
                if b"\r\n\r\n" in c.buf:
                    c.answered_at = time.monotonic()
        if all(c.closed_at is not None for c in conns):
            break
    for c in conns:
        if c.closed_at is None:
            sel.unregister(c.sock)
            c.sock.close()
    report(conns, probes_ok, probes, max_latency)
    return 0


def close(sel, c):
    if c.closed_at is None:
        c.closed_at = time.monotonic()
        sel.unregister(c.sock)
        c.sock.close()


def report(conns, probes_ok, probes, max_latency):
    slow = [c.closed_at - c.t0 for c in conns if c.kind == "slow" and c.closed_at is not None]
    nslow = sum(c.kind == "slow" for c in conns)
    if slow:
        print(f"SLOW closed={len(slow)}/{nslow} min={min(slow):.2f} "
              f"median={statistics.median(slow):.2f} max={max(slow):.2f}", flush=True)
    else:
        print(f"SLOW closed=0/{nslow} min=-1 median=-1 max=-1", flush=True)
    idle = [c.closed_at - c.answered_at for c in conns
            if c.kind == "idle" and c.closed_at is not None and c.answered_at is not None]
    nidle = sum(c.kind == "idle" for c in conns)
    answered = sum(c.kind == "idle" and c.answered_at is not None for c in conns)
    if idle:
        print(f"IDLE closed={len(idle)}/{nidle} answered={answered} min={min(idle):.2f} max={max(idle):.2f}", flush=True)
    else:
        print(f"IDLE closed=0/{nidle} answered={answered} min=-1 max=-1", flush=True)
    print(f"PROBES ok={probes_ok} sent={probes} max_latency={max_latency:.3f}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["exhaust", "slowloris", "options"])
    ap.add_argument("--target", type=sipmsg.loopback_addr, required=True)
    ap.add_argument("--conns", type=int, default=300)
    ap.add_argument("--hold", type=float, default=3.0)
    ap.add_argument("--recover-within", type=float, default=5.0)
    ap.add_argument("--interval", type=float, default=0.3)
    ap.add_argument("--duration", type=float, default=4.0)
    ap.add_argument("--idle-conns", type=int, default=20)
    ap.add_argument("--probe-every", type=float, default=0.5)
    ap.add_argument("--timeout", type=float, default=2.0)
    ap.add_argument("--reopen", action="store_true")
    ap.add_argument("--max-total", type=int, default=1000)
    a = ap.parse_args()
    # Bounds: at most 2,000 connections, 60 s.
    a.conns = min(a.conns, 2000)
    a.idle_conns = min(a.idle_conns, 200)
    a.max_total = min(a.max_total, 5000)
    a.hold = min(a.hold, 60.0)
    a.duration = min(a.duration, 60.0)
    a.recover_within = min(a.recover_within, 60.0)
    a.interval = max(a.interval, 0.01)
    if a.mode == "exhaust":
        return exhaust(a)
    if a.mode == "slowloris":
        return slowloris(a)
    code, t = options_once(a.target, a.timeout)
    print(f"ANSWER {code} {t:.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

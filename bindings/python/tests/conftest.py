"""Shared fixtures and helpers for the libvoip Python binding tests.

Ports: SIP phones bind port 0 (the library picks a free one) unless a test
needs a fixed port; those come from 5300-5399.  RTP ranges come from
34000-34999, 20 ports per phone.  Everything is on 127.0.0.1.
"""

from __future__ import annotations

import itertools
import math
import os
import shutil
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator, List, Optional, Sequence

import pytest

import voip

HERE = Path(__file__).resolve().parent
PKG_ROOT = HERE.parent  # bindings/python
REPO_ROOT = PKG_ROOT.parent.parent

_rtp_ranges = itertools.cycle(range(34000, 35000, 20))
_sip_ports = itertools.count(5300)


def next_rtp_range() -> tuple[int, int]:
    """20 RTP ports; ranges are reused round-robin (phones of earlier tests
    are stopped, and the library skips ports it cannot bind)."""
    low = next(_rtp_ranges)
    return low, low + 19


def next_sip_port() -> int:
    p = next(_sip_ports)
    if p > 5399:
        raise RuntimeError("out of SIP test ports")
    return p


# ---------------------------------------------------------------------------
# Audio helpers (pure Python: Goertzel and RMS)
# ---------------------------------------------------------------------------
RATE = 8000


def tone_s16(freq: float, ms: int, amp: int = 8000) -> bytes:
    n = RATE * ms // 1000
    return struct.pack(
        "<%dh" % n, *(int(amp * math.sin(2 * math.pi * freq * i / RATE)) for i in range(n))
    )


def tone_u8(freq: float, ms: int, amp: int = 60) -> bytes:
    n = RATE * ms // 1000
    return bytes(128 + int(amp * math.sin(2 * math.pi * freq * i / RATE)) for i in range(n))


def s16_samples(data: bytes) -> List[int]:
    n = len(data) // 2
    return list(struct.unpack("<%dh" % n, data[: 2 * n]))


def u8_samples(data: bytes) -> List[int]:
    return [(b - 128) * 256 for b in data]


def rms(samples: Sequence[int]) -> float:
    if not samples:
        return 0.0
    return math.sqrt(sum(s * s for s in samples) / len(samples))


def voiced(samples: Sequence[int], frame: int = 160, threshold: float = 300.0) -> List[int]:
    """The 20 ms frames of *samples* whose RMS is above *threshold*, joined."""
    out: List[int] = []
    for i in range(0, len(samples) - frame + 1, frame):
        f = samples[i : i + frame]
        if rms(f) > threshold:
            out.extend(f)
    return out


def goertzel_power(samples: Sequence[int], freq: float) -> float:
    """Normalised power of *freq* in *samples*: ~1.0 for a pure tone at
    *freq*, ~0 when absent (share of the signal's energy)."""
    n = len(samples)
    if n == 0:
        return 0.0
    k = 2 * math.cos(2 * math.pi * freq / RATE)
    s1 = s2 = 0.0
    for x in samples:
        s0 = x + k * s1 - s2
        s2, s1 = s1, s0
    power = s1 * s1 + s2 * s2 - k * s1 * s2
    energy = sum(x * x for x in samples)
    if energy == 0:
        return 0.0
    return 2 * power / (n * energy)


def dominant_frequency(samples: Sequence[int]) -> float:
    """The strongest frequency between 100 and 3900 Hz (1 Hz resolution)."""
    chunk = list(samples[:2400])
    if not chunk:
        return 0.0
    best = max(range(100, 3900, 20), key=lambda f: goertzel_power(chunk, f))
    return float(max(range(best - 20, best + 21), key=lambda f: goertzel_power(chunk, f)))


def assert_tone(samples: Sequence[int], freq: float, min_rms: float = 1000.0) -> None:
    v = voiced(samples)
    assert len(v) >= 8000 // 2, f"less than 0.5 s of audio above the noise floor ({len(v)} samples)"
    level = rms(v)
    assert level >= min_rms, f"audio level {level:.0f} < {min_rms}"
    f = dominant_frequency(v)
    assert abs(f - freq) <= 10, f"dominant frequency {f} Hz, expected {freq} Hz"
    purity = goertzel_power(v[:4000], f)
    assert purity > 0.5, f"the {f} Hz tone holds only {purity:.2f} of the energy"


# ---------------------------------------------------------------------------
# Phones
# ---------------------------------------------------------------------------
class PhoneFactory:
    def __init__(self) -> None:
        self.phones: List[voip.VoIPPhone] = []

    def __call__(self, start: bool = True, **kw: Any) -> voip.VoIPPhone:
        low, high = next_rtp_range()
        kw.setdefault("bind_ip", "127.0.0.1")
        kw.setdefault("bind_port", 0)
        kw.setdefault("rtp_port_low", low)
        kw.setdefault("rtp_port_high", high)
        p = voip.VoIPPhone(voip.VoIPPhoneParameter(**kw))
        self.phones.append(p)
        if start:
            p.start()
            assert p.get_status() == voip.PhoneStatus.REGISTERED
        return p

    def close(self) -> None:
        for p in self.phones:
            try:
                p.stop()
            except Exception:
                pass


@pytest.fixture
def make_phone() -> Iterator[PhoneFactory]:
    f = PhoneFactory()
    yield f
    f.close()


def uri_of(phone: voip.VoIPPhone, user: str = "test") -> str:
    return f"sip:{user}@127.0.0.1:{phone.sip_port}"


def wait_until(cond: Callable[[], bool], timeout: float = 5.0, step: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(step)
    return cond()


class Answerer:
    """A call_callback that records incoming calls and runs *action* on them
    (in the per-call thread the binding gives to call_callback)."""

    def __init__(self, action: Optional[Callable[[voip.VoIPCall], Any]] = None) -> None:
        self.calls: List[voip.VoIPCall] = []
        self.action = action
        self.errors: List[BaseException] = []
        self.done = threading.Event()
        self.arrived = threading.Event()

    def __call__(self, call: voip.VoIPCall) -> None:
        self.calls.append(call)
        self.arrived.set()
        try:
            if self.action is not None:
                self.action(call)
        except BaseException as e:  # recorded for the test to see
            self.errors.append(e)
            raise
        finally:
            self.done.set()


# ---------------------------------------------------------------------------
# The C example programs
# ---------------------------------------------------------------------------
def example_program(name: str) -> Optional[str]:
    env = os.environ.get(name.upper().replace("-", "_"))  # VOIP_ECHO, VOIP_DIAL
    if env and os.access(env, os.X_OK):
        return env
    for cand in (
        REPO_ROOT / "build" / "cmake" / "bin" / name,
        REPO_ROOT / "build" / "cmake" / "examples" / name,
    ):
        if os.access(cand, os.X_OK):
            return str(cand)
    return shutil.which(name)


@pytest.fixture
def voip_echo_bin() -> str:
    path = example_program("voip-echo")
    if path is None:
        pytest.fail("voip-echo not found: run `make` in the repository root or set VOIP_ECHO")
    return path


@pytest.fixture
def voip_dial_bin() -> str:
    path = example_program("voip-dial")
    if path is None:
        pytest.fail("voip-dial not found: run `make` in the repository root or set VOIP_DIAL")
    return path


class Proc:
    """A background process whose stdout lines are collected."""

    def __init__(self, args: Sequence[str], env: Optional[dict[str, str]] = None) -> None:
        self.args = list(args)
        self.lines: List[str] = []
        self.p = subprocess.Popen(
            self.args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, text=True, env=env,
        )
        self._t = threading.Thread(target=self._read, daemon=True)
        self._t.start()

    def _read(self) -> None:
        assert self.p.stdout is not None
        for line in self.p.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_line(self, pred: Callable[[str], bool], timeout: float = 10.0) -> Optional[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if pred(line):
                    return line
            time.sleep(0.02)
        return None

    def stop(self, timeout: float = 10.0) -> int:
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self._t.join(2)
        return self.p.returncode

    def output(self) -> str:
        return "\n".join(self.lines)


def wait_udp_port(port: int, timeout: float = 10.0) -> bool:
    def bound() -> bool:
        out = subprocess.run(
            ["ss", "-Hlnu", f"sport = :{port}"], capture_output=True, text=True
        ).stdout
        return f"127.0.0.1:{port}" in out

    return wait_until(bound, timeout, 0.05)


PYTHON = sys.executable

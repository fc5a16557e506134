"""Python phone <-> the C example programs (voip-echo, voip-dial), and the
Python examples run against them."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
import wave
from pathlib import Path
from typing import Iterator, List

import pytest

from voip import CallState, InvalidStateError, VoIPCall

from conftest import (
    PKG_ROOT,
    Answerer,
    PhoneFactory,
    Proc,
    assert_tone,
    next_rtp_range,
    next_sip_port,
    s16_samples,
    tone_s16,
    wait_udp_port,
    wait_until,
)

EXAMPLES = PKG_ROOT / "examples"


@pytest.fixture
def echo(voip_echo_bin: str) -> Iterator[tuple[Proc, int]]:
    port = next_sip_port()
    low, high = next_rtp_range()
    p = Proc([voip_echo_bin, "--bind", f"127.0.0.1:{port}", "--rtp-ports", f"{low}-{high}"])
    try:
        assert wait_udp_port(port), "voip-echo did not start:\n" + p.output()
        yield p, port
    finally:
        rc = p.stop()
        assert rc == 0, f"voip-echo exited {rc}:\n{p.output()}"


def test_python_calls_voip_echo(make_phone: PhoneFactory, echo: tuple[Proc, int]) -> None:
    proc, port = echo
    phone = make_phone()
    call = phone.call(f"sip:echo@127.0.0.1:{port}")
    assert call.wait(timeout=5) == CallState.ANSWERED
    call.write_audio(tone_s16(440, 2000))
    call.send_dtmf("123#")
    heard = call.read_audio(320 * 100)  # 2 s
    assert_tone(s16_samples(heard), 440)
    assert proc.wait_line(lambda l: l == "DTMF 1 #", 5), proc.output()
    digits = "".join(l.split()[2] for l in proc.lines if l.startswith("DTMF 1 "))
    assert digits == "123#"
    call.hangup()
    assert proc.wait_line(lambda l: l.startswith("CALL 1 ENDED"), 5), proc.output()


def test_voip_dial_calls_python(make_phone: PhoneFactory, voip_dial_bin: str) -> None:
    heard: List[bytes] = []

    def answer(call: VoIPCall) -> None:
        call.answer()
        call.write_audio(tone_s16(1000, 2000))
        heard.append(call.read_audio(320 * 100))
        call.wait(CallState.ENDED, 10)

    ans = Answerer(answer)
    phone = make_phone(call_callback=ans)
    low, high = next_rtp_range()
    out = subprocess.run(
        [voip_dial_bin, f"sip:py@127.0.0.1:{phone.sip_port}", "--bind", "127.0.0.1:0",
         "--rtp-ports", f"{low}-{high}", "--tone", "700", "--dtmf", "42", "--seconds", "3"],
        capture_output=True, text=True, timeout=30,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert ans.done.wait(10) and not ans.errors
    assert_tone(s16_samples(heard[0]), 700)
    assert ans.calls[0].get_dtmf(None) == "42"
    m = re.search(r"^AUDIO (\d+) (\d+)$", out.stdout, re.M)
    assert m, out.stdout
    assert abs(int(m.group(1)) - 1000) <= 15 and int(m.group(2)) > 500, out.stdout
    assert ans.calls[0].end_reason == "remote hangup"


def test_dialer_example_against_voip_echo(echo: tuple[Proc, int]) -> None:
    proc, port = echo
    low, high = next_rtp_range()
    out = subprocess.run(
        [sys.executable, str(EXAMPLES / "dialer.py"), f"sip:echo@127.0.0.1:{port}",
         "--rtp-ports", f"{low}-{high}", "--tone", "523", "--dtmf", "7*9", "--seconds", "2"],
        capture_output=True, text=True, timeout=60,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    m = re.search(r"^HEARD (\d+) (\d+)$", out.stdout, re.M)
    assert m, out.stdout
    assert abs(int(m.group(1)) - 523) <= 10 and int(m.group(2)) > 1000, out.stdout
    assert proc.wait_line(lambda l: l == "DTMF 1 9", 5), proc.output()
    digits = "".join(l.split()[2] for l in proc.lines if l.startswith("DTMF 1 "))
    assert digits == "7*9"


def test_answering_machine_example_with_voip_dial(tmp_path: Path, voip_dial_bin: str) -> None:
    port = next_sip_port()
    low, high = next_rtp_range()
    machine = Proc([sys.executable, str(EXAMPLES / "answering_machine.py"),
                    "--bind", f"127.0.0.1:{port}", "--rtp-ports", f"{low}-{high}",
                    "--out-dir", str(tmp_path), "--calls", "1"])
    try:
        assert machine.wait_line(lambda l: l.startswith("READY"), 20), machine.output()
        dlow, dhigh = next_rtp_range()
        dial = subprocess.run(
            [voip_dial_bin, f"sip:machine@127.0.0.1:{port}", "--bind", "127.0.0.1:0",
             "--rtp-ports", f"{dlow}-{dhigh}", "--tone", "440", "--dtmf", "5", "--seconds", "3"],
            capture_output=True, text=True, timeout=30,
        )
        assert dial.returncode == 0, dial.stdout + dial.stderr
        assert machine.wait_line(lambda l: l.startswith("SAVED 1 "), 10), machine.output()
        machine.p.wait(10)
        assert machine.p.returncode == 0, machine.output()
    finally:
        machine.stop()
    assert "DTMF 1 5" in machine.lines, machine.output()
    wav = tmp_path / "message-1.wav"
    with wave.open(str(wav), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 8000)
        frames = w.readframes(w.getnframes())
    assert len(frames) >= 2 * 8000  # at least 1 s recorded
    assert_tone(s16_samples(frames), 440)


def test_dialer_example_trace_and_verbose(echo: tuple[Proc, int]) -> None:
    # issue 17: --trace prints every SIP message through Python logging to
    # stderr; --verbose the library's other lines; stdout is unchanged.
    proc, port = echo
    low, high = next_rtp_range()
    out = subprocess.run(
        [sys.executable, str(EXAMPLES / "dialer.py"), f"sip:echo@127.0.0.1:{port}",
         "--rtp-ports", f"{low}-{high}", "--dtmf", "", "--seconds", "1", "--trace", "--verbose"],
        capture_output=True, text=True, timeout=60,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert re.search(
        r"^voip\.libvoip INFO phone \d+: SIP sent UDP 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:%d \(\d+ bytes\)\n"
        r"INVITE sip:echo@127\.0\.0\.1:%d SIP/2\.0$" % (port, port),
        out.stderr, re.M,
    ), out.stderr
    assert re.search(r"^voip\.libvoip INFO phone \d+: SIP received UDP .*\nSIP/2\.0 200 OK$", out.stderr, re.M)
    assert re.search(r"^voip\.libvoip INFO phone \d+: phone started", out.stderr, re.M)
    assert "SIP sent" not in out.stdout and "CALL ANSWERED" in out.stdout

"""Issue 17: pyVoIP's documented examples (pyVoIP 1.6 docs, "Examples":
Setup, Announcement Board, IVR/Phone Menus) run on libvoip with only the
import changed.

Each example is kept as the documentation prints it, placeholders and
``from pyVoIP.VoIP import ...`` included.  The test does what a user does:
changes the import to ``from voip import ...``, fills the placeholders in
(a registrar the test plays on 127.0.0.1, free ports), runs the program,
calls it from a libvoip phone, and presses enter at its ``input()`` to stop
it.  The announcement and the prompt are the 8-bit WAV files the docs ask
for (Audacity's "Unsigned 8-bit PCM").
"""

from __future__ import annotations

import math
import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
import wave
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

from voip import CallState

from conftest import PhoneFactory, assert_tone, next_rtp_range, next_sip_port, u8_samples

SETUP = '''
from pyVoIP.VoIP import VoIPPhone, InvalidStateError

def answer(call): # This will be your callback function for when you receive a phone call.
    try:
        call.answer()
        call.hangup()
    except InvalidStateError:
        pass

if __name__ == "__main__":
    phone=VoIPPhone(<SIP Server IP>, <SIP Server Port>, <SIP Server Username>, <SIP Server Password>, callCallback=answer, myIP=<Your computers local IP>, sipPort=<Port to use for SIP (int, default 5060)>, rtpPortLow=<low end of the RTP Port Range>, rtpPortHigh=<high end of the RTP Port Range>)
    phone.start()
    input('Press enter to disable the phone')
    phone.stop()
'''

ANNOUNCEMENT = '''
from pyVoIP.VoIP import VoIPPhone, InvalidStateError, CallState
import time
import wave

def answer(call):
    try:
        f = wave.open('announcment.wav', 'rb')
        frames = f.getnframes()
        data = f.readframes(frames)
        f.close()

        call.answer()
        call.write_audio(data)  # This writes the audio data to the transmit buffer, this must be bytes.

        stop = time.time() + (frames / 8000)  # frames/8000 is the length of the audio in seconds. 8000 is the hertz of PCMU.

        while time.time() <= stop and call.state == CallState.ANSWERED:
            time.sleep(0.1)
        call.hangup()
    except InvalidStateError:
        pass
    except:
        call.hangup()

if __name__ == "__main__":
    phone = VoIPPhone(<SIP IP>, <SIP Port>, <SIP Username>, <SIP Password>, callCallback=answer, myIP=<Your computer's local IP>, sipPort=<Port to use for SIP (int, default 5060)>, rtpPortLow=<low end of the RTP Port Range>, rtpPortHigh=<high end of the RTP Port Range>)
    phone.start()
    input('Press enter to disable the phone')
    phone.stop()
'''

IVR = '''
from pyVoIP.VoIP import VoIPPhone, InvalidStateError, CallState
import time
import wave

def answer(call):
    try:
        f = wave.open('prompt.wav', 'rb')
        frames = f.getnframes()
        data = f.readframes(frames)
        f.close()

        call.answer()
        call.write_audio(data)

        while call.state == CallState.ANSWERED:
            dtmf = call.get_dtmf()
            if dtmf == "1":
                # Do something
                call.hangup()
            elif dtmf == "2":
                # Do something else
                call.hangup()
            time.sleep(0.1)
    except InvalidStateError:
        pass
    except:
        call.hangup()

if __name__ == "__main__":
    phone = VoIPPhone(<SIP IP>, <SIP Port>, <SIP Username>, <SIP Password>, callCallback=answer, myIP=<Your computer's local IP>, sipPort=<Port to use for SIP (int, default 5060)>, rtpPortLow=<low end of the RTP Port Range>, rtpPortHigh=<high end of the RTP Port Range>)
    phone.start()
    input('Press enter to disable the phone')
    phone.stop()
'''


class Registrar:
    """Answers every REGISTER 200 OK on a UDP socket of 127.0.0.1: the PBX
    the examples register with."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port: int = self.sock.getsockname()[1]
        self.registered: List[str] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                data, addr = self.sock.recvfrom(65535)
            except OSError:
                return
            lines = data.decode("utf-8", "replace").split("\r\n")
            if not lines[0].startswith("REGISTER "):
                continue
            keep = [l for l in lines[1:] if l.split(":", 1)[0].strip().lower()
                    in ("via", "from", "call-id", "cseq", "contact", "v", "f", "i", "m")]
            to = [l for l in lines[1:] if l.split(":", 1)[0].strip().lower() in ("to", "t")]
            self.registered.append(next((l for l in keep if l.lower().startswith(("contact", "m:"))), ""))
            res = "\r\n".join(["SIP/2.0 200 OK"] + keep + [to[0] + ";tag=reg1" if to else "", "Expires: 300",
                                                          "Content-Length: 0", "", ""])
            self.sock.sendto(res.encode(), addr)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def registrar() -> Iterator[Registrar]:
    r = Registrar()
    yield r
    r.close()


def write_u8_wav(path: Path, freq: float, seconds: float) -> None:
    """8-bit unsigned, 8000 Hz, mono: what pyVoIP's docs ask for."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(8000)
        w.writeframes(bytes(128 + int(60 * math.sin(2 * math.pi * freq * i / 8000))
                            for i in range(int(8000 * seconds))))


class Example:
    """One documented example, the import changed and the placeholders
    filled, running in its own process."""

    def __init__(self, source: str, cwd: Path, registrar: Registrar) -> None:
        self.sip_port = next_sip_port()
        low, high = next_rtp_range()
        code = textwrap.dedent(source).replace("from pyVoIP.VoIP import", "from voip import")
        for placeholder, value in [
            ("<SIP Server IP>", '"127.0.0.1"'), ("<SIP IP>", '"127.0.0.1"'),
            ("<SIP Server Port>", str(registrar.port)), ("<SIP Port>", str(registrar.port)),
            ("<SIP Server Username>", '"example"'), ("<SIP Username>", '"example"'),
            ("<SIP Server Password>", '"secret"'), ("<SIP Password>", '"secret"'),
            ("<Your computers local IP>", '"127.0.0.1"'), ("<Your computer's local IP>", '"127.0.0.1"'),
            ("<Port to use for SIP (int, default 5060)>", str(self.sip_port)),
            ("<low end of the RTP Port Range>", str(low)), ("<high end of the RTP Port Range>", str(high)),
        ]:
            code = code.replace(placeholder, value)
        assert "<" not in code.split("if __name__")[1], "a placeholder left"
        assert "pyVoIP" not in code
        (cwd / "example.py").write_text(code)
        env = dict(os.environ)
        self.p = subprocess.Popen([sys.executable, "example.py"], cwd=cwd, env=env, text=True,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not registrar.registered and self.p.poll() is None:
            time.sleep(0.05)
        assert registrar.registered, self.output()

    def stop(self) -> Tuple[int, str]:
        """Press enter at its input(), as the user would."""
        out, err = self.p.communicate("\n", timeout=20)
        return self.p.returncode, out + err

    def output(self) -> str:
        if self.p.poll() is None:
            self.p.kill()
        out, err = self.p.communicate(timeout=5)
        return out + err

    @property
    def uri(self) -> str:
        return f"sip:example@127.0.0.1:{self.sip_port}"


def test_setup_example_answers_and_hangs_up(make_phone: PhoneFactory, registrar: Registrar, tmp_path: Path) -> None:
    ex = Example(SETUP, tmp_path, registrar)
    call = make_phone().call(ex.uri)
    assert call.wait(CallState.ENDED, 10) == CallState.ENDED
    assert call.end_reason == "remote hangup", call.end_reason
    rc, out = ex.stop()
    assert rc == 0, out
    assert "Traceback" not in out, out


def test_announcement_board_plays_the_8bit_wav(make_phone: PhoneFactory, registrar: Registrar,
                                               tmp_path: Path) -> None:
    write_u8_wav(tmp_path / "announcment.wav", 600, 2.0)  # the docs' file name, sic
    ex = Example(ANNOUNCEMENT, tmp_path, registrar)
    call = make_phone(audio_format="u8").call(ex.uri)
    assert call.wait(timeout=10) == CallState.ANSWERED
    t0 = time.monotonic()
    heard = call.read_audio(8000 + 4000)  # 1.5 s, u8 bytes
    assert_tone(u8_samples(heard), 600)
    assert call.wait(CallState.ENDED, 10) == CallState.ENDED
    assert 1.0 < time.monotonic() - t0 < 5, "hung up after the announcement"
    assert call.end_reason == "remote hangup"
    rc, out = ex.stop()
    assert rc == 0 and "Traceback" not in out, out


def test_ivr_example_hangs_up_on_1(make_phone: PhoneFactory, registrar: Registrar, tmp_path: Path) -> None:
    write_u8_wav(tmp_path / "prompt.wav", 800, 1.0)
    ex = Example(IVR, tmp_path, registrar)
    call = make_phone(audio_format="u8").call(ex.uri)
    assert call.wait(timeout=10) == CallState.ANSWERED
    assert_tone(u8_samples(call.read_audio(8000)), 800)
    call.send_dtmf("1")
    assert call.wait(CallState.ENDED, 10) == CallState.ENDED
    assert call.end_reason == "remote hangup"
    rc, out = ex.stop()
    assert rc == 0 and "Traceback" not in out, out

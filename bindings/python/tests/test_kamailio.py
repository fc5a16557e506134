"""Python phones registered to Kamailio (a registrar/proxy with digest auth)
on 127.0.0.1:5390, configured from the project's
tests/interop/kamailio/kamailio.cfg.in (or this package's copy,
tests/kamailio/kamailio.cfg, away from the repository).

Run on its own with:  pytest tests/test_kamailio.py
Needs the `kamailio` binary (Debian: apt-get install kamailio); the test
fails (it does not skip) when it is missing, because it is part of the
binding's contract.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Iterator, List

import pytest

import voip
from voip import (
    CallState,
    CredentialsManager,
    InvalidAccountInfoError,
    PhoneStatus,
    TransportMode,
    VoIPCall,
)

from conftest import HERE, REPO_ROOT, Answerer, PhoneFactory, assert_tone, s16_samples, tone_s16, wait_until

KPORT = 5390
SERVER = "127.0.0.1"
# The project's Kamailio configuration (a template with @PORT@), shared with
# the C interop tests; this package's own copy is the fallback when the
# tests run away from the repository.
PROJECT_TEMPLATE = REPO_ROOT / "tests" / "interop" / "kamailio" / "kamailio.cfg.in"
FALLBACK_CFG = HERE / "kamailio" / "kamailio.cfg"


def _config(run: Path) -> Path:
    if PROJECT_TEMPLATE.is_file():
        cfg = run / "kamailio.cfg"
        cfg.write_text(PROJECT_TEMPLATE.read_text().replace("@PORT@", str(KPORT)))
        return cfg
    return FALLBACK_CFG


def _kamailio_bin() -> str:
    for cand in ("kamailio", "/usr/sbin/kamailio", "/usr/local/sbin/kamailio"):
        path = shutil.which(cand)
        if path:
            return path
    pytest.fail("kamailio is not installed (apt-get install kamailio)")
    raise AssertionError  # unreachable


@pytest.fixture(scope="module")
def kamailio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    kam = _kamailio_bin()
    run = tmp_path_factory.mktemp("kamailio")
    ctl = f'CTLSOCK="unix:{run}/kamailio_ctl"'
    cfg = _config(run)
    check = subprocess.run([kam, "-c", "-f", str(cfg), "-A", ctl], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    log = open(run / "kamailio.log", "w")
    proc = subprocess.Popen(
        [kam, "-f", str(cfg), "-A", ctl, "-DD", "-E", "-m", "64", "-M", "8",
         "-P", str(run / "kamailio.pid"), "-Y", str(run), "-w", str(run)],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )
    try:
        def listening() -> bool:
            out = subprocess.run(["ss", "-Hlnu", f"sport = :{KPORT}"], capture_output=True, text=True).stdout
            return f"127.0.0.1:{KPORT}" in out

        assert wait_until(listening, 10, 0.1), (run / "kamailio.log").read_text()[-3000:]
        time.sleep(0.3)
        yield run
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def creds(user: str, password: str) -> CredentialsManager:
    cm = CredentialsManager()
    cm.add(user, password)
    return cm


def registered_phone(make_phone: PhoneFactory, user: str, password: str, **kw: object) -> voip.VoIPPhone:
    p = make_phone(start=False, server=SERVER, port=KPORT, user=user,
                   credentials_manager=creds(user, password), **kw)
    p.start()
    assert p.get_status() == PhoneStatus.REGISTERED, p.status_reason
    return p


def test_register_and_call_through_kamailio(kamailio: Path, make_phone: PhoneFactory) -> None:
    heard: List[bytes] = []

    def bob_answers(call: VoIPCall) -> None:
        call.answer()
        call.write_audio(tone_s16(900, 1500))
        heard.append(call.read_audio(320 * 75))
        call.wait(CallState.ENDED, 10)

    ans = Answerer(bob_answers)
    bob = registered_phone(make_phone, "bob", "bobpw", call_callback=ans)
    alice = registered_phone(make_phone, "alice", "alicepw")
    call = alice.call("bob")  # a bare user goes to the server
    assert call.wait(timeout=10) == CallState.ANSWERED, call.end_reason
    call.write_audio(tone_s16(440, 1500))
    got = call.read_audio(320 * 75)
    assert_tone(s16_samples(got), 900)
    assert wait_until(lambda: bool(heard), 5)
    assert_tone(s16_samples(heard[0]), 440)
    assert ans.calls[0].request is not None and "alice" in ans.calls[0].request.from_uri
    call.hangup()
    assert ans.done.wait(10) and not ans.errors
    assert ans.calls[0].end_reason == "remote hangup"
    alice.stop()
    bob.stop()
    assert alice.get_status() == PhoneStatus.INACTIVE


def test_wrong_password_is_invalid_account_info(kamailio: Path, make_phone: PhoneFactory) -> None:
    p = make_phone(start=False, server=SERVER, port=KPORT, user="alice",
                   credentials_manager=creds("alice", "wrong"))
    with pytest.raises(InvalidAccountInfoError) as ei:
        p.start()
    assert "403" in str(ei.value) or "403" in p.status_reason
    assert p.get_status() == PhoneStatus.FAILED


def test_register_over_tcp_and_deny(kamailio: Path, make_phone: PhoneFactory) -> None:
    ans = Answerer(lambda c: c.deny(603))
    carol = registered_phone(make_phone, "carol", "carolpw", call_callback=ans,
                             transport_mode=TransportMode.TCP)
    alice = registered_phone(make_phone, "alice", "alicepw")
    call = alice.call("carol")
    assert call.wait(CallState.ENDED, 10) == CallState.ENDED
    assert call.end_code == 603, call.end_reason
    assert ans.done.wait(5)
    time.sleep(0.5)  # a duplicate INVITE would arrive by now
    assert len(ans.calls) == 1, (
        f"carol's phone got {len(ans.calls)} incoming calls for one INVITE "
        f"(Call-IDs {[c.request.call_id if c.request else '' for c in ans.calls]}): "
        "the registrar forked it to more than one contact of carol"
    )
    assert not ans.errors
    carol.stop()


def test_message_through_kamailio(kamailio: Path, make_phone: PhoneFactory) -> None:
    got: List[voip.PhoneRequest] = []
    bob = registered_phone(make_phone, "bob", "bobpw", request_callback=got.append)
    alice = registered_phone(make_phone, "alice", "alicepw")
    assert alice.message("bob", "hello through the proxy") is True
    assert wait_until(lambda: bool(got), 5)
    assert got[0].method == "MESSAGE" and got[0].body == "hello through the proxy"
    assert "alice" in got[0].from_uri
    bob.stop()


def bindings(run: Path, user: str) -> List[str]:
    """The contacts Kamailio holds for *user* (kamcmd ul.dump)."""
    out = subprocess.run(
        ["kamcmd", "-s", f"unix:{run}/kamailio_ctl", "ul.dump"],
        capture_output=True, text=True, timeout=10,
    ).stdout
    return re.findall(rf"Address: (sip:{user}@\S+)", out)


@pytest.mark.parametrize("mode", [TransportMode.UDP, TransportMode.TCP])
def test_one_binding_while_registered_none_after_stop(
    kamailio: Path, make_phone: PhoneFactory, mode: TransportMode
) -> None:
    user = "alice" if mode is TransportMode.UDP else "bob"
    p = registered_phone(make_phone, user, user + "pw", transport_mode=mode)
    try:
        held = bindings(kamailio, user)
        assert len(held) == 1, f"{mode.name}: Kamailio holds {len(held)} contacts for {user}: {held}"
    finally:
        p.stop()
    left = bindings(kamailio, user)
    assert left == [], f"{mode.name}: contacts left after stop(): {left}"

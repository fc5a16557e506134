"""Events through Kamailio's presence server (presence, presence_xml,
presence_mwi on a db_text database the test creates) on 127.0.0.1:5181,
configured from tests/interop/kamailio/presence.cfg.in: presence published
by one Python phone and watched by another; message-summary published and
read as MWI counts.  Skipped away from the repository (no template) or
without Kamailio's presence modules."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Iterator

import pytest

from conftest import REPO_ROOT, PhoneFactory, wait_until

KPORT = 5181
TEMPLATE = REPO_ROOT / "tests" / "interop" / "kamailio" / "presence.cfg.in"
SCHEMA = Path("/usr/share/kamailio/dbtext/kamailio")


@pytest.fixture(scope="module")
def presence_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    kam = shutil.which("kamailio") or shutil.which("/usr/sbin/kamailio")
    if kam is None or not TEMPLATE.is_file() or not (SCHEMA / "presentity").is_file():
        pytest.skip("kamailio with kamailio-presence-modules, or the repository's template, is missing")
    run = tmp_path_factory.mktemp("kamailio-presence")
    db = run / "db"
    db.mkdir()
    for table in ("version", "presentity", "active_watchers", "watchers", "xcap"):
        shutil.copy(SCHEMA / table, db / table)
    cfg = run / "kamailio.cfg"
    cfg.write_text(TEMPLATE.read_text().replace("@PORT@", str(KPORT)).replace("@DB@", str(db)))
    log = open(run / "kamailio.log", "w")
    proc = subprocess.Popen(
        [kam, "-f", str(cfg), "-DD", "-E", "-m", "64", "-M", "8", "-Y", str(run), "-w", str(run)],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        def listening() -> bool:
            out = subprocess.run(["ss", "-Hlnu", f"sport = :{KPORT}"], capture_output=True, text=True).stdout
            return f"127.0.0.1:{KPORT}" in out

        assert wait_until(listening, 10, 0.1), (run / "kamailio.log").read_text()[-3000:]
        yield run
    finally:
        import os
        import signal
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def test_presence_and_mwi_through_kamailio(presence_server: Path, make_phone: PhoneFactory) -> None:
    server = f"127.0.0.1:{KPORT}"
    alice = make_phone(server="127.0.0.1", port=KPORT, user="alice")
    bob = make_phone(server="127.0.0.1", port=KPORT, user="bob")
    alice.set_presence("open", note="python via kamailio", activities=["busy"])
    watch = bob.subscribe(f"sip:alice@{server}", "presence")
    n = watch.wait(lambda n: n.summary.get("note") == "python via kamailio")
    assert n.summary["basic"] == "open" and n.summary["activities"] == ["busy"]
    alice.set_presence("closed", note="gone")
    watch.wait(lambda n: n.summary.get("basic") == "closed" and n.summary.get("note") == "gone")

    alice.publish("message-summary", "application/simple-message-summary",
                  "Messages-Waiting: yes\r\nVoice-Message: 3/7 (1/0)\r\n")
    mwi = bob.mwi(f"sip:alice@{server}")
    mwi.wait(lambda n: n.summary.get("new") == 3)
    assert mwi.counts == {"waiting": True, "new": 3, "old": 7, "new_urgent": 1, "old_urgent": 0}
    watch.stop()
    assert wait_until(lambda: watch.state == "terminated")


def test_watcher_info_through_kamailio(presence_server: Path, make_phone: PhoneFactory) -> None:
    """alice watches her own watchers (presence.winfo) at Kamailio; carol
    subscribes to alice's presence and appears (active at once:
    force_active); when carol unsubscribes, a full document drops her."""
    server = f"127.0.0.1:{KPORT}"
    alice = make_phone(server="127.0.0.1", port=KPORT, user="alice")
    carol = make_phone(server="127.0.0.1", port=KPORT, user="carol")
    alice.set_presence("open", note="winfo")
    w = alice.watchers(f"sip:alice@{server}")
    first = w.wait(lambda n: n.summary.get("state") == "full")
    assert first.content_type == "application/watcherinfo+xml" and first.summary["package"] == "presence"
    sub = carol.subscribe(f"sip:alice@{server}", "presence")
    w.wait_status("sip:carol@127.0.0.1", "active")
    assert [x["uri"] for x in w.watchers] == ["sip:carol@127.0.0.1"]
    sub.stop()
    assert wait_until(lambda: w.watchers == [] and w.last is not None and w.last.summary.get("state") == "full")

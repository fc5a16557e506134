"""CredentialsManager (pyVoIP 2's ``pyVoIP.credentials.CredentialsManager``)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Dict, List, Optional

__all__ = ["CredentialsManager", "Credentials"]


@dataclass(frozen=True)
class Credentials:
    """One entry of a :class:`CredentialsManager`."""

    username: str
    password: str
    server: Optional[str] = None
    realm: Optional[str] = None
    user: Optional[str] = None

    def __repr__(self) -> str:  # never show the password
        return (
            f"Credentials(username={self.username!r}, password='***', "
            f"server={self.server!r}, realm={self.realm!r}, user={self.user!r})"
        )


def _host(server: str) -> str:
    """The host part of "host" or "host:port" (IPv6 in brackets kept)."""
    s = server.strip()
    if s.startswith("["):
        end = s.find("]")
        return s[: end + 1] if end >= 0 else s
    if s.count(":") == 1:
        return s.split(":", 1)[0]
    return s


class CredentialsManager:
    """Usernames and passwords a phone may need, as in pyVoIP 2.

    ``add(username, password, server=None, realm=None, user=None)``: *server*,
    *realm* and *user* narrow when an entry applies (None = any).

    How the entries reach libvoip: when a :class:`~voip.VoIPPhone` is created,
    every entry whose *server* is None or names the phone's server (the host,
    or host:port) is passed to ``voip_phone_add_credentials(username,
    password, realm, user)``.  *server* therefore stays in Python and only
    selects entries; *realm* and *user* are matched by the library on each
    401/407 challenge, the most specific entry winning.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: List[Credentials] = []

    def add(
        self,
        username: str,
        password: str,
        server: Optional[str] = None,
        realm: Optional[str] = None,
        user: Optional[str] = None,
    ) -> None:
        """Add credentials (pyVoIP 2's signature)."""
        for name, value in (("username", username), ("password", password)):
            if not isinstance(value, str):
                raise TypeError(f"{name} must be a str, not {type(value).__name__}")
        for name, opt in (("server", server), ("realm", realm), ("user", user)):
            if opt is not None and not isinstance(opt, str):
                raise TypeError(f"{name} must be a str or None, not {type(opt).__name__}")
        with self._lock:
            self._entries.append(
                Credentials(username, password, server or None, realm or None, user or None)
            )

    def get(self, server: str, realm: str, user: str) -> Dict[str, str]:
        """The best entry for a challenge from *server* in *realm* for our
        *user*, as ``{"username": ..., "password": ...}`` (pyVoIP 2).  Without
        a match: ``{"username": user, "password": ""}``."""
        best: Optional[Credentials] = None
        best_score = -1
        for e in self.entries():
            if e.server is not None and not _server_matches(e.server, server):
                continue
            if e.realm is not None and e.realm != realm:
                continue
            if e.user is not None and e.user != user:
                continue
            score = (e.server is not None) * 4 + (e.realm is not None) * 2 + (e.user is not None)
            if score > best_score:
                best, best_score = e, score
        if best is None:
            return {"username": user, "password": ""}
        return {"username": best.username, "password": best.password}

    def entries(self) -> List[Credentials]:
        """A copy of all entries, in the order they were added."""
        with self._lock:
            return list(self._entries)

    def entries_for(self, server: Optional[str]) -> List[Credentials]:
        """The entries that apply to a phone whose server is *server*."""
        return [
            e
            for e in self.entries()
            if e.server is None or (server is not None and _server_matches(e.server, server))
        ]

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __repr__(self) -> str:
        return f"CredentialsManager({self.entries()!r})"


def _server_matches(entry_server: str, server: str) -> bool:
    a, b = entry_server.strip().lower(), server.strip().lower()
    if a == b:
        return True
    # "pbx.example.com" matches "pbx.example.com:5060" and the other way.
    return _host(a) == _host(b)

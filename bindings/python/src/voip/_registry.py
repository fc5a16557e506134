"""The calls of one phone, by C handle: the only thing VoIPPhone and
VoIPCall share, so that neither calls the other's private methods.

A call that has not ended is held strongly (the phone keeps it alive); an
ended one weakly (it lives as long as the application holds it).  When the
phone's C handle is destroyed, the C handles of its calls are gone too:
:meth:`drop_phone` remembers them so that the calls know they are released.
Handles are never reused by the library, so a remembered one stays true.
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING, Dict, List, Optional, Set

if TYPE_CHECKING:  # pragma: no cover
    from .call import VoIPCall


class CallRegistry:
    """Calls of a phone by C call handle (thread-safe)."""

    def __init__(self) -> None:
        # Held by the phone while it creates a call and registers it, so a
        # callback for the new handle finds the call.
        self.lock = threading.RLock()
        self._live: Dict[int, "VoIPCall"] = {}
        self._ended: "weakref.WeakValueDictionary[int, VoIPCall]" = weakref.WeakValueDictionary()
        self._phone_of: Dict[int, int] = {}
        self._gone: Set[int] = set()

    def add(self, handle: int, call: "VoIPCall", phone_handle: int) -> None:
        """Register a new call of the C phone *phone_handle*."""
        with self.lock:
            self._live[handle] = call
            self._phone_of[handle] = phone_handle

    def get(self, handle: int) -> Optional["VoIPCall"]:
        """The call of *handle*, ended or not (None when unknown)."""
        with self.lock:
            c = self._live.get(handle)
            return c if c is not None else self._ended.get(handle)

    def mark_ended(self, handle: int) -> Optional["VoIPCall"]:
        """The call ended: hold it weakly from now on.  Returns it."""
        with self.lock:
            c = self._live.pop(handle, None)
            if c is not None:
                self._ended[handle] = c
                return c
            return self._ended.get(handle)

    def forget(self, handle: int) -> None:
        """The call's handle was released by the application."""
        with self.lock:
            self._live.pop(handle, None)
            self._ended.pop(handle, None)
            self._phone_of.pop(handle, None)

    def live(self) -> List["VoIPCall"]:
        """The calls that have not ended."""
        with self.lock:
            return list(self._live.values())

    def drop_phone(self, phone_handle: int) -> None:
        """The C phone was destroyed, and with it its calls' handles."""
        with self.lock:
            mine = [h for h, p in self._phone_of.items() if p == phone_handle]
            for h in mine:
                self._live.pop(h, None)
                self._ended.pop(h, None)
                del self._phone_of[h]
                self._gone.add(h)

    def released(self, handle: int) -> bool:
        """True when *handle* went with its destroyed phone."""
        with self.lock:
            return handle in self._gone

"""libvoip for Python: a pyVoIP-shaped phone over libvoip.so.

    from voip import VoIPPhone, VoIPPhoneParameter, CallState

The package is a thin ctypes layer over libvoip's C API (include/voip.h):
SIP, RTP, codecs, DTMF and timing all live in the library.  See README.md
for the differences from pyVoIP.
"""

from __future__ import annotations

import ctypes

from . import _lib
from .call import VoIPCall
from .credentials import Credentials, CredentialsManager
from .errors import (
    InvalidAccountInfoError,
    InvalidArgumentError,
    InvalidRangeError,
    InvalidStateError,
    MediaFileError,
    MediaFormatError,
    NoPortsAvailableError,
    VoIPError,
    from_code,
)
from .media import Conference, MediaPort, Player, Recorder, Tone
from .phone import VoIPPhone, VoIPPhoneParameter
from .events import IncomingSubscription, MWI, Notification, Subscription, Watch, Watchers
from .types import CallRequest, CallState, PhoneRequest, PhoneStatus, TransportMode
from .types import DTMFCollection  # issue 17
from .frames import Frame, FrameBatch  # issue 16: batched audio

__version__ = "0.1.0"

#: pyVoIP's ``pyVoIP.DEBUG``: set ``voip.DEBUG = True`` before creating or
#: starting a phone to log everything at DEBUG level, every SIP message
#: included (the ``sip_trace`` option), through the ``voip`` logger, printed
#: to stderr when no logging handler would show it.
DEBUG: bool = False

#: Path of the libvoip shared library that was loaded.
LIBRARY_PATH: str = _lib.path


def library_version() -> str:
    """The loaded libvoip's version string (``voip_version()``)."""
    return _lib.version()


def set_memory_limit(mb: int) -> int:
    """Set the soft memory limit of the Go runtime inside libvoip to *mb*
    MiB (``voip_set_memory_limit``) and return the previous one (0 for
    none).  Process-wide, not per phone: the last call wins.  0 removes the
    limit, -1 only reads it; the library refuses other negative values
    (InvalidArgumentError).  See voip.h for what the limit does."""
    if not isinstance(mb, int) or isinstance(mb, bool):
        raise TypeError(f"mb must be an int, not {type(mb).__name__}")
    fn = _lib.optional("voip_set_memory_limit")
    if fn is None:
        raise VoIPError(f"{_lib.path} has no voip_set_memory_limit: rebuild libvoip", _lib.ERROR)
    prev = ctypes.c_int64(0)
    rc = fn(mb, ctypes.byref(prev))
    if rc != _lib.OK:
        raise from_code(rc)
    return prev.value


__all__ = [
    "VoIPPhone",
    "VoIPPhoneParameter",
    "VoIPCall",
    "CallState",
    "PhoneStatus",
    "TransportMode",
    "CallRequest",
    "PhoneRequest",
    "CredentialsManager",
    "Credentials",
    "VoIPError",
    "InvalidStateError",
    "InvalidRangeError",
    "NoPortsAvailableError",
    "InvalidAccountInfoError",
    "InvalidArgumentError",
    # --- media toolkit (issue 12) ---
    "MediaFileError",
    "MediaFormatError",
    "MediaPort",
    "Player",
    "Recorder",
    "Tone",
    "Conference",
    "LIBRARY_PATH",
    "library_version",
    "set_memory_limit",
    "__version__",
    "DEBUG",
    # Events (events.py)
    "Subscription",
    "MWI",
    "Watch",
    "Watchers",
    "IncomingSubscription",
    "Notification",
    "DTMFCollection",  # issue 17
    # --- batched audio (issue 16) ---
    "Frame",
    "FrameBatch",
]

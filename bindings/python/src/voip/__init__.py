"""libvoip for Python: a pyVoIP-shaped phone over libvoip.so.

    from voip import VoIPPhone, VoIPPhoneParameter, CallState

The package is a thin ctypes layer over libvoip's C API (include/voip.h):
SIP, RTP, codecs, DTMF and timing all live in the library.  See README.md
for the differences from pyVoIP.
"""

from __future__ import annotations

from . import _lib
from .call import VoIPCall
from .credentials import Credentials, CredentialsManager
from .errors import (
    InvalidAccountInfoError,
    InvalidArgumentError,
    InvalidRangeError,
    InvalidStateError,
    NoPortsAvailableError,
    VoIPError,
)
from .phone import VoIPPhone, VoIPPhoneParameter
from .types import CallRequest, CallState, PhoneRequest, PhoneStatus, TransportMode

__version__ = "0.1.0"

#: Path of the libvoip shared library that was loaded.
LIBRARY_PATH: str = _lib.path


def library_version() -> str:
    """The loaded libvoip's version string (``voip_version()``)."""
    return _lib.version()


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
    "LIBRARY_PATH",
    "library_version",
    "__version__",
]

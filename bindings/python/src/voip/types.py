"""Enums and small value types shared by phones and calls."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Callable, NamedTuple, Optional, Union

__all__ = [
    "CallState",
    "PhoneStatus",
    "TransportMode",
    "CallRequest",
    "PhoneRequest",
    "KEY_PASSWORD",
    "DTMFCollection",
]


class CallState(enum.IntEnum):
    """A call's state (pyVoIP 2's CallState; values are libvoip's codes)."""

    DIALING = 0
    """Outgoing: INVITE sent, no answer yet.  ``cancel()`` is allowed."""
    RINGING = 1
    """Incoming: waiting for ``answer()`` or ``deny()``."""
    PROGRESS = 2
    """Outgoing: the callee rings (180) or sent early media (183)."""
    ANSWERED = 3
    """The call is up and audio flows.  ``hangup()`` is allowed."""
    CANCELING = 4
    """Outgoing: CANCEL sent, waiting for the callee to confirm."""
    ENDED = 5
    """The call is over."""

    # pyVoIP's documentation spells it ANSWRED; keep ported code working.
    ANSWRED = 3


class PhoneStatus(enum.IntEnum):
    """A phone's status (pyVoIP's PhoneStatus)."""

    INACTIVE = 0
    REGISTERING = 1
    REGISTERED = 2
    DEREGISTERING = 3
    FAILED = 4


class TransportMode(enum.Enum):
    """SIP transport (pyVoIP 2's TransportMode); the value is libvoip's
    ``transport`` option."""

    UDP = "udp"
    TCP = "tcp"
    TLS = "tls"


# pyVoIP's KEY_PASSWORD: what ssl.SSLContext.load_cert_chain accepts.
KEY_PASSWORD = Optional[
    Union[bytes, bytearray, str, Callable[[], Union[bytes, bytearray, str]]]
]


@dataclass(frozen=True)
class CallRequest:
    """What :meth:`VoIPCall.ringing` receives about an incoming INVITE.

    This is *not* pyVoIP's ``SIPMessage``: libvoip parses SIP itself and
    passes the caller's and the called party's URIs.  ``method`` is always
    ``"INVITE"``.
    """

    from_uri: str
    to_uri: str
    call_id: str = ""
    method: str = "INVITE"


@dataclass(frozen=True)
class PhoneRequest:
    """A request outside a call (MESSAGE, NOTIFY, INFO) given to
    ``request_callback``; it has already been answered 200.  ``call`` is the
    call it belongs to, or None."""

    method: str
    from_uri: str
    content_type: str
    body: str
    call: Optional[object] = None


# --- issue 17: collect_dtmf's result ---------------------------------------
class DTMFCollection(NamedTuple):
    """What :meth:`VoIPCall.collect_dtmf` gathered: ``digits, reason,
    terminator = call.collect_dtmf(...)``.  Not in pyVoIP."""

    digits: str
    """The digits, oldest first, without the terminator."""
    reason: str
    """Why it stopped: "max_digits", "terminator", "timeout",
    "inter_digit_timeout" or "ended"."""
    terminator: str
    """The terminator pressed ("" unless reason is "terminator")."""

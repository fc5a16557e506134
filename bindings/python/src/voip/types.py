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


class _CodedEnum(enum.Enum):
    """An enum printed and compared as pyVoIP's: string values,
    ``str(CallState.ENDED) == "CallState.ENDED"``, equal only to its own
    members.  ``code`` is libvoip's C value (``VOIP_CALL_*``,
    ``VOIP_STATUS_*``), which is the member's position."""

    @property
    def code(self) -> int:
        """libvoip's C code of this member."""
        return list(type(self)).index(self)

    def __int__(self) -> int:
        return self.code

    def __str__(self) -> str:
        return f"{type(self).__name__}.{self.name}"


class CallState(_CodedEnum):
    """A call's state (pyVoIP 2's CallState, string-valued like pyVoIP's;
    ``code`` is libvoip's ``VOIP_CALL_*`` value)."""

    DIALING = "DIALING"
    """Outgoing: INVITE sent, no answer yet.  ``cancel()`` is allowed."""
    RINGING = "RINGING"
    """Incoming: waiting for ``answer()`` or ``deny()``."""
    PROGRESS = "PROGRESS"
    """Outgoing: the callee rings (180) or sent early media (183)."""
    ANSWERED = "ANSWERED"
    """The call is up and audio flows.  ``hangup()`` is allowed."""
    CANCELING = "CANCELING"
    """Outgoing: CANCEL sent, waiting for the callee to confirm."""
    ENDED = "ENDED"
    """The call is over."""

    # pyVoIP's documentation spells it ANSWRED; keep ported code working.
    ANSWRED = "ANSWERED"

    @classmethod
    def from_code(cls, code: int) -> "CallState":
        """The member whose libvoip code is *code*."""
        return list(cls)[code]


class PhoneStatus(_CodedEnum):
    """A phone's status (pyVoIP's PhoneStatus, string-valued like
    pyVoIP's; ``code`` is libvoip's ``VOIP_STATUS_*`` value)."""

    INACTIVE = "INACTIVE"
    REGISTERING = "REGISTERING"
    REGISTERED = "REGISTERED"
    DEREGISTERING = "DEREGISTERING"
    FAILED = "FAILED"

    @classmethod
    def from_code(cls, code: int) -> "PhoneStatus":
        """The member whose libvoip code is *code*."""
        return list(cls)[code]


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

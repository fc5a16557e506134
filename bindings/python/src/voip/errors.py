"""Exceptions.

Every failure reported by libvoip is raised as a :class:`VoIPError` (or one
of its subclasses) carrying the result code and the library's own message
(``voip_last_error()``).  pyVoIP's exception names exist and are subclasses
of :class:`VoIPError`, so ported code catching them keeps working:

==============================  =========================================
exception                       raised for
==============================  =========================================
:class:`InvalidStateError`      ``VOIP_ESTATE``, ``VOIP_EENDED``, and any use
                                of a call that has ended and was released
:class:`InvalidRangeError`      ``VOIP_ERANGE`` (``rtp_port_low > rtp_port_high``)
:class:`NoPortsAvailableError`  ``VOIP_ENOPORTS``
:class:`InvalidAccountInfoError`  ``VOIP_EREJECTED`` (the registrar refused us)
                                and inconsistent account settings
:class:`InvalidArgumentError`   ``VOIP_EINVAL`` (also a :class:`ValueError`)
:class:`MediaFileError`         ``VOIP_EIO``: a media file cannot be read or written
:class:`MediaFormatError`       ``VOIP_EFORMAT``: a corrupt or unsupported media file
:class:`VoIPError`              every other code (network, timeout, ...)
==============================  =========================================
"""

from __future__ import annotations

from typing import Optional

from . import _lib

__all__ = [
    "VoIPError",
    "InvalidStateError",
    "InvalidRangeError",
    "NoPortsAvailableError",
    "InvalidAccountInfoError",
    "InvalidArgumentError",
    "MediaFileError",
    "MediaFormatError",
]


class VoIPError(Exception):
    """A failure reported by libvoip, or found by the binding.

    ``code`` is the C result code (``VOIP_E*``) and ``name`` its short
    English name (``voip_strerror``, e.g. "invalid argument"); an error the
    binding finds itself, before calling the library, carries the code of
    its class (``InvalidArgumentError``: ``VOIP_EINVAL``, ...), so ``code``
    and ``name`` are never empty.  ``message`` is the library's (or the
    binding's) message.
    """

    #: The code of an error of this class raised without one.
    default_code: int = _lib.ERROR

    def __init__(self, message: str, code: Optional[int] = None) -> None:
        super().__init__(message)
        self.code = self.default_code if not code else code
        self.message = message

    @property
    def name(self) -> str:
        return _lib.strerror(self.code)


class InvalidStateError(VoIPError):
    """The action is not allowed in the call's (or phone's) current state,
    or the call has ended and its handle was released."""

    default_code = _lib.ESTATE


class InvalidRangeError(VoIPError):
    """The RTP port range is invalid (``rtp_port_low > rtp_port_high``)."""

    default_code = _lib.ERANGE


class NoPortsAvailableError(VoIPError):
    """No RTP port of the configured range is free."""

    default_code = _lib.ENOPORTS


class InvalidAccountInfoError(VoIPError):
    """The registrar refused the registration (e.g. 403), or the account
    settings are inconsistent."""

    default_code = _lib.EREJECTED


class InvalidArgumentError(VoIPError, ValueError):
    """A bad argument: an unknown option, a bad URI, an invalid digit..."""

    default_code = _lib.EINVAL


class MediaFileError(VoIPError):
    """A player's or recorder's file cannot be opened, read or written."""


class MediaFormatError(VoIPError):
    """A WAV file is corrupt, truncated or in a format libvoip does not play."""


_BY_CODE: dict[int, type[VoIPError]] = {
    _lib.EIO: MediaFileError,
    _lib.EFORMAT: MediaFormatError,
    _lib.ESTATE: InvalidStateError,
    _lib.EENDED: InvalidStateError,
    _lib.ENOTFOUND: InvalidStateError,
    _lib.ERANGE: InvalidRangeError,
    _lib.ENOPORTS: NoPortsAvailableError,
    _lib.EREJECTED: InvalidAccountInfoError,
    _lib.EINVAL: InvalidArgumentError,
}


def from_code(
    code: int,
    context: Optional[str] = None,
    *,
    phone: Optional[int] = None,
    call: Optional[int] = None,
) -> VoIPError:
    """The exception for result *code*, with the library's message: the
    thread's voip_last_error(), or else the last error of the *phone* or
    *call* handle the failing function was given.

    Call it on the thread that made the failing call, before any other
    voip_ call (the handle's message covers the other cases).
    """
    msg = (
        _lib.last_error()
        or _lib.handle_error(phone=phone, call=call)
        or _lib.strerror(code)
    )
    if context:
        msg = f"{context}: {msg}"
    cls = _BY_CODE.get(code, VoIPError)
    return cls(msg, code)


def check(code: int, context: Optional[str] = None) -> None:
    """Raise the exception for *code* unless it is VOIP_OK."""
    if code != _lib.OK:
        raise from_code(code, context)

"""Loading libvoip.so and declaring the C prototypes of include/voip.h.

This module is internal.  It finds the library (``VOIP_LIBRARY``, then the
copy bundled in the package, then the system's ``libvoip.so.0``), loads it
once with :class:`ctypes.CDLL` (which releases the GIL during every call) and
declares argument and result types so that a wrong Python value raises
instead of corrupting memory.

Symbols that the header declares but an older build may lack (the PBX parts:
``voip_phone_add_credentials``, ``voip_phone_on_request``,
``voip_phone_send_message``) are optional:
:func:`optional` returns ``None`` for them and the caller raises a clear error
when a feature needs one.
"""

from __future__ import annotations

import ctypes
import os
from ctypes import (
    CFUNCTYPE,
    POINTER,
    c_char_p,
    c_int,
    c_int32,
    c_int64,
    c_size_t,
    c_uint32,
    c_uint64,
    c_void_p,
)
from typing import Any, Callable, Optional, Tuple

# Result codes (VOIP_*); tests/test_header.py checks them against voip.h.
OK = 0
ERROR = 1
EINVAL = 2
ENOTFOUND = 3
ESTATE = 4
ETIMEOUT = 5
ENOPORTS = 6
ERANGE = 7
ENETWORK = 8
EENDED = 9
ENOSPACE = 10
EREJECTED = 11
# --- media toolkit (issue 12) ---
EIO = 12
EFORMAT = 13
PLAYER_LOOP = 1
RECORDER_STEREO = 1

# Log levels (VOIP_LOG_*).
LOG_DEBUG = 0
LOG_INFO = 1
LOG_WARN = 2
LOG_ERROR = 3

# Callback prototypes (see voip.h).  String arguments arrive as bytes
# (ctypes copies them), which is what the header asks: they are valid only
# during the callback.
INCOMING_CALL_FN = CFUNCTYPE(None, c_void_p, c_uint64, c_uint64, c_char_p, c_char_p)
CALL_STATE_FN = CFUNCTYPE(None, c_void_p, c_uint64, c_uint64, c_int32, c_char_p)
DTMF_FN = CFUNCTYPE(None, c_void_p, c_uint64, c_uint64, c_int32)
STATUS_FN = CFUNCTYPE(None, c_void_p, c_uint64, c_int32, c_char_p)
REQUEST_FN = CFUNCTYPE(
    None, c_void_p, c_uint64, c_uint64, c_char_p, c_char_p, c_char_p, c_char_p
)
CALL_EVENT_FN = CFUNCTYPE(None, c_void_p, c_uint64, c_uint64, c_char_p, c_char_p)
LOG_FN = CFUNCTYPE(None, c_void_p, c_uint64, c_int32, c_char_p)
# Events (voip.h "Events"; events.py).
NOTIFY_FN = CFUNCTYPE(
    None, c_void_p, c_uint64, c_uint64, c_char_p, c_char_p, c_char_p, c_char_p, c_char_p
)
SUBSCRIPTION_STATE_FN = CFUNCTYPE(None, c_void_p, c_uint64, c_uint64, c_char_p, c_char_p)
INCOMING_SUBSCRIPTION_FN = CFUNCTYPE(
    None, c_void_p, c_uint64, c_uint64, c_char_p, c_char_p, c_char_p
)

_HERE = os.path.dirname(os.path.abspath(__file__))
BUNDLED_PATH = os.path.join(_HERE, "libvoip.so.0")

# name: (restype, argtypes)
_REQUIRED: dict[str, tuple[Any, list[Any]]] = {
    "voip_version": (c_char_p, []),
    "voip_strerror": (c_char_p, [c_int]),
    "voip_last_error": (c_char_p, []),
    "voip_phone_new": (c_int, [POINTER(c_uint64)]),
    "voip_phone_set_option": (c_int, [c_uint64, c_char_p, c_char_p]),
    "voip_phone_get_option": (c_int, [c_uint64, c_char_p, c_char_p, c_size_t]),
    "voip_phone_start": (c_int, [c_uint64]),
    "voip_phone_stop": (c_int, [c_uint64]),
    "voip_phone_destroy": (c_int, [c_uint64]),
    "voip_phone_status": (c_int, [c_uint64, POINTER(c_int32)]),
    "voip_phone_on_incoming_call": (c_int, [c_uint64, INCOMING_CALL_FN, c_void_p]),
    "voip_phone_on_call_state": (c_int, [c_uint64, CALL_STATE_FN, c_void_p]),
    "voip_phone_on_dtmf": (c_int, [c_uint64, DTMF_FN, c_void_p]),
    "voip_phone_on_status": (c_int, [c_uint64, STATUS_FN, c_void_p]),
    "voip_phone_on_call_event": (c_int, [c_uint64, CALL_EVENT_FN, c_void_p]),
    "voip_phone_set_log": (c_int, [c_uint64, c_int32, LOG_FN, c_void_p]),
    "voip_phone_call": (c_int, [c_uint64, c_char_p, POINTER(c_uint64)]),
    "voip_call_wait": (c_int, [c_uint64, c_uint32, c_int32, POINTER(c_int32)]),
    "voip_call_state": (c_int, [c_uint64, POINTER(c_int32)]),
    "voip_call_answer": (c_int, [c_uint64]),
    "voip_call_deny": (c_int, [c_uint64, c_int32]),
    "voip_call_progress": (c_int, [c_uint64]),
    "voip_call_redirect": (c_int, [c_uint64, c_char_p]),
    "voip_call_hangup": (c_int, [c_uint64]),
    "voip_call_cancel": (c_int, [c_uint64]),
    "voip_call_hold": (c_int, [c_uint64]),
    "voip_call_resume": (c_int, [c_uint64]),
    # Audio buffers are passed as addresses (c_void_p) so that a read can
    # continue at an offset inside one Python buffer.
    "voip_call_read_audio": (
        c_int,
        [c_uint64, c_void_p, c_size_t, c_int32, POINTER(c_size_t)],
    ),
    "voip_call_write_audio": (
        c_int,
        [c_uint64, c_void_p, c_size_t, c_int32, POINTER(c_size_t)],
    ),
    "voip_call_send_dtmf": (c_int, [c_uint64, c_char_p, c_int32]),
    "voip_call_get_dtmf": (c_int, [c_uint64, c_char_p, c_size_t, POINTER(c_size_t)]),
    "voip_call_info": (c_int, [c_uint64, c_char_p, c_char_p, c_size_t]),
    "voip_call_release": (c_int, [c_uint64]),
    "voip_call_transfer": (c_int, [c_uint64, c_char_p, c_int32, c_int32]),
    "voip_call_transfer_attended": (c_int, [c_uint64, c_uint64, c_int32]),
    # Events (events.py).
    "voip_phone_on_notify": (c_int, [c_uint64, NOTIFY_FN, c_void_p]),
    "voip_phone_on_subscription_state": (c_int, [c_uint64, SUBSCRIPTION_STATE_FN, c_void_p]),
    "voip_phone_on_subscribe": (c_int, [c_uint64, c_char_p, INCOMING_SUBSCRIPTION_FN, c_void_p]),
    "voip_subscription_new": (
        c_int, [c_uint64, c_char_p, c_char_p, c_char_p, POINTER(c_uint64)]
    ),
    "voip_subscription_start": (c_int, [c_uint64, c_int32]),
    "voip_subscription_stop": (c_int, [c_uint64, c_int32]),
    "voip_subscription_state": (c_int, [c_uint64, c_char_p, c_size_t]),
    "voip_subscription_release": (c_int, [c_uint64]),
    "voip_subscription_last_error": (c_int, [c_uint64, c_char_p, c_size_t]),
    "voip_incoming_subscription_accept": (c_int, [c_uint64]),
    "voip_incoming_subscription_accept_pending": (c_int, [c_uint64]),
    "voip_incoming_subscription_reject": (c_int, [c_uint64, c_int32]),
    "voip_incoming_subscription_notify": (c_int, [c_uint64, c_char_p, c_char_p, c_int32]),
    "voip_incoming_subscription_end": (c_int, [c_uint64, c_char_p, c_int32]),
    "voip_incoming_subscription_state": (c_int, [c_uint64, c_char_p, c_size_t]),
    "voip_incoming_subscription_release": (c_int, [c_uint64]),
    "voip_phone_set_presence": (c_int, [c_uint64, c_char_p, c_char_p, c_char_p, c_int32]),
    "voip_phone_publish": (c_int, [c_uint64, c_char_p, c_char_p, c_char_p, c_int32]),
    # issue 17: waiting for what was queued, flushing, collecting digits
    "voip_call_drain": (c_int, [c_uint64, c_uint32, c_int32]),
    "voip_call_flush": (c_int, [c_uint64, c_uint32]),
    "voip_call_collect_dtmf": (
        c_int,
        [c_uint64, c_int32, c_int32, c_int32, c_char_p, c_char_p, c_size_t,
         POINTER(c_int32), POINTER(ctypes.c_char)],
    ),
}

# voip.h's VOIP_DRAIN_*, VOIP_FLUSH_* and VOIP_COLLECT_* (test_header checks them).
DRAIN_DTMF = 1
DRAIN_AUDIO = 2
FLUSH_SEND_AUDIO = 1
FLUSH_RECEIVED_AUDIO = 2
FLUSH_RECEIVED_DTMF = 4
COLLECT_STOPS = {1: "max_digits", 2: "terminator", 3: "timeout", 4: "inter_digit_timeout", 5: "ended"}

# Declared in voip.h but possibly missing from a given build.
_OPTIONAL: dict[str, tuple[Any, list[Any]]] = {
    "voip_phone_add_credentials": (
        c_int,
        [c_uint64, c_char_p, c_char_p, c_char_p, c_char_p],
    ),
    "voip_phone_on_request": (c_int, [c_uint64, REQUEST_FN, c_void_p]),
    "voip_phone_send_message": (
        c_int,
        [c_uint64, c_char_p, c_char_p, c_char_p, c_int32],
    ),
    "voip_phone_last_error": (c_int, [c_uint64, c_char_p, c_size_t]),
    "voip_call_last_error": (c_int, [c_uint64, c_char_p, c_size_t]),
    "voip_set_memory_limit": (c_int, [c_int64, POINTER(c_int64)]),
    # --- media toolkit (issue 12) ---
    "voip_player_new": (c_int, [c_uint64, c_char_p, c_uint32, POINTER(c_uint64)]),
    "voip_player_new_from_memory": (
        c_int,
        [c_uint64, c_char_p, c_size_t, c_uint32, POINTER(c_uint64)],
    ),
    "voip_recorder_new": (c_int, [c_uint64, c_char_p, c_uint32, POINTER(c_uint64)]),
    "voip_recorder_set_max_duration": (c_int, [c_uint64, c_uint32]),
    "voip_tone_new": (c_int, [c_uint64, c_char_p, POINTER(c_uint64)]),
    "voip_connect": (c_int, [c_uint64, c_uint64]),
    "voip_disconnect": (c_int, [c_uint64, c_uint64]),
    "voip_media_wait": (c_int, [c_uint64, c_int32]),
    "voip_media_last_error": (c_int, [c_uint64, c_char_p, c_size_t]),
    "voip_media_destroy": (c_int, [c_uint64]),
    # --- batched audio (issue 16): arrays passed as addresses ---
    "voip_phone_read_frames": (
        c_int,
        [c_uint64, c_int32, c_size_t, c_size_t, c_void_p, c_void_p, c_void_p, POINTER(c_size_t)],
    ),
    "voip_phone_write_frames": (
        c_int,
        [c_uint64, c_size_t, c_size_t, c_void_p, c_void_p, c_void_p],
    ),
    "voip_phone_exchange_frames": (
        c_int,
        [c_uint64, c_size_t, c_size_t, c_void_p, c_void_p, c_void_p, c_int32, c_size_t,
         c_void_p, c_void_p, c_void_p, POINTER(c_size_t)],
    ),
}


def _open() -> tuple[ctypes.CDLL, str]:
    env = os.environ.get("VOIP_LIBRARY")
    if env:
        try:
            return ctypes.CDLL(env), env
        except OSError as exc:
            raise ImportError(f"voip: cannot load VOIP_LIBRARY={env!r}: {exc}") from exc
    if os.path.exists(BUNDLED_PATH):
        try:
            return ctypes.CDLL(BUNDLED_PATH), BUNDLED_PATH
        except OSError as exc:
            raise ImportError(
                f"voip: cannot load the bundled library {BUNDLED_PATH!r}: {exc}"
            ) from exc
    try:
        return ctypes.CDLL("libvoip.so.0"), "libvoip.so.0"
    except OSError as exc:
        raise ImportError(
            "voip: libvoip.so.0 not found: it is neither bundled in the package "
            f"({BUNDLED_PATH}) nor installed on the system; reinstall the package "
            "or set VOIP_LIBRARY=/path/to/libvoip.so.0"
        ) from exc


lib, path = _open()

for _name, (_res, _args) in _REQUIRED.items():
    try:
        _fn = getattr(lib, _name)
    except AttributeError as _exc:
        raise ImportError(
            f"voip: {path} has no symbol {_name}: it is not a libvoip build "
            "matching include/voip.h"
        ) from _exc
    _fn.restype = _res
    _fn.argtypes = _args

_optional: dict[str, Optional[Callable[..., int]]] = {}
for _name, (_res, _args) in _OPTIONAL.items():
    try:
        _fn = getattr(lib, _name)
    except AttributeError:
        _optional[_name] = None
        continue
    _fn.restype = _res
    _fn.argtypes = _args
    _optional[_name] = _fn


def optional(name: str) -> Optional[Callable[..., int]]:
    """The optional C function *name*, or None when this build lacks it."""
    return _optional.get(name)


def version() -> str:
    """The library's version string, e.g. ``"0.1.0"``."""
    v = lib.voip_version()
    return v.decode() if v else ""


def strerror(code: int) -> str:
    s = lib.voip_strerror(code)
    return s.decode(errors="replace") if s else "unknown error"


def last_error() -> str:
    """voip_last_error() of this thread (call right after the failure)."""
    s = lib.voip_last_error()
    return s.decode(errors="replace") if s else ""


def read_string(fn: Callable[..., int], *args: Any) -> Tuple[int, str]:
    """Call ``fn(*args, buf, buflen)``, a C function that copies a string
    out, growing the buffer while it answers VOIP_ENOSPACE.  Returns the
    result code and the string ("" unless the code is OK)."""
    size = 256
    while True:
        buf = ctypes.create_string_buffer(size)
        rc = fn(*args, buf, size)
        if rc == ENOSPACE and size < 1 << 20:
            size *= 4
            continue
        return rc, buf.value.decode("utf-8", errors="replace") if rc == OK else ""


def handle_error(phone: Optional[int] = None, call: Optional[int] = None) -> str:
    """The last error of a phone or call handle ("" when unknown)."""
    name, handle = ("voip_phone_last_error", phone) if phone else ("voip_call_last_error", call)
    fn = _optional.get(name)
    if fn is None or not handle:
        return ""
    rc, msg = read_string(fn, handle)
    return msg if rc == OK else ""


def encode(s: str, what: str) -> bytes:
    """UTF-8 bytes for a C string argument; NUL bytes are refused."""
    if not isinstance(s, str):
        raise TypeError(f"{what} must be a str, not {type(s).__name__}")
    b = s.encode("utf-8")
    if b"\x00" in b:
        raise ValueError(f"{what} must not contain NUL characters")
    return b


def int32(v: Any, what: str) -> int:
    """An int argument for a C ``int32_t``.  Only the type is checked here
    (ctypes would silently wrap a larger value): which values make sense is
    the library's to say (it answers VOIP_EINVAL with its message)."""
    if not isinstance(v, int) or isinstance(v, bool):
        raise TypeError(f"{what} must be an int, not {type(v).__name__}")
    if not -(1 << 31) <= v < (1 << 31):
        raise OverflowError(f"{what} must fit a 32-bit signed integer (int32_t), not {v}")
    return v


def size(v: Any, what: str) -> int:
    """An int argument for a C ``size_t`` (a count, so >= 0); which sizes
    make sense is the library's to say."""
    if not isinstance(v, int) or isinstance(v, bool):
        raise TypeError(f"{what} must be an int, not {type(v).__name__}")
    if v < 0:
        raise OverflowError(f"{what} must be a count >= 0 (size_t), not {v}")
    return v


def text(b: Optional[bytes]) -> str:
    """A C string from a callback, as str (empty for NULL)."""
    return b.decode("utf-8", errors="replace") if b else ""

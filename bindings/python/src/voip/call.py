"""VoIPCall: one call of a :class:`~voip.VoIPPhone` (pyVoIP 2's VoIPCall)."""

from __future__ import annotations

import ctypes
import json
import logging
import threading
import time
import warnings
import weakref
from ctypes import byref, c_int32, c_size_t
from types import TracebackType
from typing import TYPE_CHECKING, Any, Dict, Iterable, Optional, Type, Union

from . import _lib
from .errors import InvalidArgumentError, InvalidStateError, VoIPError, from_code
from .types import CallRequest, CallState, DTMFCollection

if TYPE_CHECKING:  # pragma: no cover
    from .phone import VoIPPhone

__all__ = ["VoIPCall"]

log = logging.getLogger("voip")

# Bytes far from 128 (the unsigned 8-bit zero): outside 0x40..0xC0.
_FAR_FROM_U8_ZERO = bytes(range(0x40)) + bytes(range(0xC1, 0x100))


def _looks_u8(raw: bytes) -> bool:
    """Whether s16le data is more likely unsigned 8-bit audio: 95% of its
    first 4000 bytes within 64 of 128.  In 16-bit audio every sample would
    then be beyond +-16384 with its low byte bunched too, which speech and
    tones never are; 8-bit audio up to half scale always is."""
    head = raw[:4000]
    if len(head) < 160:
        return False
    near = len(head.translate(None, _FAR_FROM_U8_ZERO))
    return near >= 0.95 * len(head)

# Blocking C calls are made in slices of this many milliseconds so that the
# calling thread comes back to Python regularly (Ctrl-C, signal handlers).
_SLICE_MS = 200

BytesLike = Union[bytes, bytearray, memoryview]


def _release_handle(handle: int) -> None:
    """Finalizer of a VoIPCall: release its C handle (ENOTFOUND is fine)."""
    try:
        _lib.lib.voip_call_release(handle)
    except Exception:  # pragma: no cover - interpreter shutdown
        pass


def _ms(timeout: Optional[float]) -> int:
    """Seconds (None: no limit) as the library's int32_t milliseconds."""
    if timeout is None:
        return -1
    return min(max(0, int(timeout * 1000)), (1 << 31) - 1)


class VoIPCall:
    """A call.  Created by the phone: by :meth:`VoIPPhone.call` for outgoing
    calls, and for incoming ones before :meth:`ringing` is called.  Subclass
    it and pass the subclass as ``call_class`` to handle incoming calls by
    overriding :meth:`ringing`.

    The constructor's first three arguments are pyVoIP 2's (*phone*,
    *callstate*, *request*); *handle* is the libvoip call handle.  A subclass
    that overrides ``__init__`` must pass all of them on to
    ``super().__init__`` and must not block.

    Lifetime: the phone keeps a call alive while it is not ENDED.  An ended
    call stays usable (remaining audio, queued digits, :attr:`end_reason`)
    while you hold a reference to it; its library handle is released when it
    is garbage collected, when you call :meth:`close` (or leave a ``with``
    block), or when its phone stops.  After that every method raises
    :class:`InvalidStateError` and :attr:`state` is ENDED.
    """

    def __init__(
        self,
        phone: "VoIPPhone",
        callstate: CallState,
        request: Optional[CallRequest],
        handle: int,
        **kwargs: Any,
    ) -> None:
        self.phone = phone
        self.request = request
        self._handle = int(handle)
        self._initial_state = callstate if isinstance(callstate, CallState) else CallState.from_code(callstate)
        self._released = False
        self._close_lock = threading.Lock()
        self._u8 = phone.audio_format == "u8"
        self._u8_warned = False
        self._registry = phone.call_registry
        self._successor: Optional["VoIPCall"] = None
        self._finalizer = weakref.finalize(self, _release_handle, self._handle)
        # At interpreter exit the phones are destroyed, which releases every
        # call handle; nothing to do for calls then.
        self._finalizer.atexit = False

    # ------------------------------------------------------------------
    # Hooks (override in a subclass given as call_class)
    # ------------------------------------------------------------------
    def ringing(self, request: CallRequest) -> None:
        """Called for a new incoming call, in a thread of its own (as in
        pyVoIP), so it may block for the whole call.  Override it to answer.
        The default denies the call (486 Busy Here), like pyVoIP without a
        call callback.  When it raises while the call still rings, the
        exception is logged and the call is denied with 500."""
        self.deny()

    def dtmf_callback(self, code: str) -> None:
        """Called for each DTMF key the remote side pressed, on the library's
        callback thread (return quickly).  Digits are also queued for
        :meth:`get_dtmf` whether or not this is overridden."""

    def event_callback(self, event: str, detail: str) -> None:
        """Called for each event of the established call other than a state
        change (``"hold"``, ``"resume"``, ``"media_changed"``, ...; see
        ``voip_call_event_fn`` in voip.h), on the library's callback thread
        (return quickly).  Unknown event names may come: ignore them.  Not
        in pyVoIP."""

    def state_changed(self, state: CallState, reason: str) -> None:
        """Called on every state change with the library's reason (e.g.
        ``"200 OK"``, ``"remote hangup"``), on the library's callback thread
        (return quickly).  Not in pyVoIP."""

    # ------------------------------------------------------------------
    # Internals
    # ------------------------------------------------------------------
    @property
    def handle(self) -> int:
        """The libvoip call handle."""
        return self._handle

    def _gone(self) -> bool:
        """True once the handle was released (by us, or with the phone)."""
        if not self._released and self._registry.released(self._handle):
            self._released = True
            self._finalizer.detach()
        return self._released

    def _h(self) -> int:
        if self._gone():
            raise InvalidStateError(
                f"call {self._handle} has ended and was released", _lib.ENOTFOUND
            )
        return self._handle

    def _raise(self, rc: int) -> None:
        err = from_code(rc, call=self._handle)
        if rc == _lib.ENOTFOUND:
            self._released = True
            raise InvalidStateError(
                f"call {self._handle} has ended and was released ({err.message})", rc
            )
        raise err

    def _check(self, rc: int) -> None:
        if rc != _lib.OK:
            self._raise(rc)

    # ------------------------------------------------------------------
    # State and facts
    # ------------------------------------------------------------------
    @property
    def state(self) -> CallState:
        """The call's current state (ENDED once released)."""
        if self._gone():
            return CallState.ENDED
        s = c_int32()
        rc = _lib.lib.voip_call_state(self._handle, byref(s))
        if rc == _lib.ENOTFOUND:
            self._released = True
            return CallState.ENDED
        if rc != _lib.OK:
            self._raise(rc)
        return CallState.from_code(s.value)

    def info(self, key: str) -> str:
        """A fact about the call (``voip_call_info``): "direction",
        "remote_uri", "local_uri", "call_id", "state", "codec", "local_rtp",
        "remote_rtp", "end_reason", "end_code", "stats", "hold", "remote_sdp",
        "session_expires", "media_encryption", "srtp"."""
        k = _lib.encode(key, "key")
        rc, value = _lib.read_string(_lib.lib.voip_call_info, self._h(), k)
        self._check(rc)
        return value

    @property
    def call_id(self) -> str:
        return self.info("call_id")

    @property
    def direction(self) -> str:
        """"incoming" or "outgoing"."""
        return self.info("direction")

    @property
    def remote_uri(self) -> str:
        return self.info("remote_uri")

    @property
    def local_uri(self) -> str:
        return self.info("local_uri")

    @property
    def codec(self) -> str:
        return self.info("codec")

    @property
    def end_reason(self) -> str:
        """Why the call ended, e.g. "486 Busy Here" ("" while not ended)."""
        return self.info("end_reason")

    @property
    def end_code(self) -> int:
        """The SIP status that ended the call, or 0."""
        try:
            return int(self.info("end_code") or 0)
        except ValueError:
            return 0

    @property
    def media_encryption(self) -> str:
        """"none" (plain RTP), "sdes" (SRTP keyed by a=crypto) or "dtls"
        (SRTP keyed by DTLS), as last negotiated (voip_call_info
        "media_encryption")."""
        return self.info("media_encryption")

    def srtp_stats(self) -> Dict[str, Any]:
        """SRTP of the call (voip_call_info "srtp"): suite ("" when plain),
        replayed and auth_failed (packets dropped as replays or forgeries)."""
        data = json.loads(self.info("srtp") or "{}")
        return dict(data) if isinstance(data, dict) else {}

    def stats(self) -> Dict[str, Any]:
        """Media counters as a dict (packets_sent, packets_received,
        packets_lost, late, dtmf_sent, dtmf_received, dtmf_info_sent,
        dtmf_info_received, jitter_ms, ...)."""
        data = json.loads(self.info("stats") or "{}")
        return dict(data) if isinstance(data, dict) else {}

    def wait(
        self,
        states: Union[CallState, Iterable[CallState], None] = None,
        timeout: Optional[float] = None,
    ) -> CallState:
        """Wait until the call is in one of *states* (default: ANSWERED) or
        ENDED, or *timeout* seconds pass; returns the state then.  Not in
        pyVoIP (where one polls ``call.state``)."""
        if states is None:
            wanted: Iterable[CallState] = (CallState.ANSWERED,)
        elif isinstance(states, CallState):
            wanted = (states,)
        else:
            wanted = states
        mask = 0
        for s in wanted:
            mask |= 1 << (s.code if isinstance(s, CallState) else CallState.from_code(s).code)
        deadline = None if timeout is None else time.monotonic() + max(0.0, timeout)
        out = c_int32()
        while True:
            if deadline is None:
                ms = _SLICE_MS
            else:
                ms = int(max(0.0, min(_SLICE_MS / 1000, deadline - time.monotonic())) * 1000)
            rc = _lib.lib.voip_call_wait(self._h(), mask, ms, byref(out))
            if rc == _lib.OK:
                return CallState.from_code(out.value)
            if rc != _lib.ETIMEOUT:
                if rc == _lib.ENOTFOUND:
                    self._released = True
                    return CallState.ENDED
                self._raise(rc)
            if deadline is not None and time.monotonic() >= deadline:
                return CallState.from_code(out.value)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def answer(self) -> None:
        """Answer an incoming call in RINGING (else InvalidStateError)."""
        self._check(_lib.lib.voip_call_answer(self._h()))

    def deny(self, status_code: int = 486) -> None:
        """Reject an incoming call in RINGING with *status_code* (default 486
        Busy Here).  The library takes 400..699 (0 = 486) and refuses others
        with InvalidArgumentError and its message; a value that does not fit
        an ``int32_t`` raises OverflowError."""
        code = _lib.int32(status_code, "status_code")
        self._check(_lib.lib.voip_call_deny(self._h(), code))

    def progress(self) -> None:
        """Early media: answer an incoming call in RINGING with 183 Session
        Progress and our SDP, and start its media.  The call stays RINGING
        but :meth:`write_audio` and :meth:`read_audio` work at once (an
        announcement, a ringback tone); a later :meth:`answer` sends 200 OK
        with the same SDP, :meth:`deny` still refuses.  Blocks until the 183
        is sent (with reliable provisional responses, until the 180's
        PRACK).  InvalidStateError in any other state or when early media
        already started.  Not in pyVoIP."""
        self._check(_lib.lib.voip_call_progress(self._h()))

    def redirect(self, uri: str) -> None:
        """Redirect an incoming call in RINGING to *uri* with 302 Moved
        Temporarily; the call ENDS (end code 302).  InvalidArgumentError for
        a bad URI, InvalidStateError in any other state.  Not in pyVoIP."""
        if not isinstance(uri, str):
            raise TypeError("uri must be a str")
        self._check(_lib.lib.voip_call_redirect(self._h(), _lib.encode(uri, "uri")))

    def hangup(self) -> None:
        """End an ANSWERED call (BYE)."""
        self._check(_lib.lib.voip_call_hangup(self._h()))

    def cancel(self) -> None:
        """Cancel an outgoing call in DIALING or PROGRESS (CANCEL)."""
        self._check(_lib.lib.voip_call_cancel(self._h()))

    # ------------------------------------------------------------------
    # Transfer (REFER, RFC 3515; Replaces, RFC 3891)
    # ------------------------------------------------------------------
    def transfer(
        self, user: Optional[str] = None, uri: Optional[str] = None,
        blind: bool = True, timeout: Optional[float] = None,
    ) -> bool:
        """Transfer the ANSWERED call (a REFER), as in pyVoIP 2: to *user*
        (a user or number; with a server it is called there, else at the
        peer's host) or to *uri* (a complete URI, in <> or not).  *blind*
        (the default): the call ends as soon as the peer accepted the REFER.
        Otherwise this waits for the outcome of the peer's call, reported
        as ``"transfer_progress"`` events: on success the call ends, on a
        failure it goes on.  Returns True when the transfer was blind and
        accepted or succeeded, False when it was refused or failed (the
        reason is logged).  *timeout* in seconds (None: no limit beyond
        SIP's) is an extra: when it runs out a VoIPError (VOIP_ETIMEOUT) is
        raised.  Raises InvalidStateError when the call is not ANSWERED."""
        if (user is None) == (uri is None):
            raise InvalidArgumentError("transfer needs exactly one of user and uri")
        target = (uri if uri is not None else user) or ""
        target = target.strip()
        if target.startswith("<") and target.endswith(">"):
            target = target[1:-1]
        rc = _lib.lib.voip_call_transfer(
            self._h(), _lib.encode(target, "uri"), 1 if blind else 0, _ms(timeout)
        )
        return self._transfer_result(rc)

    def transfer_attended(self, other: "VoIPCall", timeout: Optional[float] = None) -> bool:
        """Attended transfer: ask this call's peer to call *other*'s peer,
        replacing *other* (a REFER with Replaces).  Both calls must be
        ANSWERED calls of this phone.  Waits for the outcome as
        ``transfer(blind=False)`` does: True on success (this call ends and
        *other* is ended by its peer), False when it was refused or failed
        (both calls go on).  Not in pyVoIP."""
        if not isinstance(other, VoIPCall):
            raise TypeError(f"other must be a VoIPCall, not {type(other).__name__}")
        rc = _lib.lib.voip_call_transfer_attended(self._h(), other._h(), _ms(timeout))
        return self._transfer_result(rc)

    def _transfer_result(self, rc: int) -> bool:
        if rc == _lib.OK:
            return True
        if rc == _lib.EREJECTED:
            log.info("call %d: %s", self._handle, from_code(rc, call=self._handle).message)
            return False
        self._raise(rc)
        return False  # not reached

    @property
    def successor(self) -> Optional["VoIPCall"]:
        """The call that took this one over, None until one did: after the
        event ``"transferred"`` the call we placed because the peer
        transferred us (a REFER), after ``"replaced"`` the (already
        ANSWERED) call whose INVITE with Replaces took this one over.  It
        is set before :meth:`event_callback` runs.  Not in pyVoIP."""
        return self._successor

    def hold(self) -> None:
        """Put an ANSWERED call on hold (a re-INVITE offering a=sendonly, or
        a=inactive when the peer holds us too).  Blocks until the peer
        answers; then no audio is sent and reads return silence.  Raises a
        VoIPError when the peer refused or did not answer (the call stays up
        either way), InvalidStateError when the call is not ANSWERED.  Not in
        pyVoIP."""
        self._check(_lib.lib.voip_call_hold(self._h()))

    def resume(self) -> None:
        """Take the call off our hold (a re-INVITE offering a=sendrecv).
        Errors as hold()."""
        self._check(_lib.lib.voip_call_resume(self._h()))

    @property
    def hold_state(self) -> str:
        """Who holds the call: "none", "local", "remote" or "both"."""
        return self.info("hold")

    def close(self) -> None:
        """End the call whatever its state (hang up, cancel or deny) and
        release its handle.  Idempotent.  ``with call:`` calls it."""
        with self._close_lock:
            if self._gone():
                return
            self._released = True
            self._finalizer.detach()
        _lib.lib.voip_call_release(self._handle)
        self._registry.forget(self._handle)

    def __enter__(self) -> "VoIPCall":
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()

    # ------------------------------------------------------------------
    # DTMF
    # ------------------------------------------------------------------
    def get_dtmf(self, length: Optional[int] = 1) -> str:
        """Take up to *length* received digits, oldest first ("" when none);
        *length* None or negative takes them all (pyVoIP 2).  Digits stay
        readable after the call ended, until it is released."""
        if length is not None and (not isinstance(length, int) or isinstance(length, bool)):
            raise TypeError("length must be an int or None")
        if length == 0:
            return ""
        everything = length is None or length < 0
        want = 256 if everything else int(length or 0)
        out = []
        while True:
            buf = ctypes.create_string_buffer(want + 1)
            n = c_size_t()
            self._check(_lib.lib.voip_call_get_dtmf(self._h(), buf, want + 1, byref(n)))
            got = buf.value.decode("ascii", errors="replace")
            out.append(got)
            if not everything or n.value < want:
                return "".join(out)

    def send_dtmf(self, digits: str, duration_ms: int = 0) -> None:
        """Send DTMF digits ('0'-'9', '*', '#', 'A'-'D'), each *duration_ms*
        long (0 = 100 ms), as RFC 4733 events or one SIP INFO each, as the
        phone's ``dtmf_mode`` says.  Returns at once; the digits go out one
        after another.  The library checks the digits and the
        duration (40..5000 ms) and raises InvalidArgumentError with its
        message for others.  Not in pyVoIP."""
        d = _lib.encode(digits, "digits")
        ms = _lib.int32(duration_ms, "duration_ms")
        self._check(_lib.lib.voip_call_send_dtmf(self._h(), d, ms))

    # ------------------------------------------------------------------
    # Waiting for what was queued, flushing, collecting digits (issue 17;
    # not in pyVoIP)
    # ------------------------------------------------------------------
    def drain(self, dtmf: bool = True, audio: bool = True, timeout: Optional[float] = None) -> bool:
        """Wait until the digits (*dtmf*) and audio (*audio*) queued so far
        have been sent, e.g. ``send_dtmf("123#")``, ``drain()``, ``hangup()``:
        the peer gets every digit.  Returns True once they have (at once
        when nothing is queued), False when *timeout* seconds (None: no
        limit) passed first.  Raises InvalidStateError when the call ended
        first, InvalidArgumentError (the library's) when both flags are
        False.  Blocks the calling thread (the GIL is released)."""
        flags = (_lib.DRAIN_DTMF if dtmf else 0) | (_lib.DRAIN_AUDIO if audio else 0)
        rc = _lib.lib.voip_call_drain(self._h(), flags, _ms(timeout))
        if rc == _lib.ETIMEOUT:
            return False
        if rc == _lib.EENDED:
            raise InvalidStateError(f"call {self._handle} ended before its queued media was sent", rc)
        self._check(rc)
        return True

    def flush(self, *, send_audio: bool = False, received_audio: bool = False,
              received_dtmf: bool = False) -> None:
        """Drop queued media at once: *send_audio* the audio written but not
        yet sent (barge-in: silence follows), *received_audio* the received
        audio not yet read (the next read returns what arrives from then on),
        *received_dtmf* the received digits not yet taken (keys typed ahead
        of a prompt).  The library refuses a call naming none
        (InvalidArgumentError)."""
        flags = (
            (_lib.FLUSH_SEND_AUDIO if send_audio else 0)
            | (_lib.FLUSH_RECEIVED_AUDIO if received_audio else 0)
            | (_lib.FLUSH_RECEIVED_DTMF if received_dtmf else 0)
        )
        self._check(_lib.lib.voip_call_flush(self._h(), flags))

    def collect_dtmf(
        self,
        max_digits: int = 0,
        timeout: Optional[float] = None,
        inter_digit_timeout: Optional[float] = None,
        terminators: str = "",
    ) -> DTMFCollection:
        """Collect received digits until the first of: *max_digits* digits
        (0: no limit but 1024), a key of *terminators* (e.g. "#"; not part
        of the digits), *timeout* seconds in all (None: none; 0: only the
        digits already queued), *inter_digit_timeout* seconds after a digit
        with no next one (None: none), or the end of the call.  Takes the
        digits from the queue :meth:`get_dtmf` reads (keys pressed earlier
        count; ``flush(received_dtmf=True)`` drops them).  Returns a
        :class:`DTMFCollection` (digits, reason, terminator).  The library
        checks the values (InvalidArgumentError).  Blocks the calling thread
        (the GIL is released); with no stop condition but the call's end it
        waits for that."""
        limit = _lib.int32(max_digits, "max_digits")
        term = _lib.encode(terminators, "terminators")
        inter = 0 if inter_digit_timeout is None else max(1, _ms(inter_digit_timeout))
        room = 1025 if limit <= 0 else min(limit, 1024) + 1
        buf = ctypes.create_string_buffer(room)
        stop = c_int32()
        pressed = ctypes.c_char()
        rc = _lib.lib.voip_call_collect_dtmf(
            self._h(), limit, _ms(timeout), inter, term, buf, room, byref(stop), byref(pressed)
        )
        self._check(rc)
        return DTMFCollection(
            buf.value.decode("ascii", errors="replace"),
            _lib.COLLECT_STOPS.get(stop.value, str(stop.value)),
            pressed.value.decode("ascii", errors="replace") if pressed.value != b"\x00" else "",
        )

    # ------------------------------------------------------------------
    # Audio
    # ------------------------------------------------------------------
    def read_audio(self, length: int = 160, blocking: bool = True) -> bytes:
        """Read *length* bytes of received audio in the phone's audio format
        (s16le by default: 320 bytes per 20 ms; ``audio_format="u8"``:
        pyVoIP's unsigned 8-bit, 160 bytes per 20 ms).

        blocking=True waits until *length* bytes arrived (the call paces the
        reader like a sound card: 20 ms of audio every 20 ms, silence where
        nothing arrived).  If the call ends during the read, what was left is
        returned, possibly fewer bytes or none.  blocking=False returns at
        once, padded with silence (``b"\\x80"`` for u8, zero bytes for s16le)
        as pyVoIP does.  Reading a call that had already ended when the read
        began returns its remaining audio, then raises InvalidStateError once
        nothing is left.  The library refuses a length of 0
        (InvalidArgumentError with its message)."""
        _lib.size(length, "length")
        # Kept here: the library reads whole samples only and would answer
        # an odd length with one byte short (a blocking read would spin).
        if not self._u8 and length % 2:
            raise InvalidArgumentError(
                f"read_audio: length {length} is odd: s16le audio is 2 bytes per "
                "sample (use audio_format='u8' for pyVoIP's 1-byte samples)"
            )
        h = self._h()
        buf = ctypes.create_string_buffer(length)
        base = ctypes.addressof(buf)
        n = c_size_t()
        if not blocking:
            rc = _lib.lib.voip_call_read_audio(h, base, length, 0, byref(n))
            got = n.value
            if rc == _lib.OK:
                return buf.raw
            if rc == _lib.ETIMEOUT:
                return buf.raw[:got] + self._silence(length - got)
            if rc == _lib.EENDED and got > 0:
                return buf.raw[:got]
            self._raise(rc)
        ended_before = self.state == CallState.ENDED
        got = 0
        while True:  # at least once: the library judges the length
            rc = _lib.lib.voip_call_read_audio(h, base + got, length - got, _SLICE_MS, byref(n))
            got += n.value
            if rc == _lib.OK or rc == _lib.ETIMEOUT:
                if got >= length:
                    break
                continue
            if rc in (_lib.EENDED, _lib.ENOTFOUND):
                if got == 0 and ended_before:
                    self._raise(rc)
                if rc == _lib.ENOTFOUND:
                    self._released = True
                return buf.raw[:got]
            self._raise(rc)
        return buf.raw

    def _silence(self, n: int) -> bytes:
        return (b"\x80" if self._u8 else b"\x00") * n

    def write_audio(self, data: BytesLike) -> None:
        """Queue audio (the phone's audio format) to send.  The library sends
        20 ms every 20 ms and silence when the queue is empty.  The queue
        holds 2 s: a longer write blocks until the rest fits (pyVoIP buffers
        without limit), so a writer is paced by the call.  Raises
        InvalidStateError before the call is ANSWERED or once it ended."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"data must be bytes, not {type(data).__name__}")
        raw = bytes(data)
        h = self._h()
        if not raw:
            return
        buf = ctypes.create_string_buffer(raw, len(raw))
        base = ctypes.addressof(buf)
        total = len(raw)
        if not self._u8:
            total -= total % 2  # a trailing odd byte of s16le is dropped
            if not self._u8_warned and _looks_u8(raw):
                self._u8_warned = True
                warnings.warn(
                    "write_audio: this data looks like unsigned 8-bit audio (pyVoIP's "
                    "format) but the phone's audio_format is 's16le', so it plays as "
                    "full-scale noise; set VoIPPhoneParameter(audio_format='u8') or "
                    "write 16-bit little-endian samples",
                    RuntimeWarning,
                    stacklevel=2,
                )
        done = 0
        n = c_size_t()
        while done < total:
            rc = _lib.lib.voip_call_write_audio(h, base + done, total - done, _SLICE_MS, byref(n))
            done += n.value
            if rc == _lib.OK:
                return
            if rc != _lib.ETIMEOUT:
                self._raise(rc)

    # pyVoIP 1.x names (deprecated there too).
    # ------------------------------------------------------------------
    # Media toolkit (issue 12): a call is a port of the phone's bridge
    # ------------------------------------------------------------------
    def connect(self, dst: Any) -> None:
        """Send what this call receives to *dst* (another call, a recorder)."""
        from . import media

        media.connect(self, dst)

    def disconnect(self, dst: Any) -> None:
        """Stop sending this call's received audio to *dst*."""
        from . import media

        media.disconnect(self, dst)

    def play(self, source: Any, loop: bool = False) -> Any:
        """Play a WAV file (path or bytes) into the call; returns the
        :class:`voip.media.Player` (``.wait()`` until it has played)."""
        player = self.phone.player(source, loop)
        try:
            player.connect(self)
        except BaseException:
            player.close()
            raise
        return player

    def record(self, path: Any, stereo: bool = False, max_duration: Optional[float] = None) -> Any:
        """Record the call (received audio; *stereo*: both directions) into
        a WAV file; returns the :class:`voip.media.Recorder`."""
        rec = self.phone.recorder(path, stereo, max_duration)
        try:
            self.connect(rec)
        except BaseException:
            rec.close()
            raise
        return rec

    def readAudio(self, length: int = 160, blocking: bool = True) -> bytes:
        return self.read_audio(length, blocking)

    def writeAudio(self, data: BytesLike) -> None:
        self.write_audio(data)

    def getDTMF(self, length: Optional[int] = 1) -> str:
        return self.get_dtmf(length)

    def __repr__(self) -> str:
        try:
            st = self.state.name
        except VoIPError:
            st = "?"
        return f"<{type(self).__name__} handle={self._handle} state={st}>"

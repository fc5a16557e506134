"""Batched audio: one Python thread for every call of a phone (issue 16).

``read_audio``/``write_audio`` suit a thread per call.  With many calls,
one thread serves them all, paced by libvoip's media clock: each
:meth:`FrameBatch.read` waits for the next 20 ms tick and returns one frame
for every call that has one, in one call into the library; each
:meth:`FrameBatch.write` queues frames for many calls in one call::

    batch = FrameBatch(phone)
    while running:
        frames = batch.read(timeout=1.0)
        batch.write([(f.call, f.data) for f in frames if f.data is not None])

or, in one crossing per tick, ``frames = batch.exchange(replies)``.

A frame is never split: every ``data`` is one whole 20 ms frame in the
phone's audio format (320 bytes of s16le at 8 kHz), so reading every frame
loses and repeats nothing.  A call that ended shows up once with ``data``
None (its audio drained); it is not returned again.  Do not mix a batch
with ``read_audio`` on the same call: each takes frames the other would not
see.  One thread at a time reads a phone's batch.
"""

from __future__ import annotations

import ctypes
from ctypes import c_int32, c_size_t, c_uint64
from typing import TYPE_CHECKING, Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple, Union

from . import _lib
from .errors import InvalidArgumentError, VoIPError, from_code

if TYPE_CHECKING:  # pragma: no cover
    from .call import VoIPCall
    from .phone import VoIPPhone

__all__ = ["Frame", "FrameBatch"]

BytesLike = Union[bytes, bytearray, memoryview]


class Frame(NamedTuple):
    """One call's frame from :meth:`FrameBatch.read`."""

    call: "VoIPCall"
    """The call (a :class:`VoIPCall` of the phone)."""
    data: Optional[bytes]
    """One 20 ms frame in the phone's audio format; None when the call
    ended (reported once, after its last frame)."""


class FrameBatch:
    """Reads and writes the frames of many calls of *phone* per call into
    the library (``voip_phone_read_frames``, ``voip_phone_write_frames``,
    ``voip_phone_exchange_frames``).

    *capacity* is the most frames one read returns (calls beyond it are
    served first by the next read).  The frame size follows the phone's
    ``audio_format`` and ``sample_rate``.  Buffers are allocated once here.
    """

    def __init__(self, phone: "VoIPPhone", capacity: int = 1024) -> None:
        if _lib.optional("voip_phone_exchange_frames") is None:
            raise VoIPError(f"{_lib.path} has no voip_phone_exchange_frames (a libvoip before issue 16)")
        if not isinstance(capacity, int) or isinstance(capacity, bool) or capacity < 1:
            raise InvalidArgumentError(f"capacity must be a positive int, not {capacity!r}")
        self.phone = phone
        self.capacity = capacity
        bps = 1 if phone.audio_format == "u8" else 2
        self.frame_bytes: int = (phone.sample_rate or 8000) // 50 * bps
        """Bytes of one frame: 20 ms in the phone's audio format."""
        fb = self.frame_bytes
        self._rcalls = (c_uint64 * capacity)()
        self._rstatus = (c_int32 * capacity)()
        self._rframes = ctypes.create_string_buffer(capacity * fb)
        self._wcalls = (c_uint64 * capacity)()
        self._wstatus = (c_int32 * capacity)()
        self._wframes = ctypes.create_string_buffer(capacity * fb)
        self._count = c_size_t()
        self._calls: Dict[int, "VoIPCall"] = {}
        exchange = _lib.optional("voip_phone_exchange_frames")
        assert exchange is not None
        self._exchange = exchange
        self._nwritten = 0

    def read(self, timeout: Optional[float] = 1.0) -> List[Frame]:
        """Wait for the next media tick (up to *timeout* seconds; None: no
        limit; 0: do not wait) unless a frame is ready already, and return
        one :class:`Frame` per call that had a frame ready or ended; [] when
        none did in time.  Raises InvalidStateError when the phone is not
        running."""
        return self.exchange((), timeout)

    def write(self, frames: Iterable[Tuple["VoIPCall", BytesLike]]) -> List[int]:
        """Queue one frame (``frame_bytes``) on each call without waiting.
        Returns each entry's result code (``voip.OK``; ``ETIMEOUT`` when
        the call's 2 s queue was full; ``EENDED``; ``ESTATE`` before it was
        answered; ``ENOTFOUND`` for a released call)."""
        n = self._pack(frames)
        fn = _lib.optional("voip_phone_write_frames")
        assert fn is not None
        rc = fn(self.phone._require_handle(), self.frame_bytes, n, self._wcalls, self._wframes, self._wstatus)
        if rc != _lib.OK:
            raise from_code(rc, "write_frames")
        return list(self._wstatus[:n])

    def exchange(
        self, frames: Iterable[Tuple["VoIPCall", BytesLike]], timeout: Optional[float] = 1.0
    ) -> List[Frame]:
        """:meth:`write` *frames* (their results are dropped: see
        :attr:`write_status`), then :meth:`read`, in one call into the
        library."""
        n = self._pack(frames)
        self._nwritten = n
        ms = -1 if timeout is None else max(0, int(timeout * 1000))
        h = self.phone._require_handle()
        fb = self.frame_bytes
        rc = self._exchange(
            h, fb, n, self._wcalls, self._wframes, self._wstatus, ms, self.capacity,
            self._rcalls, self._rframes, self._rstatus, ctypes.byref(self._count),
        )
        if rc == _lib.ETIMEOUT:
            return []
        if rc != _lib.OK:
            raise from_code(rc, "read_frames")
        return self._unpack(self._count.value)

    @property
    def write_status(self) -> List[int]:
        """The result codes of the frames the last :meth:`exchange` wrote."""
        return list(self._wstatus[: self._nwritten])

    def _pack(self, frames: Iterable[Tuple["VoIPCall", BytesLike]]) -> int:
        items: Sequence[Tuple["VoIPCall", BytesLike]] = frames if isinstance(frames, (list, tuple)) else list(frames)
        n = len(items)
        if n == 0:
            return 0
        if n > self.capacity:
            raise InvalidArgumentError(f"{n} frames: more than the batch's capacity {self.capacity}")
        fb = self.frame_bytes
        datas = [d for _, d in items]
        blob = b"".join(datas)
        if len(blob) != n * fb:
            bad = next(len(d) for d in datas if len(d) != fb)
            raise InvalidArgumentError(f"a frame of {bad} bytes: every frame must be {fb} bytes")
        self._wcalls[:n] = [c.handle for c, _ in items]
        ctypes.memmove(self._wframes, blob, n * fb)
        return n

    def _unpack(self, n: int) -> List[Frame]:
        fb = self.frame_bytes
        raw = self._rframes.raw[: n * fb] if n else b""
        out: List[Frame] = []
        calls = self._calls
        for i in range(n):
            h = self._rcalls[i]
            call = calls.get(h)
            if call is None:
                call = self.phone.call_registry.get(h)
                if call is None:
                    continue  # a handle the application never saw (released)
                calls[h] = call
            if self._rstatus[i] == _lib.OK:
                out.append(Frame(call, raw[i * fb : (i + 1) * fb]))
            else:  # EENDED: reported once
                calls.pop(h, None)
                out.append(Frame(call, None))
        return out

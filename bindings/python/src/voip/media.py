"""The media toolkit: players, recorders, tones and conferences.

Every started phone has an audio bridge driven by libvoip's media clock.
Ports produce and/or consume 20 ms frames: a call (its received audio is
its source, what it is given is sent), a :class:`Player` (a WAV file), a
:class:`Recorder` (a WAV file written) and a :class:`Tone`.
``src.connect(dst)`` makes src's audio flow to dst (PJSUA2's
``startTransmit``); a port fed by several sources hears their mix.  The
names follow sipsimple (``WaveFile``, ``RecordingWaveFile``,
``ToneGenerator``) and PJSUA2::

    with phone.player("greeting.wav") as greeting:
        greeting.connect(call)
        greeting.wait()
    with call.record("message.wav", max_duration=30):
        call.wait(timeout=30)

Reading a call's audio with ``read_audio`` keeps working while the call is
connected: the application is one more port.
"""

from __future__ import annotations

import os
import threading
import weakref
from ctypes import byref, c_uint64
from types import TracebackType
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Optional, Type, Union

from . import _lib
from .errors import InvalidArgumentError, VoIPError, from_code

if TYPE_CHECKING:  # pragma: no cover
    from .call import VoIPCall
    from .phone import VoIPPhone

__all__ = ["MediaPort", "Player", "Recorder", "Tone", "Conference"]

#: Events a media port ends with (the call event callback's names).
END_EVENTS = ("playback_ended", "tone_ended", "recording_ended")


def _on_callback_thread() -> bool:
    """True on a thread running one of the library's callbacks."""
    from . import phone  # late: phone imports this module

    return bool(getattr(phone._tls, "phone", 0))

EndCallback = Callable[["MediaPort", str], None]
Connectable = Union["MediaPort", "VoIPCall"]


def _handle_of(port: Any) -> int:
    h = getattr(port, "handle", None)
    if not isinstance(h, int) or isinstance(h, bool):
        raise TypeError(f"expected a media port or a call, not {type(port).__name__}")
    return h


def _check(rc: int, what: str, handle: int = 0) -> None:
    if rc == _lib.OK:
        return
    msg = _lib.last_error()
    if not msg and handle:
        fn = _lib.optional("voip_media_last_error")
        if fn is not None:
            _, msg = _lib.read_string(fn, handle)
    err = from_code(rc, None if msg else what)
    if msg and msg not in err.message:
        err = type(err)(msg, rc)
    raise err


def connect(src: Connectable, dst: Connectable) -> None:
    """Make *src*'s audio flow to *dst* (calls and media ports of one phone)."""
    _check(_lib.lib.voip_connect(_handle_of(src), _handle_of(dst)), "connect")


def disconnect(src: Connectable, dst: Connectable) -> None:
    """Stop *src*'s audio flowing to *dst*."""
    _check(_lib.lib.voip_disconnect(_handle_of(src), _handle_of(dst)), "disconnect")


def _destroy(handle: int, ports: Dict[int, Any]) -> None:
    ports.pop(handle, None)
    try:
        _lib.lib.voip_media_destroy(handle)
    except Exception:  # pragma: no cover - interpreter shutdown
        pass


class MediaPort:
    """A player, recorder or tone of a phone's bridge.  Use it as a context
    manager, or call :meth:`close`, to stop it and release its handle (it is
    also released when garbage collected)."""

    def __init__(self, phone: "VoIPPhone", handle: int) -> None:
        self.phone = phone
        self._handle = handle
        self._ended = threading.Event()
        self.end_reason = ""
        #: Called as on_end(port, reason) when the port ends (on the
        #: library's callback thread).
        self.on_end: Optional[EndCallback] = None
        phone._media_ports[handle] = weakref.ref(self)
        self._finalizer = weakref.finalize(self, _destroy, handle, phone._media_ports)

    @property
    def handle(self) -> int:
        """The media handle (a port id for ``voip_connect``)."""
        return self._handle

    def connect(self, dst: Connectable) -> None:
        """Send this port's audio to *dst* (a call or a recorder)."""
        connect(self, dst)

    def disconnect(self, dst: Connectable) -> None:
        """Stop sending this port's audio to *dst*."""
        disconnect(self, dst)

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Wait until the port has ended (a file played, a tone without
        repeat played, a recording stopped); False when *timeout* (s)
        passed first."""
        if self._ended.is_set():
            return True
        ms = -1 if timeout is None else max(0, int(timeout * 1000))
        rc = _lib.lib.voip_media_wait(self._handle, ms)
        if rc == _lib.ETIMEOUT:
            return False
        if rc == _lib.ENOTFOUND and not self._finalizer.alive:
            return True
        _check(rc, "wait", self._handle)
        # end_reason comes with the end event, through the phone's
        # dispatcher just after the port ended: give it a moment, unless
        # this thread is a dispatcher (it would wait for itself).
        if ms != 0 and not _on_callback_thread():
            self._ended.wait(2.0)
        return True

    @property
    def is_active(self) -> bool:
        """True until the port ended or was closed."""
        return self._finalizer.alive and not self.wait(0)

    def _on_end(self, reason: str) -> None:
        self.end_reason = reason
        self._ended.set()
        if self.on_end is not None:
            self.on_end(self, reason)

    def close(self) -> None:
        """Stop (a recording's file is finished) and release the handle;
        closing twice does nothing."""
        self._finalizer()

    stop = close

    def __enter__(self) -> "MediaPort":
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} handle={self._handle}>"


def _new(phone: "VoIPPhone", fn: Any, *args: Any) -> int:
    out = c_uint64()
    _check(fn(phone._require_handle(), *args, byref(out)), fn.__name__)
    return out.value


class Player(MediaPort):
    """Plays a WAV file (PCM 16/8-bit, A-law, µ-law, mono or stereo, any
    rate) into the ports it is connected to, once or looped (sipsimple's
    WaveFile, PJSUA2's AudioMediaPlayer).  Playing starts when it is first
    connected."""

    def __init__(
        self, phone: "VoIPPhone", source: Union[str, "os.PathLike[str]", bytes], loop: bool = False
    ) -> None:
        flags = _lib.PLAYER_LOOP if loop else 0
        if isinstance(source, (bytes, bytearray, memoryview)):
            data = bytes(source)
            if not data:
                raise InvalidArgumentError("empty WAV data", _lib.EINVAL)
            h = _new(phone, _lib.lib.voip_player_new_from_memory, data, len(data), flags)
            self.path: Optional[str] = None
        else:
            self.path = os.fspath(source)
            h = _new(phone, _lib.lib.voip_player_new, _lib.encode(self.path, "path"), flags)
        super().__init__(phone, h)
        self.loop = loop


class Recorder(MediaPort):
    """Records what is connected to it into a 16-bit WAV file (sipsimple's
    RecordingWaveFile, PJSUA2's AudioMediaRecorder): mono, the mix of its
    sources; *stereo*, both directions of a call (left: received, right:
    sent).  *max_duration* (s) stops it."""

    def __init__(
        self,
        phone: "VoIPPhone",
        path: Union[str, "os.PathLike[str]"],
        stereo: bool = False,
        max_duration: Optional[float] = None,
    ) -> None:
        self.path = os.fspath(path)
        flags = _lib.RECORDER_STEREO if stereo else 0
        h = _new(phone, _lib.lib.voip_recorder_new, _lib.encode(self.path, "path"), flags)
        super().__init__(phone, h)
        self.stereo = stereo
        if max_duration is not None:
            try:
                self.max_duration = max_duration
            except BaseException:
                self.close()
                raise

    @property
    def max_duration(self) -> None:  # pragma: no cover - write-only
        raise AttributeError("max_duration is write-only")

    @max_duration.setter
    def max_duration(self, seconds: Optional[float]) -> None:
        ms = 0 if seconds is None else int(seconds * 1000)
        if ms < 0 or ms > 0xFFFFFFFF:
            raise InvalidArgumentError(f"max_duration {seconds!r} out of range", _lib.EINVAL)
        _check(_lib.lib.voip_recorder_set_max_duration(self._handle, ms), "max_duration", self._handle)


class Tone(MediaPort):
    """A tone generator (sipsimple's ToneGenerator): *spec* is a preset
    ("ringback:us", "busy:eu", "dial", "congestion", "callwaiting"),
    "dtmf:<keys>" (played once), or a cadence such as "440+480/2000/4000"."""

    def __init__(self, phone: "VoIPPhone", spec: str) -> None:
        if not isinstance(spec, str):
            raise TypeError("spec must be a str")
        h = _new(phone, _lib.lib.voip_tone_new, _lib.encode(spec, "spec"))
        super().__init__(phone, h)
        self.spec = spec


class Conference:
    """Calls that each hear all the others but not themselves (every pair
    connected both ways).  :meth:`close` (or leaving the ``with`` block)
    disconnects them."""

    def __init__(self, calls: Iterable["VoIPCall"] = ()) -> None:
        self.members: List["VoIPCall"] = []
        for c in calls:
            self.add(c)

    def add(self, call: "VoIPCall") -> None:
        """Join *call* to the conference."""
        if call in self.members:
            return
        for m in self.members:
            connect(m, call)
            connect(call, m)
        self.members.append(call)

    def remove(self, call: "VoIPCall") -> None:
        """Take *call* out (a call that ended has left already)."""
        if call not in self.members:
            return
        self.members.remove(call)
        for m in self.members:
            for a, b in ((m, call), (call, m)):
                try:
                    disconnect(a, b)
                except VoIPError:
                    pass

    def close(self) -> None:
        """Disconnect every member."""
        for c in list(self.members):
            self.remove(c)

    def __enter__(self) -> "Conference":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __len__(self) -> int:
        return len(self.members)

"""VoIPPhoneParameter and VoIPPhone (pyVoIP 2's ``pyVoIP.VoIP.phone``)."""

from __future__ import annotations

import atexit
import logging
import sys
import os
import threading
import weakref
from ctypes import byref, c_int32, c_uint64
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Type, Union, overload

from . import _lib, media
from ._registry import CallRegistry
from .call import VoIPCall
from .credentials import CredentialsManager
from .events import PhoneEvents
from .errors import (
    InvalidAccountInfoError,
    InvalidStateError,
    VoIPError,
    check,
    from_code,
)
from .types import KEY_PASSWORD, CallRequest, CallState, PhoneRequest, PhoneStatus, TransportMode

__all__ = ["VoIPPhoneParameter", "VoIPPhone"]

log = logging.getLogger("voip")
liblog = logging.getLogger("voip.libvoip")


def _debug() -> bool:
    """``voip.DEBUG``, pyVoIP's ``pyVoIP.DEBUG``: read when a phone is
    created or started."""
    return bool(getattr(sys.modules.get("voip"), "DEBUG", False))


def _debug_logging() -> None:
    """What ``voip.DEBUG = True`` does to logging, as pyVoIP's prints do:
    the ``voip`` logger passes DEBUG records (unless a level was set on
    it), and prints them to stderr when no handler would show them."""
    if log.level == logging.NOTSET:
        log.setLevel(logging.DEBUG)
    if not log.hasHandlers():
        h = logging.StreamHandler(sys.stderr)
        h.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        log.addHandler(h)

# Which phone's callback (C phone handle) this thread is running, if any.
_tls = threading.local()

# Started phones, by C handle: kept alive (with their ctypes callbacks) until
# voip_phone_destroy has returned.
_live_lock = threading.Lock()
_live: Dict[int, "VoIPPhone"] = {}


def _in_callback_of(handle: int) -> bool:
    return bool(getattr(_tls, "phone", 0) == handle)


CallCallback = Callable[[VoIPCall], Any]
DTMFCallback = Callable[[VoIPCall, str], Any]
CallEventCallback = Callable[[VoIPCall, str, str], Any]
RequestCallback = Callable[[PhoneRequest], Any]


# The call limits against floods and abandoned calls: fields of
# VoIPPhoneParameter named as their voip_phone_set_option keys.
_CALL_LIMIT_KEYS: Tuple[str, ...] = (
    "rtp_timeout_ms",
    "ring_timeout_ms",
    "max_calls",
)


# The session timer (RFC 4028), in seconds: fields of VoIPPhoneParameter
# named as their voip_phone_set_option keys.
_SESSION_TIMER_KEYS: Tuple[str, ...] = (
    "session_expires",
    "min_se",
)


# The transport-limit options: fields of VoIPPhoneParameter named as their
# voip_phone_set_option keys.
_LIMIT_KEYS: Tuple[str, ...] = (
    "tcp_max_connections",
    "tcp_idle_timeout_ms",
    "tcp_message_timeout_ms",
    "tcp_max_message_bytes",
    "udp_max_sources",
)


@dataclass
class VoIPPhoneParameter:
    """A phone's settings: pyVoIP 2's VoIPPhoneParameter, same names and
    order, plus libvoip's extras (keyword arguments after ``sip_class``).

    ``server=None`` means no registration (peer to peer).  Options left at
    None keep libvoip's defaults.  ``sip_class`` exists for signature
    compatibility and must stay None (SIP lives in libvoip).
    """

    server: Optional[str] = None
    port: Optional[int] = 5060
    user: Optional[str] = None
    credentials_manager: Optional[CredentialsManager] = None
    bind_ip: str = "0.0.0.0"
    bind_port: int = 5060
    bind_network: str = "0.0.0.0/0"
    hostname: Optional[str] = None
    remote_hostname: Optional[str] = None
    transport_mode: TransportMode = TransportMode.UDP
    cert_file: Optional[str] = None
    key_file: Optional[str] = None
    key_password: KEY_PASSWORD = None
    rtp_port_low: int = 10000
    rtp_port_high: int = 20000
    call_class: Optional[Type[VoIPCall]] = None
    sip_class: Optional[type] = None
    # ---- beyond pyVoIP ----
    audio_format: str = "s16le"
    call_callback: Optional[CallCallback] = None
    dtmf_callback: Optional[DTMFCallback] = None
    call_event_callback: Optional[CallEventCallback] = None
    request_callback: Optional[RequestCallback] = None
    display_name: Optional[str] = None
    user_agent: Optional[str] = None
    """User-Agent of our requests and Server of our responses; "" = neither."""
    accept_any_user: Optional[bool] = None
    """False: 404 to a request whose Request-URI names another user."""
    codecs: Optional[Union[str, Sequence[str]]] = None
    dtmf_payload_type: Optional[int] = None
    dtmf_mode: Optional[str] = None
    """How send_dtmf sends: "rfc4733", "info" (SIP INFO, RFC 6086),
    "inband" (tones in the audio) or "auto" (libvoip's default: RFC 4733
    when negotiated, else INFO)."""
    dtmf_detect_inband: Optional[bool] = None
    """True detects DTMF tones in received audio and reports them like RFC
    4733 digits (option dtmf_detect_inband), for peers that send none."""
    jitter_ms: Optional[int] = None
    invite_timeout_ms: Optional[int] = None
    allow_transfer: Optional[bool] = None
    """False answers a peer's REFER 603 Declined (option allow_transfer)."""
    rel100: Optional[str] = None
    """Reliable provisional responses (RFC 3262): "off", "supported" (the
    library's default) or "required"."""
    # Call limits against floods and abandoned calls (voip.h).
    rtp_timeout_ms: Optional[int] = None
    ring_timeout_ms: Optional[int] = None
    max_calls: Optional[int] = None
    session_expires: Optional[int] = None
    """Session timer (RFC 4028) our INVITEs ask for, in seconds: 0 (ask
    for none; a peer's is still honoured) or 90..86400; libvoip's default
    1800."""
    min_se: Optional[int] = None
    """Smallest session interval accepted, in seconds (90..86400; default
    90): a request asking for less is answered 422."""
    register_expires: Optional[int] = None
    outbound_proxy: Optional[str] = None
    ca_file: Optional[str] = None
    tls_insecure: Optional[bool] = None
    # Transport limits against floods and idle or slow peers (voip.h).
    tcp_max_connections: Optional[int] = None
    tcp_idle_timeout_ms: Optional[int] = None
    tcp_message_timeout_ms: Optional[int] = None
    tcp_max_message_bytes: Optional[int] = None
    udp_max_sources: Optional[int] = None
    # ---- wideband audio (issue 13: codecs) ----
    sample_rate: Optional[int] = None
    """The application's audio rate in Hz: 8000 (libvoip's default), 16000
    or 48000.  A 20 ms frame is rate/50 samples; libvoip resamples to the
    codec's rate.  Use with codecs such as ["opus", "G722", "PCMU"] for
    wideband ("HD") audio."""
    # Debugging (issue 17).
    sip_trace: Optional[bool] = None
    """True logs every SIP message sent and received (option sip_trace) to
    the ``voip.libvoip`` logger at INFO, secrets masked; ``voip.DEBUG``
    turns it on for every phone."""
    # Media security (issue 14; voip.h "media_encryption").
    media_encryption: Optional[str] = None
    """SRTP with SDES keys: "off" (libvoip's default: plain RTP; an
    RTP/SAVP offer is answered 488), "optional" (a=crypto offered, plain or
    SRTP accepted) or "mandatory" (RTP/SAVP; a peer without SRTP gets 488,
    our call to it ends with end_code 488).  ``call.media_encryption``
    says what a call got."""
    # NAT traversal (issue 14; voip.h "stun_server", "ice").
    stun_server: Optional[str] = None
    """STUN server "host[:port]" (port 3478) asked for our public address,
    written in Via, Contact and SDP for peers outside bind_network; None
    keeps libvoip's default (none)."""
    ice: Optional[bool] = None
    """True offers and answers ICE (RFC 8445) with host and
    server-reflexive candidates; a peer without ICE gets plain RTP, and
    call.info("ice") names the selected pair ("" without ICE)."""
    turn_server: Optional[str] = None
    """TURN server "host[:port]" (UDP, port 3478) whose relay ICE offers as
    a candidate, for calls behind symmetric NATs; with turn_user and
    turn_password (long-term credentials)."""
    turn_user: Optional[str] = None
    turn_password: Optional[str] = None
    # DTLS-SRTP (issue 14; voip.h "media_keying").
    media_keying: Optional[str] = None
    """How our offers key SRTP when media_encryption is not "off": "sdes"
    (libvoip's default: a=crypto) or "dtls" (UDP/TLS/RTP/SAVP with
    a=fingerprint, keys from a DTLS handshake on the RTP port; a peer
    without DTLS-SRTP answers 488).  Offers of either kind are answered.
    ``call.media_encryption`` is then "dtls"."""
    options: Dict[str, str] = field(default_factory=dict)
    """Any other ``voip_phone_set_option`` key, set last."""

    def validate(self) -> None:
        """Type checks (TypeError) and the account's consistency; values
        and ranges are the library's to check (its InvalidArgumentError, or
        InvalidRangeError from start() for rtp_port_low > rtp_port_high)."""

        def integer(name: str, v: Any) -> None:
            if not isinstance(v, int) or isinstance(v, bool):
                raise TypeError(f"{name} must be an int, not {type(v).__name__}")

        for name in ("server", "user", "hostname", "remote_hostname", "cert_file", "key_file",
                     "dtmf_mode", "rel100", "media_encryption", "media_keying", "stun_server",
                     "turn_server", "turn_user", "turn_password"):
            v = getattr(self, name)
            if v is not None and not isinstance(v, str):
                raise TypeError(f"{name} must be a str or None, not {type(v).__name__}")
        if not isinstance(self.bind_ip, str):
            raise TypeError("bind_ip must be a str")
        for name in ("bind_port", "rtp_port_low", "rtp_port_high"):
            integer(name, getattr(self, name))
        for name in ("port", "dtmf_payload_type", "jitter_ms", "invite_timeout_ms",
                     "register_expires", "sample_rate") + _CALL_LIMIT_KEYS + _SESSION_TIMER_KEYS + _LIMIT_KEYS:
            if getattr(self, name) is not None:
                integer(name, getattr(self, name))
        if not isinstance(self.transport_mode, TransportMode):
            raise TypeError("transport_mode must be a TransportMode")
        if not isinstance(self.audio_format, str):
            raise TypeError("audio_format must be a str")
        if self.user_agent is not None and not isinstance(self.user_agent, str):
            raise TypeError("user_agent must be a str or None")
        for name in ("accept_any_user", "sip_trace"):
            if getattr(self, name) is not None and not isinstance(getattr(self, name), bool):
                raise TypeError(f"{name} must be a bool or None")
        if self.dtmf_detect_inband is not None and not isinstance(self.dtmf_detect_inband, bool):
            raise TypeError("dtmf_detect_inband must be a bool or None")
        if self.ice is not None and not isinstance(self.ice, bool):
            raise TypeError("ice must be a bool or None")
        if self.call_class is not None and not (
            isinstance(self.call_class, type) and issubclass(self.call_class, VoIPCall)
        ):
            raise TypeError("call_class must be a subclass of voip.VoIPCall")
        if self.sip_class is not None:
            raise TypeError("sip_class is not supported: SIP is implemented by libvoip")
        for name in ("call_callback", "dtmf_callback", "call_event_callback", "request_callback"):
            fn = getattr(self, name)
            if fn is not None and not callable(fn):
                raise TypeError(f"{name} must be callable")
        if self.credentials_manager is not None and not isinstance(
            self.credentials_manager, CredentialsManager
        ):
            raise TypeError("credentials_manager must be a voip.CredentialsManager")
        if self.server:
            if not self.user:
                raise InvalidAccountInfoError(
                    "a phone that registers (server set) needs a user", _lib.EINVAL
                )

    def to_options(self) -> List[Tuple[str, str]]:
        """The (key, value) pairs given to voip_phone_set_option, in order.
        Settings equal to libvoip's defaults are not sent."""
        o: List[Tuple[str, str]] = [
            ("bind_ip", self.bind_ip),
            ("bind_port", str(self.bind_port)),
            ("rtp_port_low", str(self.rtp_port_low)),
            ("rtp_port_high", str(self.rtp_port_high)),
        ]
        if self.user is not None:
            o.append(("user", self.user))
        if self.hostname is not None:
            o.append(("hostname", self.hostname))
        if self.audio_format != "s16le":
            o.append(("audio_format", self.audio_format))
        if self.display_name is not None:
            o.append(("display_name", self.display_name))
        if self.user_agent is not None:
            o.append(("user_agent", self.user_agent))
        if self.accept_any_user is not None:
            o.append(("accept_any_user", "1" if self.accept_any_user else "0"))
        if self.codecs is not None:
            codecs = self.codecs if isinstance(self.codecs, str) else ",".join(self.codecs)
            o.append(("codecs", codecs))
        if self.sample_rate is not None:
            o.append(("sample_rate", str(int(self.sample_rate))))
        for key in ("dtmf_payload_type", "jitter_ms", "invite_timeout_ms") + _CALL_LIMIT_KEYS + _SESSION_TIMER_KEYS:
            v = getattr(self, key)
            if v is not None:
                o.append((key, str(int(v))))
        if self.allow_transfer is not None:
            o.append(("allow_transfer", "1" if self.allow_transfer else "0"))
        if self.dtmf_mode is not None:
            o.append(("dtmf_mode", self.dtmf_mode))
        if self.dtmf_detect_inband is not None:
            o.append(("dtmf_detect_inband", "1" if self.dtmf_detect_inband else "0"))
        if self.rel100 is not None:
            o.append(("rel100", self.rel100))
        if self.media_encryption is not None:
            o.append(("media_encryption", self.media_encryption))
        if self.media_keying is not None:
            o.append(("media_keying", self.media_keying))
        # Registration, transports and NAT (sent only when used).
        if self.server:
            o.append(("server", self.server))
            if self.port:
                o.append(("server_port", str(self.port)))
        if self.register_expires is not None:
            o.append(("register_expires", str(int(self.register_expires))))
        if self.transport_mode is not TransportMode.UDP:
            o.append(("transport", self.transport_mode.value))
        if self.outbound_proxy is not None:
            o.append(("outbound_proxy", self.outbound_proxy))
        if self.ca_file is not None:
            o.append(("ca_file", self.ca_file))
        if self.tls_insecure is not None:
            o.append(("tls_insecure", "1" if self.tls_insecure else "0"))
        if self.cert_file is not None:
            o.append(("cert_file", self.cert_file))
        if self.key_file is not None:
            o.append(("key_file", self.key_file))
        pw = self.key_password
        if callable(pw):
            pw = pw()
        if pw is not None:
            if isinstance(pw, (bytes, bytearray)):
                pw = bytes(pw).decode("utf-8")
            o.append(("key_password", str(pw)))
        if self.bind_network and self.bind_network != "0.0.0.0/0":
            o.append(("bind_network", self.bind_network))
        if self.remote_hostname is not None:
            o.append(("remote_hostname", self.remote_hostname))
        for key in _LIMIT_KEYS:
            v = getattr(self, key)
            if v is not None:
                o.append((key, str(int(v))))
        if self.sip_trace is not None or _debug():
            o.append(("sip_trace", "1" if self.sip_trace or _debug() else "0"))
        if self.stun_server is not None:
            o.append(("stun_server", self.stun_server))
        if self.ice is not None:
            o.append(("ice", "1" if self.ice else "0"))
        for key in ("turn_server", "turn_user", "turn_password"):
            v = getattr(self, key)
            if v is not None:
                o.append((key, v))
        for k, v in self.options.items():
            o.append((str(k), str(v)))
        return o


def _destroy_handle(handle: int, keep: Any) -> None:
    """Finalizer of a VoIPPhone that was never stopped: destroy its handle.
    *keep* (the ctypes callbacks) stays referenced until destroy returns."""
    try:
        if _in_callback_of(handle):
            threading.Thread(
                target=_lib.lib.voip_phone_destroy, args=(handle,), daemon=False
            ).start()
        else:
            _lib.lib.voip_phone_destroy(handle)
    except Exception:  # pragma: no cover - interpreter shutdown
        pass
    del keep


_LEGACY_KEYS = frozenset(
    ("username", "password", "callCallback", "myIP", "sipPort", "rtpPortLow", "rtpPortHigh")
)


def _legacy_parameters(
    server: Optional[str] = None,
    port: int = 5060,
    username: Optional[str] = None,
    password: Optional[str] = None,
    callCallback: Optional[CallCallback] = None,
    myIP: Optional[str] = None,
    sipPort: int = 5060,
    rtpPortLow: int = 10000,
    rtpPortHigh: int = 20000,
    **extra: Any,
) -> VoIPPhoneParameter:
    """pyVoIP 1.x's VoIPPhone(server, port, username, password, callCallback,
    myIP, sipPort, rtpPortLow, rtpPortHigh).  Its audio is 8-bit unsigned,
    so audio_format defaults to "u8" here (pass audio_format to change)."""
    creds = None
    if username and password is not None and server:
        creds = CredentialsManager()
        creds.add(username, password)
    extra.setdefault("audio_format", "u8")
    return VoIPPhoneParameter(
        server=server or None,
        port=port,
        user=username,
        credentials_manager=creds,
        bind_ip=myIP or "0.0.0.0",
        bind_port=sipPort,
        rtp_port_low=rtpPortLow,
        rtp_port_high=rtpPortHigh,
        call_callback=callCallback,
        **extra,
    )


class VoIPPhone(PhoneEvents):
    """A phone: pyVoIP 2's VoIPPhone over libvoip.

    ``VoIPPhone(VoIPPhoneParameter(...))``, or ``VoIPPhone(**fields)`` as a
    shortcut.  Settings are applied to a libvoip phone at once (a bad value
    raises here); :meth:`start` binds the sockets (and registers with a
    server); :meth:`stop` ends every call and releases the library's phone.
    A stopped phone can be started again.  ``with VoIPPhone(...) as phone:``
    starts and stops it.
    """

    @overload
    def __init__(self, voip_phone_parameter: VoIPPhoneParameter) -> None: ...

    @overload
    def __init__(self, **fields: Any) -> None: ...

    @overload
    def __init__(
        self,
        server: Optional[str],
        port: int,
        username: str,
        password: str,
        callCallback: Optional[CallCallback] = None,
        myIP: Optional[str] = None,
        sipPort: int = 5060,
        rtpPortLow: int = 10000,
        rtpPortHigh: int = 20000,
    ) -> None: ...

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if len(args) == 1 and isinstance(args[0], VoIPPhoneParameter) and not kwargs:
            p = args[0]
        elif args and isinstance(args[0], VoIPPhoneParameter):
            raise TypeError("pass either a VoIPPhoneParameter or keyword fields, not both")
        elif args or _LEGACY_KEYS.intersection(kwargs):
            p = _legacy_parameters(*args, **kwargs)
        else:
            p = VoIPPhoneParameter(**kwargs)
        p.validate()
        self.params = p
        self.voip_phone_parameter = p  # pyVoIP's attribute name
        self.call_class: Type[VoIPCall] = p.call_class or VoIPCall
        self.audio_format = p.audio_format
        self.sample_rate = p.sample_rate or 8000
        """The application's audio rate in Hz (option sample_rate)."""

        self._lock = threading.RLock()
        self._handle: Optional[int] = None
        self.call_registry = CallRegistry()
        """The phone's calls by handle, shared with them (internal)."""
        self._failed = False
        self._status_reason = ""
        self._stopped = threading.Event()
        self._stopped.set()
        self._finalizer: Optional[weakref.finalize[[int, Any], VoIPPhone]] = None
        # set_option()'s values, applied after the parameters' to every new
        # C phone (stop() releases it; start() makes another).
        self._set_options: Dict[str, str] = {}

        creds = []
        if p.credentials_manager is not None:
            creds = p.credentials_manager.entries_for(p.server)
        self._credentials = creds
        if creds and _lib.optional("voip_phone_add_credentials") is None:
            raise VoIPError(
                f"credentials were given but {_lib.path} has no "
                "voip_phone_add_credentials (a libvoip without PBX support)"
            )
        if p.request_callback is not None and _lib.optional("voip_phone_on_request") is None:
            raise VoIPError(
                f"request_callback was given but {_lib.path} has no "
                "voip_phone_on_request (a libvoip without PBX support)"
            )

        # ctypes callbacks: created once, they reach this object through a
        # weak reference, and stay referenced until the C phone is destroyed.
        ref = weakref.ref(self)

        def on_incoming(ud: Any, ph: int, call: int, frm: Optional[bytes], to: Optional[bytes]) -> None:
            me = ref()
            if me is not None:
                me._dispatch(ph, me._on_incoming, ph, call, _lib.text(frm), _lib.text(to))

        def on_state(ud: Any, ph: int, call: int, state: int, reason: Optional[bytes]) -> None:
            me = ref()
            if me is not None:
                me._dispatch(ph, me._on_state, call, state, _lib.text(reason))

        def on_dtmf(ud: Any, ph: int, call: int, digit: int) -> None:
            me = ref()
            if me is not None:
                me._dispatch(ph, me._on_dtmf, call, digit)

        def on_event(
            ud: Any, ph: int, call: int, name: Optional[bytes], detail: Optional[bytes]
        ) -> None:
            me = ref()
            if me is not None:
                me._dispatch(ph, me._on_call_event, call, _lib.text(name), _lib.text(detail))

        def on_status(ud: Any, ph: int, status: int, reason: Optional[bytes]) -> None:
            me = ref()
            if me is not None:
                me._dispatch(ph, me._on_status, status, _lib.text(reason))

        def on_request(
            ud: Any, ph: int, call: int, method: Optional[bytes], frm: Optional[bytes],
            ctype: Optional[bytes], body: Optional[bytes],
        ) -> None:
            me = ref()
            if me is not None:
                me._dispatch(
                    ph, me._on_request, call, _lib.text(method), _lib.text(frm),
                    _lib.text(ctype), _lib.text(body),
                )

        def on_log(ud: Any, ph: int, level: int, msg: Optional[bytes]) -> None:
            lvl = {
                _lib.LOG_DEBUG: logging.DEBUG,
                _lib.LOG_INFO: logging.INFO,
                _lib.LOG_WARN: logging.WARNING,
            }.get(level, logging.ERROR)
            liblog.log(lvl, "phone %d: %s", ph, _lib.text(msg))

        self._media_ports: Dict[int, "weakref.ReferenceType[media.MediaPort]"] = {}
        self._cfuncs: Tuple[Any, ...] = (
            _lib.INCOMING_CALL_FN(on_incoming),
            _lib.CALL_STATE_FN(on_state),
            _lib.DTMF_FN(on_dtmf),
            _lib.STATUS_FN(on_status),
            _lib.REQUEST_FN(on_request),
            _lib.LOG_FN(on_log),
            _lib.CALL_EVENT_FN(on_event),
        )
        self._events_init()  # events.py: its callbacks live as long as these
        self._cfuncs += self._event_cfuncs
        self._new_handle()

    # ------------------------------------------------------------------
    # The C phone
    # ------------------------------------------------------------------
    def _new_handle(self) -> int:
        """Create and configure a C phone (called with no handle)."""
        out = c_uint64()
        check(_lib.lib.voip_phone_new(byref(out)), "voip_phone_new")
        h = out.value
        try:
            for key, value in self.params.to_options() + list(self._set_options.items()):
                rc = _lib.lib.voip_phone_set_option(
                    h, _lib.encode(key, "option " + key), _lib.encode(value, "option " + key)
                )
                if rc != _lib.OK:
                    err = from_code(rc)
                    if rc == _lib.EINVAL and "unknown option" in err.message:
                        err.args = (
                            f"{err.message} (this libvoip build may not support "
                            f"{key!r} yet)",
                        )
                        err.message = str(err.args[0])
                    raise err
            add = _lib.optional("voip_phone_add_credentials")
            for c in self._credentials:
                assert add is not None
                check(
                    add(
                        h,
                        _lib.encode(c.username, "username"),
                        _lib.encode(c.password, "password"),
                        _lib.encode(c.realm, "realm") if c.realm else None,
                        _lib.encode(c.user, "user") if c.user else None,
                    ),
                    "add credentials",
                )
            inc, st, dt, stat, req, lg, ev = self._cfuncs[:7]
            check(_lib.lib.voip_phone_on_incoming_call(h, inc, None))
            check(_lib.lib.voip_phone_on_call_state(h, st, None))
            check(_lib.lib.voip_phone_on_dtmf(h, dt, None))
            check(_lib.lib.voip_phone_on_status(h, stat, None))
            check(_lib.lib.voip_phone_on_call_event(h, ev, None))
            on_req = _lib.optional("voip_phone_on_request")
            if self.params.request_callback is not None and on_req is not None:
                check(on_req(h, req, None))
            if _debug():
                _debug_logging()
            self._install_events(h)  # events.py
            level = liblog.getEffectiveLevel()
            if level <= logging.ERROR:
                c_level = (
                    _lib.LOG_DEBUG if level <= logging.DEBUG
                    else _lib.LOG_INFO if level <= logging.INFO
                    else _lib.LOG_WARN if level <= logging.WARNING
                    else _lib.LOG_ERROR
                )
                check(_lib.lib.voip_phone_set_log(h, c_level, lg, None))
        except BaseException:
            _lib.lib.voip_phone_destroy(h)
            raise
        with self._lock:
            self._handle = h
            self._finalizer = weakref.finalize(self, _destroy_handle, h, self._cfuncs)
        return h

    def _require_handle(self) -> int:
        h = self._handle
        if h is None:
            raise InvalidStateError("the phone is stopped; call start() first", _lib.ESTATE)
        return h

    @property
    def handle(self) -> Optional[int]:
        """The libvoip phone handle (None while stopped)."""
        return self._handle

    def get_option(self, key: str) -> str:
        """An option's value or a fact ("sip_port", "uri", "status_reason")
        of the running phone (``voip_phone_get_option``)."""
        k = _lib.encode(key, "key")
        h = self._require_handle()
        rc, value = _lib.read_string(_lib.lib.voip_phone_get_option, h, k)
        if rc != _lib.OK:
            raise from_code(rc, phone=h)
        return value

    def set_option(self, key: str, value: Union[str, int, bool]) -> None:
        """Set one library option by its C key (``voip_phone_set_option``),
        as Node's ``setOption``: while the phone is stopped (before start(),
        or after stop() or a failed start).  An int is sent in decimal, a
        bool as "1"/"0".  The library decides the rest: a running phone
        raises its InvalidStateError, an unknown key or a refused value its
        InvalidArgumentError (the option then keeps its value).  The value
        stays in force for later starts."""
        k = _lib.encode(key, "key")
        if isinstance(value, bool):
            text = "1" if value else "0"
        elif isinstance(value, int):
            text = str(value)
        elif isinstance(value, str):
            text = value
        else:
            raise TypeError(f"value must be a str, int or bool, not {type(value).__name__}")
        v = _lib.encode(text, "value")
        if self._handle is None and not self._stopped.is_set():
            # A stop() from a callback may still be destroying the old phone.
            self._stopped.wait(10)
        with self._lock:
            # A stopped phone has no C phone: make the one start() would use.
            h = self._handle if self._handle is not None else self._new_handle()
            rc = _lib.lib.voip_phone_set_option(h, k, v)
            if rc != _lib.OK:
                raise from_code(rc, phone=h)
            self._set_options[key] = text

    @property
    def sip_port(self) -> int:
        """The SIP port actually bound (useful with bind_port=0)."""
        return int(self.get_option("sip_port") or 0)

    @property
    def uri(self) -> str:
        """Our SIP URI, e.g. "sip:libvoip@127.0.0.1:5060" (after start)."""
        return self.get_option("uri")

    @property
    def status_reason(self) -> str:
        """Why the phone is in its current status, e.g. "403 Forbidden"."""
        h = self._handle
        if h is None:
            return self._status_reason
        try:
            return self.get_option("status_reason")
        except VoIPError:
            return self._status_reason

    # ------------------------------------------------------------------
    # pyVoIP API
    # ------------------------------------------------------------------
    def get_status(self) -> PhoneStatus:
        """The phone's status (PhoneStatus)."""
        h = self._handle
        if h is None:
            return PhoneStatus.FAILED if self._failed else PhoneStatus.INACTIVE
        s = c_int32()
        rc = _lib.lib.voip_phone_status(h, byref(s))
        if rc == _lib.ENOTFOUND:
            return PhoneStatus.INACTIVE
        check(rc)
        return PhoneStatus.from_code(s.value)

    def start(self) -> None:
        """Bind the sockets and start serving (and register, with a server).
        Blocks until ready (with a server: until the first registration is
        answered).  On failure the phone is stopped (as in pyVoIP) and the
        error raised: InvalidAccountInfoError when the registrar refused us,
        InvalidRangeError, NoPortsAvailableError, VoIPError (network...);
        ``status_reason`` keeps the cause.  A registrar that did not answer
        (VoIPError, code VOIP_ETIMEOUT, "...; retrying") leaves the phone
        running and retrying, as in C and Node: it becomes REGISTERED by
        itself once the registrar answers; ``stop()`` ends it."""
        if self._handle is None and not self._stopped.is_set():
            # A stop() from a callback may still be destroying the old phone.
            self._stopped.wait(10)
        with self._lock:
            h = self._handle if self._handle is not None else self._new_handle()
            self._stopped.clear()
        with _live_lock:
            _live[h] = self
        rc = _lib.lib.voip_phone_start(h)
        if rc == _lib.OK:
            self._failed = False
            return
        err = from_code(rc, "start", phone=h)
        if rc == _lib.ESTATE:
            raise err  # already running: leave it alone
        try:
            self._status_reason = self.get_option("status_reason")
        except VoIPError:
            pass
        if rc == _lib.ETIMEOUT:
            # The registrar did not answer (or was unreachable): as in C
            # and Node, the phone keeps running and retrying, FAILED with
            # the cause as its status reason until the registrar answers
            # (then REGISTERED by itself).  stop() ends it.
            raise err
        reason = self._status_reason
        self.stop()
        self._failed = True
        self._status_reason = reason  # the cause, not stop()'s "stopped"
        raise err

    def stop(self) -> None:
        """End every call (BYE, CANCEL, or deny), unregister, close the
        sockets and release the library's phone and call handles.  Safe
        from any callback (the release then finishes on a helper thread) and
        at interpreter exit; stopping a stopped phone does nothing."""
        with self._lock:
            h = self._handle
            self._handle = None
            if self._finalizer is not None:
                self._finalizer.detach()
                self._finalizer = None
        if h is None:
            # Another thread is stopping it: wait, unless we are a callback
            # (which that thread's destroy would be waiting for).
            if getattr(_tls, "phone", 0) == 0:
                self._stopped.wait(30)
            return
        self._failed = False
        rc = _lib.lib.voip_phone_stop(h)
        if rc not in (_lib.OK, _lib.ENOTFOUND):
            log.warning("voip_phone_stop(%d): %s", h, from_code(rc).message)
        if _in_callback_of(h):
            # voip_phone_destroy may not run on this phone's own callback
            # thread; it waits for the callbacks to finish, so a helper does it.
            threading.Thread(
                target=self._destroy, args=(h,), name=f"voip-destroy-{h}", daemon=False
            ).start()
        else:
            self._destroy(h)

    def _destroy(self, h: int) -> None:
        try:
            rc = _lib.lib.voip_phone_destroy(h)
            if rc not in (_lib.OK, _lib.ENOTFOUND):
                log.warning("voip_phone_destroy(%d): %s", h, from_code(rc).message)
            self.call_registry.drop_phone(h)
        finally:
            with _live_lock:
                _live.pop(h, None)
            with self._lock:
                if self._handle is None:
                    self._stopped.set()

    def call(self, number: str) -> VoIPCall:
        """Place a call to *number*: "sip:user@host[:port]", "user@host[:port]",
        or with a server just the user or number.  Returns a call in
        DIALING; wait for ANSWERED with ``call.wait()`` or by polling
        ``call.state``.  Raises InvalidStateError when the phone is not
        started, NoPortsAvailableError, InvalidArgumentError for a bad URI."""
        uri = _lib.encode(number, "number")
        h = self._require_handle()
        out = c_uint64()
        # Held while the call object is registered, so that a state callback
        # for the new handle (on the dispatcher) waits until it exists.
        with self.call_registry.lock:
            rc = _lib.lib.voip_phone_call(h, uri, byref(out))
            if rc != _lib.OK:
                raise from_code(rc, phone=h)
            ch = out.value
            try:
                call = self.call_class(self, CallState.DIALING, None, ch)
            except BaseException:
                _lib.lib.voip_call_release(ch)
                raise
            self.call_registry.add(ch, call, h)
        return call

    def message(
        self, number: str, body: str, ctype: str = "text/plain",
        timeout: Optional[float] = None,
    ) -> bool:
        """Send a SIP MESSAGE (an instant message) to *number* (as for
        :meth:`call`) and wait for the answer, as in pyVoIP 2: True on 2xx,
        False when it was refused (the status is logged).  *timeout* in
        seconds (None: SIP's own transaction timeout) is an extra; when it
        runs out a VoIPError (code VOIP_ETIMEOUT) is raised."""
        fn = _lib.optional("voip_phone_send_message")
        if fn is None:
            raise VoIPError(f"{_lib.path} has no voip_phone_send_message (no MESSAGE support)")
        uri = _lib.encode(number, "number")
        b = _lib.encode(body, "body")
        ct = _lib.encode(ctype or "text/plain", "ctype")
        # int32_t milliseconds: a longer timeout is as good as none.
        ms = -1 if timeout is None else min(max(0, int(timeout * 1000)), (1 << 31) - 1)
        rc = fn(self._require_handle(), uri, ct, b, ms)
        if rc == _lib.OK:
            return True
        err = from_code(rc, "message")
        if rc == _lib.EREJECTED:
            log.info("%s", err.message)
            return False
        raise err

    # pyVoIP 1.x names (deprecated there too).
    def getStatus(self) -> PhoneStatus:
        return self.get_status()

    @property
    def calls(self) -> List[VoIPCall]:
        """The calls that have not ended."""
        return self.call_registry.live()

    # ------------------------------------------------------------------
    # Media toolkit (issue 12): players, recorders, tones, conferences
    # ------------------------------------------------------------------
    def player(
        self, source: Union[str, "os.PathLike[str]", bytes], loop: bool = False
    ) -> "media.Player":
        """A :class:`voip.media.Player` of a WAV file (a path, or the file's
        bytes); connect it to a call to play it."""
        return media.Player(self, source, loop)

    def recorder(
        self,
        path: Union[str, "os.PathLike[str]"],
        stereo: bool = False,
        max_duration: Optional[float] = None,
    ) -> "media.Recorder":
        """A :class:`voip.media.Recorder` writing *path*; connect calls to it."""
        return media.Recorder(self, path, stereo, max_duration)

    def tone(self, spec: str) -> "media.Tone":
        """A :class:`voip.media.Tone` playing *spec* ("ringback:us", ...)."""
        return media.Tone(self, spec)

    def conference(self, calls: Iterable[VoIPCall] = ()) -> "media.Conference":
        """A :class:`voip.media.Conference` of *calls*: each hears the others."""
        return media.Conference(calls)

    def __enter__(self) -> "VoIPPhone":
        if self.get_status() not in (PhoneStatus.REGISTERED, PhoneStatus.REGISTERING):
            self.start()
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<VoIPPhone handle={self._handle} status={self.get_status().name}>"

    # ------------------------------------------------------------------
    # Callbacks (the library's dispatcher: a Go runtime thread)
    # ------------------------------------------------------------------
    def _dispatch(self, ph: int, fn: Callable[..., None], *args: Any) -> None:
        prev = getattr(_tls, "phone", 0)
        _tls.phone = ph
        try:
            fn(*args)
        except BaseException:
            log.exception("exception in a voip callback (%s); the phone goes on",
                          getattr(fn, "__name__", fn))
        finally:
            _tls.phone = prev

    def _on_incoming(self, ph: int, ch: int, from_uri: str, to_uri: str) -> None:
        call_id = ""
        try:
            rc, value = _lib.read_string(_lib.lib.voip_call_info, ch, b"call_id")
            if rc == _lib.OK:
                call_id = value
        except Exception:  # pragma: no cover
            pass
        request = CallRequest(from_uri=from_uri, to_uri=to_uri, call_id=call_id)
        try:
            with self.call_registry.lock:
                call = self.call_class(self, CallState.RINGING, request, ch)
                self.call_registry.add(ch, call, ph)
        except BaseException:
            _lib.lib.voip_call_deny(ch, 500)
            _lib.lib.voip_call_release(ch)
            raise
        threading.Thread(
            target=self._run_ringing, args=(call, request),
            name=f"voip-call-{ch}", daemon=True,
        ).start()

    def _run_ringing(self, call: VoIPCall, request: CallRequest) -> None:
        try:
            if self.params.call_callback is not None:
                self.params.call_callback(call)
            else:
                call.ringing(request)
        except BaseException:
            log.exception("exception in the incoming-call handler of call %d", call.handle)
            try:
                if call.state == CallState.RINGING:
                    call.deny(500)
            except VoIPError:
                pass

    def _on_state(self, ch: int, state: int, reason: str) -> None:
        st = CallState.from_code(state)
        if st == CallState.ENDED:
            call = self.call_registry.mark_ended(ch)
        else:
            call = self.call_registry.get(ch)
        if call is not None:
            call.state_changed(st, reason)

    def _on_dtmf(self, ch: int, digit: int) -> None:
        call = self.call_registry.get(ch)
        if call is None:
            return
        code = chr(digit)
        try:
            call.dtmf_callback(code)
        finally:
            if self.params.dtmf_callback is not None:
                self.params.dtmf_callback(call, code)

    def _on_call_event(self, ch: int, name: str, detail: str) -> None:
        call = self.call_registry.get(ch)
        if call is None:
            ref = self._media_ports.get(ch)
            port = ref() if ref is not None else None
            if port is not None and name in media.END_EVENTS:
                port._on_end(detail)
            return
        if name in ("transferred", "replaced"):
            self._adopt_successor(call, name, detail)
        try:
            call.event_callback(name, detail)
        finally:
            if self.params.call_event_callback is not None:
                self.params.call_event_callback(call, name, detail)

    def _adopt_successor(self, call: VoIPCall, name: str, detail: str) -> None:
        """A call that takes *call* over ("transferred": the call we placed
        for the peer's REFER; "replaced": an INVITE with Replaces): its
        handle is in *detail* ("call=<handle> <uri>"); it becomes a call
        object of this phone, *call*'s :attr:`VoIPCall.successor`, before
        the event and its own state changes are delivered."""
        head, _, uri = detail.partition(" ")
        if not head.startswith("call="):
            return
        try:
            ch = int(head[len("call="):])
        except ValueError:
            return
        if ch == 0:
            return
        first = CallState.DIALING if name == "transferred" else CallState.ANSWERED
        with self.call_registry.lock:
            new = self.call_registry.get(ch)
            if new is None:
                new = self.call_class(self, first, None, ch)
                self.call_registry.add(ch, new, getattr(_tls, "phone", 0) or (self._handle or 0))
        call._successor = new
        log.info("call %d %s: call %d (%s)", call.handle, name, ch, uri)

    def _on_status(self, status: int, reason: str) -> None:
        self._status_reason = reason
        log.debug("phone status %s (%s)", PhoneStatus.from_code(status).name, reason)

    def _on_request(
        self, ch: int, method: str, from_uri: str, ctype: str, body: str
    ) -> None:
        fn = self.params.request_callback
        if fn is not None:
            fn(PhoneRequest(method, from_uri, ctype, body, self.call_registry.get(ch) if ch else None))


@atexit.register
def _stop_all_at_exit() -> None:
    """Stop every started phone before the interpreter goes away, so that no
    library thread calls into a finalizing interpreter."""
    with _live_lock:
        phones = list(_live.values())
    for p in phones:
        try:
            p.stop()
        except Exception:  # pragma: no cover
            pass

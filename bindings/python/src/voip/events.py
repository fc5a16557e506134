"""Events: subscriptions (RFC 6665), presence, message waiting, busy lamps.

sipsimple's Subscription / IncomingSubscription / Publication, thin over the
C API (include/voip.h "Events")::

    mwi = phone.mwi("sip:*97@pbx")             # message-summary
    mwi.wait(lambda n: n.summary.get("waiting"), timeout=5)
    print(mwi.counts)                          # {"new": 2, "old": 8, ...}

    bob = phone.subscribe("sip:bob@pbx", "presence")
    bob.on_notify = lambda sub, n: print(n.summary["basic"], n.summary["note"])
    phone.set_presence("open", note="at my desk")

    lamp = phone.watch("sip:201@pbx")          # dialog: a busy lamp
    lamp.lamp                                  # "idle", "early", "confirmed"

    w = phone.watchers("sip:me@pbx")           # presence.winfo: who watches me
    w.watchers                                 # [{"uri": .., "status": "pending", ..}]

    phone.serve_events(["presence", "dialog"], lambda s: s.accept())
"""

from __future__ import annotations

import json
import threading
import weakref
from ctypes import c_uint64, byref
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

from . import _lib
from .errors import check

NotifyCallback = Callable[[Optional["Subscription"], "Notification"], None]


@dataclass(frozen=True)
class Notification:
    """One NOTIFY: of a :class:`Subscription`, or an unsolicited
    message-summary one (then given with no subscription)."""

    event: str
    state: str
    content_type: str
    body: str
    summary: Dict[str, Any] = field(default_factory=dict)
    """The body parsed (see voip.h "Events"): MWI counts, presence, the
    busy lamp, or watcher information; ``{}`` for other packages; ``{"error": ...}`` when the body
    was malformed."""

    @property
    def error(self) -> str:
        """Why the body did not parse ("" when it did)."""
        return str(self.summary.get("error", ""))


def _ms(timeout: Optional[float]) -> int:
    return -1 if timeout is None else min(max(0, int(timeout * 1000)), (1 << 31) - 1)


class Subscription:
    """An outgoing subscription (sipsimple's Subscription), made by
    :meth:`VoIPPhone.subscribe`.  ``on_notify(sub, notification)`` and
    ``on_state(sub, state, reason)`` are called on the library's thread."""

    def __init__(self, phone: Any, handle: int, uri: str, event: str) -> None:
        self.phone = phone
        self.handle = handle
        self.uri = uri
        self.event = event
        self.on_notify: Optional[Callable[["Subscription", Notification], None]] = None
        self.on_state: Optional[Callable[["Subscription", str, str], None]] = None
        self.notifications: List[Notification] = []
        self.reason = ""
        self._cond = threading.Condition()
        self._state = ""

    @property
    def state(self) -> str:
        """"sent", "pending", "active" or "terminated" ("" before start)."""
        with self._cond:
            return self._state

    @property
    def last(self) -> Optional[Notification]:
        """The latest notification, None before the first."""
        with self._cond:
            return self.notifications[-1] if self.notifications else None

    def wait(self, predicate: Callable[[Notification], bool] = lambda n: True,
             timeout: Optional[float] = 5.0) -> Notification:
        """Wait for a notification (already received or to come) that
        satisfies *predicate*; TimeoutError when none did in time."""
        with self._cond:
            for n in self.notifications:
                if predicate(n):
                    return n
            seen = len(self.notifications)
            while True:
                if not self._cond.wait_for(lambda: len(self.notifications) > seen, timeout):
                    raise TimeoutError(f"no matching {self.event} NOTIFY from {self.uri}")
                for n in self.notifications[seen:]:
                    if predicate(n):
                        return n
                seen = len(self.notifications)

    def _start(self, timeout: Optional[float]) -> None:
        check(_lib.lib.voip_subscription_start(self.handle, _ms(timeout)), "subscribe")

    def stop(self, timeout: Optional[float] = 5.0) -> None:
        """Unsubscribe (SUBSCRIBE with Expires: 0)."""
        check(_lib.lib.voip_subscription_stop(self.handle, _ms(timeout)), "unsubscribe")

    def _got(self, n: Notification) -> None:
        with self._cond:
            self.notifications.append(n)
            del self.notifications[:-100]  # bounded history
            self._cond.notify_all()
        if self.on_notify is not None:
            self.on_notify(self, n)

    def _changed(self, state: str, reason: str) -> None:
        with self._cond:
            self._state, self.reason = state, reason
            self._cond.notify_all()
        if self.on_state is not None:
            self.on_state(self, state, reason)

    def __repr__(self) -> str:
        return f"<Subscription {self.event} {self.uri} {self.state}>"


class MWI(Subscription):
    """A message-summary subscription (RFC 3842), from :meth:`VoIPPhone.mwi`."""

    @property
    def counts(self) -> Dict[str, Any]:
        """The latest counts: waiting, new, old, new_urgent, old_urgent."""
        n = self.last
        return dict(n.summary) if n is not None else {}


class Watch(Subscription):
    """A dialog subscription (RFC 4235) to an extension: its busy lamp,
    from :meth:`VoIPPhone.watch`."""

    @property
    def lamp(self) -> str:
        """"idle", "early" (ringing) or "confirmed" (in a call); "" before
        the first NOTIFY."""
        n = self.last
        return str(n.summary.get("lamp", "")) if n is not None else ""


class Watchers(Subscription):
    """A presence.winfo subscription (watcher information, RFC 3857/3858):
    who watches *uri*'s presence, from :meth:`VoIPPhone.watchers`.  Full
    documents replace the list, partial ones update it by watcher id."""

    def __init__(self, phone: Any, handle: int, uri: str, event: str) -> None:
        super().__init__(phone, handle, uri, event)
        self._watchers: Dict[str, Dict[str, str]] = {}

    @property
    def watchers(self) -> List[Dict[str, str]]:
        """The current watchers (not terminated), each a dict with id, uri,
        status ("pending", "active" or "waiting") and event ("subscribe",
        "approved", ...), in the order they appeared."""
        with self._cond:
            return [dict(w) for w in self._watchers.values() if w.get("status") != "terminated"]

    def status(self, uri: str) -> str:
        """The latest status of the watcher *uri* ("pending", "active",
        "waiting", "terminated"); "" when never seen."""
        with self._cond:
            for w in reversed(list(self._watchers.values())):
                if w.get("uri") == uri:
                    return str(w.get("status", ""))
        return ""

    def wait_status(self, uri: str, status: str, timeout: Optional[float] = 5.0) -> Notification:
        """Wait for a document telling that watcher *uri* is in *status*."""
        return self.wait(lambda n: any(w.get("uri") == uri and w.get("status") == status
                                       for w in n.summary.get("watchers", [])), timeout)

    def _got(self, n: Notification) -> None:
        ws = n.summary.get("watchers")
        if isinstance(ws, list):
            with self._cond:
                if n.summary.get("state") == "full":
                    self._watchers = {}
                for w in ws:
                    if isinstance(w, dict) and w.get("id"):
                        self._watchers.pop(str(w["id"]), None)  # a change moves it last
                        self._watchers[str(w["id"])] = {k: str(v) for k, v in w.items()}
        super()._got(n)


class IncomingSubscription:
    """A peer's subscription to us (sipsimple's IncomingSubscription),
    given to the :meth:`VoIPPhone.serve_events` callback: accept or reject
    it promptly."""

    def __init__(self, handle: int, event: str, from_uri: str, to_uri: str) -> None:
        self.handle = handle
        self.event = event
        self.from_uri = from_uri
        self.to_uri = to_uri

    def accept(self) -> None:
        """Accept (200); presence and dialog subscriptions then get our
        presence and our calls' state by themselves."""
        check(_lib.lib.voip_incoming_subscription_accept(self.handle), "accept")

    def accept_pending(self) -> None:
        """Accept as pending (202)."""
        check(_lib.lib.voip_incoming_subscription_accept_pending(self.handle), "accept")

    def reject(self, code: int = 603) -> None:
        """Refuse with a 3xx-6xx status."""
        check(_lib.lib.voip_incoming_subscription_reject(self.handle, _lib.int32(code, "code")), "reject")

    def notify(self, content_type: str, body: str, timeout: Optional[float] = 5.0) -> None:
        """Send a NOTIFY with *body*."""
        check(_lib.lib.voip_incoming_subscription_notify(
            self.handle, _lib.encode(content_type, "content_type"), _lib.encode(body, "body"),
            _ms(timeout)), "notify")

    def end(self, reason: str = "noresource", timeout: Optional[float] = 5.0) -> None:
        """Terminate it with a final NOTIFY giving *reason*."""
        check(_lib.lib.voip_incoming_subscription_end(
            self.handle, _lib.encode(reason, "reason"), _ms(timeout)), "end")

    @property
    def state(self) -> str:
        """"incoming", "pending", "active" or "terminated"."""
        rc, value = _lib.read_string(_lib.lib.voip_incoming_subscription_state, self.handle)
        check(rc, "state")
        return value

    def release(self) -> None:
        """Release the handle (the subscription goes on until it ends)."""
        _lib.lib.voip_incoming_subscription_release(self.handle)

    def __repr__(self) -> str:
        return f"<IncomingSubscription {self.event} from {self.from_uri}>"


class PhoneEvents:
    """The event half of :class:`VoIPPhone` (a mixin)."""

    notify_callback: Optional[NotifyCallback] = None
    """Told every NOTIFY: of a subscription, and unsolicited
    message-summary ones (with None for the subscription)."""

    _handle: Optional[int]

    # Provided by VoIPPhone.
    def _dispatch(self, ph: int, fn: Callable[..., None], *args: Any) -> None:
        raise NotImplementedError

    def _require_handle(self) -> int:
        raise NotImplementedError

    def _events_init(self) -> None:
        self._subs: Dict[int, Subscription] = {}
        self._serve: Optional[Tuple[bytes]] = None
        self._incoming_handler: Optional[Callable[[IncomingSubscription], None]] = None
        ref = weakref.ref(self)

        def on_notify(ud: Any, ph: int, sub: int, event: Optional[bytes], state: Optional[bytes],
                      ct: Optional[bytes], body: Optional[bytes], summary: Optional[bytes]) -> None:
            me = ref()
            if me is not None:
                me._dispatch(ph, me._on_notify, sub, _lib.text(event), _lib.text(state),
                             _lib.text(ct), _lib.text(body), _lib.text(summary))

        def on_sub_state(ud: Any, ph: int, sub: int, state: Optional[bytes], reason: Optional[bytes]) -> None:
            me = ref()
            if me is not None:
                me._dispatch(ph, me._on_sub_state, sub, _lib.text(state), _lib.text(reason))

        def on_subscribe(ud: Any, ph: int, isub: int, event: Optional[bytes], frm: Optional[bytes],
                         to: Optional[bytes]) -> None:
            me = ref()
            if me is not None:
                me._dispatch(ph, me._on_subscribe, isub, _lib.text(event), _lib.text(frm), _lib.text(to))

        self._event_cfuncs = (
            _lib.NOTIFY_FN(on_notify),
            _lib.SUBSCRIPTION_STATE_FN(on_sub_state),
            _lib.INCOMING_SUBSCRIPTION_FN(on_subscribe),
        )

    def _install_events(self, h: int) -> None:
        nf, st, inc = self._event_cfuncs
        check(_lib.lib.voip_phone_on_notify(h, nf, None))
        check(_lib.lib.voip_phone_on_subscription_state(h, st, None))
        if self._serve is not None:
            check(_lib.lib.voip_phone_on_subscribe(h, self._serve[0], inc, None))

    # -- outgoing -------------------------------------------------------
    def subscribe(self, uri: str, event: str, accept: Optional[Iterable[str]] = None,
                  timeout: Optional[float] = 5.0, cls: type = Subscription) -> Subscription:
        """Subscribe to *uri*'s *event* package and return the started
        :class:`Subscription` (refreshed until stopped or the phone stops).
        A refusal raises VoIPError (code VOIP_EREJECTED)."""
        acc = _lib.encode(",".join(accept), "accept") if accept else None
        out = c_uint64()
        h = self._require_handle()
        check(_lib.lib.voip_subscription_new(h, _lib.encode(uri, "uri"), _lib.encode(event, "event"),
                                             acc, byref(out)), "subscribe")
        sub: Subscription = cls(self, out.value, uri, event)
        self._subs[out.value] = sub
        try:
            sub._start(timeout)
        except BaseException:
            self._subs.pop(out.value, None)
            _lib.lib.voip_subscription_release(out.value)
            raise
        return sub

    def mwi(self, uri: str, timeout: Optional[float] = 5.0) -> MWI:
        """Subscribe to message-summary at a voicemail server (RFC 3842)."""
        sub = self.subscribe(uri, "message-summary", timeout=timeout, cls=MWI)
        assert isinstance(sub, MWI)
        return sub

    def watch(self, uri: str, timeout: Optional[float] = 5.0) -> Watch:
        """Watch an extension's busy lamp (dialog package, RFC 4235)."""
        sub = self.subscribe(uri, "dialog", timeout=timeout, cls=Watch)
        assert isinstance(sub, Watch)
        return sub

    def watchers(self, uri: str, timeout: Optional[float] = 5.0) -> Watchers:
        """Watch who watches *uri*'s presence (presence.winfo, RFC 3857):
        ``.watchers`` is the current list."""
        sub = self.subscribe(uri, "presence.winfo", timeout=timeout, cls=Watchers)
        assert isinstance(sub, Watchers)
        return sub

    # -- our state -------------------------------------------------------
    def set_presence(self, basic: str, note: str = "", activities: Iterable[str] = (),
                     timeout: Optional[float] = 5.0) -> None:
        """Show *basic* ("open" or "closed") with a note and RPID activities
        to our presence watchers, and publish it at the server if any."""
        acts = ",".join(activities)
        check(_lib.lib.voip_phone_set_presence(
            self._require_handle(), _lib.encode(basic, "basic"),
            _lib.encode(note, "note"), _lib.encode(acts, "activities"), _ms(timeout)), "set_presence")

    def publish(self, event: str, content_type: str, body: Optional[str],
                timeout: Optional[float] = 5.0) -> None:
        """PUBLISH *body* as our *event* state at the server (None removes it)."""
        check(_lib.lib.voip_phone_publish(
            self._require_handle(), _lib.encode(event, "event"),
            _lib.encode(content_type, "content_type"),
            None if body is None else _lib.encode(body, "body"), _ms(timeout)), "publish")

    def serve_events(self, packages: Iterable[str],
                     handler: Optional[Callable[[IncomingSubscription], None]]) -> None:
        """Serve SUBSCRIBEs for *packages* through *handler* (None: none;
        others get 489)."""
        pk = ",".join(packages)
        self._incoming_handler = handler
        self._serve = (_lib.encode(pk, "packages"),) if handler is not None else None
        h = self._handle
        if h is not None:
            fn = self._event_cfuncs[2] if handler is not None else _lib.INCOMING_SUBSCRIPTION_FN()
            check(_lib.lib.voip_phone_on_subscribe(h, self._serve[0] if self._serve else None, fn, None))

    # -- callbacks ---------------------------------------------------------
    def _on_notify(self, sub: int, event: str, state: str, ct: str, body: str, summary: str) -> None:
        try:
            parsed = json.loads(summary) if summary else {}
        except ValueError:
            parsed = {"error": "bad summary"}
        n = Notification(event, state, ct, body, parsed)
        s = self._subs.get(sub) if sub else None
        if s is not None:
            s._got(n)
        if self.notify_callback is not None and (s is not None or sub == 0):
            self.notify_callback(s, n)

    def _on_sub_state(self, sub: int, state: str, reason: str) -> None:
        s = self._subs.get(sub)
        if s is not None:
            s._changed(state, reason)

    def _on_subscribe(self, isub: int, event: str, frm: str, to: str) -> None:
        s = IncomingSubscription(isub, event, frm, to)
        if self._incoming_handler is None:
            s.reject(489)
            return
        self._incoming_handler(s)

'use strict';
// Events (voip.h "Events"): subscriptions (RFC 6665), presence, message
// waiting (RFC 3842), busy lamps (RFC 4235), watcher information (RFC 3857).
// Phone gets subscribe, mwi, watch, watchers, setPresence, publish and
// serveEvents from installEvents; a
// Subscription is an EventEmitter ('notify', 'state'), an
// IncomingSubscription is what serveEvents' handler accepts or rejects.

const { EventEmitter } = require('node:events');
const native = require('./native');
const { VoipError, fromSync } = require('./errors');
const { checkString, typeName } = require('./options');
const { emitSafe } = require('./call');

const { OK, ErrorCode, callAsync, readString } = native;

// A timeout in ms for the library: -1 (SIP's own) for undefined/null/Infinity.
function timeoutOf(v, def = 5000) {
  if (v === undefined) return def;
  if (v === null || v === Infinity) return -1;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
    throw new TypeError(`timeoutMs must be an int32 number of milliseconds, got ${typeName(v)}`);
  }
  return v;
}

function optionsOf(options) {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object') throw new TypeError(`options must be an object, got ${typeName(options)}`);
  return options;
}

// The error of an async call on a subscription handle, with its message.
function subError(fn, rc, id, what) {
  let msg = '';
  if (fn.subscription_last_error) {
    const r = readString(fn.subscription_last_error, id);
    if (r.rc === OK) msg = r.value;
  }
  return new VoipError(`${what}: ${msg || fn.strerror(rc)}`, { errno: rc });
}

function parseSummary(s) {
  if (!s) return {};
  try {
    return JSON.parse(s);
  } catch {
    return { error: 'bad summary' };
  }
}

/** An outgoing subscription: emits 'notify' (notification) and 'state' (state, reason). */
class Subscription extends EventEmitter {
  constructor(phone, id, uri, event) {
    super();
    this.phone = phone;
    this.id = id;
    this.uri = uri;
    this.event = event;
    this.state = '';
    this.reason = '';
    this.notifications = [];
  }

  /** The latest notification, null before the first. */
  get last() {
    return this.notifications.length ? this.notifications[this.notifications.length - 1] : null;
  }

  /** MWI counts of the latest notification ({} before). */
  get counts() {
    return this.last ? this.last.summary : {};
  }

  /** Busy lamp of the latest dialog notification: 'idle', 'early', 'confirmed' ('' before). */
  get lamp() {
    return (this.last && this.last.summary.lamp) || '';
  }

  /**
   * presence.winfo (RFC 3857): the current watchers of the latest
   * documents, full ones replacing the list and partial ones updating it by
   * id; terminated watchers are left out ([] before).
   */
  get watchers() {
    return [...(this._watchers || new Map()).values()].filter((w) => w.status !== 'terminated').map((w) => ({ ...w }));
  }

  /** presence.winfo: the latest status of watcher uri ('' when never seen). */
  watcherStatus(uri) {
    let st = '';
    for (const w of (this._watchers || new Map()).values()) if (w.uri === uri) st = w.status;
    return st;
  }

  /** presence.winfo: resolves with the first document telling that watcher uri is in status. */
  waitForWatcher(uri, status, timeoutMs = 5000) {
    return this.waitFor((n) => Array.isArray(n.summary.watchers) && n.summary.watchers.some((w) => w.uri === uri && w.status === status), timeoutMs);
  }

  /** Resolves with the first notification (received or to come) satisfying pred. */
  waitFor(pred = () => true, timeoutMs = 5000) {
    const hit = this.notifications.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const on = (n) => {
        if (!pred(n)) return;
        clearTimeout(timer);
        this.off('notify', on);
        resolve(n);
      };
      const timer = setTimeout(() => {
        this.off('notify', on);
        reject(new VoipError(`no matching ${this.event} NOTIFY from ${this.uri} in ${timeoutMs} ms`, { code: 'ETIMEOUT' }));
      }, timeoutMs);
      this.on('notify', on);
    });
  }

  /** Unsubscribe (SUBSCRIBE with Expires: 0). */
  stop(options) {
    const o = optionsOf(options);
    const fn = this.phone._fn;
    return callAsync(fn.subscription_stop, this.id, timeoutOf(o.timeoutMs)).then((rc) => {
      if (rc !== OK) throw subError(fn, rc, this.id, `subscription ${this.id}: stop`);
    });
  }

  _got(n) {
    if (Array.isArray(n.summary.watchers)) this._mergeWatchers(n.summary);
    this.notifications.push(n);
    if (this.notifications.length > 100) this.notifications.shift();
    emitSafe(this, 'notify', n);
  }

  // A watcherinfo summary applied to the watcher list (by id; a change moves it last).
  _mergeWatchers(summary) {
    if (!this._watchers || summary.state === 'full') this._watchers = new Map();
    for (const w of summary.watchers) {
      if (!w || !w.id) continue;
      this._watchers.delete(w.id);
      this._watchers.set(w.id, { ...w });
    }
  }

  _changed(state, reason) {
    this.state = state;
    this.reason = reason;
    emitSafe(this, 'state', state, reason);
  }
}

/** A peer's subscription to us, given to serveEvents' handler. */
class IncomingSubscription {
  constructor(phone, id, event, from, to) {
    this.phone = phone;
    this.id = id;
    this.event = event;
    this.from = from;
    this.to = to;
  }

  _sync(f, what, ...args) {
    const fn = this.phone._fn;
    const rc = fn[f](this.id, ...args);
    if (rc !== OK) throw fromSync(fn, rc, `incoming subscription ${this.id}: ${what}`);
  }

  /** Accept (200): presence and dialog subscriptions then get our state by themselves. */
  accept() {
    this._sync('isub_accept', 'accept');
  }

  /** Accept as pending (202). */
  acceptPending() {
    this._sync('isub_accept_pending', 'acceptPending');
  }

  /** Refuse with a 3xx-6xx status (default 603). */
  reject(code = 603) {
    if (!Number.isInteger(code)) throw new TypeError(`code must be an integer, got ${typeName(code)}`);
    this._sync('isub_reject', 'reject', code);
  }

  /** Send a NOTIFY with body; resolves once answered. */
  notify(contentType, body, options) {
    checkString('contentType', contentType, { empty: false });
    checkString('body', body);
    const o = optionsOf(options);
    const fn = this.phone._fn;
    return callAsync(fn.isub_notify, this.id, contentType, body, timeoutOf(o.timeoutMs)).then((rc) => {
      if (rc !== OK) throw new VoipError(`incoming subscription ${this.id}: notify: ${fn.strerror(rc)}`, { errno: rc });
    });
  }

  /** Terminate it with a final NOTIFY giving reason (default 'noresource'). */
  end(reason = 'noresource', options) {
    checkString('reason', reason);
    const o = optionsOf(options);
    const fn = this.phone._fn;
    return callAsync(fn.isub_end, this.id, reason, timeoutOf(o.timeoutMs)).then((rc) => {
      if (rc !== OK) throw new VoipError(`incoming subscription ${this.id}: end: ${fn.strerror(rc)}`, { errno: rc });
    });
  }

  /** 'incoming', 'pending', 'active' or 'terminated'. */
  get state() {
    const { rc, value } = readString(this.phone._fn.isub_state, this.id);
    return rc === OK ? value : 'terminated';
  }

  /** Release the handle (the subscription goes on until it ends). */
  release() {
    this.phone._fn.isub_release(this.id);
  }
}

// The Phone methods.
const methods = {
  /**
   * Subscribe to uri's event package; resolves with the started
   * Subscription once accepted, rejects with VoipError ('EREJECTED' with
   * sipCode for a refusal, e.g. 489 or 403).
   */
  subscribe(uri, event, options) {
    checkString('uri', uri, { empty: false });
    checkString('event', event, { empty: false });
    const o = optionsOf(options);
    const accept = o.accept === undefined ? null : [].concat(o.accept).join(',');
    const fn = this._fn;
    if (!fn.subscription_new) return Promise.reject(new VoipError('this libvoip build has no subscriptions', { code: 'ERROR' }));
    const out = [0];
    const rc = fn.subscription_new(this._id, uri, event, accept, out);
    if (rc !== OK) return Promise.reject(fromSync(fn, rc, `phone ${this._id}: subscribe`));
    const id = Number(out[0]);
    const sub = new Subscription(this, id, uri, event);
    this._subs.set(id, sub);
    return callAsync(fn.subscription_start, id, timeoutOf(o.timeoutMs)).then((code) => {
      if (code === OK) return sub;
      const err = subError(fn, code, id, `phone ${this._id}: subscribe ${event} ${uri}`);
      const status = code === ErrorCode.EREJECTED && /\b([3-6]\d\d) ([^:]*)$/.exec(err.message);
      if (status) err.sipCode = Number(status[1]);
      this._subs.delete(id);
      fn.subscription_release(id);
      throw err;
    });
  },

  /** A message-summary subscription (RFC 3842): sub.counts. */
  mwi(uri, options) {
    return this.subscribe(uri, 'message-summary', options);
  },

  /** A dialog subscription (RFC 4235), a busy lamp: sub.lamp. */
  watch(uri, options) {
    return this.subscribe(uri, 'dialog', options);
  },

  /** A presence.winfo subscription (RFC 3857), who watches uri's presence: sub.watchers. */
  watchers(uri, options) {
    return this.subscribe(uri, 'presence.winfo', options);
  },

  /** Show our presence ('open'/'closed', note, activities) to watchers, and publish it at the server if any. */
  setPresence(basic, options) {
    checkString('basic', basic, { empty: false });
    const o = optionsOf(options);
    const note = o.note === undefined ? '' : checkString('note', o.note);
    const acts = o.activities === undefined ? '' : [].concat(o.activities).join(',');
    return this._phoneAsync(this._fn.phone_set_presence, 'setPresence', basic, note, acts, timeoutOf(o.timeoutMs));
  },

  /** PUBLISH body as our event state at the server (null removes it). */
  publish(event, contentType, body, options) {
    checkString('event', event, { empty: false });
    checkString('contentType', contentType);
    if (body !== null) checkString('body', body);
    const o = optionsOf(options);
    return this._phoneAsync(this._fn.phone_publish, 'publish', event, contentType, body, timeoutOf(o.timeoutMs));
  },

  /** Serve SUBSCRIBEs for packages through handler(incoming) (null: none; others get 489). */
  serveEvents(packages, handler) {
    if (!Array.isArray(packages)) throw new TypeError(`packages must be an array, got ${typeName(packages)}`);
    if (handler !== null && typeof handler !== 'function') throw new TypeError(`handler must be a function or null, got ${typeName(handler)}`);
    const { cb } = native.load();
    this._incomingSub = handler;
    const rc = this._fn.phone_on_subscribe(this._id, packages.join(','), handler ? cb.incomingSub : null, null);
    if (rc !== OK) throw fromSync(this._fn, rc, `phone ${this._id}: serveEvents`);
  },

  _phoneAsync(f, what, ...args) {
    if (this._closed || this._closing) return Promise.reject(new VoipError(`phone ${this._id}: closed`, { code: 'ENOTFOUND' }));
    return callAsync(f, this._id, ...args).then((rc) => {
      if (rc !== OK) {
        const { rc: r2, value } = readString(this._fn.phone_last_error, this._id);
        throw new VoipError(`phone ${this._id}: ${what}: ${r2 === OK && value ? value : this._fn.strerror(rc)}`, { errno: rc });
      }
    });
  },

  _onNotify(id, event, state, contentType, body, summary) {
    const n = { event, state, contentType, body, summary: parseSummary(summary) };
    const sub = id ? this._subs.get(id) || null : null;
    if (id && !sub) return;
    if (sub) sub._got(n);
    emitSafe(this, 'notify', sub, n);
  },

  _onSubState(id, state, reason) {
    const sub = this._subs.get(id);
    if (sub) sub._changed(state, reason);
  },

  _onIncomingSub(id, event, from, to) {
    const s = new IncomingSubscription(this, id, event, from, to);
    if (!this._incomingSub) {
      s.reject(489);
      return;
    }
    this._incomingSub(s);
  },
};

function installEvents(Phone) {
  for (const [name, f] of Object.entries(methods)) {
    Object.defineProperty(Phone.prototype, name, { value: f, writable: true, configurable: true });
  }
}

// Called by the Phone constructor: the notify and state callbacks.
function installEventCallbacks(phone, check) {
  const { fn, cb } = native.load();
  phone._subs = new Map();
  phone._incomingSub = null;
  if (fn.phone_on_notify) check(fn.phone_on_notify(phone._id, cb.notify, null), 'on_notify');
  if (fn.phone_on_subscription_state) check(fn.phone_on_subscription_state(phone._id, cb.subState, null), 'on_subscription_state');
}

module.exports = { installEvents, installEventCallbacks, Subscription, IncomingSubscription };

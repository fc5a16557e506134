'use strict';
// Phone: one libvoip phone (its own SIP socket, RTP ports and event
// dispatcher, a goroutine).  Events come from the dispatcher, on a thread
// of the Go runtime, through koffi, which runs them on the JS event loop.

const { EventEmitter } = require('node:events');
const native = require('./native');
const { VoipError, fromSync, fromAsync } = require('./errors');
const { CallState, PhoneStatus, phoneStatusName, LOG_LEVELS } = require('./constants');
const { parsePhoneOptions, checkString, typeName } = require('./options');
const { Call, emitSafe, checkTimeout } = require('./call');
const { installEvents, installEventCallbacks } = require('./events');
const media = require('./media');

const { OK, ErrorCode, readString, callAsync, routes } = native;

// A started phone keeps the event loop alive with a timer that does
// nothing (events arrive through koffi, which holds no handle of its own).
// There is no state polling: every state change of a call with a handle
// reaches the state callback (the library's c.first_events test).
const KEEPALIVE_MS = 1 << 30;

// Phones that are started stay referenced (and keep the event loop alive);
// the others may be collected, which destroys them in the library.
const started = new Set();
const finalizer = new FinalizationRegistry(({ id, fn }) => {
  routes.delete(id);
  callAsync(fn.phone_destroy, id).catch(() => {});
});

class Phone extends EventEmitter {
  /**
   * @param {object} options  see index.d.ts (PhoneOptions)
   */
  constructor(options = {}) {
    super();
    const parsed = parsePhoneOptions(options);
    const { fn, cb } = native.load();
    if (parsed.credentials.length > 0 && !fn.phone_add_credentials) {
      throw new VoipError(
        'this libvoip build has no voip_phone_add_credentials (registration/PBX support): password and credentials cannot be used',
        { code: 'EINVAL' }
      );
    }
    this._fn = fn;
    const out = [0];
    const rc = fn.phone_new(out);
    if (rc !== OK) throw fromSync(fn, rc, 'voip_phone_new');
    this._id = out[0];
    this._calls = new Map(); // call id -> Call, until released
    this._media = new Map(); // media id -> Player/Recorder/Tone, until closed
    this._closed = false;
    this._closing = null;
    this._timer = null;
    this._statusWaiters = [];
    this._lifecycle = Promise.resolve();
    routes.set(this._id, new WeakRef(this));
    finalizer.register(this, { id: this._id, fn }, this);
    try {
      const check = (r, what) => {
        if (r !== OK) throw fromSync(fn, r, `phone ${this._id}: ${what}`);
      };
      check(fn.phone_on_incoming_call(this._id, cb.incoming, null), 'on_incoming_call');
      check(fn.phone_on_call_state(this._id, cb.state, null), 'on_call_state');
      check(fn.phone_on_dtmf(this._id, cb.dtmf, null), 'on_dtmf');
      check(fn.phone_on_status(this._id, cb.status, null), 'on_status');
      check(fn.phone_on_call_event(this._id, cb.event, null), 'on_call_event');
      if (fn.phone_on_request) check(fn.phone_on_request(this._id, cb.request, null), 'on_request');
      installEventCallbacks(this, check); // src/events.js
      if (parsed.logLevel !== null) check(fn.phone_set_log(this._id, parsed.logLevel, cb.log, null), 'set_log');
      for (const [key, value] of parsed.set) check(fn.phone_set_option(this._id, key, value), `option ${key}`);
      for (const c of parsed.credentials) {
        check(fn.phone_add_credentials(this._id, c.username, c.password, c.realm, c.user), 'add_credentials');
      }
    } catch (err) {
      this._closed = true;
      finalizer.unregister(this);
      routes.delete(this._id);
      callAsync(fn.phone_destroy, this._id).catch(() => {});
      throw err;
    }
  }

  // ---- facts ----------------------------------------------------------

  /** The library's handle of this phone. */
  get id() {
    return this._id;
  }

  /** PhoneStatus: 'INACTIVE', 'REGISTERING', 'REGISTERED', 'DEREGISTERING' or 'FAILED'. */
  get status() {
    if (this._closed) return PhoneStatus.INACTIVE;
    const out = [0];
    const rc = this._fn.phone_status(this._id, out);
    if (rc !== OK) return PhoneStatus.INACTIVE;
    return phoneStatusName(out[0]);
  }

  /** Why the phone is in its status ("started", "403 Forbidden", "timeout", ...). */
  get statusReason() {
    return this._optionOr('status_reason', '');
  }

  /** The SIP port actually bound (after start), e.g. with bindPort 0. */
  get sipPort() {
    return Number(this._optionOr('sip_port', '0')) || 0;
  }

  /** Our SIP URI, e.g. "sip:libvoip@127.0.0.1:5060" (after start). */
  get uri() {
    return this._optionOr('uri', '');
  }

  /** The calls of this phone that have not ended yet. */
  get calls() {
    return [...this._calls.values()].filter((c) => !c.ended);
  }

  _optionOr(key, fallback) {
    try {
      return this.getOption(key);
    } catch {
      return fallback;
    }
  }

  /** voip_phone_get_option(): an option or fact by its C key (see voip.h). */
  getOption(key) {
    checkString('key', key, { empty: false });
    this._checkOpen();
    const { rc, value } = readString(this._fn.phone_get_option, this._id, key);
    if (rc !== OK) throw fromSync(this._fn, rc, `phone ${this._id}: get option ${key}`);
    return value;
  }

  /** voip_phone_set_option() with a C key; only while the phone is stopped. */
  setOption(key, value) {
    checkString('key', key, { empty: false });
    if (typeof value === 'number' || typeof value === 'boolean') value = typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
    checkString('value', value);
    this._checkOpen();
    const rc = this._fn.phone_set_option(this._id, key, value);
    if (rc !== OK) throw fromSync(this._fn, rc, `phone ${this._id}: set option ${key}`);
  }

  _checkOpen() {
    if (this._closed) throw new VoipError(`phone ${this._id}: closed`, { code: 'ENOTFOUND' });
  }

  // ---- lifecycle ------------------------------------------------------

  // start/stop/close run one after another.
  _serial(job) {
    const p = this._lifecycle.then(job);
    this._lifecycle = p.then(
      () => {},
      () => {}
    );
    return p;
  }

  /**
   * Bind the sockets and start serving (and register, with a server).
   * Resolves once the phone is ready; rejects with VoipError (ENETWORK,
   * ERANGE, ESTATE, EREJECTED, ...).  A started phone keeps the event loop
   * alive until stop() or close().
   */
  start() {
    if (this._closed || this._closing) return Promise.reject(new VoipError(`phone ${this._id}: closed`, { code: 'ENOTFOUND' }));
    return this._serial(async () => {
      this._checkOpen();
      this._keepAlive(true);
      let rc;
      try {
        rc = await callAsync(this._fn.phone_start, this._id);
      } catch (err) {
        this._keepAlive(false);
        throw err;
      }
      if (rc !== OK) {
        if (rc !== ErrorCode.ESTATE) this._keepAlive(false);
        throw fromAsync(this._fn, rc, `phone ${this._id}: start`, { phone: this._id }, this.statusReason);
      }
    });
  }

  /**
   * Stop: hang up, cancel or deny every call, unregister, close the
   * sockets.  Resolves once the phone is INACTIVE, every call is ENDED and
   * their 'ended' events (and the phone's 'status' events) were emitted.
   * Promises of calls (phone.call(), readAudio(), ...) all settle.  The
   * phone may be started again.
   */
  stop() {
    if (this._closed) return Promise.resolve();
    return this._serial(() => this._stop());
  }

  async _stop() {
    if (this._closed) return;
    const before = this.status;
    const inactive = this._waitStatus(PhoneStatus.INACTIVE);
    let rc;
    try {
      rc = await callAsync(this._fn.phone_stop, this._id);
    } finally {
      if (rc !== OK) inactive.cancel();
    }
    if (rc !== OK) throw fromAsync(this._fn, rc, `phone ${this._id}: stop`, { phone: this._id });
    // Events queued before the stop arrive after it returned: the
    // INACTIVE status is the last of them.
    if (before !== PhoneStatus.INACTIVE) {
      const d = delay(before === PhoneStatus.FAILED ? 300 : 3000);
      await Promise.race([inactive.promise, d.promise]);
      d.cancel();
    }
    inactive.cancel();
    for (const call of [...this._calls.values()]) {
      if (!call.ended && call.state === CallState.ENDED) call._finalize('phone stopped');
    }
    this._keepAlive(false);
  }

  /**
   * Stop the phone and free it in the library (voip_phone_destroy).  The
   * phone and its calls cannot be used afterwards.
   */
  close() {
    if (this._closing) return this._closing;
    this._closing = this._serial(async () => {
      if (this._closed) return;
      await this._stop();
      await Promise.all([...this._calls.values()].map((c) => c._released).filter(Boolean));
      const rc = await callAsync(this._fn.phone_destroy, this._id);
      this._closed = true;
      finalizer.unregister(this);
      routes.delete(this._id);
      for (const call of this._calls.values()) call._dropHandle();
      this._calls.clear();
      this._keepAlive(false);
      if (rc !== OK && rc !== ErrorCode.ENOTFOUND) throw fromAsync(this._fn, rc, `phone ${this._id}: destroy`);
    });
    return this._closing;
  }

  _keepAlive(on) {
    if (on && !this._timer) {
      this._timer = setInterval(() => {}, KEEPALIVE_MS);
      started.add(this);
    } else if (!on && this._timer) {
      clearInterval(this._timer);
      this._timer = null;
      started.delete(this);
    }
  }

  _waitStatus(name) {
    let entry;
    const promise = new Promise((resolve) => {
      entry = { name, resolve };
      this._statusWaiters.push(entry);
    });
    return {
      promise,
      cancel: () => {
        const i = this._statusWaiters.indexOf(entry);
        if (i >= 0) this._statusWaiters.splice(i, 1);
        entry.resolve();
      },
    };
  }

  // ---- calls ----------------------------------------------------------

  /**
   * Place a call and return it at once, in DIALING (the INVITE is sent).
   * Throws VoipError (EINVAL for a bad URI, ESTATE when not started,
   * ENOPORTS).  A host name in the URI is resolved synchronously: prefer IP
   * addresses or a server.
   */
  dial(uri) {
    checkString('uri', uri, { empty: false });
    this._checkOpen();
    const out = [0];
    const rc = this._fn.phone_call(this._id, uri, out);
    if (rc !== OK) throw fromSync(this._fn, rc, `phone ${this._id}: call ${uri}`);
    const call = new Call(this, out[0], { direction: 'outgoing', state: CallState.DIALING, remoteUri: uri });
    this._calls.set(call.id, call);
    return call;
  }

  /**
   * Place a call; resolves with the Call when it is ANSWERED, rejects with
   * VoipError when it ends first (err.reason "486 Busy Here", err.sipCode
   * 486, code 'EENDED'; 'ETIMEOUT' for a timeout).  The returned promise
   * has the Call as `.call` (to cancel it before the answer).
   * options.timeout (ms) cancels the call when not answered in time;
   * options.signal (AbortSignal) cancels it when aborted.
   */
  call(uri, options = {}) {
    checkString('uri', uri, { empty: false });
    if (options === null || typeof options !== 'object') throw new TypeError(`options must be an object, got ${typeName(options)}`);
    const timeout = checkTimeout('timeout', options.timeout);
    const signal = options.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TypeError('signal must be an AbortSignal');
    let call;
    try {
      call = this.dial(uri);
    } catch (err) {
      return Promise.reject(err);
    }
    // A timeout or an abort settles the promise at once; the call is
    // canceled in the background (it ends when the callee confirms, or
    // when the INVITE transaction gives up on a silent peer).
    let timer = null;
    let onAbort = null;
    const p = new Promise((resolve, reject) => {
      const cleanup = () => {
        if (timer) clearTimeout(timer);
        if (signal && onAbort) signal.removeEventListener('abort', onAbort);
      };
      const giveUp = (err) => {
        cleanup();
        reject(err);
        try {
          if (!call.ended && call.state !== CallState.ANSWERED) call.cancel();
        } catch {
          // answered or ended meanwhile: nothing to cancel
        }
      };
      if (timeout >= 0) {
        timer = setTimeout(() => {
          call._timedOut = true;
          giveUp(
            new VoipError(`call ${call.id} to ${uri} was not answered within ${timeout} ms`, {
              code: 'ETIMEOUT',
              reason: 'timeout',
              sipCode: 0,
              call,
            })
          );
        }, timeout);
      }
      if (signal) {
        onAbort = () => {
          const err = new Error(`call ${call.id} to ${uri} was aborted`, { cause: signal.reason });
          err.name = 'AbortError';
          err.code = 'ABORT_ERR';
          Object.defineProperty(err, 'call', { value: call, enumerable: false });
          giveUp(err);
        };
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      }
      call.answered().then(
        (c) => {
          cleanup();
          resolve(c);
        },
        (err) => {
          cleanup();
          reject(err);
        }
      );
    });
    p.call = call;
    return p;
  }

  /**
   * Send a MESSAGE (RFC 3428, an instant message) to uri and wait for the
   * answer (voip_phone_send_message, on a worker thread).  Resolves on 2xx;
   * rejects with VoipError: 'EREJECTED' for an error response (sipCode and
   * reason carry its status), 'ETIMEOUT' when no answer came within
   * timeoutMs (default -1: SIP's own transaction timeout), 'ESTATE' when
   * the phone is not started, 'EINVAL' for a bad URI.
   */
  sendMessage(uri, body, options = {}) {
    checkString('uri', uri, { empty: false });
    checkString('body', body);
    if (options === null || typeof options !== 'object') throw new TypeError(`options must be an object, got ${typeName(options)}`);
    const contentType = options.contentType === undefined ? 'text/plain' : checkString('contentType', options.contentType);
    const timeoutMs = messageTimeout(options.timeoutMs);
    const send = this._fn.phone_send_message;
    if (!send) {
      return Promise.reject(new VoipError('this libvoip build has no voip_phone_send_message (no MESSAGE support)', { code: 'ERROR' }));
    }
    if (this._closed || this._closing) return Promise.reject(new VoipError(`phone ${this._id}: closed`, { code: 'ENOTFOUND' }));
    return callAsync(send, this._id, uri, contentType, body, timeoutMs).then((rc) => {
      if (rc === OK) return;
      const err = fromAsync(this._fn, rc, `phone ${this._id}: sendMessage`, { phone: this._id });
      const status = rc === ErrorCode.EREJECTED && /\b([1-6]\d\d) ([^:]*)$/.exec(err.message);
      if (status) {
        err.sipCode = Number(status[1]);
        err.reason = `${status[1]} ${status[2]}`;
      }
      throw err;
    });
  }

  _forgetCall(call) {
    if (this._calls.get(call.id) === call) this._calls.delete(call.id);
  }

  // ---- events from the library (on the JS thread, via koffi) ------------

  _onIncoming(id, from, to) {
    const call = new Call(this, id, { direction: 'incoming', state: CallState.RINGING, remoteUri: from, localUri: to });
    this._calls.set(id, call);
    if (this.listenerCount('call') === 0) {
      // Nobody takes calls: busy, as without an incoming-call callback.
      try {
        call.deny(486);
      } catch {
        // it ended meanwhile
      }
      return;
    }
    emitSafe(this, 'call', call);
  }

  _onCallState(id, state, reason) {
    const call = this._calls.get(id);
    if (call) call._onState(state, reason);
  }

  _onDtmf(id, digit) {
    const call = this._calls.get(id);
    if (call) call._onDtmf(digit);
  }

  _onCallEvent(id, name, detail) {
    const call = this._calls.get(id);
    if (call) call._onEvent(name, detail, this._successorOf(call, name, detail));
    const port = call ? undefined : this._media.get(id);
    if (port && media.END_EVENTS.has(name)) port._onEnd(detail);
  }

  // ---- media toolkit (issue 12) ----

  /** A Player of a WAV file (a path or a Buffer); connect it to a call. */
  player(source, options = {}) {
    return new media.Player(this, source, options);
  }

  /** A Recorder writing a WAV file at path: { stereo, maxDurationMs }. */
  recorder(path, options = {}) {
    return new media.Recorder(this, path, options);
  }

  /** A Tone playing spec ("ringback:us", "dtmf:123", "440+480/2000/4000"). */
  tone(spec) {
    return new media.Tone(this, spec);
  }

  /** A Conference of calls: each hears the others. */
  conference(calls = []) {
    return new media.Conference(calls);
  }

  // The call that took `call` over, for 'transferred' (the call placed for
  // the peer's REFER) and 'replaced' (an INVITE with Replaces): its handle
  // is in detail, "call=<id> <uri>"; it becomes a Call of this phone before
  // its own events arrive.
  _successorOf(call, name, detail) {
    if (name !== 'transferred' && name !== 'replaced') return null;
    const m = /^call=(\d+) (.*)$/.exec(detail);
    if (!m || m[1] === '0') return null;
    const id = Number(m[1]);
    let next = this._calls.get(id);
    if (!next) {
      next = name === 'transferred'
        ? new Call(this, id, { direction: 'outgoing', state: CallState.DIALING, remoteUri: m[2] })
        : new Call(this, id, { direction: 'incoming', state: CallState.ANSWERED, remoteUri: m[2] });
      this._calls.set(id, next);
    }
    return next;
  }

  _onStatus(st, reason) {
    const name = phoneStatusName(st);
    emitSafe(this, 'status', name, reason);
    const waiters = this._statusWaiters.filter((w) => w.name === name);
    this._statusWaiters = this._statusWaiters.filter((w) => w.name !== name);
    for (const w of waiters) w.resolve();
  }

  _onRequest(id, method, from, contentType, body) {
    emitSafe(this, 'request', {
      method,
      from,
      contentType,
      body,
      call: id ? this._calls.get(id) || null : null,
    });
  }

  _onLog(level, message) {
    emitSafe(this, 'log', LOG_LEVELS[level] || String(level), message);
  }

  [Symbol.for('nodejs.util.inspect.custom')]() {
    return `Phone { id: ${this._id}, status: '${this.status}', calls: ${this._calls.size} }`;
  }
}

// `await using phone = new Phone(...)` where the runtime has it.
if (typeof Symbol.asyncDispose === 'symbol') {
  Phone.prototype[Symbol.asyncDispose] = function asyncDispose() {
    return this.close();
  };
}

// timeoutMs of sendMessage: an int32_t for the library (any negative
// value, undefined, null or Infinity: SIP's own transaction timeout).
function messageTimeout(v) {
  if (v === undefined || v === null || v === Infinity) return -1;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new TypeError(`timeoutMs must be an integer number of milliseconds, got ${typeName(v)}${typeof v === 'number' ? ` ${v}` : ''}`);
  }
  if (v < -2147483648 || v > 2147483647) throw new RangeError(`timeoutMs must fit an int32_t, got ${v}`);
  return v;
}

// A timer that can be cancelled (so that it does not keep the loop alive).
function delay(ms) {
  let timer;
  let done;
  const promise = new Promise((resolve) => {
    done = resolve;
    timer = setTimeout(resolve, ms);
  });
  return {
    promise,
    cancel: () => {
      clearTimeout(timer);
      done();
    },
  };
}

installEvents(Phone); // subscribe, mwi, watch, setPresence, publish, serveEvents (src/events.js)

module.exports = { Phone };

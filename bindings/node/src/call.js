'use strict';
// Call: one call of a Phone.  Thin over voip_call_*: short calls are
// synchronous, calls that may wait go through koffi's .async (a libuv
// worker thread) in bounded slices, so that no worker is held for long.

const { EventEmitter } = require('node:events');
const native = require('./native');
const { VoipError, fromSync, fromAsync, callEnded } = require('./errors');
const { CallState, callStateName } = require('./constants');
const { checkString, checkInt32, checkSize, typeName } = require('./options');

const { OK, ErrorCode, cstr, readString, callAsync } = native;

// Longest time one async read or write keeps a libuv worker thread.  A
// longer wait is made of several slices; between them the worker is free
// for other work (another call's read, phone.stop(), fs, dns...).
const SLICE_MS = 200;
// How long hangup() waits for the library's ENDED event before it
// finalizes the call itself.
const END_EVENT_GRACE_MS = 2000;
// Digits asked of voip_call_get_dtmf at a time.
const DTMF_CHUNK = 256;

const INFO_KEYS = ['direction', 'remote_uri', 'local_uri', 'call_id', 'state', 'codec', 'local_rtp', 'remote_rtp', 'end_reason', 'end_code', 'stats',
  'media_encryption', 'srtp'];

function emitSafe(emitter, event, ...args) {
  try {
    emitter.emit(event, ...args);
  } catch (err) {
    process.nextTick(() => {
      throw err;
    });
  }
}

// A timeout the binding itself keeps (it waits in slices of SLICE_MS and
// uses setTimeout, whose limit is int32 ms): -1/Infinity/undefined = none.
function checkTimeout(name, v) {
  if (v === undefined || v === null || v === Infinity || v === -1) return -1;
  if (typeof v !== 'number' || Number.isNaN(v)) throw new TypeError(`${name} must be a number of milliseconds, got ${typeName(v)}`);
  if (!Number.isInteger(v) || v < 0 || v > 2147483647) {
    throw new RangeError(`${name} must be an integer 0..2147483647 (ms), -1 or Infinity, got ${v}`);
  }
  return v;
}

function asBuffer(name, data) {
  if (Buffer.isBuffer(data)) return data;
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  throw new TypeError(`${name} must be a Buffer, TypedArray or ArrayBuffer, got ${typeName(data)}`);
}

class Call extends EventEmitter {
  constructor(phone, handle, init) {
    super();
    this._phone = phone;
    this._fn = phone._fn;
    this._id = handle;
    this._handle = handle; // 0 once released
    this._direction = init.direction;
    this._state = init.state; // the last state emitted
    this._remoteUri = init.remoteUri || '';
    this._localUri = init.localUri || '';
    this._finalized = false;
    this._endReason = '';
    this._endCode = 0;
    this._timedOut = false;
    this._aborted = null;
    this._cache = null; // facts kept once the handle is released
    this._dtmfTail = '';
    this._audioTail = null;
    this._readChain = Promise.resolve();
    this._writeChain = Promise.resolve();
    this._answeredWaiters = [];
    this._endedWaiters = [];
    this._released = null; // promise of the handle's release
    this._successor = null; // the call that took this one over
  }

  // ---- facts ----------------------------------------------------------

  /** The library's handle of this call (a number, unique in the process). */
  get id() {
    return this._id;
  }
  get phone() {
    return this._phone;
  }
  /** 'incoming' or 'outgoing'. */
  get direction() {
    return this._direction;
  }
  /** The current CallState ('DIALING', 'RINGING', ..., 'ENDED'). */
  get state() {
    if (this._finalized || !this._handle) return this._finalized ? CallState.ENDED : this._state;
    const out = [0];
    if (this._fn.call_state(this._handle, out) !== OK) return this._state;
    return callStateName(out[0]);
  }
  /** True once 'ended' has been emitted. */
  get ended() {
    return this._finalized;
  }
  get remoteUri() {
    return this._infoOr('remote_uri', this._remoteUri);
  }
  get localUri() {
    return this._infoOr('local_uri', this._localUri);
  }
  get callId() {
    return this._infoOr('call_id', '');
  }
  get codec() {
    return this._infoOr('codec', '');
  }
  /** Why the call ended ("486 Busy Here", "remote hangup", ...); '' while it has not. */
  get endReason() {
    return this._finalized ? this._endReason : this._infoOr('end_reason', '');
  }
  /** The SIP status that ended the call (e.g. 486), or 0. */
  get endCode() {
    return this._finalized ? this._endCode : Number(this._infoOr('end_code', '0')) || 0;
  }

  _infoOr(key, fallback) {
    try {
      return this.info(key);
    } catch {
      return fallback;
    }
  }

  /** voip_call_info(): a fact about the call by its C key (see voip.h). */
  info(key) {
    checkString('key', key, { empty: false });
    if (!this._handle) {
      if (this._cache && key in this._cache) return this._cache[key];
      if (INFO_KEYS.includes(key)) return '';
      throw new VoipError(`call ${this._id}: unknown call info key "${key}"`, { code: 'EINVAL' });
    }
    const { rc, value } = readString(this._fn.call_info, this._handle, key);
    if (rc !== OK) throw fromSync(this._fn, rc, `call ${this._id}: info ${key}`);
    return value;
  }

  /** "none" (plain RTP), "sdes" (SRTP keyed by a=crypto) or "dtls" (keyed by DTLS): voip_call_info "media_encryption". */
  get mediaEncryption() {
    return this._infoOr('media_encryption', '');
  }

  /** SRTP of the call (voip_call_info "srtp"): { suite, replayed, auth_failed }. */
  srtpStats() {
    const s = this.info('srtp');
    return s ? JSON.parse(s) : {};
  }

  /** Media counters (voip_call_info "stats") as an object. */
  stats() {
    const s = this.info('stats');
    return s ? JSON.parse(s) : {};
  }

  // ---- actions --------------------------------------------------------

  _live(what) {
    if (!this._handle) throw callEnded(this);
    return this._handle;
  }

  // A failed synchronous action: "call ended" when the call is over.
  _syncError(rc, what) {
    const err = fromSync(this._fn, rc, `call ${this._id}: ${what}`);
    if (rc === ErrorCode.EENDED || rc === ErrorCode.ENOTFOUND || (rc === ErrorCode.ESTATE && this.state === CallState.ENDED)) {
      const e = callEnded(this);
      e.message = `${e.message} (${err.message})`;
      return e;
    }
    return err;
  }

  /** Answer an incoming call in RINGING (200 OK); -> ANSWERED. */
  answer() {
    const h = this._live('answer');
    const rc = this._fn.call_answer(h);
    if (rc !== OK) throw this._syncError(rc, 'answer');
  }

  /**
   * Reject an incoming call in RINGING with a SIP status (default 486 Busy
   * Here).  The library takes 400..699 (0 = 486) and refuses others with
   * VoipError 'EINVAL'.
   */
  deny(statusCode = 486) {
    checkInt32('statusCode', statusCode);
    const h = this._live('deny');
    const rc = this._fn.call_deny(h, statusCode);
    if (rc !== OK) throw this._syncError(rc, 'deny');
  }

  /**
   * Early media: answer an incoming call in RINGING with 183 Session
   * Progress and our SDP, and start its media.  The call stays RINGING but
   * its audio can be written and read at once (an announcement, a ringback
   * tone); a later answer() sends 200 OK with the same SDP, deny() still
   * refuses.  Resolves once the 183 is sent (with reliable provisional
   * responses, after the 180's PRACK); rejects with VoipError 'ESTATE' in
   * any other state or when early media already started.
   */
  progress() {
    if (!this._handle || this._finalized) return Promise.reject(callEnded(this));
    const h = this._handle;
    return callAsync(this._fn.call_progress, h).then((rc) => {
      if (rc !== OK) throw fromAsync(this._fn, rc, `call ${this._id}: progress`, { call: h }, `call is ${this.state}`);
    });
  }

  /**
   * Redirect an incoming call in RINGING to uri (302 Moved Temporarily with
   * Contact: uri); the call ENDS with code 302.  VoipError 'EINVAL' for a
   * bad URI, 'ESTATE' in any other state.
   */
  redirect(uri) {
    checkString('uri', uri, { empty: false });
    const h = this._live('redirect');
    const rc = this._fn.call_redirect(h, uri);
    if (rc !== OK) throw this._syncError(rc, 'redirect');
  }

  /** Cancel an outgoing call in DIALING or PROGRESS (CANCEL); -> CANCELING, then ENDED. */
  cancel() {
    const h = this._live('cancel');
    const rc = this._fn.call_cancel(h);
    if (rc !== OK) throw this._syncError(rc, 'cancel');
  }

  /**
   * Hang up an ANSWERED call (BYE).  Resolves once the call is ENDED and
   * 'ended' has been emitted.
   */
  hangup() {
    if (!this._handle || this._finalized) return Promise.reject(callEnded(this));
    const h = this._handle;
    return callAsync(this._fn.call_hangup, h).then(async (rc) => {
      if (rc !== OK) {
        const st = this.state;
        if (st === CallState.ENDED || rc === ErrorCode.ENOTFOUND) throw callEnded(this);
        throw fromAsync(this._fn, rc, `call ${this._id}: hangup`, { call: h }, `call is ${st}`);
      }
      await this._waitFinalized(END_EVENT_GRACE_MS, 'local hangup');
    });
  }

  /**
   * Transfer the ANSWERED call to uri (a REFER).  options.blind (default
   * true): resolves once the peer accepted the REFER, and the call ends.
   * blind false: waits for the outcome of the peer's call to uri (reported
   * as 'transfer_progress' events) and resolves when it succeeded (the
   * call ends).  Rejects with VoipError 'EREJECTED' when the peer refused
   * the REFER or its call failed (the call goes on), 'ETIMEOUT' after
   * options.timeout ms, 'ESTATE' when the call is not ANSWERED.
   */
  transfer(uri, options = {}) {
    checkString('uri', uri, { empty: false });
    if (options === null || typeof options !== 'object') throw new TypeError(`options must be an object, got ${typeName(options)}`);
    const blind = options.blind === undefined ? true : options.blind;
    if (typeof blind !== 'boolean') throw new TypeError(`options.blind must be a boolean, got ${typeName(blind)}`);
    const timeout = checkTimeout('options.timeout', options.timeout);
    return this._transfer('transfer', this._fn.call_transfer, uri.trim().replace(/^<(.*)>$/, '$1'), blind ? 1 : 0, timeout);
  }

  /**
   * Attended transfer: ask this call's peer to call other's peer, replacing
   * other (a REFER with Replaces).  Both must be ANSWERED calls of this
   * phone.  Resolves on success (this call ends, other is ended by its
   * peer); rejects as transfer() does.
   */
  transferAttended(other, options = {}) {
    if (!(other instanceof Call)) throw new TypeError(`other must be a Call, got ${typeName(other)}`);
    if (options === null || typeof options !== 'object') throw new TypeError(`options must be an object, got ${typeName(options)}`);
    const timeout = checkTimeout('options.timeout', options.timeout);
    const o = other._live('transferAttended');
    return this._transfer('transferAttended', this._fn.call_transfer_attended, o, timeout);
  }

  _transfer(what, f, ...args) {
    let h;
    try {
      h = this._live(what);
    } catch (err) {
      return Promise.reject(err);
    }
    return callAsync(f, h, ...args).then((rc) => {
      if (rc !== OK) throw fromAsync(this._fn, rc, `call ${this._id}: ${what}`, { call: h }, `call is ${this.state}`);
    });
  }

  /**
   * The call that took this one over, null until one did: after
   * 'transferred' the call placed because the peer transferred us, after
   * 'replaced' the (already ANSWERED) call whose INVITE with Replaces took
   * this one over.
   */
  get successor() {
    return this._successor;
  }

  /**
   * Put an ANSWERED call on hold: a re-INVITE offering a=sendonly (a=inactive
   * when the peer holds us too).  Resolves once the peer accepted; then no
   * audio is sent and reads return silence.  Rejects with VoipError
   * 'EREJECTED' when the peer refused and 'ETIMEOUT' when it did not answer
   * (the call stays up either way).
   */
  hold() {
    return this._reinvite(this._fn.call_hold, 'hold');
  }

  /** Take the call off our hold (a re-INVITE offering a=sendrecv); as hold(). */
  resume() {
    return this._reinvite(this._fn.call_resume, 'resume');
  }

  _reinvite(fn, what) {
    if (!this._handle || this._finalized) return Promise.reject(callEnded(this));
    const h = this._handle;
    return callAsync(fn, h).then((rc) => {
      if (rc !== OK) {
        if (rc === ErrorCode.ENOTFOUND) throw callEnded(this);
        throw fromAsync(this._fn, rc, `call ${this._id}: ${what}`, { call: h }, `call is ${this.state}`);
      }
    });
  }

  /** Who holds the call: 'none', 'local', 'remote' or 'both'. */
  get holdState() {
    return this.info('hold');
  }

  /**
   * Send DTMF digits ('0'-'9', '*', '#', 'A'-'D') as RFC 4733 events, each
   * durationMs long (0 = 100 ms).  The library checks the digits and the
   * duration (40..5000 ms) and refuses others with VoipError 'EINVAL'.
   */
  sendDtmf(digits, durationMs = 0) {
    checkString('digits', digits);
    checkInt32('durationMs', durationMs);
    const h = this._live('sendDtmf');
    const rc = this._fn.call_send_dtmf(h, digits, durationMs);
    if (rc !== OK) throw this._syncError(rc, 'send DTMF');
  }

  /**
   * Take received digits (oldest first) from the call's queue: up to max,
   * all by default; '' when none.  Digits stay readable after the call ended.
   */
  getDtmf(max) {
    const limit = max === undefined ? Infinity : checkSize('max', max);
    if (!this._handle) {
      const n = Math.min(limit, this._dtmfTail.length);
      const s = this._dtmfTail.slice(0, n);
      this._dtmfTail = this._dtmfTail.slice(n);
      return s;
    }
    let all = '';
    while (all.length < limit) {
      const want = Math.min(DTMF_CHUNK, limit - all.length);
      const buf = Buffer.alloc(want + 1);
      const count = [0];
      const rc = this._fn.call_get_dtmf(this._handle, buf, want + 1, count);
      if (rc !== OK) throw this._syncError(rc, 'get DTMF');
      all += cstr(buf);
      if (count[0] < want) break;
    }
    return all;
  }

  // ---- audio ----------------------------------------------------------

  /**
   * Read `length` bytes of received audio (s16le mono 8 kHz by default, 320
   * bytes = 20 ms).  Resolves with a Buffer of `length` bytes; with a shorter
   * one when the call ended (its last bytes) or `timeout` ms passed (what
   * arrived, maybe nothing).  Rejects with VoipError 'EENDED' once the call
   * has ended and its audio is drained.  Reading before ANSWERED waits for
   * the answer.  Reads of one call run one after another.  A length the
   * library refuses (0) rejects with VoipError 'EINVAL' and its message.
   */
  readAudio(length = 320, options = {}) {
    checkSize('length', length);
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
    const timeout = checkTimeout('timeout', options.timeout);
    return this._enqueue('_readChain', () => this._read(length, timeout));
  }

  _enqueue(chain, job) {
    const p = this[chain].then(job);
    this[chain] = p.then(
      () => {},
      () => {}
    );
    return p;
  }

  _fromTail(buf, got) {
    const tail = this._audioTail;
    if (tail && tail.length > 0) {
      const n = Math.min(tail.length, buf.length - got);
      tail.copy(buf, got, 0, n);
      this._audioTail = tail.subarray(n);
      got += n;
    }
    if (got === 0) throw callEnded(this);
    return got === buf.length ? buf : buf.subarray(0, got);
  }

  async _read(length, timeout) {
    const buf = Buffer.alloc(length);
    let got = 0;
    const deadline = timeout < 0 ? Infinity : Date.now() + timeout;
    let first = true;
    for (;;) {
      if (!this._handle) return this._fromTail(buf, got);
      const h = this._handle;
      const out = [0];
      let rc;
      if (first) {
        // Fast path: what is already there, without a worker thread.
        rc = this._fn.call_read_audio(h, buf.subarray(got), length - got, 0, out);
        first = false;
      } else {
        const slice = Math.max(0, Math.min(SLICE_MS, deadline - Date.now()));
        rc = await callAsync(this._fn.call_read_audio, h, buf.subarray(got), length - got, slice, out);
      }
      got += out[0];
      if (rc === OK) return buf;
      if (rc === ErrorCode.ETIMEOUT) {
        if (Date.now() >= deadline) return buf.subarray(0, got);
        continue;
      }
      if (rc === ErrorCode.EENDED || rc === ErrorCode.ENOTFOUND) {
        if (got > 0) return buf.subarray(0, got);
        throw callEnded(this);
      }
      throw fromAsync(this._fn, rc, `call ${this._id}: read audio`, { call: h });
    }
  }

  /**
   * Queue audio to send, without waiting: returns how many bytes were
   * queued (less than given when the 2 s send queue is full).  Throws
   * VoipError 'ESTATE' before the call is answered, 'EENDED' after it ended.
   */
  writeAudio(data) {
    const buf = asBuffer('data', data);
    const h = this._live('writeAudio');
    if (buf.length === 0) return 0;
    const out = [0];
    const rc = this._fn.call_write_audio(h, buf, buf.length, 0, out);
    if (rc === OK || rc === ErrorCode.ETIMEOUT) return out[0];
    throw this._syncError(rc, 'write audio');
  }

  /**
   * Queue audio to send, waiting for room in the send queue (and for the
   * answer, on a call not answered yet).  Resolves with the bytes queued:
   * all of them, or fewer when `timeout` ms passed.  Writes of one call
   * run one after another; do not mix with writeAudio() at the same time.
   */
  writeAudioAsync(data, options = {}) {
    const buf = asBuffer('data', data);
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
    const timeout = checkTimeout('timeout', options.timeout);
    return this._enqueue('_writeChain', () => this._write(buf, timeout));
  }

  async _write(buf, timeout) {
    let done = 0;
    const deadline = timeout < 0 ? Infinity : Date.now() + timeout;
    let first = true;
    while (done < buf.length) {
      if (!this._handle) throw callEnded(this);
      const h = this._handle;
      const out = [0];
      let rc;
      if (first) {
        rc = this._fn.call_write_audio(h, buf.subarray(done), buf.length - done, 0, out);
        first = false;
      } else {
        const slice = Math.max(0, Math.min(SLICE_MS, deadline - Date.now()));
        rc = await callAsync(this._fn.call_write_audio, h, buf.subarray(done), buf.length - done, slice, out);
      }
      done += out[0];
      if (rc === OK) return buf.length;
      if (rc === ErrorCode.ETIMEOUT) {
        if (Date.now() >= deadline) return done;
        continue;
      }
      if (rc === ErrorCode.ESTATE && !this._finalized && this.state !== CallState.ENDED) {
        // Not answered yet: wait for it (bounded by the timeout), then go on.
        const left = deadline - Date.now();
        if (left <= 0) return done;
        await this._waitAnsweredOrTimeout(left);
        if (Date.now() >= deadline && this.state !== CallState.ANSWERED) return done;
        first = true;
        continue;
      }
      if (rc === ErrorCode.EENDED || rc === ErrorCode.ENOTFOUND || rc === ErrorCode.ESTATE) throw callEnded(this);
      throw fromAsync(this._fn, rc, `call ${this._id}: write audio`, { call: h });
    }
    return done;
  }

  _waitAnsweredOrTimeout(ms) {
    return new Promise((resolve) => {
      const timer = ms === Infinity ? null : setTimeout(done, ms);
      const self = this;
      function done() {
        if (timer) clearTimeout(timer);
        self.off('answered', done);
        self.off('ended', done);
        resolve();
      }
      this.on('answered', done);
      this.on('ended', done);
    });
  }

  /**
   * A Duplex stream of the call's audio: read what the peer sends, write
   * what to send (s16le mono 8 kHz frames by default).  The readable side
   * ends when the call ends.
   */
  audioStream(options) {
    const { CallAudioStream } = require('./stream');
    return new CallAudioStream(this, options);
  }

  // ---- waiting --------------------------------------------------------

  /** Resolves with the call once ANSWERED; rejects with VoipError when it ends first. */
  answered() {
    return new Promise((resolve, reject) => {
      if (this._state === CallState.ANSWERED && !this._finalized) return resolve(this);
      if (this._finalized) return reject(this._notAnsweredError());
      this._answeredWaiters.push({ resolve, reject });
    });
  }

  /** Resolves with { reason, code } once the call has ended and 'ended' was emitted. */
  waitEnded() {
    return new Promise((resolve) => {
      if (this._finalized) return resolve({ reason: this._endReason, code: this._endCode });
      this._endedWaiters.push(resolve);
    });
  }

  _notAnsweredError() {
    const reason = this._endReason || 'ended';
    let code = 'EENDED';
    if (this._timedOut || /^timeout/i.test(reason) || this._endCode === 408) code = 'ETIMEOUT';
    const err = new VoipError(`call ${this._id} to ${this._remoteUri} was not answered: ${reason}`, {
      code,
      reason,
      sipCode: this._endCode,
      call: this,
      cause: this._aborted || undefined,
    });
    return err;
  }

  // Wait for the library's ENDED event; finalize ourselves after `ms`.
  _waitFinalized(ms, reason) {
    if (this._finalized) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this._finalize(reason);
        resolve();
      }, ms);
      this._endedWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  // ---- events from the phone -------------------------------------------

  _onState(stNum, reason) {
    if (this._finalized) return;
    const name = callStateName(stNum);
    if (name === CallState.ENDED) {
      this._finalize(reason);
      return;
    }
    if (name === this._state) return; // e.g. the RINGING a new call already has
    this._state = name;
    emitSafe(this, 'state', name, reason);
    emitSafe(this._phone, 'callState', this, name, reason);
    if (name === CallState.ANSWERED) {
      const waiters = this._answeredWaiters;
      this._answeredWaiters = [];
      for (const w of waiters) w.resolve(this);
      emitSafe(this, 'answered');
    }
  }

  _onDtmf(digit) {
    if (this._finalized) return;
    emitSafe(this, 'dtmf', digit);
    emitSafe(this._phone, 'dtmf', this, digit);
  }

  // A call event (voip_phone_on_call_event): emitted on the call under its
  // own name ('hold', 'resume', 'media_changed', ...) and as 'event', and on
  // the phone as 'callEvent'.
  _onEvent(name, detail, successor) {
    if (this._finalized) return;
    if (successor) {
      // 'transferred' / 'replaced': (newCall, uri); detail is "call=<id> <uri>".
      this._successor = successor;
      emitSafe(this, name, successor, detail.slice(detail.indexOf(' ') + 1));
    } else {
      emitSafe(this, name, detail);
    }
    emitSafe(this, 'event', name, detail);
    emitSafe(this._phone, 'callEvent', this, name, detail);
  }

  // The call is over: emit 'state' ENDED and 'ended' once, settle waiters,
  // then release the handle (keeping the facts, the last audio and digits).
  _finalize(reasonHint) {
    if (this._finalized) return;
    let reason = this._infoOr('end_reason', '');
    if (!reason) reason = reasonHint || '';
    const code = Number(this._infoOr('end_code', '0')) || 0;
    this._finalized = true;
    this._endReason = reason;
    this._endCode = code;
    this._state = CallState.ENDED;
    emitSafe(this, 'state', CallState.ENDED, reason);
    emitSafe(this._phone, 'callState', this, CallState.ENDED, reason);
    const answered = this._answeredWaiters;
    this._answeredWaiters = [];
    for (const w of answered) w.reject(this._notAnsweredError());
    const ended = this._endedWaiters;
    this._endedWaiters = [];
    for (const w of ended) w({ reason, code });
    emitSafe(this, 'ended', reason, code);
    // Stays in phone._calls until released: late events may still name it.
    this._released = this._release();
  }

  // ---- media toolkit (issue 12): a call is a port of the phone's bridge ----

  /** Send what this call receives to dst (another Call, a Recorder). */
  connect(dst) {
    require('./media').link(this._fn, 'connect', this, dst);
  }

  /** Stop sending this call's received audio to dst. */
  disconnect(dst) {
    require('./media').link(this._fn, 'disconnect', this, dst);
  }

  /**
   * Play a WAV file (path or Buffer) into the call; resolves with the end
   * reason once it has played (the player is then closed).
   */
  async play(source, options = {}) {
    const player = this._phone.player(source, options);
    try {
      player.connect(this);
      return await player.wait();
    } finally {
      player.close();
    }
  }

  /** Record the call (received audio; stereo: both ways) into a WAV file. */
  record(path, options = {}) {
    const rec = this._phone.recorder(path, options);
    try {
      this.connect(rec);
    } catch (err) {
      rec.close();
      throw err;
    }
    return rec;
  }

  async _release() {
    // Let reads and writes in flight finish on the handle first.
    for (;;) {
      const r = this._readChain;
      const w = this._writeChain;
      const c = this._collectChain; // collectDtmf (call_drain.js)
      await Promise.all([r, w, c]);
      if (r === this._readChain && w === this._writeChain && c === this._collectChain) break;
    }
    this._releaseNow();
  }

  // Keep what the application may still ask for, then release the handle.
  _releaseNow() {
    const h = this._handle;
    if (!h) return;
    const cache = {};
    for (const k of INFO_KEYS) {
      const { rc, value } = readString(this._fn.call_info, h, k);
      if (rc === OK) cache[k] = value;
    }
    cache.state = CallState.ENDED;
    this._cache = cache;
    const chunks = [];
    for (let i = 0; i < 64; i++) {
      const buf = Buffer.alloc(8192);
      const out = [0];
      const rc = this._fn.call_read_audio(h, buf, buf.length, 0, out);
      if (out[0] > 0) chunks.push(buf.subarray(0, out[0]));
      if (rc !== OK) break;
    }
    if (this._audioTail && this._audioTail.length) chunks.unshift(this._audioTail);
    this._audioTail = chunks.length ? Buffer.concat(chunks) : null;
    try {
      this._dtmfTail += this.getDtmf();
    } catch {
      // keep what we have
    }
    this._handle = 0;
    this._fn.call_release(h);
    this._phone._forgetCall(this);
  }

  // The phone was destroyed: the handle is gone.
  _dropHandle() {
    if (!this._finalized) this._finalize('phone closed');
    this._handle = 0;
  }

  [Symbol.for('nodejs.util.inspect.custom')]() {
    return `Call { id: ${this._id}, direction: '${this._direction}', state: '${this.state}', remoteUri: '${this._remoteUri}' }`;
  }
}

require('./call_drain').install(Call); // drain, flush, collectDtmf (issue 17)

module.exports = { Call, emitSafe, checkTimeout, SLICE_MS };

'use strict';
// Call methods of issue 17: wait until queued DTMF and audio went out
// (drain), drop queued media (flush: barge-in), collect digits with stop
// conditions (collectDtmf).  Thin over voip_call_drain, voip_call_flush and
// voip_call_collect_dtmf; values are checked by the library.

const native = require('./native');
const { VoipError, fromAsync, callEnded } = require('./errors');
const { checkString, checkInt32, typeName } = require('./options');

const { OK, ErrorCode, cstr, callAsync } = native;

// voip.h's VOIP_DRAIN_*, VOIP_FLUSH_* and VOIP_COLLECT_* (test/drain.test.js checks them).
const DRAIN = Object.freeze({ DTMF: 1, AUDIO: 2 });
const FLUSH = Object.freeze({ SEND_AUDIO: 1, RECEIVED_AUDIO: 2, RECEIVED_DTMF: 4 });
const COLLECT_STOPS = Object.freeze({ 1: 'max_digits', 2: 'terminator', 3: 'timeout', 4: 'inter_digit_timeout', 5: 'ended' });
// Longest time one voip_call_drain keeps a libuv worker thread.
const DRAIN_SLICE_MS = 200;

function options(o) {
  if (o === undefined) return {};
  if (o === null || typeof o !== 'object') throw new TypeError(`options must be an object, got ${typeName(o)}`);
  return o;
}

function flag(o, name, dflt) {
  const v = o[name] === undefined ? dflt : o[name];
  if (typeof v !== 'boolean') throw new TypeError(`options.${name} must be a boolean, got ${typeName(v)}`);
  return v;
}

// A timeout in ms: undefined/null/Infinity/-1 = none (-1); else an int32.
function ms(o, name) {
  const v = o[name];
  if (v === undefined || v === null || v === Infinity || v === -1) return -1;
  checkInt32(`options.${name}`, v);
  return v;
}

function need(fn, what) {
  if (!fn) throw new VoipError(`${what}: this libvoip build lacks it; rebuild libvoip`, { code: 'ERROR' });
  return fn;
}

function install(Call) {
  /**
   * Wait until what was queued has been sent: options.dtmf (default true)
   * the digits of sendDtmf, options.audio (default true) the audio written.
   * Resolves true once it has, false when options.timeout ms passed first;
   * rejects with VoipError 'EENDED' when the call ended first.
   */
  Call.prototype.drain = async function drain(opts) {
    const o = options(opts);
    const flags = (flag(o, 'dtmf', true) ? DRAIN.DTMF : 0) | (flag(o, 'audio', true) ? DRAIN.AUDIO : 0);
    const timeout = ms(o, 'timeout');
    const f = need(this._fn.call_drain, 'drain');
    const deadline = timeout < 0 ? Infinity : Date.now() + timeout;
    for (;;) {
      if (!this._handle || this._finalized) throw callEnded(this);
      const h = this._handle;
      const slice = Math.max(0, Math.min(DRAIN_SLICE_MS, deadline - Date.now()));
      const rc = await callAsync(f, h, flags, slice);
      if (rc === OK) return true;
      if (rc === ErrorCode.ETIMEOUT) {
        if (Date.now() >= deadline) return false;
        continue;
      }
      if (rc === ErrorCode.EENDED || rc === ErrorCode.ENOTFOUND) throw callEnded(this);
      throw fromAsync(this._fn, rc, `call ${this._id}: drain`, { call: h });
    }
  };

  /**
   * Drop queued media at once: options.sendAudio the audio written but not
   * sent (barge-in), options.receivedAudio the received audio not read,
   * options.receivedDtmf the received digits not taken.  The library
   * refuses a call naming none (VoipError 'EINVAL').
   */
  Call.prototype.flush = function flush(opts) {
    const o = options(opts);
    const flags =
      (flag(o, 'sendAudio', false) ? FLUSH.SEND_AUDIO : 0) |
      (flag(o, 'receivedAudio', false) ? FLUSH.RECEIVED_AUDIO : 0) |
      (flag(o, 'receivedDtmf', false) ? FLUSH.RECEIVED_DTMF : 0);
    const h = this._live('flush');
    const rc = need(this._fn.call_flush, 'flush')(h, flags);
    if (rc !== OK) throw this._syncError(rc, 'flush');
  };

  /**
   * Collect received digits until the first of: options.maxDigits digits
   * (0: no limit but 1024), a key of options.terminators (not part of the
   * digits), options.timeout ms in all (0: only what is queued), options.
   * interDigitTimeout ms after a digit, or the end of the call.  Resolves
   * with { digits, reason, terminator }; reason is 'max_digits',
   * 'terminator', 'timeout', 'inter_digit_timeout' or 'ended'.  Holds one
   * libuv worker thread while it waits.
   */
  Call.prototype.collectDtmf = async function collectDtmf(opts) {
    const o = options(opts);
    const max = o.maxDigits === undefined ? 0 : o.maxDigits;
    checkInt32('options.maxDigits', max);
    const terminators = o.terminators === undefined ? '' : o.terminators;
    checkString('options.terminators', terminators);
    const timeout = ms(o, 'timeout');
    const inter = Math.max(0, ms(o, 'interDigitTimeout'));
    const f = need(this._fn.call_collect_dtmf, 'collectDtmf');
    // The handle is released after the end only once the collections in
    // flight are over (call.js _release); after that the digits left are
    // in _dtmfTail.
    const job = () => (this._handle ? this._collect(f, max, timeout, inter, terminators) : this._collectTail(max, terminators));
    const p = (this._collectChain || Promise.resolve()).then(job);
    this._collectChain = p.then(
      () => {},
      () => {}
    );
    return p;
  };

  Call.prototype._collect = async function _collect(f, max, timeout, inter, terminators) {
    const h = this._handle;
    const room = max <= 0 ? 1025 : Math.min(max, 1024) + 1;
    const buf = Buffer.alloc(room);
    const stop = [0];
    const term = [0];
    const rc = await callAsync(f, h, max, timeout, inter, terminators, buf, room, stop, term);
    if (rc !== OK) {
      if (rc === ErrorCode.ENOTFOUND) return this._collectTail(max, terminators);
      throw fromAsync(this._fn, rc, `call ${this._id}: collectDtmf`, { call: h });
    }
    return {
      digits: cstr(buf),
      reason: COLLECT_STOPS[stop[0]] || String(stop[0]),
      terminator: term[0] ? String.fromCharCode(term[0]) : '',
    };
  };

  // A released call: its digits were kept in _dtmfTail; it has ended, so
  // only the digit limit and the terminators apply.
  Call.prototype._collectTail = function _collectTail(max, terminators) {
    let digits = '';
    while (this._dtmfTail.length > 0) {
      const d = this._dtmfTail[0];
      this._dtmfTail = this._dtmfTail.slice(1);
      if (terminators.includes(d)) return { digits, reason: 'terminator', terminator: d };
      digits += d;
      if (max > 0 && digits.length >= max) return { digits, reason: 'max_digits', terminator: '' };
    }
    return { digits, reason: 'ended', terminator: '' };
  };
}

module.exports = { install, DRAIN, FLUSH, COLLECT_STOPS };

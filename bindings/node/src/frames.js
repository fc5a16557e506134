'use strict';
// Batched audio (issue 16): every call of a phone served by one
// asynchronous round trip per media tick (voip_phone_exchange_frames on a
// libuv worker thread), with no synchronous call into the library per
// frame on the event loop.

const { VoipError, fromAsync } = require('./errors');
const { ErrorCode, callAsync } = require('./native');

/**
 * Reads and writes the 20 ms frames of many calls of a phone.
 *
 *   const batch = new FrameBatch(phone);
 *   let replies = [];
 *   for (;;) {
 *     const frames = await batch.exchange(replies);
 *     replies = frames.filter((f) => f.data).map((f) => ({ call: f.call, data: f.data }));
 *   }
 *
 * Each exchange() queues the given frames on their calls, then waits for
 * the next media tick (unless a frame is ready already) and resolves with
 * one { call, data } per call that had a frame ready (data: a Buffer of
 * frameBytes) or ended (data: null, reported once).  This binding releases
 * a call's handle once it ended (after its 'ended' event), which takes it
 * out of the batch: an end is only reported when the batch sees it first,
 * so watch 'ended' to know when a call is over.  A frame is never
 * split, so taking every frame loses and repeats nothing.  The data
 * Buffers view the batch's memory: they stay valid until the next
 * exchange() starts (passing them back to it is fine; copy to keep).
 * One exchange at a time per batch.
 */
class FrameBatch {
  constructor(phone, options = {}) {
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
    const capacity = options.capacity === undefined ? 1024 : options.capacity;
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new TypeError(`capacity must be a positive integer, got ${capacity}`);
    this._fn = phone._fn;
    if (!this._fn.phone_exchange_frames) {
      throw new VoipError('this libvoip build has no voip_phone_exchange_frames (issue 16): rebuild libvoip', { code: 'ERROR' });
    }
    this.phone = phone;
    this.capacity = capacity;
    let frameBytes = options.frameBytes;
    if (frameBytes === undefined) {
      const rate = Number(phone.getOption('sample_rate')) || 8000;
      frameBytes = (rate / 50) * (phone.getOption('audio_format') === 'u8' ? 1 : 2);
    }
    if (!Number.isSafeInteger(frameBytes) || frameBytes < 1) throw new TypeError(`frameBytes must be a positive integer, got ${frameBytes}`);
    /** Bytes of one 20 ms frame in the phone's audio format. */
    this.frameBytes = frameBytes;
    this._rcalls = Buffer.alloc(8 * capacity);
    this._rstatus = Buffer.alloc(4 * capacity);
    this._rframes = Buffer.alloc(frameBytes * capacity);
    this._wcalls = Buffer.alloc(8 * capacity);
    this._wstatus = Buffer.alloc(4 * capacity);
    this._wframes = Buffer.alloc(frameBytes * capacity);
    this._nwritten = 0;
    this._busy = false;
  }

  /** Read only: exchange([], options). */
  read(options) {
    return this.exchange([], options);
  }

  /**
   * Queue `replies` ([{ call, data }], data frameBytes long) and take the
   * next tick's frames, in one asynchronous call.  options.timeout: ms to
   * wait for a frame (default 1000; -1: no limit; 0: no wait); resolves
   * with [] when none came in time.  The replies' results are in
   * writeStatus afterwards.
   */
  async exchange(replies = [], options = {}) {
    if (this._busy) throw new VoipError('FrameBatch: one exchange at a time', { code: 'ESTATE' });
    const timeout = options.timeout === undefined ? 1000 : options.timeout;
    if (!Number.isSafeInteger(timeout)) throw new TypeError(`timeout must be an integer (ms), got ${timeout}`);
    const n = this._pack(replies);
    const id = this.phone.id;
    const count = [0];
    this._busy = true;
    let rc;
    try {
      rc = await callAsync(this._fn.phone_exchange_frames, id, this.frameBytes, n, this._wcalls, this._wframes,
        this._wstatus, timeout, this.capacity, this._rcalls, this._rframes, this._rstatus, count);
    } finally {
      this._busy = false;
    }
    this._nwritten = n;
    if (rc === ErrorCode.ETIMEOUT) return [];
    if (rc !== ErrorCode.OK) throw fromAsync(this._fn, rc, `phone ${id}: exchange frames`, { phone: id });
    return this._unpack(Number(count[0]));
  }

  /** The result codes (ErrorCode) of the frames the last exchange wrote. */
  get writeStatus() {
    const out = [];
    for (let i = 0; i < this._nwritten; i++) out.push(this._wstatus.readInt32LE(4 * i));
    return out;
  }

  _pack(replies) {
    if (!Array.isArray(replies)) throw new TypeError('replies must be an array of { call, data }');
    const n = replies.length;
    if (n > this.capacity) throw new RangeError(`${n} frames: more than the batch's capacity ${this.capacity}`);
    const fb = this.frameBytes;
    for (let i = 0; i < n; i++) {
      const { call, data } = replies[i];
      if (!call || typeof call.id !== 'number') throw new TypeError('replies[].call must be a Call');
      if (!(data instanceof Uint8Array) || data.length !== fb) throw new TypeError(`replies[].data must be a Buffer of ${fb} bytes`);
      this._wcalls.writeBigUInt64LE(BigInt(call.id), 8 * i);
      this._wframes.set(data, i * fb);
    }
    return n;
  }

  _unpack(n) {
    const fb = this.frameBytes;
    const calls = this.phone._calls;
    const out = [];
    for (let i = 0; i < n; i++) {
      const call = calls.get(Number(this._rcalls.readBigUInt64LE(8 * i)));
      if (!call) continue; // released meanwhile
      const ended = this._rstatus.readInt32LE(4 * i) === ErrorCode.EENDED;
      out.push({ call, data: ended ? null : this._rframes.subarray(i * fb, (i + 1) * fb) });
    }
    return out;
  }
}

module.exports = { FrameBatch };

'use strict';
// The media toolkit: players, recorders, tones and conferences on the
// phone's audio bridge (include/voip.h, "Media toolkit").  A call is a
// port too: src.connect(dst) sends src's audio to dst, like PJSUA2's
// startTransmit.  Ends arrive through the call event callback under the
// media handle (Phone._onCallEvent routes them here).

const { EventEmitter } = require('node:events');
const { VoipError, fromSync } = require('./errors');
const { OK } = require('./native');

const PLAYER_LOOP = 1;
const RECORDER_STEREO = 1;
const END_EVENTS = new Set(['playback_ended', 'tone_ended', 'recording_ended']);

function portId(what, p) {
  const isCall = p !== null && typeof p === 'object' && typeof p.answer === 'function';
  if (!(p instanceof MediaPort || isCall) || typeof p.id !== 'number') {
    throw new TypeError(`${what} must be a Call or a media port (Player, Recorder, Tone)`);
  }
  return p.id;
}

function needs(fn, name) {
  if (!fn[name]) {
    throw new VoipError(`this libvoip build has no voip_${name} (media toolkit): rebuild libvoip`, { code: 'ERROR' });
  }
  return fn[name];
}

// link connects or disconnects two ports (calls or media) of one phone.
function link(fn, op, src, dst) {
  const f = needs(fn, op);
  const rc = f(portId('src', src), portId('dst', dst));
  if (rc !== OK) throw fromSync(fn, rc, `voip_${op}(${src.id}, ${dst.id})`);
}

class MediaPort extends EventEmitter {
  constructor(phone, id) {
    super();
    this._phone = phone;
    this._fn = phone._fn;
    this._id = id;
    this._closed = false;
    /** Why it ended ('finished', 'stopped', 'max duration', 'error: ...'), or null. */
    this.endReason = null;
    this._ended = new Promise((resolve) => {
      this._resolveEnd = resolve;
    });
    phone._media.set(id, this);
  }

  /** The media handle (a port id for voip_connect). */
  get id() {
    return this._id;
  }

  /** Send this port's audio to dst (a Call or a Recorder). */
  connect(dst) {
    link(this._fn, 'connect', this, dst);
  }

  /** Stop sending this port's audio to dst. */
  disconnect(dst) {
    link(this._fn, 'disconnect', this, dst);
  }

  /** Resolves with the end reason when the port ends (played, stopped, max duration). */
  wait() {
    return this._ended;
  }

  _onEnd(reason) {
    if (this.endReason !== null) return;
    this.endReason = reason;
    this._resolveEnd(reason);
    this.emit('end', reason);
  }

  /** Stop (a recording's file is finished) and release the handle; twice does nothing. */
  close() {
    if (this._closed) return;
    this._closed = true;
    const rc = needs(this._fn, 'media_destroy')(this._id);
    this._onEnd('stopped');
    this._phone._media.delete(this._id);
    if (rc !== OK && rc !== 3) throw fromSync(this._fn, rc, `voip_media_destroy(${this._id})`);
  }
}

function create(phone, fname, args, what) {
  const fn = phone._fn;
  const out = [0];
  const rc = needs(fn, fname)(phone._id, ...args, out);
  if (rc !== OK) throw fromSync(fn, rc, `voip_${fname}(${what})`);
  return Number(out[0]);
}

/** A WAV file played into the ports it is connected to (sipsimple's WaveFile). */
class Player extends MediaPort {
  constructor(phone, source, options = {}) {
    const flags = options.loop ? PLAYER_LOOP : 0;
    let id;
    if (Buffer.isBuffer(source) || source instanceof Uint8Array) {
      if (source.length === 0) throw new VoipError('empty WAV data', { code: 'EINVAL' });
      id = create(phone, 'player_new_from_memory', [source, source.length, flags], 'memory');
    } else if (typeof source === 'string') {
      id = create(phone, 'player_new', [source, flags], source);
    } else {
      throw new TypeError('source must be a path (string) or a Buffer holding a WAV file');
    }
    super(phone, id);
    this.loop = !!options.loop;
  }
}

/** Records what is connected to it into a 16-bit WAV file (sipsimple's RecordingWaveFile). */
class Recorder extends MediaPort {
  constructor(phone, path, options = {}) {
    if (typeof path !== 'string') throw new TypeError('path must be a string');
    super(phone, create(phone, 'recorder_new', [path, options.stereo ? RECORDER_STEREO : 0], path));
    if (options.maxDurationMs !== undefined) {
      try {
        this.setMaxDuration(options.maxDurationMs);
      } catch (err) {
        this.close();
        throw err;
      }
    }
  }

  /** Stop the recording after ms of audio (0: no limit). */
  setMaxDuration(ms) {
    if (!Number.isInteger(ms) || ms < 0 || ms > 0xffffffff) {
      throw new TypeError('maxDurationMs must be an integer 0..4294967295');
    }
    const rc = needs(this._fn, 'recorder_set_max_duration')(this._id, ms);
    if (rc !== OK) throw fromSync(this._fn, rc, `voip_recorder_set_max_duration(${this._id})`);
  }
}

/** A tone generator: "ringback:us", "busy:eu", "dtmf:123", "440+480/2000/4000". */
class Tone extends MediaPort {
  constructor(phone, spec) {
    if (typeof spec !== 'string') throw new TypeError('spec must be a string');
    super(phone, create(phone, 'tone_new', [spec], spec));
    this.spec = spec;
  }
}

/** Calls that each hear all the others but not themselves. */
class Conference {
  constructor(calls = []) {
    this.members = [];
    for (const c of calls) this.add(c);
  }

  add(call) {
    if (this.members.includes(call)) return;
    for (const m of this.members) {
      m.connect(call);
      call.connect(m);
    }
    this.members.push(call);
  }

  remove(call) {
    const i = this.members.indexOf(call);
    if (i < 0) return;
    this.members.splice(i, 1);
    for (const m of this.members) {
      for (const [a, b] of [[m, call], [call, m]]) {
        try {
          a.disconnect(b);
        } catch {
          // a call that ended has left already
        }
      }
    }
  }

  close() {
    for (const c of [...this.members]) this.remove(c);
  }
}

module.exports = { MediaPort, Player, Recorder, Tone, Conference, link, END_EVENTS };

'use strict';
// A Duplex view of a call's audio: the readable side yields what the peer
// sends (frames of `frameBytes`, paced by the call like a sound card), the
// writable side queues what to send (waiting for room, and for the answer).

const { Duplex } = require('node:stream');
const { checkInt } = require('./options');

class CallAudioStream extends Duplex {
  constructor(call, options = {}) {
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
    const { frameBytes = 320, ...rest } = options;
    checkInt('frameBytes', frameBytes, 2, 1 << 20);
    super({ allowHalfOpen: true, ...rest, objectMode: false });
    this.call = call;
    this.frameBytes = frameBytes;
    this._pending = false;
  }

  _read() {
    if (this._pending) return;
    this._pending = true;
    this.call.readAudio(this.frameBytes).then(
      (buf) => {
        this._pending = false;
        if (this.destroyed) return;
        if (buf.length > 0) {
          if (this.push(buf)) this._read();
        } else {
          this._read();
        }
      },
      (err) => {
        this._pending = false;
        if (this.destroyed) return;
        if (err && err.code === 'EENDED') this.push(null);
        else this.destroy(err);
      }
    );
  }

  _write(chunk, encoding, callback) {
    this.call.writeAudioAsync(chunk).then(
      () => callback(),
      (err) => callback(err)
    );
  }

  _final(callback) {
    callback();
  }
}

module.exports = { CallAudioStream };

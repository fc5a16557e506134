'use strict';
// The media toolkit through Node: `await call.play()` resolves once the
// file has played and the peer heard it; a recorder, a tone, a conference
// helper, in-band DTMF, and the errors.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Phone, Player, Tone, VoipError } = require('..');
const h = require('./helpers');

const P = h.PORTS.media;

// A 16-bit WAV file of a tone at rate with channels.
function wav(freq, ms, rate, channels = 1) {
  const n = Math.round((rate * ms) / 1000);
  const data = Buffer.alloc(n * 2 * channels);
  for (let i = 0; i < n; i++) {
    const v = Math.round(12000 * Math.sin((2 * Math.PI * freq * i) / rate));
    for (let c = 0; c < channels; c++) data.writeInt16LE(v, (i * channels + c) * 2);
  }
  const hd = Buffer.alloc(44);
  hd.write('RIFF', 0);
  hd.writeUInt32LE(36 + data.length, 4);
  hd.write('WAVEfmt ', 8);
  hd.writeUInt32LE(16, 16);
  hd.writeUInt16LE(1, 20);
  hd.writeUInt16LE(channels, 22);
  hd.writeUInt32LE(rate, 24);
  hd.writeUInt32LE(rate * 2 * channels, 28);
  hd.writeUInt16LE(2 * channels, 32);
  hd.writeUInt16LE(16, 34);
  hd.write('data', 36);
  hd.writeUInt32LE(data.length, 40);
  return Buffer.concat([hd, data]);
}

describe('media toolkit', () => {
  let a;
  let b;
  const incoming = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'voip-media-'));

  before(async () => {
    a = new Phone(h.phoneOptions(P, 0, { user: 'alice', dtmfMode: 'inband' }));
    b = new Phone(h.phoneOptions(P, 1, { user: 'bob', dtmfDetectInband: true, dtmfPayloadType: 0 }));
    b.on('call', (call) => {
      incoming.push(call);
      call.answer();
    });
    await a.start();
    await b.start();
  });

  after(async () => {
    await a.close();
    await b.close();
    fs.rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(h.unhandled, []);
  });

  it('await call.play() resolves once played; the peer heard it', async () => {
    const call = await h.withTimeout(a.call(`sip:bob@127.0.0.1:${b.sipPort}`), 10000, 'answer');
    await h.waitFor(() => incoming.length === 1, 5000, 'incoming call');
    const peer = incoming[0];
    const file = path.join(dir, 'greeting.wav');
    fs.writeFileSync(file, wav(1000, 800, 16000, 2)); // resampled and mixed down
    const recPath = path.join(dir, 'rec.wav');
    const rec = peer.record(recPath);
    const t0 = Date.now();
    const reading = h.readFor(peer, 1400);
    assert.equal(await h.withTimeout(call.play(file), 5000, 'play'), 'finished');
    const took = Date.now() - t0;
    assert.ok(took >= 700 && took < 2000, `play resolved after ${took} ms`);
    const heard = await reading;
    assert.ok(Math.abs(h.dominantFrequency(heard) - 1000) <= 10, `heard ${h.dominantFrequency(heard)} Hz`);
    rec.close();
    const recorded = fs.readFileSync(recPath);
    assert.equal(recorded.toString('ascii', 0, 4), 'RIFF');
    assert.equal(recorded.readUInt32LE(40), recorded.length - 44);
    assert.ok(recorded.length > 44 + 8000, `recording of ${recorded.length} bytes`);

    // A looped player from memory keeps playing; a tone of DTMF keys ends.
    const looped = a.player(wav(500, 100, 8000), { loop: true });
    assert.ok(looped instanceof Player);
    looped.connect(call);
    const tone = a.tone('dtmf:1');
    assert.ok(tone instanceof Tone);
    tone.connect(call);
    assert.equal(await h.withTimeout(tone.wait(), 3000, 'tone ends'), 'finished');
    assert.equal(looped.endReason, null);
    looped.close();
    tone.close();
    assert.equal(await looped.wait(), 'stopped');
    await call.hangup();
  });

  it('in-band DTMF is sent as tones and detected', async () => {
    const call = await h.withTimeout(a.call(`sip:bob@127.0.0.1:${b.sipPort}`), 10000, 'answer');
    await h.waitFor(() => incoming.length === 2, 5000, 'incoming call');
    const peer = incoming[1];
    const digits = [];
    peer.on('dtmf', (d) => digits.push(d));
    call.sendDtmf('73*');
    await h.waitFor(() => digits.length >= 3, 5000, 'three digits');
    assert.equal(digits.join(''), '73*');
    await call.hangup();
  });

  it('errors: missing file, corrupt WAV, bad spec, self and closed ports', async () => {
    const code = (fn) => {
      try {
        fn();
      } catch (err) {
        assert.ok(err instanceof VoipError, String(err));
        return err.code;
      }
      return 'no error';
    };
    assert.equal(code(() => a.player(path.join(dir, 'missing.wav'))), 'EIO');
    assert.equal(code(() => a.player(Buffer.from('RIFF\x10\0\0\0WAVEjunk', 'latin1'))), 'EFORMAT');
    assert.equal(code(() => a.player(wav(440, 100, 8000).subarray(0, 60))), 'EFORMAT');
    assert.equal(code(() => a.recorder(path.join(dir, 'no', 'dir.wav'))), 'EIO');
    assert.equal(code(() => a.tone('ringback:mars')), 'EINVAL');
    const t = a.tone('busy:eu');
    assert.equal(code(() => t.connect(t)), 'EINVAL');
    t.close();
    assert.equal(code(() => t.connect(a.tone('dial'))), 'ENOTFOUND');
    assert.throws(() => t.connect({ id: 1 }), TypeError);
    assert.throws(() => a.player(42), TypeError);
  });
});

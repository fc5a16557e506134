'use strict';
// Wideband audio from Node: the sampleRate option with the G722 and opus
// codecs.  A 1 kHz and a 5 kHz tone go from alice to bob; the 5 kHz one
// arrives only through a wideband codec at a rate above 8000.

const { describe, it, after } = require('node:test');
const assert = require('node:assert/strict');
const { Phone, VoipError } = require('..');
const h = require('./helpers');

// Port block of this file: RTP 37300-37399 (SIP ports are picked free).
const P = { sip: 0, rtp: 37300 };

function toneAt(freq, rate, ms, amplitude = 8000) {
  const n = Math.round((rate * ms) / 1000);
  const buf = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) buf.writeInt16LE(Math.round(amplitude * Math.sin((2 * Math.PI * freq * i) / rate)), i * 2);
  return buf;
}

// RMS of the `freq` component (Hann-windowed Goertzel): a sine of amplitude
// A reads A/sqrt(2).
function levelAt(buf, rate, freq) {
  const x = h.samples(buf);
  const coeff = 2 * Math.cos((2 * Math.PI * freq) / rate);
  let s1 = 0;
  let s2 = 0;
  let wsum = 0;
  for (let i = 0; i < x.length; i++) {
    const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (x.length - 1));
    wsum += w;
    const s = x[i] * w + coeff * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  const p = Math.max(s1 * s1 + s2 * s2 - coeff * s1 * s2, 0);
  return (2 * Math.sqrt(p)) / wsum / Math.SQRT2;
}

describe('wideband codecs and sampleRate', () => {
  const phones = [];
  after(async () => {
    await Promise.all(phones.map((p) => p.close()));
    assert.deepEqual(h.unhandled, [], 'no unhandled rejections');
  });

  const cases = [
    { codecs: ['G722', 'PCMU'], rate: 16000, codec: 'G722', wide: true },
    { codecs: ['opus', 'PCMU'], rate: 48000, codec: 'opus', wide: true },
    { codecs: ['PCMU'], rate: 48000, codec: 'PCMU', wide: false },
  ];
  cases.forEach((tc, i) => {
    it(`${tc.codec} at ${tc.rate} Hz carries 1 kHz${tc.wide ? ' and 5 kHz' : ', not 5 kHz'}`, async () => {
      const alice = new Phone(h.phoneOptions(P, 2 * i, { user: 'alice', codecs: tc.codecs, sampleRate: tc.rate }));
      const bob = new Phone(h.phoneOptions(P, 2 * i + 1, { user: 'bob', codecs: tc.codecs, sampleRate: tc.rate }));
      phones.push(alice, bob);
      const incoming = new Promise((resolve) => bob.on('call', (c) => { c.answer(); resolve(c); }));
      await alice.start();
      await bob.start();
      assert.equal(alice.getOption('sample_rate'), String(tc.rate));
      const out = await h.withTimeout(alice.call(`sip:bob@127.0.0.1:${bob.sipPort}`), 10000, 'alice.call');
      const inc = await h.withTimeout(incoming, 5000, 'bob incoming');
      await h.withTimeout(inc.answered(), 5000, 'bob answered');
      assert.equal(out.codec, tc.codec);
      const frame = (2 * tc.rate) / 50;
      const want = 8000 / Math.SQRT2;
      for (const hz of [1000, 5000]) {
        out.writeAudio(toneAt(hz, tc.rate, 1200));
        const frames = [];
        for (let f = 0; f < 60; f++) frames.push(await inc.readAudio(frame));
        const got = Buffer.concat(frames.slice(20)); // after 400 ms
        const level = levelAt(got, tc.rate, hz);
        if (hz === 1000 || tc.wide) {
          assert.ok(level > want / 2 && level < want * 2, `${hz} Hz level ${level.toFixed(0)}, want ${want.toFixed(0)}`);
        } else {
          assert.ok(level < want / 100, `${hz} Hz level ${level.toFixed(0)} through ${tc.codec}, want < ${(want / 100).toFixed(0)}`);
        }
      }
      await out.hangup();
    });
  });

  it('refuses a rate other than 8000, 16000 and 48000', () => {
    assert.throws(() => new Phone({ sampleRate: '16000' }), TypeError);
    assert.throws(
      () => new Phone(h.phoneOptions(P, 8, { sampleRate: 44100 })),
      (e) => e instanceof VoipError && e.code === 'EINVAL' && /sample_rate/.test(e.message)
    );
  });
});

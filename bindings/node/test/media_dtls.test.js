'use strict';
// DTLS-SRTP (mediaKeying: 'dtls') between two Node phones over 127.0.0.1:
// the keys come from a DTLS handshake on the RTP port, audio both ways.

const { describe, it, after } = require('node:test');
const assert = require('node:assert/strict');
const { Phone, VoipError } = require('..');
const h = require('./helpers');

const P = h.PORTS.dtls;

describe('media keying (DTLS-SRTP)', () => {
  const phones = [];
  after(async () => {
    await Promise.all(phones.map((p) => p.close()));
    assert.deepEqual(h.unhandled, [], 'no unhandled rejections');
  });

  it('dtls to dtls: DTLS-SRTP, audio both ways', async () => {
    const opts = { mediaEncryption: 'mandatory', mediaKeying: 'dtls' };
    const alice = new Phone(h.phoneOptions(P, 0, { user: 'alice', ...opts }));
    const bob = new Phone(h.phoneOptions(P, 1, { user: 'bob', ...opts }));
    phones.push(alice, bob);
    bob.on('call', (call) => call.answer());
    await alice.start();
    await bob.start();
    assert.equal(alice.getOption('media_keying'), 'dtls');
    const incoming = new Promise((resolve) => bob.once('call', resolve));
    const out = await h.withTimeout(alice.call(`sip:bob@127.0.0.1:${bob.sipPort}`), 10000, 'alice.call');
    const inc = await h.withTimeout(incoming, 5000, 'bob incoming');
    await h.withTimeout(inc.answered(), 5000, 'bob answered');
    assert.equal(out.mediaEncryption, 'dtls');
    assert.equal(inc.mediaEncryption, 'dtls');
    out.writeAudio(h.tone(440, 1500));
    inc.writeAudio(h.tone(1000, 1500));
    await Promise.all([h.readFor(inc, 400), h.readFor(out, 400)]);
    const [b, a] = await Promise.all([h.readFor(inc, 600), h.readFor(out, 600)]);
    assert.ok(Math.abs(h.dominantFrequency(b) - 440) <= 10 && h.rms(b) > 2000, `bob hears ${h.dominantFrequency(b)} Hz`);
    assert.ok(Math.abs(h.dominantFrequency(a) - 1000) <= 10 && h.rms(a) > 2000, `alice hears ${h.dominantFrequency(a)} Hz`);
    assert.equal(out.srtpStats().suite, 'AEAD_AES_128_GCM');
    await out.hangup();
  });

  it('checks the option', () => {
    assert.throws(() => new Phone({ mediaKeying: 1 }), TypeError);
    const p = new Phone(h.phoneOptions(P, 0));
    phones.push(p);
    assert.throws(() => p.setOption('media_keying', 'zrtp'), VoipError);
  });
});

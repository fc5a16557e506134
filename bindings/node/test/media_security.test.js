'use strict';
// SRTP (mediaEncryption) between two Node phones over 127.0.0.1: an SDES
// call with audio both ways, a plain fallback, a 488 refusal, option checks.

const { describe, it, after } = require('node:test');
const assert = require('node:assert/strict');
const { Phone, VoipError } = require('..');
const h = require('./helpers');

const P = h.PORTS.srtp;

describe('media encryption (SRTP with SDES)', () => {
  const phones = [];
  after(async () => {
    await Promise.all(phones.map((p) => p.close()));
    assert.deepEqual(h.unhandled, [], 'no unhandled rejections');
  });

  // Two started phones: bob answers every call; returns [alice, bob, bobUri].
  async function pair(i, aliceMode, bobMode) {
    const alice = new Phone(h.phoneOptions(P, 2 * i, { user: 'alice', mediaEncryption: aliceMode }));
    const bob = new Phone(h.phoneOptions(P, 2 * i + 1, { user: 'bob', mediaEncryption: bobMode }));
    phones.push(alice, bob);
    bob.on('call', (call) => call.answer());
    await alice.start();
    await bob.start();
    return [alice, bob, `sip:bob@127.0.0.1:${bob.sipPort}`];
  }

  it('mandatory to mandatory: SDES, audio both ways', async () => {
    const [alice, bob, uri] = await pair(0, 'mandatory', 'mandatory');
    assert.equal(alice.getOption('media_encryption'), 'mandatory');
    const incoming = new Promise((resolve) => bob.once('call', resolve));
    const out = await h.withTimeout(alice.call(uri), 10000, 'alice.call');
    const inc = await h.withTimeout(incoming, 5000, 'bob incoming');
    await h.withTimeout(inc.answered(), 5000, 'bob answered');
    assert.equal(out.mediaEncryption, 'sdes');
    assert.equal(inc.mediaEncryption, 'sdes');
    assert.deepEqual(out.srtpStats(), { suite: 'AES_CM_128_HMAC_SHA1_80', replayed: 0, auth_failed: 0 });
    out.writeAudio(h.tone(440, 1500));
    inc.writeAudio(h.tone(1000, 1500));
    await Promise.all([h.readFor(inc, 400), h.readFor(out, 400)]);
    const [b, a] = await Promise.all([h.readFor(inc, 600), h.readFor(out, 600)]);
    assert.ok(Math.abs(h.dominantFrequency(b) - 440) <= 10 && h.rms(b) > 2000, `bob hears ${h.dominantFrequency(b)} Hz`);
    assert.ok(Math.abs(h.dominantFrequency(a) - 1000) <= 10 && h.rms(a) > 2000, `alice hears ${h.dominantFrequency(a)} Hz`);
    await out.hangup();
    assert.equal(out.mediaEncryption, 'sdes', 'kept once the call ended');
  });

  it('optional meets off: a plain call', async () => {
    const [alice, , uri] = await pair(1, 'optional', 'off');
    const out = await h.withTimeout(alice.call(uri), 10000, 'alice.call');
    await h.withTimeout(out.answered(), 5000, 'answered');
    assert.equal(out.mediaEncryption, 'none');
    assert.equal(out.srtpStats().suite, '');
    await out.hangup();
  });

  it('mandatory meets off: the call ends with 488', async () => {
    const [alice, , uri] = await pair(2, 'mandatory', 'off');
    await assert.rejects(h.withTimeout(alice.call(uri), 10000, 'alice.call'),
      (err) => err instanceof VoipError && /488 Not Acceptable Here/.test(err.message));
  });

  it('checks the option', () => {
    assert.throws(() => new Phone({ mediaEncryption: 1 }), TypeError);
    const p = new Phone(h.phoneOptions(P, 6));
    phones.push(p);
    assert.throws(() => p.setOption('media_encryption', 'always'), VoipError);
  });
});

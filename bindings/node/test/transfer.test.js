'use strict';
// Transfers among three Node phones in one process, over 127.0.0.1: a blind
// transfer (REFER) followed by the transferee, one refused by the
// allowTransfer option, and an attended transfer (REFER with Replaces).

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { Phone, CallState, VoipError } = require('..');
const h = require('./helpers');

const P = h.PORTS.transfer;

describe('transfer between Node phones', () => {
  let a;
  let b;
  let c;
  let strict; // a phone with allowTransfer: false
  const incoming = new Map(); // phone -> array of calls answered

  function answering(phone) {
    incoming.set(phone, []);
    phone.on('call', (call) => {
      call.answer();
      incoming.get(phone).push(call);
    });
  }
  const uriOf = (phone, user) => `sip:${user}@127.0.0.1:${phone.sipPort}`;

  before(async () => {
    a = new Phone(h.phoneOptions(P, 0, { user: 'alice' }));
    b = new Phone(h.phoneOptions(P, 1, { user: 'bob' }));
    c = new Phone(h.phoneOptions(P, 2, { user: 'carol' }));
    strict = new Phone(h.phoneOptions(P, 3, { user: 'dave', allowTransfer: false }));
    answering(b);
    answering(c);
    await Promise.all([a.start(), b.start(), c.start(), strict.start()]);
  });

  after(async () => {
    await Promise.all([a, b, c, strict].map((p) => p && p.close()));
    assert.deepEqual(h.unhandled, [], 'no unhandled rejections');
  });

  async function nextIncoming(phone, n) {
    const deadline = Date.now() + 5000;
    while (incoming.get(phone).length < n) {
      if (Date.now() > deadline) throw new Error('no incoming call');
      await h.sleep(20);
    }
    const call = incoming.get(phone)[n - 1];
    await h.withTimeout(call.answered(), 5000, 'answered');
    return call;
  }

  // x and y hear each other's tone (the calls were up a while: the stale
  // part of their receive buffers is read and dropped first).
  async function talk(x, y) {
    const w1 = x.writeAudioAsync(h.tone(440, 4000));
    const w2 = y.writeAudioAsync(h.tone(1000, 4000));
    await Promise.all([h.readFor(x, 2000), h.readFor(y, 2000)]);
    const [atY, atX] = await Promise.all([h.readFor(y, 1000), h.readFor(x, 1000)]);
    await Promise.all([w1, w2]);
    assert.ok(Math.abs(h.dominantFrequency(atY) - 440) <= 10, `hears ${h.dominantFrequency(atY)} Hz`);
    assert.ok(Math.abs(h.dominantFrequency(atX) - 1000) <= 10, `hears ${h.dominantFrequency(atX)} Hz`);
    assert.ok(h.rms(atX) > 2000 && h.rms(atY) > 2000, `levels ${h.rms(atX)} ${h.rms(atY)}`);
  }

  it('follows a blind transfer: the new call comes with the transferred event', async () => {
    const a1 = await h.withTimeout(a.call(uriOf(b, 'bob')), 10000, 'a calls b');
    const b1 = await nextIncoming(b, 1);
    const transferred = h.once(a1, 'transferred', 10000);
    const progress = [];
    b1.on('transfer_progress', (d) => progress.push(d));
    await h.withTimeout(b1.transfer(`<${uriOf(c, 'carol')}>`), 10000, 'transfer');
    await h.withTimeout(b1.waitEnded(), 5000, 'b1 ended');
    const [a2, uri] = await transferred;
    assert.equal(uri, uriOf(c, 'carol'));
    assert.equal(a1.successor, a2);
    assert.equal(a2.direction, 'outgoing');
    await h.withTimeout(a2.answered(), 5000, 'a2 answered');
    const c1 = await nextIncoming(c, 1);
    await h.withTimeout(a1.waitEnded(), 5000, 'a1 ended');
    assert.deepEqual(progress, [], 'blind: no progress awaited');
    await talk(a2, c1);
    await a2.hangup();
  });

  it('reports a refused transfer (allowTransfer: false) and keeps the call', async () => {
    const d1 = await h.withTimeout(strict.call(uriOf(b, 'bob')), 10000, 'dave calls b');
    const b2 = await nextIncoming(b, 2);
    await assert.rejects(b2.transfer(uriOf(c, 'carol'), { blind: false, timeout: 10000 }),
      (err) => err instanceof VoipError && err.code === 'EREJECTED' && /603/.test(err.message));
    assert.equal(b2.state, CallState.ANSWERED);
    assert.equal(d1.state, CallState.ANSWERED);
    assert.equal(d1.successor, null);
    await d1.hangup();
  });

  it('does an attended transfer: the replaced call is taken over', async () => {
    const a1 = await h.withTimeout(a.call(uriOf(b, 'bob')), 10000, 'a calls b');
    const b1 = await nextIncoming(b, 3);
    const b2 = await h.withTimeout(b.call(uriOf(c, 'carol')), 10000, 'b calls c');
    const c1 = await nextIncoming(c, 2);
    const replaced = h.once(c1, 'replaced', 10000);
    await h.withTimeout(b1.transferAttended(b2, { timeout: 10000 }), 10000, 'transferAttended');
    const [c2] = await replaced;
    assert.equal(c1.successor, c2);
    assert.equal(c2.state, CallState.ANSWERED);
    for (const call of [b1, b2, c1, a1]) await h.withTimeout(call.waitEnded(), 5000, 'ended');
    assert.equal((await c1.waitEnded()).reason, 'replaced');
    const a2 = a1.successor;
    assert.ok(a2, 'a1 has a successor');
    await h.withTimeout(a2.answered(), 5000, 'a2 answered');
    assert.equal(incoming.get(c).length, 2, "the replacing call is not emitted as 'call'");
    await talk(a2, c2);
    await a2.hangup();
  });
});

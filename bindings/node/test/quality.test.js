'use strict';
// Call quality (issue 13): call.quality(), the 'quality' event (an
// object; the JSON text on 'event'), the quality options.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { Phone, VoipError } = require('..');
const h = require('./helpers');

const P = h.PORTS.quality;
const FIELDS = ['codec', 'packets_sent', 'packets_received', 'packets_lost', 'loss_percent', 'jitter_ms',
  'remote_packets_sent', 'remote_packets_lost', 'remote_loss_percent', 'remote_jitter_ms', 'rtt_ms',
  'concealed_frames', 'comfort_noise_frames', 'late', 'duplicates', 'jitter_buffer_ms',
  'jitter_buffer_target_ms', 'jitter_mode', 'rtcp_sent', 'rtcp_received', 'rtcp_mux', 'r_factor', 'mos'];

describe('call quality', () => {
  let alice;
  let bob;
  const bobCalls = [];

  before(async () => {
    alice = new Phone(h.phoneOptions(P, 0, { user: 'alice', jitterMode: 'fixed', plc: false }));
    bob = new Phone(h.phoneOptions(P, 1, { user: 'bob', qualityIntervalMs: 1000 }));
    bob.on('call', (call) => { bobCalls.push(call); call.answer(); });
    await alice.start();
    await bob.start();
  });

  after(async () => {
    await Promise.all([alice && alice.close(), bob && bob.close()]);
    assert.deepEqual(h.unhandled, [], 'no unhandled rejections');
  });

  it('reports quality as an object and as periodic events, the last before the end', async () => {
    const out = await h.withTimeout(alice.call(`sip:bob@127.0.0.1:${bob.sipPort}`), 10000, 'call');
    await h.withTimeout(new Promise((r) => { const t = setInterval(() => { if (bobCalls.length) { clearInterval(t); r(); } }, 20); }), 5000, 'incoming');
    const inc = bobCalls[0];
    const objects = [];
    const texts = [];
    const order = [];
    inc.on('quality', (q) => { objects.push(q); order.push('quality'); });
    inc.on('event', (name, detail) => { if (name === 'quality') texts.push(detail); });
    inc.on('ended', () => order.push('ended'));
    const callerOrder = []; // alice: no qualityIntervalMs, the final event only
    out.on('quality', () => callerOrder.push('quality'));
    out.on('ended', () => callerOrder.push('ended'));
    await h.withTimeout(inc.answered(), 5000, 'answered');
    await h.withTimeout(new Promise((r) => { const t = setInterval(() => { if (objects.length >= 2) { clearInterval(t); r(); } }, 50); }), 6000, 'two quality events');

    const q = out.quality();
    for (const k of FIELDS) assert.ok(k in q, `quality lacks ${k}`);
    assert.equal(q.codec, 'PCMU');
    assert.ok(q.packets_sent > 50 && q.packets_received > 50, JSON.stringify(q));
    assert.equal(q.packets_lost, 0);
    assert.equal(q.jitter_mode, 'fixed');
    assert.equal(q.rtcp_mux, true);
    assert.ok(q.mos >= 3.5 && q.mos <= 4.5, `mos ${q.mos}`); // no loss: the delay alone (about 4.4 when idle)

    await out.hangup();
    await h.withTimeout(new Promise((r) => { if (inc.ended) r(); else inc.once('ended', r); }), 5000, 'ended');
    assert.ok(objects.length >= 3, `${objects.length} quality events`);
    assert.equal(texts.length, objects.length);
    assert.deepEqual(JSON.parse(texts[0]), objects[0]);
    assert.deepEqual(order.slice(-2), ['quality', 'ended'], 'the last quality event comes just before the end');
    for (const o of objects) assert.equal(o.jitter_mode, 'adaptive');
    await h.withTimeout(new Promise((r) => { if (out.ended) r(); else out.once('ended', r); }), 5000, 'caller ended');
    assert.deepEqual(callerOrder, ['quality', 'ended'], 'every call gets the final quality event');
    // still there after the end
    assert.ok(inc.quality().packets_received > 0);
  });

  it('takes the quality options and checks their types', async () => {
    const p = new Phone(h.phoneOptions(P, 2, {
      rtcp: false, rtcpMux: false, plc: false, comfortNoise: false, jitterMode: 'fixed',
      jitterMinMs: 60, jitterMaxMs: 400, qualityIntervalMs: 2000,
    }));
    await p.start();
    try {
      for (const [k, v] of [['rtcp', '0'], ['rtcp_mux', '0'], ['plc', '0'], ['comfort_noise', '0'],
        ['jitter_mode', 'fixed'], ['jitter_min_ms', '60'], ['jitter_max_ms', '400'], ['quality_interval_ms', '2000']]) {
        assert.equal(p.getOption(k), v, k);
      }
    } finally {
      await p.close();
    }
    assert.throws(() => new Phone({ plc: 1 }), TypeError);
    assert.throws(() => new Phone({ qualityIntervalMs: '1000' }), TypeError);
    assert.throws(() => new Phone(h.phoneOptions(P, 3, { jitterMode: 'sometimes' })),
      (e) => e instanceof VoipError && e.code === 'EINVAL');
  });
});

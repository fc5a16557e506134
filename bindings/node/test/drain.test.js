'use strict';
// drain, flush and collectDtmf (issue 17) on real calls: against the C
// example voip-echo (it prints the digits it gets and ends the call on our
// BYE), and Node <-> Node for digit collection.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { Phone, CallState, VoipError } = require('..');
const h = require('./helpers');

const P = { sip: 5505, rtp: 37200 }; // 37200-37299
const ECHO = h.findProgram('voip-echo', 'VOIP_ECHO');

function digitsBeforeEnd(out) {
  const end = out.search(/^CALL 1 ENDED/m);
  assert.ok(end >= 0, `voip-echo did not end call 1:\n${out}`);
  return (out.slice(0, end).match(/^DTMF 1 (.)$/gm) || []).map((l) => l.at(-1)).join('');
}

async function level(call, ms) {
  return h.rms(await call.readAudio(16 * ms, { timeout: ms + 1000 }));
}

describe('drain and flush against voip-echo', { skip: ECHO ? false : 'voip-echo not built (run make)' }, () => {
  let echo;
  let phones = [];
  const echoUri = `sip:echo@127.0.0.1:${P.sip}`;

  before(async () => {
    echo = h.run(ECHO, ['--bind', `127.0.0.1:${P.sip}`, '--rtp-ports', `${P.rtp + 80}-${P.rtp + 99}`]);
    await h.waitFor(() => /listening on/.test(echo.stderr) || echo.code !== null, 10000, 'voip-echo listening');
    assert.equal(echo.code, null, `voip-echo exited: ${echo.stderr}`);
  });

  after(async () => {
    for (const p of phones) await p.close();
    if (echo) {
      const out = await echo.stop('SIGTERM', 12000);
      assert.equal(out.code, 0, `voip-echo exit: ${out.code}\n${out.stdout}\n${out.stderr}`);
    }
    assert.deepEqual(h.unhandled, []);
  });

  it('every digit of "123#" arrives before the hang-up after drain', async () => {
    const phone = new Phone(h.phoneOptions(P, 2, { user: 'node' }));
    phones.push(phone);
    await phone.start();
    const call = await h.withTimeout(phone.call(echoUri), 10000, 'echo answers');
    call.sendDtmf('123#', 60);
    const t0 = Date.now();
    assert.equal(await call.drain({ timeout: 5000 }), true);
    assert.ok(Date.now() - t0 >= 240, `drain returned after ${Date.now() - t0} ms`);
    await call.hangup();
    await h.waitFor(() => /^CALL 1 ENDED/m.test(echo.stdout), 5000, 'echo sees the BYE');
    assert.equal(digitsBeforeEnd(echo.stdout), '123#');
    await assert.rejects(call.drain(), (e) => e instanceof VoipError && e.code === 'EENDED');
  });

  it('flushed audio is not heard; flushed received audio is not read', async () => {
    const phone = new Phone(h.phoneOptions(P, 3, { user: 'node' }));
    phones.push(phone);
    await phone.start();
    const call = await h.withTimeout(phone.call(echoUri), 10000, 'echo answers');
    call.writeAudio(h.tone(1000, 400));
    const t0 = Date.now();
    assert.equal(await call.drain({ dtmf: false, timeout: 5000 }), true);
    const took = Date.now() - t0;
    assert.ok(took >= 360 && took < 2000, `draining 400 ms took ${took} ms`);
    call.flush({ receivedAudio: true });
    call.writeAudio(h.tone(1000, 1800));
    await h.sleep(300);
    const before = await level(call, 300);
    assert.ok(before > 1000, `the echo's level before the flush: ${before}`);
    call.flush({ sendAudio: true });
    await h.sleep(600); // what is in flight comes back (through the echo's jitter buffer)
    call.flush({ receivedAudio: true });
    const after = await level(call, 500);
    assert.ok(after < 50, `level after the flush: ${after}`);
    call.writeAudio(h.tone(1000, 600));
    assert.equal(await call.drain({ dtmf: false, timeout: 5000 }), true);
    await h.sleep(500);
    call.flush({ receivedAudio: true });
    const unread = await level(call, 300);
    assert.ok(unread < 50, `level after flushing unread audio: ${unread}`);
    assert.throws(() => call.flush({}), (e) => e instanceof VoipError && e.code === 'EINVAL');
    await call.hangup();
  });
});

describe('collectDtmf, Node <-> Node', () => {
  let a;
  let b;
  let ca;
  let cb;

  before(async () => {
    b = new Phone(h.phoneOptions(P, 0, { user: 'bob' }));
    a = new Phone(h.phoneOptions(P, 1, { user: 'alice' }));
    await b.start();
    await a.start();
    b.on('call', (call) => {
      cb = call;
      call.answer();
    });
    ca = await h.withTimeout(a.call(`sip:bob@127.0.0.1:${b.sipPort}`), 10000, 'bob answers');
    await h.waitFor(() => cb && cb.state === CallState.ANSWERED, 5000, 'bob answered');
  });

  after(async () => {
    await a.close();
    await b.close();
    assert.deepEqual(h.unhandled, []);
  });

  const cases = [
    ['max digits', '1234', { maxDigits: 3, timeout: 5000 }, { digits: '123', reason: 'max_digits', terminator: '' }],
    ['terminator', '12#', { terminators: '*#', timeout: 5000 }, { digits: '12', reason: 'terminator', terminator: '#' }],
    ['timeout', '', { maxDigits: 4, timeout: 300 }, { digits: '', reason: 'timeout', terminator: '' }],
    ['inter-digit timeout', '56', { interDigitTimeout: 600, timeout: 5000 }, { digits: '56', reason: 'inter_digit_timeout', terminator: '' }],
  ];
  for (const [name, send, opts, want] of cases) {
    it(name, async () => {
      cb.flush({ receivedDtmf: true });
      if (send) ca.sendDtmf(send);
      const t0 = Date.now();
      assert.deepEqual(await cb.collectDtmf(opts), want);
      if (want.reason === 'timeout') assert.ok(Date.now() - t0 >= 290);
      assert.equal(await ca.drain({ audio: false, timeout: 3000 }), true);
    });
  }

  it('a bad terminator is the library\'s EINVAL; the end of the call stops it', async () => {
    await assert.rejects(cb.collectDtmf({ terminators: 'x' }), (e) => e instanceof VoipError && e.code === 'EINVAL');
    cb.flush({ receivedDtmf: true });
    ca.sendDtmf('12#9');
    assert.equal(await ca.drain({ timeout: 5000 }), true);
    await ca.hangup();
    const live = cb.collectDtmf({ maxDigits: 1, timeout: 5000 }); // before or after the end: the same digits
    assert.deepEqual(await live, { digits: '1', reason: 'max_digits', terminator: '' });
    await cb.waitEnded();
    await h.waitFor(() => cb._handle === 0, 3000, 'the ended call released');
    assert.deepEqual(await cb.collectDtmf({ terminators: '#' }), { digits: '2', reason: 'terminator', terminator: '#' });
    assert.deepEqual(await cb.collectDtmf({ terminators: '#', timeout: 5000 }), { digits: '9', reason: 'ended', terminator: '' });
  });

  it('the constants match voip.h', () => {
    const { DRAIN, FLUSH, COLLECT_STOPS } = require('../src/call_drain');
    const text = fs.readFileSync(path.join(h.ROOT, 'include', 'voip.h'), 'utf8');
    const found = {};
    for (const m of text.matchAll(/^#define VOIP_((?:DRAIN|FLUSH|COLLECT)_[A-Z_]+)\s+(\d+)u?\b/gm)) found[m[1]] = Number(m[2]);
    const ours = {};
    for (const [k, v] of Object.entries(DRAIN)) ours[`DRAIN_${k}`] = v;
    for (const [k, v] of Object.entries(FLUSH)) ours[`FLUSH_${k}`] = v;
    for (const [v, k] of Object.entries(COLLECT_STOPS)) ours[`COLLECT_${k.toUpperCase().replace('INTER_DIGIT_TIMEOUT', 'INTER_DIGIT')}`] = Number(v);
    assert.deepEqual(found, ours);
  });
});

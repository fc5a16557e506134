'use strict';
// Stopping a phone settles every promise: during an answered call (reads,
// writes, waits pending), during a pending phone.call(), on the ringing
// side; no hang, no unhandled rejection.  And the event loop: alive while
// a phone runs, free to exit after stop().

const { describe, it, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const { Phone, CallState, PhoneStatus } = require('..');
const h = require('./helpers');

const P = h.PORTS.stop;

async function pair(i) {
  const a = new Phone(h.phoneOptions(P, i, { user: 'a' }));
  const b = new Phone(h.phoneOptions(P, i + 1, { user: 'b' }));
  await a.start();
  await b.start();
  return { a, b, bUri: `sip:b@127.0.0.1:${b.sipPort}` };
}

describe('stop settles everything', () => {
  after(() => {
    assert.deepEqual(h.unhandled, [], 'no unhandled rejections');
  });

  it('stop() during an answered call: reads, writes and waits settle, both sides end', async () => {
    const { a, b, bUri } = await pair(0);
    b.on('call', (c) => c.answer());
    const call = await h.withTimeout(a.call(bUri), 10000, 'answer');
    const inc = b.calls[0];
    await inc.answered();
    const endedEvents = [];
    call.on('ended', (reason) => endedEvents.push(reason));
    // Pending operations of every kind, none with a timeout.
    const read = call.readAudio(320 * 10000);
    const write = call.writeAudioAsync(h.tone(440, 6000)); // more than the 2 s queue
    const waitEnd = call.waitEnded();
    const bobEnd = inc.waitEnded();
    const stream = call.audioStream();
    const streamEnd = new Promise((resolve) => {
      stream.on('end', resolve);
      stream.on('error', resolve);
    });
    stream.resume();
    await h.sleep(300);
    const t0 = Date.now();
    await h.withTimeout(a.stop(), 8000, 'a.stop()');
    // stop() resolved after the call's 'ended' was emitted
    assert.equal(endedEvents.length, 1, 'ended was emitted once, before stop() resolved');
    assert.equal(call.state, CallState.ENDED);
    const results = await h.withTimeout(Promise.allSettled([read, write, waitEnd, streamEnd]), 5000, 'pending ops');
    assert.equal(results[0].status, 'fulfilled', 'the read resolves with what it had');
    assert.ok(results[0].value.length > 0);
    assert.ok(results[1].status === 'rejected' ? results[1].reason.code === 'EENDED' : true);
    assert.equal(results[2].status, 'fulfilled');
    assert.ok(Date.now() - t0 < 6000);
    const { reason } = await h.withTimeout(bobEnd, 5000, 'b sees the hangup');
    assert.equal(reason, 'remote hangup');
    await assert.rejects(call.readAudio(320 * 10000).then(() => call.readAudio(320 * 10000)), { code: 'EENDED' });
    assert.equal(a.status, PhoneStatus.INACTIVE);
    await a.close();
    await b.close();
  });

  it('stop() during a pending phone.call() rejects it (caller side)', async () => {
    const { a, b, bUri } = await pair(2);
    let ringing;
    const rang = new Promise((resolve) => {
      b.on('call', (c) => {
        ringing = c; // never answered
        resolve();
      });
    });
    const p = a.call(bUri);
    const settled = p.then(
      () => 'answered',
      (err) => err
    );
    await h.withTimeout(rang, 5000, 'ringing');
    await h.withTimeout(a.stop(), 8000, 'a.stop()');
    const err = await h.withTimeout(settled, 1000, 'call() settles by the end of stop()');
    assert.equal(err.name, 'VoipError');
    assert.equal(err.code, 'EENDED');
    assert.equal(p.call.state, CallState.ENDED);
    await h.withTimeout(ringing.waitEnded(), 5000, 'b sees the cancel');
    await a.close();
    await b.close();
  });

  it('stop() of the ringing side rejects the caller (480) and ends the ringing call', async () => {
    const { a, b, bUri } = await pair(4);
    let ringing;
    const rang = new Promise((resolve) => {
      b.on('call', (c) => {
        ringing = c;
        resolve();
      });
    });
    const p = a.call(bUri);
    p.catch(() => {});
    await h.withTimeout(rang, 5000, 'ringing');
    const ringingEnd = ringing.waitEnded();
    await h.withTimeout(b.stop(), 8000, 'b.stop()');
    assert.equal(ringing.ended, true);
    await ringingEnd;
    await assert.rejects(h.withTimeout(p, 5000, 'caller'), (err) => err.sipCode === 480 || err.code === 'EENDED');
    await a.close();
    await b.close();
  });

  it('close() during a call and a dial settles everything', async () => {
    const { a, b, bUri } = await pair(6);
    b.on('call', (c) => c.answer());
    const call = await a.call(bUri);
    const read = call.readAudio(320 * 10000).catch((e) => e);
    const c2 = new Phone(h.phoneOptions(P, 8));
    c2.on('call', () => {}); // rings forever
    await c2.start();
    const pending = a.call(`sip:c@127.0.0.1:${c2.sipPort}`).catch((e) => e);
    await h.sleep(200);
    await h.withTimeout(a.close(), 8000, 'a.close()');
    const [r, p] = await h.withTimeout(Promise.all([read, pending]), 3000, 'settled');
    assert.ok(Buffer.isBuffer(r) || r.code === 'EENDED');
    assert.equal(p.name, 'VoipError');
    assert.throws(() => call.answer(), { name: 'VoipError', code: 'EENDED' });
    await b.close();
    await c2.close();
  });
});

describe('event loop', () => {
  const script = (body) =>
    spawnSync(process.execPath, ['-e', `const { Phone } = require('.'); (async () => { ${body} })().catch((e) => { console.error(e); process.exit(3); });`], {
      cwd: h.PKG,
      encoding: 'utf8',
      timeout: 20000,
    });

  it('stays alive while a phone runs, exits by itself after stop()', () => {
    const t0 = Date.now();
    const r = script(`
      const a = new Phone({ bindIp: '127.0.0.1', bindPort: 0, rtpPortLow: ${P.rtp + 180}, rtpPortHigh: ${P.rtp + 189} });
      const b = new Phone({ bindIp: '127.0.0.1', bindPort: 0, rtpPortLow: ${P.rtp + 190}, rtpPortHigh: ${P.rtp + 199} });
      b.on('call', (c) => c.answer());
      await a.start(); await b.start();
      const call = await a.call('sip:b@127.0.0.1:' + b.sipPort);
      call.writeAudio(Buffer.alloc(3200));
      // nothing pending in JS: only the started phones keep the loop alive
      setTimeout(async () => {
        console.log('alive');
        await call.hangup();
        await a.stop(); await b.stop();
        console.log('stopped');
      }, 1500);
      process.on('exit', () => console.log('exit'));
    `);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n').join(' '), 'alive stopped exit');
    assert.ok(Date.now() - t0 < 15000);
  });

  it('a started phone alone keeps the process running', () => {
    const r = script(`
      const a = new Phone({ bindIp: '127.0.0.1', bindPort: 0, rtpPortLow: ${P.rtp + 200}, rtpPortHigh: ${P.rtp + 209} });
      await a.start();
      const t = Date.now();
      process.on('exit', () => console.log(Date.now() - t >= 1000 ? 'late' : 'early'));
      // a timer that does not hold the loop: the phone must
      setTimeout(() => a.stop(), 1200).unref();
    `);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'late');
  });

  it('a phone that was never started does not hold the loop', () => {
    const t0 = Date.now();
    const r = script(`new Phone({ bindIp: '127.0.0.1' }); console.log('done');`);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'done');
    assert.ok(Date.now() - t0 < 5000);
  });
});

'use strict';
// The batched audio path (issue 16): FrameBatch serves many calls with one
// asynchronous round trip per media tick.  Two phones of this process: the
// callee echoes every call through one FrameBatch; the caller reads every
// call's echo through another and judges each by frequency and level, and
// counts one frame per tick per call (none lost, none repeated).

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { Phone, CallState, FrameBatch, ErrorCode } = require('..');
const h = require('./helpers');

const P = h.PORTS.frames;
const NCALLS = 12;

function opts(i) {
  return { bindIp: '127.0.0.1', bindPort: 0, rtpPortLow: P.rtp + i * 50, rtpPortHigh: P.rtp + i * 50 + 49 };
}

describe('FrameBatch', () => {
  let callee;
  let caller;
  let stopEcho = false;
  let echoDone;
  const ended = [];
  const legs = [];
  let echoed = 0;

  before(async () => {
    callee = new Phone(opts(0));
    callee.on('call', (call) => {
      legs.push(call);
      call.answer();
    });
    caller = new Phone(opts(1));
    await callee.start();
    await caller.start();
    const echo = new FrameBatch(callee, { capacity: 64 });
    assert.equal(echo.frameBytes, 320);
    echoDone = (async () => {
      let replies = [];
      while (!stopEcho) {
        const frames = await echo.exchange(replies, { timeout: 200 });
        replies = frames.filter((f) => f.data).map((f) => ({ call: f.call, data: f.data }));
        for (const f of frames) {
          if (!f.data) ended.push(f.call);
          else echoed++;
        }
      }
    })();
  });

  after(async () => {
    stopEcho = true;
    await echoDone;
    await caller.close();
    await callee.close();
    assert.deepEqual(h.unhandled, []);
  });

  it('echoes twelve calls from one loop: each hears its tone, one frame per tick', async () => {
    const calls = [];
    for (let i = 0; i < NCALLS; i++) calls.push(await h.withTimeout(caller.call(`sip:bob@127.0.0.1:${callee.sipPort}`), 10000, 'answer'));
    for (const c of calls) assert.equal(c.state, CallState.ANSWERED);
    const mine = new FrameBatch(caller, { capacity: 64 });
    const tones = calls.map((_, i) => h.tone(400 + 150 * i, 1800));
    while ((await mine.read({ timeout: 0 })).length > 0); // what came during set-up
    const t0 = Date.now();
    calls.forEach((c, i) => assert.equal(c.writeAudio(tones[i]), tones[i].length));
    const heard = new Map(calls.map((c) => [c, []]));
    while (Date.now() - t0 < 1600) {
      for (const f of await mine.read({ timeout: 1000 })) {
        assert.ok(f.data && f.data.length === 320);
        heard.get(f.call).push(Buffer.from(f.data));
      }
    }
    const ticks = (Date.now() - t0) / 20;
    calls.forEach((c, i) => {
      const frames = heard.get(c);
      assert.ok(Math.abs(frames.length - ticks) <= 3, `call ${i}: ${frames.length} frames in ${ticks} ticks`);
      const pcm = Buffer.concat(frames.slice(40));
      const f = h.dominantFrequency(pcm);
      assert.ok(Math.abs(f - (400 + 150 * i)) <= 5, `call ${i} heard ${f} Hz`);
      assert.ok(h.rms(pcm) > 3000, `call ${i} level ${h.rms(pcm)}`);
    });
    for (const c of calls) await c.hangup();
    // The binding releases a call's handle once it ended ('ended'), which
    // takes it out of the batch; an end the batch saw first is reported once.
    await Promise.all(legs.map((c) => h.withTimeout(c.waitEnded(), 5000, 'the echo side ends')));
    await h.sleep(100);
    assert.ok(new Set(ended).size === ended.length, 'no end reported twice');
    const before = echoed;
    await h.sleep(200);
    assert.equal(echoed, before, 'no frames from ended calls');
  });

  it('reports write results and refuses bad frames and a stopped phone', async () => {
    const call = await h.withTimeout(caller.call(`sip:bob@127.0.0.1:${callee.sipPort}`), 10000, 'answer');
    const batch = new FrameBatch(caller, { capacity: 4 });
    const frames = await batch.exchange([{ call, data: Buffer.alloc(320) }], { timeout: 1000 });
    assert.deepEqual(batch.writeStatus, [ErrorCode.OK]);
    assert.ok(frames.some((f) => f.call === call && f.data));
    await assert.rejects(batch.exchange([{ call, data: Buffer.alloc(100) }]), TypeError);
    assert.throws(() => new FrameBatch(caller, { capacity: 0 }), TypeError);
    const a = batch.read({ timeout: 1000 });
    await assert.rejects(batch.read(), { code: 'ESTATE' });
    await a;
    await call.hangup();
  });
});

'use strict';
// Early media (call.progress()), redirects (call.redirect(uri)) and the
// rel100 option, between Node phones in one process over 127.0.0.1.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { Phone, CallState, VoipError } = require('..');
const h = require('./helpers');

const P = h.PORTS.early;

describe('early media and redirects', () => {
  let alice;
  let bob;
  let carol;
  let onBob = () => {};
  const aliceEvents = [];

  before(async () => {
    alice = new Phone(h.phoneOptions(P, 0, { user: 'alice' }));
    bob = new Phone(h.phoneOptions(P, 1, { user: 'bob', rel100: 'required' }));
    carol = new Phone(h.phoneOptions(P, 2, { user: 'carol' }));
    bob.on('call', (call) => onBob(call));
    carol.on('call', (call) => call.answer());
    alice.on('callEvent', (call, name, detail) => aliceEvents.push(`${name} ${detail}`));
    await Promise.all([alice.start(), bob.start(), carol.start()]);
  });

  after(async () => {
    await Promise.all([alice && alice.close(), bob && bob.close(), carol && carol.close()]);
    assert.deepEqual(h.unhandled, [], 'no unhandled rejections');
  });

  it('plays early media before the answer (reliable 183), then answers', async () => {
    let answerNow;
    const go = new Promise((resolve) => { answerNow = resolve; });
    const done = new Promise((resolve, reject) => {
      onBob = async (call) => {
        try {
          await call.progress();
          assert.equal(call.state, CallState.RINGING);
          await call.writeAudioAsync(h.tone([1000], 1500));
          await go;
          call.answer();
          resolve(call);
        } catch (e) {
          reject(e);
        }
      };
    });
    const p = alice.call(`sip:bob@127.0.0.1:${bob.sipPort}`);
    const out = p.call;
    const early = h.once(out, 'early_media');
    await h.waitFor(() => out.state === CallState.PROGRESS, 5000, 'PROGRESS');
    const heard = await h.readFor(out, 1500);
    assert.equal(out.state, CallState.PROGRESS, 'still unanswered while the early media play');
    const loud = h.loudestWindow(heard, 500);
    assert.ok(h.rms(loud) > 1000, `early media level ${h.rms(loud)}`);
    assert.ok(Math.abs(h.dominantFrequency(loud) - 1000) <= 10, `early media at ${h.dominantFrequency(loud)} Hz`);
    assert.deepEqual(await early, ['remote']);
    answerNow();
    await h.withTimeout(p, 5000, 'answer');
    const inc = await done;
    assert.equal(inc.state, CallState.ANSWERED);
    await out.hangup();
  });

  it('redirects with 302 and the caller follows it', async () => {
    onBob = (call) => call.redirect(`sip:carol@127.0.0.1:${carol.sipPort}`);
    const p = alice.call(`sip:bob@127.0.0.1:${bob.sipPort}`);
    const redirected = h.once(p.call, 'redirected');
    const out = await h.withTimeout(p, 10000, 'redirected call answered');
    const [detail] = await redirected;
    assert.ok(detail.startsWith(`sip:carol@127.0.0.1:${carol.sipPort}`), detail);
    assert.ok(aliceEvents.some((e) => e.startsWith('redirected ')));
    await out.hangup();
  });

  it('checks progress() and redirect() arguments and states', async () => {
    onBob = () => {};
    const p = alice.call(`sip:bob@127.0.0.1:${bob.sipPort}`);
    const out = p.call;
    await assert.rejects(out.progress(), (e) => e instanceof VoipError && e.code === 'ESTATE');
    assert.throws(() => out.redirect('sip:x@127.0.0.1'), (e) => e instanceof VoipError && e.code === 'ESTATE');
    assert.throws(() => out.redirect(5), TypeError);
    out.cancel();
    await assert.rejects(p);
    assert.throws(() => new Phone(h.phoneOptions(P, 3, { rel100: 5 })), TypeError);
  });
});

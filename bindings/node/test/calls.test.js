'use strict';
// Node phone <-> Node phone in one process, over 127.0.0.1: answer, audio
// both ways (judged by level and frequency), DTMF, deny, cancel, hangup
// from each side, use after the end, the audio stream.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { pipeline } = require('node:stream/promises');
const { Readable, Writable } = require('node:stream');
const { Phone, CallState, VoipError } = require('..');
const h = require('./helpers');

const P = h.PORTS.calls;

describe('Node phone <-> Node phone', () => {
  let alice;
  let bob;
  let bobUri;
  // What bob does with the next incoming call: a function(call), default answer.
  let onBobCall = (call) => call.answer();

  before(async () => {
    alice = new Phone(h.phoneOptions(P, 0, { user: 'alice' }));
    bob = new Phone(h.phoneOptions(P, 1, { user: 'bob' }));
    bob.on('call', (call) => onBobCall(call));
    await alice.start();
    await bob.start();
    bobUri = `sip:bob@127.0.0.1:${bob.sipPort}`;
  });

  after(async () => {
    await Promise.all([alice && alice.close(), bob && bob.close()]);
    assert.deepEqual(h.unhandled, [], 'no unhandled rejections');
  });

  // Places a call from alice to bob, answered by bob; returns both ends.
  async function connect() {
    const incoming = new Promise((resolve) => {
      onBobCall = (call) => {
        call.answer();
        resolve(call);
      };
    });
    const out = await h.withTimeout(alice.call(bobUri), 10000, 'alice.call');
    const inc = await h.withTimeout(incoming, 5000, 'bob incoming');
    await h.withTimeout(inc.answered(), 5000, 'bob answered');
    return { out, inc };
  }

  it('answers, with states, facts and events in order', async () => {
    const states = [];
    let incomingSeen = null;
    const incoming = new Promise((resolve) => {
      onBobCall = (call) => {
        incomingSeen = { state: call.state, direction: call.direction, from: call.remoteUri };
        call.on('state', (s) => states.push(`bob:${s}`));
        call.answer();
        resolve(call);
      };
    });
    const p = alice.call(bobUri);
    assert.ok(p.call, 'the promise carries the call');
    p.call.on('state', (s) => states.push(`alice:${s}`));
    assert.equal(p.call.direction, 'outgoing');
    const out = await h.withTimeout(p, 10000, 'answer');
    const inc = await incoming;
    assert.equal(out, p.call);
    assert.equal(out.state, CallState.ANSWERED);
    assert.deepEqual(incomingSeen, { state: 'RINGING', direction: 'incoming', from: alice.uri });
    assert.equal(out.codec, 'PCMU');
    assert.ok(out.callId.length > 0);
    assert.equal(out.callId, inc.callId);
    assert.match(out.info('local_rtp'), /^127\.0\.0\.1:36\d\d\d$/);
    assert.ok(states.includes('alice:ANSWERED'));
    assert.equal(typeof out.stats().packets_sent, 'number');

    const ended = h.once(inc, 'ended');
    await out.hangup();
    assert.equal(out.state, CallState.ENDED);
    assert.equal(out.ended, true);
    assert.equal(out.endReason, 'local hangup');
    const [reason] = await ended;
    assert.equal(reason, 'remote hangup');
    assert.equal(states.at(-1) === 'bob:ENDED' || states.at(-1) === 'alice:ENDED', true);
  });

  it('holds and resumes from either side, audio stopping and coming back', async () => {
    const { out, inc } = await connect();
    // Both sides talk for the whole test (the async writes wait for room).
    const w1 = out.writeAudioAsync(h.tone(440, 12000));
    const w2 = inc.writeAudioAsync(h.tone(1000, 12000));
    const hear = async () => {
      await Promise.all([h.readFor(inc, 400), h.readFor(out, 400)]);
      return Promise.all([h.readFor(inc, 600), h.readFor(out, 600)]);
    };
    for (const [holder, peer] of [[out, inc], [inc, out]]) {
      const held = h.once(peer, 'hold');
      await h.withTimeout(holder.hold(), 10000, 'hold');
      assert.equal(holder.holdState, 'local');
      assert.deepEqual(await held, ['remote']);
      assert.equal(peer.holdState, 'remote');
      const [atBob, atAlice] = await hear();
      assert.ok(h.rms(atBob) < 50 && h.rms(atAlice) < 50, `on hold: ${h.rms(atBob)} ${h.rms(atAlice)}`);
      const resumed = h.once(peer, 'resume');
      await h.withTimeout(holder.resume(), 10000, 'resume');
      assert.deepEqual(await resumed, ['remote']);
      const [b, a] = await hear();
      assert.ok(Math.abs(h.dominantFrequency(b) - 440) <= 10 && h.rms(b) > 2000, `bob hears ${h.dominantFrequency(b)} Hz`);
      assert.ok(Math.abs(h.dominantFrequency(a) - 1000) <= 10 && h.rms(a) > 2000, `alice hears ${h.dominantFrequency(a)} Hz`);
    }
    await out.hangup();
    await Promise.allSettled([w1, w2]);
    await assert.rejects(out.hold());
  });

  it('carries audio both ways (level and frequency)', async () => {
    const { out, inc } = await connect();
    // alice sends 440 Hz, bob sends 1000 Hz, 3 s each (the queue holds 2 s:
    // the async write waits for room).
    const w1 = out.writeAudioAsync(h.tone(440, 3000));
    const w2 = inc.writeAudioAsync(h.tone(1000, 3000));
    // Skip the first 400 ms (jitter buffer, silence before the tone).
    await Promise.all([h.readFor(inc, 400), h.readFor(out, 400)]);
    const [atBob, atAlice] = await Promise.all([h.readFor(inc, 1000), h.readFor(out, 1000)]);
    assert.equal(await w1, 48000);
    assert.equal(await w2, 48000);
    assert.equal(atBob.length, 16000);
    assert.ok(Math.abs(h.dominantFrequency(atBob) - 440) <= 10, `bob hears ${h.dominantFrequency(atBob)} Hz`);
    assert.ok(Math.abs(h.dominantFrequency(atAlice) - 1000) <= 10, `alice hears ${h.dominantFrequency(atAlice)} Hz`);
    assert.ok(h.rms(atBob) > 2000, `level at bob ${h.rms(atBob)}`);
    assert.ok(h.rms(atAlice) > 2000, `level at alice ${h.rms(atAlice)}`);
    assert.ok(h.toneShare(atBob, 440) > 0.8, `440 Hz share ${h.toneShare(atBob, 440)}`);
    const stats = out.stats();
    assert.ok(stats.packets_received > 50, JSON.stringify(stats));
    await inc.hangup();
    const { reason } = await h.withTimeout(out.waitEnded(), 5000, 'alice ended');
    assert.equal(reason, 'remote hangup');
  });

  it('hangs up from the callee side', async () => {
    const { out, inc } = await connect();
    const aliceEnded = out.waitEnded();
    await inc.hangup();
    assert.equal(inc.endReason, 'local hangup');
    const { reason } = await h.withTimeout(aliceEnded, 5000, 'alice ended');
    assert.equal(reason, 'remote hangup');
    assert.equal(out.state, CallState.ENDED);
  });

  it('sends and receives DTMF both ways', async () => {
    const { out, inc } = await connect();
    const atBob = [];
    const atAlice = [];
    inc.on('dtmf', (d) => atBob.push(d));
    out.on('dtmf', (d) => atAlice.push(d));
    const phoneLevel = [];
    bob.on('dtmf', function onDtmf(call, d) {
      if (call === inc) phoneLevel.push(d);
    });
    out.sendDtmf('123#', 80);
    inc.sendDtmf('*9D');
    await h.waitFor(() => atBob.length >= 4 && atAlice.length >= 3, 8000, 'digits');
    assert.equal(atBob.join(''), '123#');
    assert.equal(atAlice.join(''), '*9D');
    assert.equal(phoneLevel.join(''), '123#');
    assert.equal(inc.getDtmf(2), '12');
    assert.equal(inc.getDtmf(), '3#');
    assert.equal(inc.getDtmf(), '');
    await out.hangup();
    await inc.waitEnded();
    // digits stay readable after the end
    assert.equal(out.getDtmf(), '*9D');
  });

  it('sends and receives DTMF by SIP INFO (dtmfMode "info")', async () => {
    const carol = new Phone(h.phoneOptions(P, 8, { user: 'carol', dtmfMode: 'info' }));
    const dave = new Phone(h.phoneOptions(P, 9, { user: 'dave', dtmfMode: 'info' }));
    const incoming = new Promise((resolve) => {
      dave.on('call', (call) => {
        call.answer();
        resolve(call);
      });
    });
    try {
      await carol.start();
      await dave.start();
      assert.equal(carol.getOption('dtmf_mode'), 'info');
      const out = await h.withTimeout(carol.call(`sip:dave@127.0.0.1:${dave.sipPort}`), 10000, 'carol.call');
      const inc = await h.withTimeout(incoming, 5000, 'dave incoming');
      await h.withTimeout(inc.answered(), 5000, 'dave answered');
      const atDave = [];
      const atCarol = [];
      inc.on('dtmf', (d) => atDave.push(d));
      out.on('dtmf', (d) => atCarol.push(d));
      out.sendDtmf('0123456789*#');
      inc.sendDtmf('#A', 60);
      await h.waitFor(() => atDave.length >= 12 && atCarol.length >= 2, 8000, 'digits');
      await h.sleep(300); // no digit twice
      assert.equal(atDave.join(''), '0123456789*#');
      assert.equal(atCarol.join(''), '#A');
      assert.equal(inc.getDtmf(), '0123456789*#');
      const sent = out.stats();
      assert.equal(sent.dtmf_info_sent, 12, JSON.stringify(sent));
      assert.equal(sent.dtmf_sent, 0, JSON.stringify(sent));
      assert.equal(inc.stats().dtmf_info_received, 12);
      await out.hangup();
    } finally {
      await Promise.all([carol.close(), dave.close()]);
    }
  });

  it('deny: the caller rejects with VoipError (busy / decline)', async () => {
    onBobCall = (call) => call.deny();
    await assert.rejects(alice.call(bobUri), (err) => {
      assert.ok(err instanceof VoipError);
      assert.equal(err.code, 'EENDED');
      assert.equal(err.sipCode, 486);
      assert.match(err.reason, /486/);
      assert.equal(err.call.state, CallState.ENDED);
      return true;
    });
    let denied;
    let refused = null;
    onBobCall = (call) => {
      denied = call;
      // a status the library refuses leaves the call ringing
      try {
        call.deny(999);
      } catch (err) {
        refused = err;
      }
      call.deny(603);
    };
    await assert.rejects(alice.call(bobUri), { name: 'VoipError', sipCode: 603 });
    assert.ok(refused instanceof VoipError, 'deny(999) throws');
    assert.equal(refused.code, 'EINVAL');
    assert.match(refused.message, /voip_call_deny: call \d+: .*deny status 999 is not 400\.\.699/);
    await h.withTimeout(denied.waitEnded(), 5000, 'denied call ends');
    assert.equal(denied.endCode, 603);
    assert.throws(() => denied.answer(), { name: 'VoipError', code: 'EENDED' });
  });

  it('cancel: a pending call is canceled before the answer', async () => {
    let ringing;
    const rang = new Promise((resolve) => {
      onBobCall = (call) => {
        ringing = call; // never answered
        resolve(call);
      };
    });
    const p = alice.call(bobUri);
    await h.withTimeout(rang, 5000, 'bob rings');
    const bobEnded = ringing.waitEnded();
    p.call.cancel();
    assert.ok([CallState.CANCELING, CallState.ENDED].includes(p.call.state));
    await assert.rejects(p, (err) => {
      assert.equal(err.code, 'EENDED');
      assert.match(err.reason, /cancel/i);
      return true;
    });
    const { reason } = await h.withTimeout(bobEnded, 5000, 'bob sees the cancel');
    assert.match(reason, /cancel/i);
  });

  it('call({ timeout }) cancels an unanswered call with ETIMEOUT; an AbortSignal cancels too', async () => {
    onBobCall = () => {}; // ring forever
    const t0 = Date.now();
    const timed = alice.call(bobUri, { timeout: 500 });
    await assert.rejects(timed, { name: 'VoipError', code: 'ETIMEOUT' });
    assert.ok(Date.now() - t0 < 2000);
    const { reason } = await h.withTimeout(timed.call.waitEnded(), 5000, 'the timed-out call ends');
    assert.match(reason, /cancel/);
    const ac = new AbortController();
    const p = alice.call(bobUri, { signal: ac.signal });
    setTimeout(() => ac.abort(), 300);
    await assert.rejects(p, { name: 'AbortError', code: 'ABORT_ERR' });
    await h.withTimeout(p.call.waitEnded(), 5000, 'the aborted call ends');
    await h.waitFor(() => bob.calls.length === 0, 5000, 'bob calls ended');
  });

  it('using a call after it ended rejects or throws VoipError', async () => {
    const { out, inc } = await connect();
    out.writeAudio(h.tone(700, 200));
    await out.hangup();
    await inc.waitEnded();
    // Audio received before the end stays readable (at most 2 s), then EENDED.
    for (const call of [inc, out]) {
      let bytes = 0;
      for (;;) {
        try {
          const b = await h.withTimeout(call.readAudio(320), 3000, 'read after end');
          assert.ok(b.length > 0);
          bytes += b.length;
        } catch (err) {
          assert.equal(err.code, 'EENDED');
          break;
        }
      }
      assert.ok(bytes <= 2 * 16000 + 320, `${bytes} bytes after the end`);
    }
    await assert.rejects(out.readAudio(320), { name: 'VoipError', code: 'EENDED' });
    await assert.rejects(out.hangup(), { name: 'VoipError', code: 'EENDED' });
    await assert.rejects(out.writeAudioAsync(Buffer.alloc(320)), { name: 'VoipError', code: 'EENDED' });
    assert.throws(() => out.sendDtmf('1'), { name: 'VoipError', code: 'EENDED' });
    assert.throws(() => out.writeAudio(Buffer.alloc(320)), { name: 'VoipError', code: 'EENDED' });
    assert.throws(() => out.cancel(), { name: 'VoipError', code: 'EENDED' });
    assert.throws(() => inc.answer(), { name: 'VoipError', code: 'EENDED' });
    await assert.rejects(out.answered(), { name: 'VoipError' });
    // facts survive the release of the handle
    await h.sleep(50);
    assert.equal(out.state, CallState.ENDED);
    assert.equal(out.endReason, 'local hangup');
    assert.ok(out.callId.length > 0);
    assert.equal(out.info('codec'), 'PCMU');
  });

  it('errors of calls made on a worker thread carry the library message', async () => {
    // hangup() runs voip_call_hangup through koffi's .async: its message
    // comes from the call's last error (voip_call_last_error).
    const incoming = new Promise((resolve) => {
      onBobCall = resolve;
    });
    const out = alice.dial(bobUri);
    const inc = await h.withTimeout(incoming, 5000, 'bob incoming');
    await assert.rejects(inc.hangup(), (err) => {
      assert.ok(err instanceof VoipError);
      assert.equal(err.code, 'ESTATE');
      assert.match(err.message, new RegExp(`voip_call_hangup: call ${inc.id}: .*RINGING`));
      return true;
    });
    inc.deny(486);
    await h.withTimeout(out.waitEnded(), 5000, 'alice ended');
  });

  it('bad types throw TypeError/RangeError; values out of range are the library\'s EINVAL', async () => {
    const { out, inc } = await connect();
    assert.throws(() => out.sendDtmf(5), TypeError);
    assert.throws(() => out.sendDtmf('1', '80'), TypeError);
    assert.throws(() => out.readAudio('320'), TypeError);
    assert.throws(() => out.readAudio(320, { timeout: -5 }), RangeError);
    assert.throws(() => out.writeAudio('hello'), TypeError);
    assert.throws(() => inc.deny('486'), TypeError);
    assert.throws(() => out.getDtmf(1.5), TypeError);
    // what does not fit the C type is refused before the call (no wrap-around)
    assert.throws(() => inc.deny(2 ** 32 + 486), RangeError);
    assert.throws(() => out.sendDtmf('1', 2 ** 31), RangeError);
    assert.throws(() => out.readAudio(-1), RangeError);
    assert.throws(() => out.getDtmf(-1), RangeError);
    // values are the library's: VoipError EINVAL with its message
    const einval = (re) => (err) => err instanceof VoipError && err.code === 'EINVAL' && err.errno === 2 && re.test(err.message);
    assert.throws(() => out.sendDtmf('1x'), einval(/voip_call_send_dtmf: call \d+: .*'x' is not a DTMF digit \(0-9 \* # A-D\)/));
    assert.throws(() => out.sendDtmf(''), einval(/voip_call_send_dtmf: call \d+: .*no digits/));
    assert.throws(() => out.sendDtmf('1', 10), einval(/DTMF duration 10ms is not 40 ms\.\.5 s/));
    assert.throws(() => out.sendDtmf('1', 5001), einval(/DTMF duration 5\.001s is not 40 ms\.\.5 s/));
    assert.throws(() => out.sendDtmf('1', -1), einval(/voip_call_send_dtmf: negative duration -1/));
    assert.throws(() => inc.deny(200), einval(/voip_call_deny: call \d+: .*deny status 200 is not 400\.\.699/));
    await assert.rejects(out.readAudio(0), einval(/voip_call_read_audio: NULL or zero-length buffer/));
    assert.equal(out.getDtmf(0), '');
    assert.throws(() => alice.call(42), TypeError);
    assert.throws(() => alice.call(''), RangeError);
    assert.throws(() => alice.call(bobUri, { timeout: 'soon' }), TypeError);
    // a library refusal is a VoipError with the library's message
    assert.throws(() => out.answer(), (err) => err instanceof VoipError && err.code === 'ESTATE' && /answer/.test(err.message));
    assert.throws(() => alice.dial('sip:bad uri with spaces'), { name: 'VoipError', code: 'EINVAL' });
    // a read with a timeout resolves with what came (maybe less)
    const b = await out.readAudio(320 * 100, { timeout: 100 });
    assert.ok(b.length < 320 * 100);
    await out.hangup();
  });

  it('audioStream(): a Duplex of s16le frames for piping', async () => {
    const { out, inc } = await connect();
    const tx = out.audioStream();
    const rx = inc.audioStream({ frameBytes: 640 });
    const collected = [];
    let bytes = 0;
    const sink = new Writable({
      write(chunk, enc, cb) {
        collected.push(chunk);
        bytes += chunk.length;
        if (bytes >= 16000 * 2) rx.destroy();
        cb();
      },
    });
    const piping = pipeline(rx, sink).catch((err) => err);
    // 2.5 s of 440 Hz, in 100 ms chunks, through the writable side
    const source = Readable.from(
      (function* gen() {
        const t = h.tone(440, 2500);
        for (let i = 0; i < t.length; i += 1600) yield t.subarray(i, i + 1600);
      })()
    );
    await pipeline(source, tx, { end: false });
    await h.withTimeout(piping, 10000, 'reading 2 s through the stream');
    const audio = Buffer.concat(collected).subarray(16000 * 0.5 * 2 / 2); // skip 0.5 s
    assert.ok(Math.abs(h.dominantFrequency(audio) - 440) <= 10, `stream hears ${h.dominantFrequency(audio)}`);
    // The readable side ends when the call ends.
    const rx2 = out.audioStream();
    const ended = new Promise((resolve) => rx2.on('end', resolve));
    rx2.resume();
    await inc.hangup();
    await h.withTimeout(ended, 5000, 'stream end');
  });

  it('with no "call" listener, incoming calls are busy (486)', async () => {
    const carol = new Phone(h.phoneOptions(P, 2, { user: 'carol' }));
    await carol.start();
    try {
      await assert.rejects(alice.call(`sip:carol@127.0.0.1:${carol.sipPort}`), { sipCode: 486 });
    } finally {
      await carol.close();
    }
  });

  it('many calls at once with blocking reads do not exhaust the worker pool', async () => {
    // 8 calls, 16 readers: more than libuv's 4 worker threads.
    const pairs = [];
    for (let i = 0; i < 8; i++) pairs.push(await connect());
    const t0 = Date.now();
    const reads = pairs.flatMap(({ out, inc }) => [h.readFor(out, 600), h.readFor(inc, 600)]);
    const got = await h.withTimeout(Promise.all(reads), 15000, '16 readers');
    assert.ok(got.every((b) => b.length === 9600));
    assert.ok(Date.now() - t0 < 8000, `reads took ${Date.now() - t0} ms`);
    // a pending read on every call while they are hung up
    const pending = pairs.flatMap(({ out, inc }) => [out.readAudio(320 * 1000), inc.readAudio(320 * 1000)]);
    const t1 = Date.now();
    await Promise.all(pairs.map(({ out }) => out.hangup()));
    const settled = await h.withTimeout(Promise.allSettled(pending), 10000, 'pending reads settle');
    assert.ok(settled.every((s) => s.status === 'fulfilled' || s.reason.code === 'EENDED'));
    assert.ok(Date.now() - t1 < 5000);
  });
});

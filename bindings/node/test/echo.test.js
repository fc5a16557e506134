'use strict';
// Node phone <-> voip-echo (the C example): the echo sends our audio back
// (judged by frequency and level), sees our digits, and both sides see the
// hang-up.  voip-echo: $VOIP_ECHO, or build/cmake/bin/voip-echo (`make`).

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { Phone, CallState } = require('..');
const h = require('./helpers');

const P = h.PORTS.echo;
const ECHO = h.findProgram('voip-echo', 'VOIP_ECHO');

describe('Node phone <-> voip-echo', { skip: ECHO ? false : 'voip-echo not built (run make)' }, () => {
  let echo;
  let phone;
  const echoUri = `sip:echo@127.0.0.1:${P.sip}`;

  before(async () => {
    echo = h.run(ECHO, ['--bind', `127.0.0.1:${P.sip}`, '--rtp-ports', `${P.rtp}-${P.rtp + 49}`]);
    await h.waitFor(() => /listening on/.test(echo.stderr) || echo.code !== null, 10000, 'voip-echo listening');
    assert.equal(echo.code, null, `voip-echo exited: ${echo.stderr}`);
    phone = new Phone(h.phoneOptions(P, 3, { user: 'node' }));
    await phone.start();
  });

  after(async () => {
    if (phone) await phone.close();
    if (echo) {
      const out = await echo.stop('SIGTERM', 12000);
      assert.equal(out.code, 0, `voip-echo exit: ${out.code} ${out.signal}\n${out.stdout}\n${out.stderr}`);
    }
    assert.deepEqual(h.unhandled, []);
  });

  it('echoes a tone back and receives DTMF', async () => {
    const call = await h.withTimeout(phone.call(echoUri), 10000, 'echo answers');
    assert.equal(call.state, CallState.ANSWERED);
    const writing = call.writeAudioAsync(h.tone(440, 3000));
    await h.readFor(call, 600); // the echo's round trip and jitter buffers
    const heard = await h.readFor(call, 1000);
    const f = h.dominantFrequency(heard);
    assert.ok(Math.abs(f - 440) <= 10, `heard ${f} Hz`);
    assert.ok(h.rms(heard) > 2000, `level ${h.rms(heard)}`);
    await writing;
    call.sendDtmf('123#');
    await h.waitFor(() => (echo.stdout.match(/^DTMF \d+ .$/gm) || []).length >= 4, 8000, 'echo prints 4 digits');
    const digits = echo.stdout.match(/^DTMF \d+ (.)$/gm).map((l) => l.at(-1)).join('');
    assert.equal(digits, '123#');
    await call.hangup();
    await h.waitFor(() => /^CALL \d+ ENDED remote hangup$/m.test(echo.stdout), 5000, 'echo sees the BYE');
  });

  it('the echo hangs up on SIGTERM: our call ends with "remote hangup"', async () => {
    const call = await h.withTimeout(phone.call(echoUri), 10000, 'echo answers');
    const ended = call.waitEnded();
    const t0 = Date.now();
    const out = await echo.stop('SIGTERM', 12000);
    assert.equal(out.code, 0, `voip-echo exit: ${out.code} ${out.signal} after ${Date.now() - t0} ms\n${out.stdout}\n${out.stderr}`);
    const { reason } = await h.withTimeout(ended, 5000, 'remote hangup');
    assert.equal(reason, 'remote hangup');
    echo = null;
  });
});

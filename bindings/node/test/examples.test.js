'use strict';
// The examples against the C programs: examples/echo-bot.js called by
// voip-dial, examples/dialer.js calling voip-echo.

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const h = require('./helpers');

const P = h.PORTS.examples;
const ECHO = h.findProgram('voip-echo', 'VOIP_ECHO');
const DIAL = h.findProgram('voip-dial', 'VOIP_DIAL');
const BOT = path.join(h.PKG, 'examples', 'echo-bot.js');
const DIALER = path.join(h.PKG, 'examples', 'dialer.js');

async function startBot(port, rtp) {
  const bot = h.run(process.execPath, [BOT, '--bind', `127.0.0.1:${port}`, '--rtp-ports', `${rtp}-${rtp + 19}`]);
  await h.waitFor(() => /listening on/.test(bot.stderr) || bot.code !== null, 10000, 'echo-bot listening');
  assert.equal(bot.code, null, bot.stderr);
  return bot;
}

describe('examples/echo-bot.js with voip-dial', { skip: DIAL ? false : 'voip-dial not built (run make)' }, () => {
  it('echoes the tone back', async () => {
    const bot = await startBot(P.sip, P.rtp);
    try {
      const dial = h.run(DIAL, [`sip:bot@127.0.0.1:${P.sip}`, '--bind', '127.0.0.1:0', '--rtp-ports', `${P.rtp + 20}-${P.rtp + 39}`, '--seconds', '3', '--tone', '440']);
      await h.withTimeout(dial.exited, 20000, 'voip-dial');
      assert.equal(dial.code, 0, dial.stdout + dial.stderr);
      const [, hz, level] = /^AUDIO (\d+) (\d+)$/m.exec(dial.stdout) || [];
      assert.ok(Math.abs(Number(hz) - 440) <= 10, `voip-dial heard ${hz} Hz\n${dial.stdout}`);
      assert.ok(Number(level) > 1000, `level ${level}`);
    } finally {
      const out = await bot.stop('SIGTERM', 10000);
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stdout, /^CALL 1 ANSWERED$/m);
      assert.match(out.stdout, /^CALL 1 ENDED remote hangup$/m);
    }
  });

  it('speaks a digit back as its DTMF tone pair', async () => {
    const bot = await startBot(P.sip + 1, P.rtp + 40);
    const wav = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'libvoip-node-')), 'bot.wav');
    try {
      const dial = h.run(DIAL, [`sip:bot@127.0.0.1:${P.sip + 1}`, '--bind', '127.0.0.1:0', '--rtp-ports', `${P.rtp + 60}-${P.rtp + 79}`, '--seconds', '3', '--dtmf', '5', '--record', wav]);
      await h.withTimeout(dial.exited, 20000, 'voip-dial');
      assert.equal(dial.code, 0, dial.stdout + dial.stderr);
      const pcm = h.loudestWindow(fs.readFileSync(wav).subarray(44), 160);
      // '5' is 770 Hz + 1336 Hz; the rest of the call is silence
      const low = h.toneShare(pcm, 770);
      const high = h.toneShare(pcm, 1336);
      const other = h.toneShare(pcm, 1000);
      assert.ok(low > 0.2 && high > 0.2, `770 Hz ${low}, 1336 Hz ${high}`);
      assert.ok(other < 0.05, `1000 Hz ${other}`);
    } finally {
      const out = await bot.stop('SIGTERM', 10000);
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stdout, /^DTMF 1 5$/m);
      fs.rmSync(path.dirname(wav), { recursive: true, force: true });
    }
  });
});

describe('examples/dialer.js with voip-echo', { skip: ECHO ? false : 'voip-echo not built (run make)' }, () => {
  it('hears its tone echoed and sends digits', async () => {
    const echo = h.run(ECHO, ['--bind', `127.0.0.1:${P.sip + 2}`, '--rtp-ports', `${P.rtp + 80}-${P.rtp + 99}`]);
    await h.waitFor(() => /listening on/.test(echo.stderr) || echo.code !== null, 10000, 'voip-echo listening');
    try {
      const dialer = h.run(process.execPath, [DIALER, `sip:echo@127.0.0.1:${P.sip + 2}`, '--bind', '127.0.0.1:0', '--rtp-ports', `${P.rtp + 100}-${P.rtp + 119}`, '--seconds', '3', '--tone', '440', '--dtmf', '123#']);
      await h.withTimeout(dialer.exited, 20000, 'dialer');
      assert.equal(dialer.code, 0, dialer.stdout + dialer.stderr);
      assert.match(dialer.stdout, /^CALL 1 ANSWERED$/m);
      assert.match(dialer.stdout, /^CALL 1 ENDED local hangup$/m);
      const [, hz] = /^AUDIO (\d+) (\d+)$/m.exec(dialer.stdout) || [];
      assert.ok(Math.abs(Number(hz) - 440) <= 10, `dialer heard ${hz} Hz`);
      await h.waitFor(() => /^CALL 1 ENDED/m.test(echo.stdout), 5000, 'echo ends the call');
      const digits = (echo.stdout.match(/^DTMF 1 (.)$/gm) || []).map((l) => l.at(-1)).join('');
      assert.equal(digits, '123#');
    } finally {
      await echo.stop('SIGTERM', 12000);
    }
  });

  it('--trace and --verbose print the SIP messages and log lines to stderr', async () => {
    const D = h.PORTS.debugging;
    const echo = h.run(ECHO, ['--bind', `127.0.0.1:${D.sip + 3}`, '--rtp-ports', `${D.rtp + 40}-${D.rtp + 49}`]);
    await h.waitFor(() => /listening on/.test(echo.stderr) || echo.code !== null, 10000, 'voip-echo listening');
    try {
      const dialer = h.run(process.execPath, [DIALER, `sip:echo@127.0.0.1:${D.sip + 3}`, '--bind', '127.0.0.1:0',
        '--rtp-ports', `${D.rtp + 50}-${D.rtp + 59}`, '--seconds', '1', '--trace', '--verbose']);
      await h.withTimeout(dialer.exited, 20000, 'dialer');
      assert.equal(dialer.code, 0, dialer.stdout + dialer.stderr);
      assert.match(dialer.stderr, new RegExp(`^dialer: INFO SIP sent UDP 127\\.0\\.0\\.1:\\d+ -> 127\\.0\\.0\\.1:${D.sip + 3} \\(\\d+ bytes\\)\nINVITE sip:echo@`, 'm'));
      assert.match(dialer.stderr, /^dialer: INFO SIP received UDP .*\nSIP\/2\.0 200 OK$/m);
      assert.match(dialer.stderr, /^dialer: INFO phone started/m);
      assert.doesNotMatch(dialer.stdout, /SIP sent/);
    } finally {
      await echo.stop('SIGTERM', 12000);
    }
  });

  it('exit status: 4 for a bad URI, 3 for no answer', async () => {
    const bad = h.run(process.execPath, [DIALER, 'sip:bad uri', '--bind', '127.0.0.1:0', '--rtp-ports', `${P.rtp + 120}-${P.rtp + 139}`]);
    await h.withTimeout(bad.exited, 10000, 'dialer');
    assert.equal(bad.code, 4, bad.stderr);
    // nobody listens on this port: the INVITE is never answered
    const none = h.run(process.execPath, [DIALER, `sip:nobody@127.0.0.1:${P.sip + 9}`, '--bind', '127.0.0.1:0', '--rtp-ports', `${P.rtp + 120}-${P.rtp + 139}`, '--timeout', '1']);
    await h.withTimeout(none.exited, 15000, 'dialer');
    assert.equal(none.code, 3, none.stdout + none.stderr);
  });
});

#!/usr/bin/env node
'use strict';
// dialer — calls a SIP URI, sends a tone and digits, records what it hears
// and prints the strongest frequency of it.
//
//   node examples/dialer.js URI [--bind IP:PORT] [--rtp-ports LOW-HIGH]
//        [--seconds N] [--tone HZ] [--dtmf DIGITS] [--record FILE.wav] [--timeout SECS]
//
// Prints, like voip-dial:
//   CALL 1 <STATE>[ <reason>]
//   DTMF 1 <digit>            a digit the other side sent
//   AUDIO <hz> <rms>          the received audio's strongest frequency and level
// Exit status: 0 answered and ended cleanly, 2 rejected, 3 no answer,
// 4 bad URI, 1 other errors.  Try it with the C echo:
//   voip-echo --bind 127.0.0.1:5060 &
//   node examples/dialer.js sip:echo@127.0.0.1:5060 --tone 440 --dtmf 123#

const fs = require('node:fs');
const { Phone, CallState } = require('libvoip');

const RATE = 8000;
const FRAME = 320;

function usage(msg) {
  if (msg) console.error(`dialer: ${msg}`);
  console.error(
    'usage: dialer.js URI [--bind IP:PORT] [--rtp-ports LOW-HIGH] [--seconds N] [--tone HZ]\n' +
      '                 [--dtmf DIGITS] [--record FILE.wav] [--timeout SECS] [--trace] [--verbose]\n' +
      '  --trace    print every SIP message sent and received to stderr\n' +
      '  --verbose  print the library\'s log lines to stderr (twice: debug)'
  );
  process.exit(msg ? 1 : 0);
}

function parseArgs(argv) {
  const o = { uri: null, bind: '0.0.0.0:0', rtp: '10000-20000', seconds: 5, tone: 0, dtmf: '', record: null, timeout: 30, trace: false, verbose: 0 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} needs a value`));
    const num = (min, max) => {
      const v = Number(next());
      if (!Number.isInteger(v) || v < min || v > max) usage(`bad ${a} (${min}..${max})`);
      return v;
    };
    if (a === '-h' || a === '--help') usage();
    else if (a === '--bind') o.bind = next();
    else if (a === '--rtp-ports') o.rtp = next();
    else if (a === '--seconds') o.seconds = num(0, 86400);
    else if (a === '--tone') o.tone = num(1, 3999);
    else if (a === '--dtmf') o.dtmf = next();
    else if (a === '--record') o.record = next();
    else if (a === '--timeout') o.timeout = num(1, 86400);
    else if (a === '--trace') o.trace = true;
    else if (a === '--verbose' || a === '-v') o.verbose++;
    else if (a.startsWith('-')) usage(`unknown argument ${a}`);
    else if (o.uri) usage('more than one URI');
    else o.uri = a;
  }
  if (!o.uri) usage('missing URI');
  const m = /^(.+):(\d+)$/.exec(o.bind);
  const r = /^(\d+)-(\d+)$/.exec(o.rtp);
  if (!m) usage('--bind must be IP:PORT');
  if (!r) usage('--rtp-ports must be LOW-HIGH');
  o.phone = { bindIp: m[1], bindPort: Number(m[2]), rtpPortLow: Number(r[1]), rtpPortHigh: Number(r[2]), user: 'dialer' };
  if (o.trace) o.phone.sipTrace = true;
  if (o.verbose) o.phone.logLevel = o.verbose > 1 ? 'debug' : 'info';
  return o;
}

function sine(hz, ms) {
  const n = Math.round((RATE * ms) / 1000);
  const buf = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) buf.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / RATE)), i * 2);
  return buf;
}

// The strongest frequency (Goertzel over 100..3800 Hz) and the RMS level.
function analyze(buf) {
  const n = buf.length >> 1;
  const x = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    x[i] = buf.readInt16LE(i * 2);
    sum += x[i] * x[i];
  }
  let best = 0;
  let bestP = -1;
  for (let f = 100; f <= 3800; f += 5) {
    const c = 2 * Math.cos((2 * Math.PI * f) / RATE);
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const s = x[i] + c * s1 - s2;
      s2 = s1;
      s1 = s;
    }
    const p = s1 * s1 + s2 * s2 - c * s1 * s2;
    if (p > bestP) {
      bestP = p;
      best = f;
    }
  }
  return { hz: best, rms: n ? Math.sqrt(sum / n) : 0 };
}

function wav(pcm) {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + pcm.length, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(RATE, 24);
  h.writeUInt32LE(RATE * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([h, pcm]);
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  // inviteTimeoutMs: the library gives up on an unanswered call (CANCEL,
  // or abandons the INVITE when the peer never answered at all).
  const phone = new Phone({ ...o.phone, inviteTimeoutMs: o.timeout * 1000 });
  // --trace, --verbose: the library's log lines (the SIP trace at 'info').
  phone.on('log', (level, message) => console.error(`dialer: ${level.toUpperCase()} ${message}`));
  await phone.start();
  let status = 0;
  try {
    let call;
    try {
      // dial() places the call at once (and throws for a bad URI);
      // answered() waits for the answer.  phone.call(uri) does both.
      const outgoing = phone.dial(o.uri);
      console.log('CALL 1 DIALING');
      outgoing.on('state', (state, reason) => {
        if (state === CallState.ENDED) console.log(`CALL 1 ENDED ${reason || 'unknown'}`);
        else if (state !== CallState.DIALING) console.log(`CALL 1 ${state}`);
      });
      outgoing.on('dtmf', (d) => console.log(`DTMF 1 ${d}`));
      call = await outgoing.answered();
    } catch (err) {
      if (err.code === 'EINVAL') {
        console.error(`dialer: bad URI '${o.uri}': ${err.message}`);
        return (status = 4);
      }
      if (err.code === 'ETIMEOUT') console.error('dialer: no answer: timeout');
      else if (err.sipCode >= 400) console.error(`dialer: call rejected: ${err.reason}`);
      else console.error(`dialer: call failed: ${err.reason || err.message}`);
      return (status = err.code !== 'ETIMEOUT' && err.sipCode >= 400 ? 2 : 3);
    }

    // Send: the tone for the whole call (the library paces it; silence
    // when there is nothing to send), and the digits after 1 s.
    if (o.tone) call.writeAudioAsync(sine(o.tone, o.seconds * 1000)).catch(() => {});
    const dtmfTimer = o.dtmf
      ? setTimeout(() => {
          try {
            call.sendDtmf(o.dtmf);
          } catch (err) {
            console.error(`dialer: DTMF: ${err.message}`);
          }
        }, 1000)
      : null;

    // Receive for N seconds (or until the other side hangs up).
    const frames = [];
    const end = Date.now() + o.seconds * 1000;
    let remoteHangup = false;
    while (Date.now() < end) {
      try {
        frames.push(await call.readAudio(FRAME));
      } catch (err) {
        if (err.code !== 'EENDED') throw err;
        remoteHangup = true;
        break;
      }
    }
    clearTimeout(dtmfTimer);
    if (!remoteHangup) await call.hangup();
    else await call.waitEnded();

    const pcm = Buffer.concat(frames);
    const { hz, rms } = analyze(pcm);
    console.log(`AUDIO ${hz} ${Math.round(rms)}`);
    if (o.record) fs.writeFileSync(o.record, wav(pcm));
    return status;
  } finally {
    await phone.close();
    process.exitCode = status;
  }
}

main().catch((err) => {
  console.error(`dialer: ${err.message}`);
  process.exitCode = 1;
});

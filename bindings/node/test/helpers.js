'use strict';
// Shared by the tests: audio synthesis and analysis (Goertzel), finding the
// C examples, waiting with a deadline, and an unhandled-rejection watch.

const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');

const PKG = path.join(__dirname, '..');
const ROOT = path.join(PKG, '..', '..');
const RATE = 8000;

// Port plan of the Node suite: SIP 5400-5509, RTP 36000-37199.  Each test
// file takes its own block so that files may run in parallel.
const PORTS = {
  api: { sip: 5400, rtp: 36000 },
  calls: { sip: 5410, rtp: 36100 },
  stop: { sip: 5420, rtp: 36300 },
  echo: { sip: 5430, rtp: 36500 },
  examples: { sip: 5440, rtp: 36600 },
  kamailio: { sip: 5450, rtp: 36700, server: 5460 },
  loop: { sip: 5470, rtp: 36800 },
  pkg: { sip: 5480, rtp: 36900 },
  early: { sip: 5490, rtp: 37000 }, // early media and redirects: 37000-37099
  transfer: { sip: 5495, rtp: 37100 }, // three-phone transfers: 37100-37179
  message: { sip: 5500, rtp: 36200 }, // sip: a port nobody binds (ICMP port unreachable); sip + 1: a socket that never answers (MESSAGE timeouts)
  timers: { sip: 5495, rtp: 37400 }, // session timers: 37400-37439
  debugging: { sip: 5510, rtp: 37440 }, // SIP trace and error table: 37440-37499
  events: { sip: 5505, rtp: 37500 }, // subscriptions, presence, BLF: 37500-37559
  media: { sip: 5520, rtp: 37600 }, // media toolkit: 37600-37699
  srtp: { sip: 0, rtp: 37700 }, // media_encryption (issue 14): 37700-37779
  quality: { sip: 0, rtp: 37800 }, // call quality (issue 13): 37800-37859
  nat: { sip: 5530, rtp: 37860 }, // STUN/ICE/IPv6 (issue 14): 37860-37919
  dtls: { sip: 0, rtp: 37920 }, // media_keying dtls (issue 14): 37920-37959
  frames: { sip: 0, rtp: 37960 }, // batched audio (issue 16): 37960-38059
};

// s16le mono 8 kHz sine (or a sum of sines).
function tone(freqs, ms, amplitude = 8000) {
  const list = Array.isArray(freqs) ? freqs : [freqs];
  const n = Math.round((RATE * ms) / 1000);
  const buf = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (const f of list) v += Math.sin((2 * Math.PI * f * i) / RATE);
    buf.writeInt16LE(Math.round((amplitude * v) / list.length), i * 2);
  }
  return buf;
}

function samples(buf) {
  const n = Math.floor(buf.length / 2);
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = buf.readInt16LE(i * 2);
  return x;
}

// Goertzel: the power of one frequency in the signal (normalized so that a
// sine of amplitude A gives about A^2/4... only ratios matter here).
function goertzel(x, freq) {
  const k = (2 * Math.PI * freq) / RATE;
  const coeff = 2 * Math.cos(k);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < x.length; i++) {
    const s = x[i] + coeff * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  return (s1 * s1 + s2 * s2 - coeff * s1 * s2) / (x.length * x.length);
}

function rms(buf) {
  const x = samples(buf);
  if (x.length === 0) return 0;
  let sum = 0;
  for (const v of x) sum += v * v;
  return Math.sqrt(sum / x.length);
}

// The strongest frequency in 100..3800 Hz, 5 Hz steps.
function dominantFrequency(buf) {
  const x = samples(buf);
  let best = 0;
  let bestP = -1;
  for (let f = 100; f <= 3800; f += 5) {
    const p = goertzel(x, f);
    if (p > bestP) {
      bestP = p;
      best = f;
    }
  }
  return best;
}

// Share of the signal's energy at freq (+-10 Hz around it), 0..1.
function toneShare(buf, freq) {
  const x = samples(buf);
  let total = 0;
  for (const v of x) total += v * v;
  if (total === 0) return 0;
  let p = 0;
  for (let f = freq - 10; f <= freq + 10; f += 1) p = Math.max(p, goertzel(x, f));
  // a sine of amplitude A: goertzel ~ A^2/4, mean square A^2/2
  return Math.min(1, (2 * p) / (total / x.length));
}

// The loudest `ms` window of the audio (20 ms steps): where a short burst is.
function loudestWindow(buf, ms) {
  const win = Math.round((RATE * ms) / 1000) * 2;
  if (buf.length <= win) return buf;
  let best = 0;
  let bestE = -1;
  for (let o = 0; o + win <= buf.length; o += 320) {
    const e = rms(buf.subarray(o, o + win));
    if (e > bestE) {
      bestE = e;
      best = o;
    }
  }
  return buf.subarray(best, best + win);
}

// Read `ms` of audio from a call (20 ms frames).
async function readFor(call, ms) {
  const frames = [];
  const n = Math.round(ms / 20);
  for (let i = 0; i < n; i++) frames.push(await call.readAudio(320));
  return Buffer.concat(frames);
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timeout after ${ms} ms: ${what}`)), ms);
    }),
  ]);
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Resolves with the first `event` emission's arguments.
function once(emitter, event, ms = 10000) {
  return withTimeout(
    new Promise((resolve) => emitter.once(event, (...args) => resolve(args))),
    ms,
    `event ${event}`
  );
}

async function waitFor(pred, ms = 10000, what = 'condition') {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timeout after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

// The C example programs (built by `make` into build/cmake/bin).
function findProgram(name, envVar) {
  const candidates = [
    process.env[envVar],
    path.join(ROOT, 'build', 'cmake', 'bin', name),
    path.join(ROOT, 'build', 'cmake', 'examples', name),
    path.join(ROOT, 'build', 'bin', name),
  ].filter(Boolean);
  for (const c of candidates) {
    try {
      fs.accessSync(c, fs.constants.X_OK);
      return c;
    } catch {
      // next
    }
  }
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const c = path.join(dir, name);
    try {
      fs.accessSync(c, fs.constants.X_OK);
      return c;
    } catch {
      // next
    }
  }
  return null;
}

// Spawns a process and keeps its output; `lines` grows as it prints.
function run(cmd, args, opts = {}) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  const out = { child, stdout: '', stderr: '', code: null, signal: null };
  child.stdout.on('data', (d) => (out.stdout += d));
  child.stderr.on('data', (d) => (out.stderr += d));
  out.exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      out.code = code;
      out.signal = signal;
      resolve(out);
    });
    child.on('error', (err) => {
      out.error = err;
      resolve(out);
    });
  });
  out.stop = async (signal = 'SIGTERM', ms = 5000) => {
    if (out.code === null && out.signal === null) {
      child.kill(signal);
      const t = setTimeout(() => child.kill('SIGKILL'), ms);
      await out.exited;
      clearTimeout(t);
    }
    return out;
  };
  return out;
}

// Records unhandled rejections for the life of the test file.
const unhandled = [];
process.on('unhandledRejection', (reason) => {
  unhandled.push(reason);
});

function phoneOptions(block, i, extra = {}) {
  return {
    bindIp: '127.0.0.1',
    bindPort: 0,
    rtpPortLow: block.rtp + i * 20,
    rtpPortHigh: block.rtp + i * 20 + 19,
    ...extra,
  };
}

module.exports = {
  PKG,
  ROOT,
  PORTS,
  tone,
  samples,
  goertzel,
  rms,
  dominantFrequency,
  toneShare,
  loudestWindow,
  readFor,
  withTimeout,
  sleep,
  once,
  waitFor,
  findProgram,
  run,
  unhandled,
  phoneOptions,
};

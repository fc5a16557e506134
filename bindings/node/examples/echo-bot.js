#!/usr/bin/env node
'use strict';
// echo-bot — answers every call, sends the caller's audio straight back,
// and speaks each digit the caller presses back as its DTMF tone pair
// (in the audio, 200 ms).
//
//   node examples/echo-bot.js [--bind IP:PORT] [--rtp-ports LOW-HIGH] [--user NAME]
//
// Prints one line per event, like voip-echo:
//   CALL <n> <STATE>[ <reason>]     n counts calls from 1
//   DTMF <n> <digit>
// Runs until SIGINT or SIGTERM, then hangs up, stops the phone and exits 0.
// Try it with the C dialer:
//   voip-dial sip:bot@127.0.0.1:5070 --tone 440 --dtmf 123 --record out.wav

const { Phone, CallState } = require('libvoip');

const FRAME = 320; // 20 ms of s16le mono 8 kHz
const RATE = 8000;
const DTMF_FREQS = {
  1: [697, 1209], 2: [697, 1336], 3: [697, 1477], A: [697, 1633],
  4: [770, 1209], 5: [770, 1336], 6: [770, 1477], B: [770, 1633],
  7: [852, 1209], 8: [852, 1336], 9: [852, 1477], C: [852, 1633],
  '*': [941, 1209], 0: [941, 1336], '#': [941, 1477], D: [941, 1633],
};

function usage(msg) {
  if (msg) console.error(`echo-bot: ${msg}`);
  console.error('usage: echo-bot.js [--bind IP:PORT] [--rtp-ports LOW-HIGH] [--user NAME] [--trace] [--verbose]\n' +
    '  --trace    print every SIP message sent and received to stderr\n' +
    '  --verbose  print the library\'s log lines to stderr (twice: debug)');
  process.exit(msg ? 1 : 0);
}

function parseArgs(argv) {
  const opts = { bind: '0.0.0.0:5060', rtp: '10000-20000', user: 'bot', trace: false, verbose: 0 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} needs a value`));
    if (a === '-h' || a === '--help') usage();
    else if (a === '--bind') opts.bind = next();
    else if (a === '--rtp-ports') opts.rtp = next();
    else if (a === '--user') opts.user = next();
    else if (a === '--trace') opts.trace = true;
    else if (a === '--verbose' || a === '-v') opts.verbose++;
    else usage(`unknown argument ${a}`);
  }
  const m = /^(.+):(\d+)$/.exec(opts.bind);
  const r = /^(\d+)-(\d+)$/.exec(opts.rtp);
  if (!m) usage('--bind must be IP:PORT');
  if (!r) usage('--rtp-ports must be LOW-HIGH');
  const phone = { bindIp: m[1], bindPort: Number(m[2]), rtpPortLow: Number(r[1]), rtpPortHigh: Number(r[2]), user: opts.user };
  if (opts.trace) phone.sipTrace = true;
  if (opts.verbose) phone.logLevel = opts.verbose > 1 ? 'debug' : 'info';
  return phone;
}

// 200 ms of the digit's two tones, then 50 ms of silence, as 20 ms frames.
function digitFrames(digit) {
  const [f1, f2] = DTMF_FREQS[digit];
  const n = (RATE * 250) / 1000;
  const buf = Buffer.alloc(n * 2);
  for (let i = 0; i < (RATE * 200) / 1000; i++) {
    const v = 6000 * Math.sin((2 * Math.PI * f1 * i) / RATE) + 6000 * Math.sin((2 * Math.PI * f2 * i) / RATE);
    buf.writeInt16LE(Math.round(v), i * 2);
  }
  const frames = [];
  for (let o = 0; o < buf.length; o += FRAME) frames.push(buf.subarray(o, o + FRAME));
  return frames;
}

async function echo(call, n) {
  const toSpeak = []; // frames to send instead of the echo
  call.on('dtmf', (digit) => {
    console.log(`DTMF ${n} ${digit}`);
    if (DTMF_FREQS[digit]) toSpeak.push(...digitFrames(digit));
  });
  try {
    await call.answered();
    // Reads are paced by the call: one frame every 20 ms.  Each frame read
    // is answered by one frame written, so the send queue never grows.
    for (;;) {
      const frame = await call.readAudio(FRAME);
      call.writeAudio(toSpeak.length ? toSpeak.shift() : frame);
    }
  } catch (err) {
    if (err.code !== 'EENDED') console.error(`echo-bot: call ${n}: ${err.message}`);
  }
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const phone = new Phone(options);
  // --trace, --verbose: the library's log lines (the SIP trace at 'info').
  phone.on('log', (level, message) => console.error(`echo-bot: ${level.toUpperCase()} ${message}`));
  let count = 0;

  phone.on('call', (call) => {
    const n = ++count;
    console.log(`CALL ${n} ${call.state}`);
    call.on('state', (state, reason) => {
      if (state === CallState.ENDED) console.log(`CALL ${n} ENDED ${reason || 'unknown'}`);
      else console.log(`CALL ${n} ${state}`);
    });
    echo(call, n);
    try {
      call.answer();
    } catch (err) {
      // e.g. 'EENDED': the caller gave up before we answered
      console.error(`echo-bot: call ${n}: ${err.message}`);
    }
  });

  await phone.start();
  console.error(`echo-bot: listening on ${phone.uri}`);

  const shutdown = async (signal) => {
    console.error(`echo-bot: ${signal}, shutting down`);
    await phone.close(); // hangs up every call, then the event loop may end
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err) => {
  console.error(`echo-bot: ${err.message}`);
  process.exit(1);
});

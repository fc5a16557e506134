#!/usr/bin/env node
'use strict';
// echo-bot — answers every call, sends the caller's audio straight back,
// and speaks each digit the caller presses back as its DTMF tone pair
// (in the audio: a tone port of libvoip's media toolkit, mixed with the
// echo by the phone's audio bridge).
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

// Speak a digit back: a tone port ("dtmf:<digit>", 100 ms) connected to the
// call is mixed into what the call sends; it is closed once it has played.
async function speak(phone, call, digit) {
  const tone = phone.tone(`dtmf:${digit}`);
  try {
    tone.connect(call);
    await tone.wait();
  } finally {
    tone.close();
  }
}

async function echo(phone, call, n) {
  call.on('dtmf', (digit) => {
    console.log(`DTMF ${n} ${digit}`);
    speak(phone, call, digit).catch((err) => console.error(`echo-bot: call ${n}: ${err.message}`));
  });
  try {
    await call.answered();
    // Reads are paced by the call: one frame every 20 ms.  Each frame read
    // is answered by one frame written, so the send queue never grows.
    for (;;) {
      call.writeAudio(await call.readAudio(FRAME));
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
    echo(phone, call, n);
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

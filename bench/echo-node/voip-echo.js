#!/usr/bin/env node
'use strict';
// voip-echo.js — the bench's Node answering side: one Node process that
// answers every call and sends the caller's audio straight back, written the
// way the binding (bindings/node) is meant to be used: per call, an async
// loop of `await call.readAudio(320)` (paced by the call, 20 ms a frame)
// and `call.writeAudio(frame)`.
//
//   node voip-echo.js --bind IP:PORT --rtp-ports LOW-HIGH [--user NAME]
//
// make bench (bench/run.sh) ramps calls onto it with voip-load, like onto
// voip-echo, to measure how many calls one Node process holds with no loss.
// Runs until SIGTERM or SIGINT, then stops the phone (ending every call).
// Environment: VOIP_LIBRARY (the library), VOIP_NODE_BINDING (default
// bindings/node of this repository).

const path = require('path');
const bindingDir = process.env.VOIP_NODE_BINDING || path.join(__dirname, '..', '..', 'bindings', 'node');
const { Phone } = require(bindingDir);

const FRAME = 320; // 20 ms of s16le mono at 8 kHz

function parseArgs(argv) {
  const o = { bind: '127.0.0.1:5060', rtp: '10000-20000', user: 'echo' };
  for (let i = 0; i < argv.length; i += 2) {
    const k = { '--bind': 'bind', '--rtp-ports': 'rtp', '--user': 'user' }[argv[i]];
    if (!k || i + 1 >= argv.length) {
      console.error('usage: voip-echo.js --bind IP:PORT --rtp-ports LOW-HIGH [--user NAME]');
      process.exit(2);
    }
    o[k] = argv[i + 1];
  }
  const [, ip, port] = /^(.+):(\d+)$/.exec(o.bind);
  const [, low, high] = /^(\d+)-(\d+)$/.exec(o.rtp);
  return { bindIp: ip, bindPort: Number(port), rtpPortLow: Number(low), rtpPortHigh: Number(high), user: o.user, maxCalls: 0 };
}

async function echo(call) {
  try {
    call.answer();
    await call.answered();
    for (;;) call.writeAudio(await call.readAudio(FRAME));
  } catch (err) {
    if (err.code !== 'EENDED') console.error(`voip-echo.js: ${err.message}`);
  }
}

async function main() {
  const phone = new Phone(parseArgs(process.argv.slice(2)));
  phone.on('call', (call) => { echo(call); });
  await phone.start();
  console.log('READY');
  const stop = async () => {
    await phone.close(); // hangs up every call
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  console.error(`voip-echo.js: ${err.message}`);
  process.exit(1);
});

#!/usr/bin/env node
'use strict';
// voip-echo.js — the bench's Node answering side: one Node process that
// answers every call and sends the caller's audio straight back, written the
// way the binding (bindings/node) is meant to be used for many calls (issue
// 16): one FrameBatch serves every call with one asynchronous round trip per
// 20 ms media tick (until issue 16: per call, an async loop of
// `await call.readAudio(320)` and `call.writeAudio(frame)`).
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
const { Phone, FrameBatch } = require(bindingDir);

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

// Every call's frames, written back at the next tick.
async function echoAll(phone, running) {
  const batch = new FrameBatch(phone, { capacity: 8192 });
  let replies = [];
  while (running()) {
    const frames = await batch.exchange(replies, { timeout: 200 });
    replies = frames.filter((f) => f.data).map((f) => ({ call: f.call, data: f.data }));
  }
}

async function main() {
  const phone = new Phone(parseArgs(process.argv.slice(2)));
  phone.on('call', (call) => {
    try {
      call.answer();
    } catch (err) {
      if (err.code !== 'EENDED') console.error(`voip-echo.js: ${err.message}`);
    }
  });
  await phone.start();
  let running = true;
  const loop = echoAll(phone, () => running);
  console.log('READY');
  const stop = async () => {
    running = false;
    await loop.catch(() => {});
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

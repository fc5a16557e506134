#!/usr/bin/env node
'use strict';
// frame_bench.js — one 20 ms frame read and written from Node.js, through
// the libvoip binding (bindings/node: Call.readAudio / Call.writeAudio).
//
//   node frame_bench.js [ROUNDS] [SIP_PORT_BASE]
//
// Same method as frame_bench.c: two phones in this process call each other
// on 127.0.0.1; each round sleeps 1 s (the receive queue fills with 50
// frames, the send queue drains), then times 40 pairs of
//   await call.readAudio(320)   // a whole frame is waiting: no worker thread
//   call.writeAudio(frame)      // there is room
// and prints one line per round in Go's benchmark format for benchstat.
// Environment: VOIP_LIBRARY points at the library; NODE_PATH (or the
// default below) at bindings/node.

const path = require('path');
const bindingDir = process.env.VOIP_NODE_BINDING || path.join(__dirname, '..', '..', 'bindings', 'node');
const { Phone } = require(bindingDir);

const FRAME = 320;
const PAIRS = 40;

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

async function main() {
  const rounds = Number(process.argv[2] || 10);
  const base = Number(process.argv[3] || 5596);
  if (!(rounds >= 1 && rounds <= 1000)) {
    console.error('usage: frame_bench.js [ROUNDS 1..1000] [SIP_PORT_BASE]');
    return 2;
  }
  const callee = new Phone({ bindIp: '127.0.0.1', bindPort: base + 1, rtpPortLow: 46150, rtpPortHigh: 46159 });
  const caller = new Phone({ bindIp: '127.0.0.1', bindPort: base, rtpPortLow: 46140, rtpPortHigh: 46149 });
  callee.on('call', (c) => c.answer());
  await callee.start();
  await caller.start();
  let rc = 0;
  try {
    const call = await caller.call(`sip:bench@127.0.0.1:${base + 1}`, { timeout: 5000 });
    const frame = Buffer.alloc(FRAME);
    let short = 0;
    for (let r = 0; r < rounds; r++) {
      await sleep(1000);
      const t = [];
      for (let i = 0; i < PAIRS; i++) {
        const t0 = process.hrtime.bigint();
        const got = await call.readAudio(FRAME);
        call.writeAudio(frame);
        t.push(Number(process.hrtime.bigint() - t0));
        if (got.length !== FRAME) short++;
      }
      const mean = t.reduce((a, b) => a + b, 0) / PAIRS;
      t.sort((a, b) => a - b);
      console.log(`BenchmarkFrameReadWrite/Node \t${String(PAIRS).padStart(8)}\t${mean.toFixed(1).padStart(10)} ns/op\t${t[PAIRS >> 1].toFixed(1).padStart(10)} median-ns/op`);
    }
    await call.hangup();
    if (short) {
      console.error(`frame_bench.js: ${short} reads returned less than a frame`);
      rc = 1;
    }
  } finally {
    await caller.close();
    await callee.close();
  }
  return rc;
}

main().then(
  (rc) => process.exit(rc),
  (err) => {
    console.error(`frame_bench.js: ${err && err.stack ? err.stack : err}`);
    process.exit(1);
  }
);

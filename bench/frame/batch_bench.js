#!/usr/bin/env node
'use strict';
// batch_bench.js — one 20 ms frame read and written from Node.js through
// the batched path (bindings/node: FrameBatch.exchange, one asynchronous
// call per exchange), amortised over many calls.
//
//   node batch_bench.js [ROUNDS] [SIP_PORT_BASE] [CALLS]
//
// Same method as batch_bench.c: CALLS calls (default 100) between two
// phones of this process; each round sleeps 1 s, then times 40 exchanges,
// each writing back the frames the previous one read and reading one frame
// from every call without waiting.  Prints one line per round in Go's
// benchmark format, per frame read + written.

const path = require('path');
const bindingDir = process.env.VOIP_NODE_BINDING || path.join(__dirname, '..', '..', 'bindings', 'node');
const { Phone, FrameBatch } = require(bindingDir);

const FRAME = 320;
const EXCHANGES = 40;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const rounds = Number(process.argv[2] || 10);
  const base = Number(process.argv[3] || 5602);
  const ncalls = Number(process.argv[4] || 100);
  if (!(rounds >= 1 && rounds <= 1000 && ncalls >= 1 && ncalls <= 1000)) {
    console.error('usage: batch_bench.js [ROUNDS 1..1000] [SIP_PORT_BASE] [CALLS 1..1000]');
    return 2;
  }
  const callee = new Phone({ bindIp: '127.0.0.1', bindPort: base + 1, rtpPortLow: 50400, rtpPortHigh: 50400 + 2 * ncalls + 9 });
  const caller = new Phone({ bindIp: '127.0.0.1', bindPort: base, rtpPortLow: 48000, rtpPortHigh: 48000 + 2 * ncalls + 9 });
  callee.on('call', (c) => c.answer());
  await callee.start();
  await caller.start();
  let rc = 0;
  try {
    const calls = [];
    for (let i = 0; i < ncalls; i++) calls.push(await caller.call(`sip:bench@127.0.0.1:${base + 1}`, { timeout: 5000 }));
    const batch = new FrameBatch(caller, { capacity: ncalls });
    const silence = Buffer.alloc(FRAME);
    let replies = calls.map((call) => ({ call, data: silence }));
    let short = 0;
    for (let r = 0; r < rounds; r++) {
      await sleep(1000);
      const t = [];
      for (let i = 0; i < EXCHANGES; i++) {
        const t0 = process.hrtime.bigint();
        const frames = await batch.exchange(replies, { timeout: 0 });
        replies = frames.filter((f) => f.data).map((f) => ({ call: f.call, data: f.data }));
        t.push(Number(process.hrtime.bigint() - t0));
        if (replies.length !== ncalls) {
          short++;
          replies = calls.map((call) => ({ call, data: silence }));
        }
      }
      const mean = t.reduce((a, b) => a + b, 0) / EXCHANGES / ncalls;
      t.sort((a, b) => a - b);
      const med = t[EXCHANGES >> 1] / ncalls;
      console.log(`BenchmarkFrameBatch/Node \t${String(EXCHANGES * ncalls).padStart(8)}\t${mean.toFixed(1).padStart(10)} ns/op\t${med.toFixed(1).padStart(10)} median-ns/op`);
    }
    if (short) {
      console.error(`batch_bench.js: ${short} exchanges did not read a frame from every call`);
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
    console.error(err);
    process.exit(1);
  }
);

'use strict';
// Issue 17: the SIP trace reaches 'log' events (sipTrace), with direction,
// transport and addresses, and only for the phone that asked.

const { describe, it, after } = require('node:test');
const assert = require('node:assert/strict');
const { Phone, CallState } = require('..');
const h = require('./helpers');

const P = h.PORTS.debugging;

describe('SIP trace', () => {
  const phones = [];
  after(async () => {
    await Promise.all(phones.map((p) => p.close()));
    assert.deepEqual(h.unhandled, [], 'no unhandled rejections');
  });

  it('sipTrace logs every message sent and received as log events at info', async () => {
    const bob = new Phone(h.phoneOptions(P, 0, { user: 'bob', logLevel: 'info' }));
    const alice = new Phone(h.phoneOptions(P, 1, { user: 'alice', sipTrace: true }));
    phones.push(alice, bob);
    const aliceLog = [];
    const bobLog = [];
    alice.on('log', (level, msg) => aliceLog.push([level, msg]));
    bob.on('log', (level, msg) => bobLog.push([level, msg]));
    bob.on('call', (call) => call.answer());
    await bob.start();
    await alice.start();
    const call = await alice.call(`sip:bob@127.0.0.1:${bob.sipPort}`);
    assert.equal(call.state, CallState.ANSWERED);
    const sent = new RegExp(
      `^SIP sent UDP 127\\.0\\.0\\.1:${alice.sipPort} -> 127\\.0\\.0\\.1:${bob.sipPort} \\(\\d+ bytes\\)\\nINVITE sip:bob@`);
    await h.waitFor(() => aliceLog.some(([, m]) => sent.test(m)), 3000, 'INVITE traced as sent');
    await h.waitFor(() => aliceLog.some(([level, m]) => level === 'info' && /^SIP received UDP .*\nSIP\/2\.0 200 OK\n/.test(m)),
      3000, '200 OK traced as received');
    await call.hangup();
    assert.ok(!bobLog.some(([, m]) => /^SIP (sent|received) /.test(m)), 'bob does not trace');
  });

  it('sipTrace must be a boolean', () => {
    assert.throws(() => new Phone({ sipTrace: 'yes' }), { name: 'TypeError', message: /sipTrace must be a boolean/ });
  });
});

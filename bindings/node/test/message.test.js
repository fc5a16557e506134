'use strict';
// phone.sendMessage (voip_phone_send_message, RFC 3428 MESSAGE) between
// Node phones in one process over 127.0.0.1: delivery to the other phone's
// 'request' event, rejection (404 of a phone with acceptAnyUser false),
// timeout at a closed port without blocking the event loop, state errors
// and argument types.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { Phone, VoipError, ErrorCode } = require('..');
const h = require('./helpers');

const P = h.PORTS.message;
const CLOSED = `sip:nobody@127.0.0.1:${P.sip}`;
// A UDP socket that reads and never answers: no reply and no ICMP error.
const SILENT = P.sip + 1;

describe('phone.sendMessage', () => {
  let alice;
  let bob;
  const got = [];

  before(async () => {
    alice = new Phone(h.phoneOptions(P, 0, { user: 'alice' }));
    bob = new Phone(h.phoneOptions(P, 1, { user: 'bob', acceptAnyUser: false }));
    bob.on('request', (r) => got.push(r));
    await Promise.all([alice.start(), bob.start()]);
  });

  after(async () => {
    await Promise.all([alice && alice.close(), bob && bob.close()]);
    assert.deepEqual(h.unhandled, [], 'no unhandled rejections');
  });

  const bobUri = () => `sip:bob@127.0.0.1:${bob.sipPort}`;
  const nextRequest = async () => {
    await h.waitFor(() => got.length > 0, 5000, "bob's 'request' event");
    return got.shift();
  };

  it('delivers the body, content type and sender to the other phone', async () => {
    const body = 'héllo ☃ from alice';
    assert.equal(await alice.sendMessage(bobUri(), body, { contentType: 'text/plain;charset=utf-8' }), undefined);
    const r = await nextRequest();
    assert.equal(r.method, 'MESSAGE');
    assert.equal(r.from, alice.uri);
    assert.match(r.from, /^sip:alice@127\.0\.0\.1:\d+$/);
    assert.equal(r.contentType, 'text/plain;charset=utf-8');
    assert.equal(r.body, body);
    assert.equal(r.call, null);
  });

  it("defaults to text/plain and takes other content types and an empty body", async () => {
    await alice.sendMessage(bobUri(), 'plain');
    let r = await nextRequest();
    assert.equal(r.contentType, 'text/plain');
    assert.equal(r.body, 'plain');
    await alice.sendMessage(bobUri(), '{"a":1}', { contentType: 'application/json', timeoutMs: 5000 });
    r = await nextRequest();
    assert.deepEqual([r.method, r.contentType, r.body], ['MESSAGE', 'application/json', '{"a":1}']);
    await alice.sendMessage(bobUri(), '');
    r = await nextRequest();
    assert.deepEqual([r.method, r.body], ['MESSAGE', '']);
  });

  it('rejects with EREJECTED and the SIP status when the recipient refuses', async () => {
    // bob (acceptAnyUser false) answers 404 to a request for another user.
    const err = await alice.sendMessage(`sip:carol@127.0.0.1:${bob.sipPort}`, 'for carol').then(
      () => assert.fail('resolved'),
      (e) => e
    );
    assert.ok(err instanceof VoipError, String(err));
    assert.equal(err.code, 'EREJECTED');
    assert.equal(err.errno, ErrorCode.EREJECTED);
    assert.equal(err.sipCode, 404);
    assert.equal(err.reason, '404 Not Found');
    assert.match(err.message, /voip_phone_send_message: .*404 Not Found/);
    await h.sleep(200);
    assert.deepEqual(got, [], 'a refused MESSAGE is not reported');
  });

  it('fails at once at a closed port with ENETWORK "port unreachable" (the ICMP error)', async () => {
    const t0 = Date.now();
    await assert.rejects(alice.sendMessage(CLOSED, 'anyone?', { timeoutMs: 5000 }), (e) => {
      assert.ok(e instanceof VoipError, String(e));
      assert.equal(e.code, 'ENETWORK');
      assert.match(e.message, new RegExp(`voip_phone_send_message: .*port unreachable: 127\\.0\\.0\\.1:${P.sip} \\(ICMP\\)`));
      return true;
    });
    const elapsed = Date.now() - t0;
    assert.ok(elapsed < 2000, `failed after ${elapsed} ms`);
  });

  it('times out at a port that never answers with ETIMEOUT, without blocking the event loop', async () => {
    // The socket reads and drops: no answer, no ICMP error.
    const silent = require('node:dgram').createSocket('udp4');
    await new Promise((resolve) => silent.bind(SILENT, '127.0.0.1', resolve));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 50);
    const t0 = Date.now();
    try {
      await assert.rejects(alice.sendMessage(`sip:nobody@127.0.0.1:${SILENT}`, 'anyone?', { timeoutMs: 1000 }), (e) => {
        assert.ok(e instanceof VoipError, String(e));
        assert.equal(e.code, 'ETIMEOUT');
        assert.equal(e.errno, ErrorCode.ETIMEOUT);
        assert.match(e.message, /voip_phone_send_message: .*no answer/);
        return true;
      });
    } finally {
      clearInterval(timer);
      silent.close();
    }
    const elapsed = Date.now() - t0;
    assert.ok(elapsed >= 900 && elapsed < 5000, `gave up after ${elapsed} ms`);
    assert.ok(ticks >= 10, `the event loop ran ${ticks} timer ticks during the wait`);
  });

  it('several messages at once all arrive', async () => {
    const bodies = Array.from({ length: 8 }, (_, i) => `m${i}`);
    await Promise.all(bodies.map((b) => alice.sendMessage(bobUri(), b)));
    await h.waitFor(() => got.length >= bodies.length, 5000, 'eight requests');
    assert.deepEqual(got.splice(0).map((r) => r.body).sort(), bodies);
  });

  it('a stopped phone rejects with ESTATE, a closed one with ENOTFOUND', async () => {
    const idle = new Phone(h.phoneOptions(P, 2));
    await assert.rejects(idle.sendMessage(bobUri(), 'x'), (e) => e instanceof VoipError && e.code === 'ESTATE' && /voip_phone_send_message/.test(e.message));
    await idle.close();
    await assert.rejects(idle.sendMessage(bobUri(), 'x'), (e) => e instanceof VoipError && e.code === 'ENOTFOUND');
  });

  it('a URI the library cannot parse rejects with EINVAL', async () => {
    await assert.rejects(alice.sendMessage('sip:bad uri with spaces', 'x'), (e) => e instanceof VoipError && e.code === 'EINVAL');
  });

  it('arguments of a bad type throw TypeError before any FFI call', () => {
    const u = bobUri();
    const bad = [
      () => alice.sendMessage(5, 'x'),
      () => alice.sendMessage(undefined, 'x'),
      () => alice.sendMessage(u),
      () => alice.sendMessage(u, Buffer.from('x')),
      () => alice.sendMessage(u, 'x', 'text/plain'),
      () => alice.sendMessage(u, 'x', null),
      () => alice.sendMessage(u, 'x', { contentType: 7 }),
      () => alice.sendMessage(u, 'x', { timeoutMs: '100' }),
      () => alice.sendMessage(u, 'x', { timeoutMs: 1.5 }),
      () => alice.sendMessage(u, 'nul\0inside'),
    ];
    for (const f of bad) assert.throws(f, TypeError, f.toString());
    assert.throws(() => alice.sendMessage(u, 'x', { timeoutMs: 2 ** 31 }), RangeError);
    assert.throws(() => alice.sendMessage('', 'x'), RangeError);
  });
});

'use strict';
// Events between Node phones in one process over 127.0.0.1: presence both
// ways (subscribe, setPresence), a busy lamp (watch) through a ringing and
// an answered call, a rejected and an unserved (489) subscription, watcher
// information (presence.winfo: a watcher pending, active, terminated), an
// unsolicited message-summary NOTIFY reaching phone 'notify' parsed, and
// argument errors.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const dgram = require('node:dgram');
const { Phone, VoipError } = require('..');
const h = require('./helpers');

const P = h.PORTS.events;

describe('events', () => {
  let a;
  let b;
  let c;
  const ringing = [];

  before(async () => {
    a = new Phone(h.phoneOptions(P, 0, { user: 'alice' }));
    b = new Phone(h.phoneOptions(P, 1, { user: 'bob' }));
    c = new Phone(h.phoneOptions(P, 2, { user: 'carol' }));
    b.on('call', (call) => ringing.push(call));
    await Promise.all([a.start(), b.start(), c.start()]);
  });

  after(async () => {
    await Promise.all([a && a.close(), b && b.close(), c && c.close()]);
    assert.deepEqual(h.unhandled, [], 'no unhandled rejections');
  });

  const uriOf = (p, user) => `sip:${user}@127.0.0.1:${p.sipPort}`;

  it('shows presence both ways', async () => {
    a.serveEvents(['presence'], (s) => s.accept());
    b.serveEvents(['presence', 'dialog'], (s) => s.accept());
    await b.setPresence('open', { note: 'at my desk', activities: ['busy'] });
    const toB = await a.subscribe(uriOf(b, 'bob'), 'presence');
    const n = await toB.waitFor((x) => x.summary.note === 'at my desk');
    assert.equal(n.summary.basic, 'open');
    assert.deepEqual(n.summary.activities, ['busy']);
    assert.equal(n.contentType, 'application/pidf+xml');
    assert.equal(toB.state, 'active');
    const toA = await b.subscribe(uriOf(a, 'alice'), 'presence');
    await toA.waitFor((x) => x.summary.basic === 'closed');
    await a.setPresence('open', { note: 'lunch' });
    await toA.waitFor((x) => x.summary.note === 'lunch');
    await b.setPresence('closed', { note: 'gone home' });
    await toB.waitFor((x) => x.summary.basic === 'closed' && x.summary.note === 'gone home');
    const ended = new Promise((resolve) => toB.on('state', (st) => st === 'terminated' && resolve()));
    await toB.stop();
    await h.withTimeout(ended, 5000, "toB's terminated state");
  });

  it('watches a busy lamp through a ringing and an answered call', async () => {
    const lamp = await a.watch(uriOf(b, 'bob'));
    await lamp.waitFor((x) => x.summary.lamp === 'idle');
    const call = c.call(uriOf(b, 'bob'));
    await h.waitFor(() => ringing.length > 0, 5000, "bob's incoming call");
    await lamp.waitFor((x) => x.summary.lamp === 'early');
    await ringing[0].answer();
    await lamp.waitFor((x) => x.summary.lamp === 'confirmed');
    assert.equal(lamp.lamp, 'confirmed');
    const out = await call;
    await out.hangup();
    await lamp.waitFor((x) => x === lamp.last && x.summary.lamp === 'idle');
  });

  it('rejects: 403 from the handler, 489 for an unserved package', async () => {
    c.serveEvents(['x-test'], (s) => s.reject(403));
    await assert.rejects(a.subscribe(uriOf(c, 'carol'), 'x-test'), (err) => err instanceof VoipError && err.code === 'EREJECTED' && err.sipCode === 403);
    await assert.rejects(a.subscribe(uriOf(c, 'carol'), 'presence'), (err) => err.code === 'EREJECTED' && err.sipCode === 489);
    await assert.rejects(a.subscribe(uriOf(c, 'carol'), 'pre sence'), (err) => err.code === 'EINVAL');
    await assert.rejects(a.setPresence('maybe'), (err) => err.code === 'EINVAL');
    await assert.rejects(a.publish('presence', 'application/pidf+xml', '<presence/>'), (err) => err.code === 'ESTATE');
    assert.throws(() => a.subscribe(5, 'presence'), TypeError);
    assert.throws(() => a.serveEvents('presence', null), TypeError);
  });

  it('watches our presence watchers (presence.winfo): pending, active, terminated', async () => {
    const held = [];
    a.serveEvents(['presence', 'presence.winfo'], (s) => {
      if (s.event === 'presence.winfo') s.accept();
      else held.push(s); // accepted below
    });
    const w = await b.watchers(uriOf(a, 'alice'));
    const first = await w.waitFor((n) => n.summary.state === 'full');
    assert.equal(first.contentType, 'application/watcherinfo+xml');
    assert.equal(first.summary.resource, uriOf(a, 'alice'));
    assert.equal(first.summary.version, 0);
    // b's own presence subscription to a (first test) is still active.
    assert.deepEqual(w.watchers.map((x) => [x.uri, x.status, x.event]), [[b.uri, 'active', 'approved']]);
    const started = c.subscribe(uriOf(a, 'alice'), 'presence', { timeoutMs: 10000 });
    const pending = await w.waitForWatcher(c.uri, 'pending');
    assert.equal(pending.summary.state, 'partial');
    assert.equal(w.watcherStatus(c.uri), 'pending');
    await h.waitFor(() => held.length > 0, 5000, "a's incoming presence subscription");
    held[0].accept();
    const toA = await started;
    await w.waitForWatcher(c.uri, 'active');
    assert.deepEqual(w.watchers.map((x) => [x.uri, x.status, x.event]),
      [[b.uri, 'active', 'approved'], [c.uri, 'active', 'approved']]);
    await toA.stop();
    const gone = await w.waitForWatcher(c.uri, 'terminated');
    assert.equal(gone.summary.watchers[0].event, 'timeout');
    assert.equal(w.watcherStatus(c.uri), 'terminated');
    assert.deepEqual(w.watchers.map((x) => x.uri), [b.uri]);

    // Bad input: a malformed watcherinfo document gives the error summary.
    const mine = [];
    c.serveEvents(['presence.winfo'], (s) => {
      mine.push(s);
      s.accept();
    });
    const w2 = await b.watchers(uriOf(c, 'carol'));
    await w2.waitFor((n) => n.summary.state === 'full');
    await mine[0].notify('application/watcherinfo+xml', '<watcherinfo version="1" state="full"><watcher-list/></watcherinfo>');
    const bad = await w2.waitFor((n) => n.summary.error !== undefined);
    assert.match(bad.summary.error, /watcher-list/);
    await w.stop();
    await w2.stop();
  });

  it('reports an unsolicited message-summary NOTIFY, parsed', async () => {
    const got = new Promise((resolve) => a.once('notify', (sub, n) => resolve({ sub, n })));
    const body = 'Messages-Waiting: yes\r\nVoice-Message: 3/5 (0/1)\r\n';
    const sock = dgram.createSocket('udp4');
    await new Promise((resolve) => sock.bind(0, '127.0.0.1', resolve));
    const port = sock.address().port;
    const answered = new Promise((resolve) => sock.once('message', (m) => resolve(m.toString())));
    const msg = `NOTIFY ${uriOf(a, 'alice')} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK-node-mwi\r\n` +
      `From: <sip:vm@127.0.0.1:${port}>;tag=vm\r\nTo: <${uriOf(a, 'alice')}>\r\nCall-ID: node-mwi-1\r\nCSeq: 1 NOTIFY\r\n` +
      'Max-Forwards: 70\r\nEvent: message-summary\r\nSubscription-State: active\r\n' +
      `Content-Type: application/simple-message-summary\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    sock.send(msg, a.sipPort, '127.0.0.1');
    const answer = await h.withTimeout(answered, 5000, 'the answer to the NOTIFY');
    sock.close();
    assert.match(answer, /^SIP\/2\.0 200/);
    const { sub, n } = await h.withTimeout(got, 5000, "phone 'notify'");
    assert.equal(sub, null);
    assert.deepEqual(n.summary, { waiting: true, new: 3, old: 5, new_urgent: 0, old_urgent: 1 });
  });
});

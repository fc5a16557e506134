'use strict';
// NAT traversal and IPv6 (issue 14): stunServer, ice and turn* are named Phone
// options (library defaults when not given, types checked by the binding,
// values by the library); an ICE call between two phones selects a host
// pair reported by info('ice') and has audio both ways; a call over ::1
// has audio both ways.

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { Phone, CallState, VoipError } = require('..');
const h = require('./helpers');

const P = h.PORTS.nat;

// connect has a call b (at host, once started) and returns both answered calls.
async function connect(a, b, host) {
  const incoming = new Promise((resolve) => b.on('call', (call) => { call.answer(); resolve(call); }));
  await Promise.all([a.start(), b.start()]);
  const p = a.call(`sip:bob@${host}:${b.sipPort}`);
  await h.withTimeout(p, 5000, 'answer');
  const inc = await h.withTimeout(incoming, 5000, 'incoming');
  await h.waitFor(() => inc.state === CallState.ANSWERED, 5000, 'ANSWERED');
  return [p.call, inc];
}

// hearsBothWays plays 440 Hz from out and 1000 Hz from inc for a second
// and checks each hears the other by frequency.
async function hearsBothWays(out, inc) {
  const [heardIn, heardOut] = await Promise.all([
    h.readFor(inc, 1500),
    h.readFor(out, 1500),
    out.writeAudio(h.tone(440, 1500)),
    inc.writeAudio(h.tone(1000, 1500)),
  ]);
  const fIn = h.dominantFrequency(heardIn.subarray(8000));
  const fOut = h.dominantFrequency(heardOut.subarray(8000));
  assert.ok(Math.abs(fIn - 440) < 15, `callee heard ${fIn} Hz`);
  assert.ok(Math.abs(fOut - 1000) < 15, `caller heard ${fOut} Hz`);
}

describe('NAT traversal and IPv6', () => {
  it('stunServer, ice and turn*: named options, library defaults, types and values', async () => {
    const plain = new Phone({ bindIp: '127.0.0.1', bindPort: 0 });
    assert.equal(plain.getOption('stun_server'), '');
    assert.equal(plain.getOption('ice'), '0');
    assert.equal(plain.getOption('turn_server'), '');
    const phone = new Phone({
      bindIp: '127.0.0.1', bindPort: 0, stunServer: 'stun.example.org:3479', ice: true,
      turnServer: 'turn.example.org', turnUser: 'alice', turnPassword: 'secret',
    });
    assert.equal(phone.getOption('stun_server'), 'stun.example.org:3479');
    assert.equal(phone.getOption('ice'), '1');
    assert.equal(phone.getOption('turn_server'), 'turn.example.org');
    assert.equal(phone.getOption('turn_user'), 'alice');
    assert.throws(() => phone.getOption('turn_password'), VoipError, 'turn_password is write-only');
    assert.throws(() => new Phone({ bindIp: '127.0.0.1', bindPort: 0, turnServer: 'a b' }), VoipError);
    assert.throws(() => new Phone({ bindIp: '127.0.0.1', bindPort: 0, ice: 1 }), TypeError);
    assert.throws(() => new Phone({ bindIp: '127.0.0.1', bindPort: 0, stunServer: 3478 }), TypeError);
    assert.throws(
      () => new Phone({ bindIp: '127.0.0.1', bindPort: 0, stunServer: 'a b' }),
      (err) => err instanceof VoipError && err.code === 'EINVAL' && /stun_server="a b"/.test(err.message)
    );
    await plain.close();
    await phone.close();
  });

  it('an ICE call selects a host pair and has audio both ways', async () => {
    const a = new Phone(h.phoneOptions(P, 0, { user: 'alice', ice: true }));
    const b = new Phone(h.phoneOptions(P, 1, { user: 'bob', ice: true }));
    try {
      const [out, inc] = await connect(a, b, '127.0.0.1');
      await h.waitFor(() => out.info('ice').includes('->'), 5000, 'ICE pair');
      assert.match(out.info('ice'), /^host 127\.0\.0\.1:\d+ -> host 127\.0\.0\.1:\d+$/);
      await hearsBothWays(out, inc);
      await out.hangup();
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('a call over ::1 has audio both ways', async () => {
    const a = new Phone({ ...h.phoneOptions(P, 2, { user: 'alice' }), bindIp: '::1' });
    const b = new Phone({ ...h.phoneOptions(P, 1, { user: 'bob' }), bindIp: '::1' });
    try {
      const [out, inc] = await connect(a, b, '[::1]');
      assert.match(out.info('remote_rtp'), /^\[::1\]:\d+$/);
      assert.equal(out.info('ice'), '');
      await hearsBothWays(out, inc);
      await out.hangup();
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
    assert.deepEqual(h.unhandled, [], 'no unhandled rejections');
  });
});

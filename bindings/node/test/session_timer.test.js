'use strict';
// The session timer (RFC 4028): sessionExpires and minSe are named Phone
// options (the library's defaults when not given, read back as set, types
// checked by the binding, ranges by the library), and an answered call
// reports the negotiated timer in info('session_expires').

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { Phone, CallState, VoipError } = require('..');
const h = require('./helpers');

const P = h.PORTS.timers;

// name: [key, the library's default (voip.h), a value to set]
const OPTIONS = {
  sessionExpires: ['session_expires', '1800', 600],
  minSe: ['min_se', '90', 120],
};

describe('session timers', () => {
  it('named options round-trip, with the library defaults', async () => {
    const plain = new Phone({ bindIp: '127.0.0.1', bindPort: 0 });
    const given = { bindIp: '127.0.0.1', bindPort: 0 };
    for (const [name, [key, def, value]] of Object.entries(OPTIONS)) {
      assert.equal(plain.getOption(key), def, `${key} default`);
      given[name] = value;
      assert.throws(() => new Phone({ bindIp: '127.0.0.1', bindPort: 0, [name]: String(value) }), TypeError, name);
      assert.throws(() => new Phone({ bindIp: '127.0.0.1', bindPort: 0, [name]: 1.5 }), TypeError, name);
    }
    const phone = new Phone(given);
    for (const [name, [key, , value]] of Object.entries(OPTIONS)) {
      assert.equal(phone.getOption(key), String(value), name);
    }
    await plain.close();
    await phone.close();
  });

  it("out-of-range values are the library's EINVAL", () => {
    const cases = [
      [{ sessionExpires: 89 }, /session_expires="89": use 0 or 90\.\.86400/],
      [{ sessionExpires: 86401 }, /session_expires="86401": out of range 0\.\.86400/],
      [{ minSe: 60 }, /min_se="60": out of range 90\.\.86400/],
    ];
    for (const [opts, re] of cases) {
      assert.throws(
        () => new Phone({ bindIp: '127.0.0.1', bindPort: 0, ...opts }),
        (err) => err instanceof VoipError && err.code === 'EINVAL' && re.test(err.message),
        JSON.stringify(opts)
      );
    }
  });

  it('a call reports the timer negotiated after a 422', async () => {
    // The caller asks for 600 s, the callee accepts no less than 900 s:
    // 422, the INVITE again with 900, and the caller refreshes ("uac").
    const alice = new Phone(h.phoneOptions(P, 0, { user: 'alice', sessionExpires: 600 }));
    const bob = new Phone(h.phoneOptions(P, 1, { user: 'bob', minSe: 900 }));
    try {
      const incoming = new Promise((resolve) => bob.on('call', (call) => { call.answer(); resolve(call); }));
      await Promise.all([alice.start(), bob.start()]);
      const p = alice.call(`sip:bob@127.0.0.1:${bob.sipPort}`);
      await h.withTimeout(p, 5000, 'answer');
      const out = p.call;
      assert.equal(out.state, CallState.ANSWERED);
      const inc = await h.withTimeout(incoming, 5000, 'incoming');
      await h.waitFor(() => inc.state === CallState.ANSWERED, 5000, 'ANSWERED');
      assert.equal(out.info('session_expires'), '900 uac');
      assert.equal(inc.info('session_expires'), '900 uac');
      await out.hangup();
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
    assert.deepEqual(h.unhandled, [], 'no unhandled rejections');
  });
});

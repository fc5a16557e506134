'use strict';
// The call limits against floods and abandoned calls (rtp_timeout_ms,
// ring_timeout_ms, max_calls) are named Phone options: the library's
// defaults when not given, read back as set, types checked by the binding,
// ranges by the library (VoipError EINVAL with its message).

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { Phone, VoipError } = require('..');

// name: [key, the library's default (voip.h), a value to set]
const LIMITS = {
  rtpTimeoutMs: ['rtp_timeout_ms', '30000', 1000],
  ringTimeoutMs: ['ring_timeout_ms', '120000', 0],
  maxCalls: ['max_calls', '1024', 2],
};

describe('call limits', () => {
  it('named options round-trip, with the library defaults', async () => {
    const plain = new Phone({ bindIp: '127.0.0.1', bindPort: 0 });
    const given = { bindIp: '127.0.0.1', bindPort: 0 };
    for (const [name, [key, def, value]] of Object.entries(LIMITS)) {
      assert.equal(plain.getOption(key), def, `${key} default`);
      given[name] = value;
      assert.throws(() => new Phone({ bindIp: '127.0.0.1', bindPort: 0, [name]: String(value) }), TypeError, name);
      assert.throws(() => new Phone({ bindIp: '127.0.0.1', bindPort: 0, [name]: 1.5 }), TypeError, name);
    }
    const phone = new Phone(given);
    for (const [name, [key, , value]] of Object.entries(LIMITS)) {
      assert.equal(phone.getOption(key), String(value), name);
    }
    await plain.close();
    await phone.close();
  });

  it("out-of-range values are the library's EINVAL", () => {
    const cases = [
      [{ rtpTimeoutMs: 999 }, /rtp_timeout_ms="999": use 0 or 1000\.\.3600000/],
      [{ rtpTimeoutMs: 3600001 }, /rtp_timeout_ms="3600001": out of range 0\.\.3600000/],
      [{ ringTimeoutMs: 500 }, /ring_timeout_ms="500": use 0 or 1000\.\.86400000/],
      [{ maxCalls: -1 }, /max_calls="-1": out of range 0\.\.1048576/],
      [{ maxCalls: 1048577 }, /max_calls="1048577": out of range 0\.\.1048576/],
    ];
    for (const [opts, re] of cases) {
      assert.throws(
        () => new Phone({ bindIp: '127.0.0.1', bindPort: 0, ...opts }),
        (err) => err instanceof VoipError && err.code === 'EINVAL' && re.test(err.message),
        JSON.stringify(opts)
      );
    }
  });
});

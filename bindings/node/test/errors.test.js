'use strict';
// Issue 17: errors that say what to do, as a table; the start and
// registration behaviour shared with C and Python (an unreachable registrar:
// ETIMEOUT, FAILED with the cause, still running; a refusal: EREJECTED with
// the registrar's reason).

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const dgram = require('node:dgram');
const { Phone, PhoneStatus, VoipError, ErrorCode } = require('..');
const h = require('./helpers');

const P = h.PORTS.debugging;

// A UDP port of 127.0.0.1 nobody listens on.
async function closedPort() {
  const s = dgram.createSocket('udp4');
  await new Promise((resolve) => s.bind(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise((resolve) => s.close(resolve));
  return port;
}

describe('errors that say what to do', () => {
  let phone;
  const others = [];
  before(async () => {
    phone = new Phone(h.phoneOptions(P, 2, { user: 'alice' }));
    await phone.start();
  });
  after(async () => {
    await Promise.all([phone && phone.close(), ...others.map((p) => p.close())]);
    assert.deepEqual(h.unhandled, [], 'no unhandled rejections');
  });

  const DIAL_ERRORS = [
    ['bob', [/"bob" is a bare user or number/, /"server" option/, /user@host\[:port\]/]],
    ['1001', [/"1001" is a bare user or number/]],
    ['http://x', [/bad URI "http:\/\/x"/, /scheme "http" is not supported/]],
    ['sip:bob@127.0.0.1;transport=foo', [/transport "foo" is not udp, tcp or tls/]],
    ['sip:bob@127.0.0.1:99999', [/port "99999" is not a number of 1\.\.65535/]],
    ['sip:alice@', [/no host/]],
  ];
  for (const [uri, wants] of DIAL_ERRORS) {
    it(`dial(${JSON.stringify(uri)}) throws EINVAL saying what to do`, () => {
      const t0 = Date.now();
      assert.throws(() => phone.dial(uri), (e) => {
        assert.ok(e instanceof VoipError, String(e));
        assert.equal(e.code, 'EINVAL');
        assert.equal(e.errno, ErrorCode.EINVAL);
        for (const w of wants) assert.match(e.message, w);
        assert.doesNotMatch(e.message, /strconv|lookup/);
        return true;
      });
      assert.ok(Date.now() - t0 < 500, 'a network look-up?');
    });
  }

  it('an unknown transport option is EINVAL', () => {
    assert.throws(() => new Phone({ transport: 'foo' }), { name: 'VoipError', code: 'EINVAL', message: /transport/ });
  });

  it('a call to a closed port ends at once: port unreachable', async () => {
    const port = await closedPort();
    const t0 = Date.now();
    await assert.rejects(phone.call(`sip:bob@127.0.0.1:${port}`), (e) => {
      assert.ok(e instanceof VoipError, String(e));
      assert.equal(e.reason, `port unreachable: 127.0.0.1:${port} (ICMP)`);
      return true;
    });
    assert.ok(Date.now() - t0 < 2000, `after ${Date.now() - t0} ms`);
  });

  it('an unreachable registrar: ETIMEOUT, FAILED with the cause, still running until stop()', async () => {
    const port = await closedPort();
    const p = new Phone(h.phoneOptions(P, 3, { user: 'alice', server: `127.0.0.1:${port}` }));
    others.push(p);
    await assert.rejects(p.start(), (e) => {
      assert.equal(e.code, 'ETIMEOUT');
      assert.match(e.message, new RegExp(`registrar 127\\.0\\.0\\.1:${port} is unreachable .*retrying`));
      return true;
    });
    assert.equal(p.status, PhoneStatus.FAILED);
    assert.equal(p.statusReason, `port unreachable: 127.0.0.1:${port} (ICMP)`);
    assert.ok(p.sipPort > 0, 'still running');
    await p.stop();
    assert.equal(p.status, PhoneStatus.INACTIVE);
  });

  it('a refusing registrar: EREJECTED with its reason, kept as the status reason', async () => {
    const p = new Phone(h.phoneOptions(P, 4, { user: 'alice', server: `127.0.0.1:${phone.sipPort}` }));
    others.push(p);
    await assert.rejects(p.start(), (e) => {
      assert.equal(e.code, 'EREJECTED');
      assert.match(e.message, /405 Method Not Allowed/);
      return true;
    });
    assert.equal(p.status, PhoneStatus.FAILED);
    assert.match(p.statusReason, /^405 /);
  });
});

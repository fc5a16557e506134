'use strict';
// Options for phones exposed to the Internet (acceptAnyUser, userAgent),
// the process-wide memory limit, and TLS certificate rejections: named
// options round-trip, the library's EINVAL reaches JS as VoipError.

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const libvoip = require('..');
const h = require('./helpers');

const { Phone, PhoneStatus, VoipError } = libvoip;
const DATA = path.join(h.ROOT, 'tests', 'data');
const local = (extra = {}) => ({ bindIp: '127.0.0.1', bindPort: 0, ...extra });

describe('exposed phones', () => {
  it('acceptAnyUser and userAgent round-trip; the binding checks types', async () => {
    const plain = new Phone(local());
    const strict = new Phone(local({ acceptAnyUser: false, userAgent: '' }));
    const named = new Phone(local({ acceptAnyUser: true, userAgent: 'acme/2' }));
    assert.equal(plain.getOption('accept_any_user'), '1');
    assert.match(plain.getOption('user_agent'), /^libvoip\//);
    assert.equal(strict.getOption('accept_any_user'), '0');
    assert.equal(strict.getOption('user_agent'), '');
    assert.equal(named.getOption('accept_any_user'), '1');
    assert.equal(named.getOption('user_agent'), 'acme/2');
    assert.throws(() => new Phone(local({ acceptAnyUser: '0' })), TypeError);
    assert.throws(() => new Phone(local({ userAgent: 1 })), TypeError);
    await Promise.all([plain.close(), strict.close(), named.close()]);
  });

  it("values are the library's to check: VoipError EINVAL", async () => {
    const p = new Phone(local());
    assert.throws(
      () => p.setOption('accept_any_user', 'maybe'),
      (err) => err instanceof VoipError && err.code === 'EINVAL' && /accept_any_user="maybe": want 0 or 1/.test(err.message)
    );
    assert.throws(
      () => p.setOption('user_agent', 'a\r\nX-Injected: 1'),
      (err) => err instanceof VoipError && err.code === 'EINVAL'
    );
    assert.equal(p.getOption('accept_any_user'), '1');
    p.setOption('accept_any_user', false);
    assert.equal(p.getOption('accept_any_user'), '0');
    await p.close();
  });

  it('setMemoryLimit sets, reads and refuses', () => {
    const original = libvoip.setMemoryLimit(-1);
    try {
      libvoip.setMemoryLimit(512);
      assert.equal(libvoip.setMemoryLimit(-1), 512);
      assert.equal(libvoip.setMemoryLimit(256), 512);
      assert.equal(libvoip.setMemoryLimit(0), 256);
      assert.equal(libvoip.setMemoryLimit(-1), 0);
      assert.throws(
        () => libvoip.setMemoryLimit(-2),
        (err) => err instanceof VoipError && err.code === 'EINVAL' && /voip_set_memory_limit/.test(err.message)
      );
      assert.throws(() => libvoip.setMemoryLimit(1.5), TypeError);
      assert.throws(() => libvoip.setMemoryLimit('64'), TypeError);
    } finally {
      libvoip.setMemoryLimit(original);
    }
  });

  it('a TLS server whose certificate does not verify: EREJECTED naming it', async () => {
    const server = new Phone(local({
      transport: 'tls',
      certFile: path.join(DATA, 'untrusted-cert.pem'),
      keyFile: path.join(DATA, 'untrusted-key.pem'),
    }));
    await server.start();
    const p = new Phone(local({ transport: 'tls', server: '127.0.0.1', port: server.sipPort, user: 'alice' }));
    const want = 'TLS certificate rejected: x509: certificate signed by unknown authority';
    await assert.rejects(p.start(), (err) => err instanceof VoipError && err.code === 'EREJECTED' && err.message.includes(want));
    assert.equal(p.status, PhoneStatus.FAILED);
    assert.equal(p.statusReason, want);
    await p.close();
    await server.close();
  });
});

'use strict';
// Node phones registered to Kamailio (registrar + proxy with digest auth)
// on 127.0.0.1: register, call a bare user through the proxy, audio and
// DTMF, a wrong password, TCP, unregister on stop.
//
// Kamailio is started with the project's tests/interop/kamailio/start.sh on
// its own port (KAMAILIO_PORT 5460) and run directory.  Needs the PBX parts
// of the C API (voip_phone_add_credentials and the "server" options): this
// file fails until they have landed.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync, execFileSync } = require('node:child_process');
const { Phone, PhoneStatus, CallState, VoipError } = require('..');
const h = require('./helpers');

const P = h.PORTS.kamailio;
const KAM_DIR = path.join(h.ROOT, 'tests', 'interop', 'kamailio');

function hasKamailio() {
  return spawnSync('sh', ['-c', 'command -v kamailio && command -v kamcmd'], { encoding: 'utf8' }).status === 0;
}

const skip = !hasKamailio()
  ? 'kamailio is not installed (scripts/install-deps.sh installs it)'
  : !fs.existsSync(path.join(KAM_DIR, 'start.sh'))
    ? 'tests/interop/kamailio/start.sh is missing'
    : false;

describe('Node phones registered to Kamailio', { skip }, () => {
  const run = fs.mkdtempSync(path.join(os.tmpdir(), 'libvoip-node-kamailio-'));
  const env = { ...process.env, KAMAILIO_PORT: String(P.server), KAMAILIO_RUN: run };
  const phones = [];
  let kamailioPid = null;

  const account = (i, user, password, extra = {}) =>
    h.phoneOptions(P, i, { user, password, server: '127.0.0.1', port: P.server, registerExpires: 60, ...extra });

  async function registered(i, user, password, extra) {
    const phone = new Phone(account(i, user, password, extra));
    phones.push(phone);
    await h.withTimeout(phone.start(), 15000, `${user} registers`);
    assert.equal(phone.status, PhoneStatus.REGISTERED);
    return phone;
  }

  // Who is registered (ul.dump brief), or with every contact (.full()).
  function contacts() {
    const r = spawnSync('kamcmd', ['-s', `unix:${run}/kamailio_ctl`, 'ul.dump', 'brief'], { encoding: 'utf8' });
    return r.stdout || '';
  }
  contacts.full = () => {
    const r = spawnSync('kamcmd', ['-s', `unix:${run}/kamailio_ctl`, 'ul.dump'], { encoding: 'utf8' });
    return (r.stdout || '').split('\n').filter((l) => /AoR|Address|Expires|CSeq/.test(l)).join('\n');
  };

  before(() => {
    execFileSync('bash', [path.join(KAM_DIR, 'start.sh')], { env, stdio: 'inherit', timeout: 30000 });
    kamailioPid = Number(fs.readFileSync(path.join(run, 'kamailio.pid'), 'utf8').trim());
  });

  after(async () => {
    await Promise.all(phones.map((p) => p.close().catch(() => {})));
    // Stop the Kamailio we started, by its pid (its children follow).
    if (kamailioPid) {
      try {
        process.kill(kamailioPid, 'SIGTERM');
      } catch {
        // already gone
      }
      await h.waitFor(() => {
        try {
          process.kill(kamailioPid, 0);
          return false;
        } catch {
          return true;
        }
      }, 10000, 'kamailio exits').catch(() => process.kill(kamailioPid, 'SIGKILL'));
    }
    fs.rmSync(run, { recursive: true, force: true });
    assert.deepEqual(h.unhandled, []);
  });

  it('registers, calls a user through the proxy, audio and DTMF, hangs up', async () => {
    const alice = await registered(0, 'alice', 'alicepw');
    const bob = await registered(1, 'bob', 'bobpw');
    const who = contacts();
    assert.match(who, /alice/);
    assert.match(who, /bob/);
    let incoming;
    const rang = new Promise((resolve) => {
      bob.on('call', (call) => {
        if (incoming) return; // one call is expected
        incoming = call;
        call.answer();
        resolve(call);
      });
    });
    const call = await h.withTimeout(alice.call('bob'), 15000, 'bob answers via kamailio');
    await rang;
    assert.equal(call.state, CallState.ANSWERED);
    assert.match(incoming.remoteUri, /alice/);
    const w = call.writeAudioAsync(h.tone(440, 2500));
    await h.readFor(incoming, 500);
    const heard = await h.readFor(incoming, 1000);
    assert.ok(Math.abs(h.dominantFrequency(heard) - 440) <= 10, `bob hears ${h.dominantFrequency(heard)} Hz`);
    assert.ok(h.rms(heard) > 2000);
    await w;
    const digits = [];
    incoming.on('dtmf', (d) => digits.push(d));
    call.sendDtmf('42');
    await h.waitFor(() => digits.length === 2, 5000, 'digits');
    assert.equal(digits.join(''), '42');
    const bobEnded = incoming.waitEnded();
    await call.hangup();
    assert.equal((await h.withTimeout(bobEnded, 5000, 'BYE through the proxy')).reason, 'remote hangup');
  });

  it('a wrong password: start() rejects with EREJECTED, status FAILED with the reason', async () => {
    const carol = new Phone(account(2, 'carol', 'wrong'));
    phones.push(carol);
    const statuses = [];
    carol.on('status', (s, r) => statuses.push(`${s} ${r}`));
    await assert.rejects(h.withTimeout(carol.start(), 15000, 'carol start'), (err) => {
      assert.ok(err instanceof VoipError);
      assert.equal(err.code, 'EREJECTED');
      assert.match(err.message, /403/);
      return true;
    });
    assert.equal(carol.status, PhoneStatus.FAILED);
    assert.match(carol.statusReason, /403/);
  });

  it('registers over TCP and is reachable from a UDP phone', async () => {
    const carol = await registered(3, 'carol', 'carolpw', { transport: 'tcp' });
    const alice = phones.find((p) => p.uri.includes('alice')) || (await registered(4, 'alice', 'alicepw'));
    const answered = [];
    carol.on('call', (call) => {
      try {
        call.answer();
        answered.push(call);
      } catch (err) {
        // a second INVITE of the same call (see the next test)
        assert.equal(err.code, 'EENDED');
      }
    });
    const call = await h.withTimeout(alice.call('carol'), 15000, 'carol answers over tcp');
    // (>= 1: with two contacts registered, both branches may be answered)
    assert.ok(answered.length >= 1);
    const carolEnded = Promise.all(answered.map((c) => c.waitEnded()));
    await call.hangup();
    const ends = await h.withTimeout(carolEnded, 5000, 'BYE over tcp');
    assert.ok(ends.some((e) => e.reason === 'remote hangup'), JSON.stringify(ends));
    await carol.close();
  });

  it('a phone registers one contact over TCP, and unregisters it on stop', async () => {
    const carol = await registered(5, 'carol', 'carolpw', { transport: 'tcp' });
    const bindings = () => (contacts.full().match(/AoR: carol[\s\S]*?(?=AoR:|$)/) || [''])[0].match(/Address: /g) || [];
    assert.equal(bindings().length, 1, `contacts of carol:\n${contacts.full()}`);
    await carol.stop();
    await h.waitFor(() => !/AoR: carol/.test(contacts()), 5000, `carol unregistered:\n${contacts.full()}`).catch((err) => {
      throw new Error(`${err.message}\n${contacts.full()}`);
    });
  });

  it('a UDP phone unregisters on stop', async () => {
    const bob = phones.find((p) => p.uri.includes('bob'));
    assert.match(contacts(), /AoR: bob/);
    await bob.stop();
    await h.waitFor(() => !/AoR: bob/.test(contacts()), 5000, 'bob unregistered');
  });
});

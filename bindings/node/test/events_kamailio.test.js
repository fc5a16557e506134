'use strict';
// Events through Kamailio's presence server (presence, presence_xml,
// presence_mwi on a db_text database the test creates) on 127.0.0.1:5181,
// configured from tests/interop/kamailio/presence.cfg.in: presence
// published by one Node phone and watched by another; message-summary
// published and read as MWI counts; watcher information (presence.winfo)
// from presence_xml.  Skipped without Kamailio's presence
// modules (unless CI is set).

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const { Phone } = require('..');
const h = require('./helpers');

const P = h.PORTS.events;
const KPORT = 5181;
const TEMPLATE = path.join(h.ROOT, 'tests', 'interop', 'kamailio', 'presence.cfg.in');
const SCHEMA = '/usr/share/kamailio/dbtext/kamailio';
const missing = spawnSync('sh', ['-c', 'command -v kamailio || test -x /usr/sbin/kamailio'], { encoding: 'utf8' }).status !== 0 ||
  !fs.existsSync(path.join(SCHEMA, 'presentity')) || !fs.existsSync(TEMPLATE);
const skip = missing && !process.env.CI ? 'kamailio with kamailio-presence-modules is not installed' : false;

describe('events through Kamailio', { skip }, () => {
  let kam;
  let alice;
  let bob;
  const server = `127.0.0.1:${KPORT}`;

  before(async () => {
    const run = fs.mkdtempSync(path.join(os.tmpdir(), 'libvoip-node-presence-'));
    const db = path.join(run, 'db');
    fs.mkdirSync(db);
    for (const t of ['version', 'presentity', 'active_watchers', 'watchers', 'xcap']) fs.copyFileSync(path.join(SCHEMA, t), path.join(db, t));
    const cfg = path.join(run, 'kamailio.cfg');
    fs.writeFileSync(cfg, fs.readFileSync(TEMPLATE, 'utf8').replaceAll('@PORT@', String(KPORT)).replaceAll('@DB@', db));
    const bin = fs.existsSync('/usr/sbin/kamailio') ? '/usr/sbin/kamailio' : 'kamailio';
    const log = fs.openSync(path.join(run, 'kamailio.log'), 'w');
    kam = spawn(bin, ['-f', cfg, '-DD', '-E', '-m', '64', '-M', '8', '-Y', run, '-w', run], { stdio: ['ignore', log, log], detached: true });
    await h.waitFor(() => spawnSync('ss', ['-Hlnu', `sport = :${KPORT}`], { encoding: 'utf8' }).stdout.includes(`127.0.0.1:${KPORT}`), 10000, 'kamailio listening');
    alice = new Phone(h.phoneOptions(P, 0, { user: 'alice', server: '127.0.0.1', port: KPORT, registerExpires: 60 }));
    bob = new Phone(h.phoneOptions(P, 1, { user: 'bob', server: '127.0.0.1', port: KPORT, registerExpires: 60 }));
    await Promise.all([alice.start(), bob.start()]);
  });

  after(async () => {
    await Promise.all([alice && alice.close(), bob && bob.close()]);
    if (kam) process.kill(-kam.pid, 'SIGKILL');
    assert.deepEqual(h.unhandled, [], 'no unhandled rejections');
  });

  it('publishes presence and message-summary, watched through the server', async () => {
    await alice.setPresence('open', { note: 'node via kamailio', activities: ['busy'] });
    const watch = await bob.subscribe(`sip:alice@${server}`, 'presence');
    const n = await watch.waitFor((x) => x.summary.note === 'node via kamailio');
    assert.equal(n.summary.basic, 'open');
    assert.deepEqual(n.summary.activities, ['busy']);
    await alice.setPresence('closed', { note: 'gone' });
    await watch.waitFor((x) => x.summary.basic === 'closed' && x.summary.note === 'gone');
    await alice.publish('message-summary', 'application/simple-message-summary', 'Messages-Waiting: yes\r\nVoice-Message: 4/9 (0/1)\r\n');
    const mwi = await bob.mwi(`sip:alice@${server}`);
    await mwi.waitFor((x) => x.summary.new === 4);
    assert.deepEqual(mwi.counts, { waiting: true, new: 4, old: 9, new_urgent: 0, old_urgent: 1 });
    await watch.stop();
    await mwi.stop();
  });

  it('watches our watchers (presence.winfo) through the server', async () => {
    // alice watches her own watchers; bob subscribes to alice's presence
    // (active at once: force_active) and appears; his unsubscription
    // brings a full document without him.
    const w = await alice.watchers(`sip:alice@${server}`);
    const first = await w.waitFor((x) => x.summary.state === 'full');
    assert.equal(first.contentType, 'application/watcherinfo+xml');
    assert.equal(first.summary.package, 'presence');
    const watch = await bob.subscribe(`sip:alice@${server}`, 'presence');
    await w.waitForWatcher('sip:bob@127.0.0.1', 'active');
    assert.deepEqual(w.watchers.map((x) => x.uri), ['sip:bob@127.0.0.1']);
    await watch.stop();
    await w.waitFor((x) => x.summary.state === 'full' && x.summary.watchers.length === 0 && x === w.last);
    assert.deepEqual(w.watchers, []);
    await w.stop();
  });
});

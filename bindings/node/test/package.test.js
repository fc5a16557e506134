'use strict';
// The npm package as a user gets it: `npm pack`, then `npm install` of the
// tarball into an empty project (koffi comes from the npm registry, or
// npm's cache), then require('libvoip') and import 'libvoip' find the
// bundled libvoip.so.0 and make a call.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const h = require('./helpers');

const P = h.PORTS.pkg;
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const hasNpm = spawnSync(npm, ['--version'], { encoding: 'utf8' }).status === 0;
const bundled = fs.existsSync(path.join(h.PKG, 'lib', 'libvoip.so.0'));

function sh(cmd, args, cwd, timeout = 180000) {
  const env = { ...process.env };
  delete env.VOIP_LIBRARY; // the bundled copy must be found
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

describe('npm package', { skip: !hasNpm ? 'npm not found' : !bundled ? 'lib/libvoip.so.0 not bundled (scripts/copy-lib.sh)' : false }, () => {
  let dir;
  let app;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'libvoip-node-pkg-'));
    app = path.join(dir, 'app');
    fs.mkdirSync(app);
  });

  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('packs with the library, the types and the ESM entry, without tests or node_modules', () => {
    const out = sh(npm, ['pack', '--json', '--pack-destination', dir], h.PKG);
    const [info] = JSON.parse(out.slice(out.indexOf('[')));
    const files = info.files.map((f) => f.path);
    for (const f of ['package.json', 'index.js', 'index.mjs', 'index.d.ts', 'lib/libvoip.so.0', 'src/phone.js', 'src/call.js', 'src/native.js', 'README.md', 'examples/echo-bot.js', 'examples/dialer.js']) {
      assert.ok(files.includes(f), `${f} in the package: ${files.join(' ')}`);
    }
    assert.ok(!files.some((f) => f.startsWith('node_modules/') || f.startsWith('test/')), files.join(' '));
    fs.renameSync(path.join(dir, info.filename), path.join(dir, 'libvoip.tgz'));
  });

  it('installs into an empty project and makes a call (CommonJS and ESM)', () => {
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    sh(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', path.join(dir, 'libvoip.tgz')], app);
    fs.writeFileSync(
      path.join(app, 'call.js'),
      `const { Phone, libraryPath } = require('libvoip');
      (async () => {
        const o = (i) => ({ bindIp: '127.0.0.1', bindPort: 0, rtpPortLow: ${P.rtp} + i * 10, rtpPortHigh: ${P.rtp} + i * 10 + 9 });
        const a = new Phone(o(0)), b = new Phone(o(1));
        b.on('call', (c) => c.answer());
        await a.start(); await b.start();
        const call = await a.call('sip:b@127.0.0.1:' + b.sipPort);
        await call.hangup();
        await a.close(); await b.close();
        console.log(call.endReason + ' ' + libraryPath());
      })();`
    );
    const out = sh(process.execPath, ['call.js'], app, 30000);
    assert.equal(out.trim(), `local hangup ${path.join(app, 'node_modules', 'libvoip', 'lib', 'libvoip.so.0')}`);
    fs.writeFileSync(path.join(app, 'esm.mjs'), `import { version, CallState } from 'libvoip'; console.log(version(), CallState.ENDED);`);
    assert.match(sh(process.execPath, ['esm.mjs'], app, 30000), /^\d+\.\d+\.\d+ ENDED$/m);
  });
});

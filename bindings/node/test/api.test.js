'use strict';
// The package surface: exports, option checking before any FFI call,
// library errors as VoipError, phone lifecycle and status events, loading
// the library (bundled, VOIP_LIBRARY, missing), the ESM entry.

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { execFileSync, spawnSync } = require('node:child_process');
const libvoip = require('..');
const h = require('./helpers');

const { Phone, CallState, PhoneStatus, VoipError, ErrorCode } = libvoip;
const P = h.PORTS.api;

// Runs a snippet in a fresh node process; returns { status, stdout, stderr }.
function node(code, env = {}, args = []) {
  return spawnSync(process.execPath, [...args, '-e', code], {
    cwd: h.PKG,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 30000,
  });
}

describe('package surface', () => {
  it('exports the API', () => {
    assert.equal(typeof Phone, 'function');
    assert.equal(typeof VoipError, 'function');
    assert.equal(CallState.ANSWERED, 'ANSWERED');
    assert.deepEqual(Object.keys(CallState), ['DIALING', 'RINGING', 'PROGRESS', 'ANSWERED', 'CANCELING', 'ENDED']);
    assert.deepEqual(Object.keys(PhoneStatus), ['INACTIVE', 'REGISTERING', 'REGISTERED', 'DEREGISTERING', 'FAILED']);
    assert.ok(Object.isFrozen(CallState) && Object.isFrozen(PhoneStatus));
    assert.equal(ErrorCode.EREJECTED, 11);
    assert.match(libvoip.version(), /^\d+\.\d+\.\d+/);
    assert.match(libvoip.libraryPath(), /libvoip\.so/);
  });

  it('VoipError carries code, errno and message', () => {
    const e = new VoipError('x', { code: 'ETIMEOUT' });
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'VoipError');
    assert.equal(e.code, 'ETIMEOUT');
    assert.equal(e.errno, 5);
  });

  it('options of a bad type throw TypeError before the library is loaded', () => {
    // VOIP_LIBRARY points nowhere: a load would fail with another error.
    const r = node(
      `const { Phone } = require('.');
       const out = [];
       const tryIt = (o) => { try { new Phone(o); out.push('none'); } catch (e) { out.push(e.constructor.name); } };
       tryIt({ bindPort: '5060' });
       tryIt({ bindPort: 5060.5 });
       tryIt({ transport: 7 });
       tryIt({ nonsense: 1 });
       tryIt({ jitterMs: '30' });
       tryIt({ tlsInsecure: 'yes' });
       tryIt({ password: 'x' });
       tryIt('not an object');
       tryIt({ codecs: [] });
       tryIt({ logLevel: 'loud' });
       tryIt({});
       console.log(JSON.stringify(out));`,
      { VOIP_LIBRARY: '/nonexistent/libvoip.so' }
    );
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [
      'TypeError',
      'TypeError',
      'TypeError',
      'TypeError',
      'TypeError',
      'TypeError',
      'TypeError',
      'TypeError',
      'TypeError',
      'RangeError',
      'Error', // the only one that reached the loader
    ]);
  });

  it('a missing library gives a clear error naming VOIP_LIBRARY', () => {
    const r = node(`try { new (require('.').Phone)(); } catch (e) { console.log(e.message); }`, {
      VOIP_LIBRARY: '/nonexistent/libvoip.so',
    });
    assert.match(r.stdout, /cannot load libvoip\.so/);
    assert.match(r.stdout, /VOIP_LIBRARY/);
    assert.match(r.stdout, /\/nonexistent\/libvoip\.so/);
  });

  it('VOIP_LIBRARY selects the library', () => {
    const lib = libvoip.libraryPath();
    const r = node(`console.log(require('.').libraryPath())`, { VOIP_LIBRARY: lib });
    assert.equal(r.stdout.trim(), lib);
  });

  it('has an ESM entry with the same objects', () => {
    const r = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import def, { Phone, CallState, VoipError } from ${JSON.stringify(path.join(h.PKG, 'index.mjs'))};
         import { createRequire } from 'node:module';
         const cjs = createRequire(import.meta.url)(${JSON.stringify(h.PKG)});
         console.log(Phone === cjs.Phone && def.Phone === Phone && CallState.ENDED === 'ENDED' && typeof VoipError);`,
      ],
      { encoding: 'utf8' }
    );
    assert.equal(r.stdout.trim(), 'function', r.stderr);
  });
});

describe('phone lifecycle', () => {
  it('starts, reports status events, stops, restarts', async () => {
    const phone = new Phone(h.phoneOptions(P, 0, { user: 'life', userAgent: 'node-test', displayName: 'Life' }));
    const statuses = [];
    phone.on('status', (s, reason) => statuses.push(`${s}:${reason}`));
    assert.equal(phone.status, PhoneStatus.INACTIVE);
    await phone.start();
    assert.equal(phone.status, PhoneStatus.REGISTERED);
    assert.ok(phone.sipPort > 0);
    assert.equal(phone.uri, `sip:life@127.0.0.1:${phone.sipPort}`);
    assert.equal(phone.getOption('user_agent'), 'node-test');
    await assert.rejects(phone.start(), { name: 'VoipError', code: 'ESTATE' });
    assert.throws(() => phone.setOption('user', 'x'), { name: 'VoipError', code: 'ESTATE' });
    await phone.stop();
    assert.equal(phone.status, PhoneStatus.INACTIVE);
    // stop() resolves after the last status event was emitted
    assert.deepEqual(statuses, ['REGISTERING:starting', 'REGISTERED:started', 'DEREGISTERING:stopping', 'INACTIVE:stopped']);
    await phone.stop(); // stopping a stopped phone is fine
    await phone.start();
    assert.equal(phone.status, PhoneStatus.REGISTERED);
    await phone.close();
    await phone.close();
    assert.throws(() => phone.dial('sip:x@127.0.0.1:5'), { name: 'VoipError' });
    await assert.rejects(phone.start(), { name: 'VoipError' });
  });

  it('library errors become VoipError with code and the library message', async () => {
    // unknown option key, through the raw pass-through
    assert.throws(
      () => new Phone({ extraOptions: { no_such_option: '1' } }),
      (err) => err instanceof VoipError && err.code === 'EINVAL' && err.errno === 2 && /no_such_option/.test(err.message)
    );
    const phone = new Phone(h.phoneOptions(P, 1));
    // not started: ESTATE
    assert.throws(() => phone.dial('sip:bob@127.0.0.1:5999'), (err) => err.code === 'ESTATE' && /call/.test(err.message));
    await assert.rejects(phone.call('sip:bob@127.0.0.1:5999'), { name: 'VoipError', code: 'ESTATE' });
    // a SIP port already in use: ENETWORK with the reason
    await phone.start();
    const clash = new Phone({ bindIp: '127.0.0.1', bindPort: phone.sipPort, rtpPortLow: P.rtp + 40, rtpPortHigh: P.rtp + 59 });
    await assert.rejects(clash.start(), (err) => {
      assert.ok(err instanceof VoipError);
      assert.equal(err.code, 'ENETWORK');
      assert.match(err.message, /start/);
      return true;
    });
    assert.equal(clash.status, PhoneStatus.FAILED);
    await clash.close();
    await phone.close();
    // a bad RTP range is the library's to refuse: ERANGE from start(),
    // with the library's message (read from the phone's last error, since
    // start ran on a worker thread)
    const inverted = new Phone({ bindIp: '127.0.0.1', bindPort: 0, rtpPortLow: 3, rtpPortHigh: 2 });
    await assert.rejects(inverted.start(), (err) => {
      assert.ok(err instanceof VoipError);
      assert.equal(err.code, 'ERANGE');
      assert.match(err.message, /voip_phone_start: .*rtp_port_low 3 > rtp_port_high 2/);
      return true;
    });
    await inverted.close();
  });

  it("values and ranges are the library's to check: VoipError EINVAL with its message", () => {
    const cases = [
      [{ bindPort: 70000 }, /bind_port="70000": out of range 0\.\.65535/],
      [{ transport: 'sctp' }, /transport="sctp"/],
      [{ jitterMs: 30 }, /jitter_ms="30": must be a multiple of 20/],
      [{ registerExpires: 2147483647 }, /register_expires="2147483647": out of range 0\.\.604800/],
      [{ inviteTimeoutMs: 2147483647 }, /invite_timeout_ms="2147483647": out of range 0\.\.86400000/],
      [{ dtmfPayloadType: 50 }, /dtmf_payload_type="50": use 0 or a dynamic payload type 96\.\.127/],
      [{ dtmfMode: 'sipinfo' }, /dtmf_mode="sipinfo": want "auto", "rfc4733", "info" or "inband"/],
      [{ audioFormat: 's24' }, /audio_format="s24"/],
      [{ rtpPortLow: 0 }, /rtp_port_low="0": out of range 1\.\.65535/],
      [{ tcpMaxConnections: 1048577 }, /tcp_max_connections="1048577": out of range 0\.\.1048576/],
      [{ tcpIdleTimeoutMs: 999 }, /tcp_idle_timeout_ms="999": use 0 or 1000\.\.86400000/],
      [{ tcpIdleTimeoutMs: 86400001 }, /tcp_idle_timeout_ms="86400001": out of range 0\.\.86400000/],
      [{ tcpMessageTimeoutMs: 99 }, /tcp_message_timeout_ms="99": use 0 or 100\.\.3600000/],
      [{ tcpMaxMessageBytes: 1023 }, /tcp_max_message_bytes="1023": out of range 1024\.\.65535/],
      [{ tcpMaxMessageBytes: 65536 }, /tcp_max_message_bytes="65536": out of range 1024\.\.65535/],
      [{ udpMaxSources: -1 }, /udp_max_sources="-1": out of range 0\.\.1048576/],
    ];
    for (const [opts, re] of cases) {
      assert.throws(
        () => new Phone({ bindIp: '127.0.0.1', bindPort: 0, ...opts }),
        (err) => err instanceof VoipError && err.code === 'EINVAL' && re.test(err.message),
        JSON.stringify(opts)
      );
    }
    // and what the library accepts, the binding passes on
    const p = new Phone({ bindIp: '127.0.0.1', bindPort: 0, registerExpires: 0, dtmfPayloadType: 0, dtmfMode: 'rfc4733' });
    assert.equal(p.getOption('register_expires'), '0');
    assert.equal(p.getOption('dtmf_payload_type'), '0');
    assert.equal(p.getOption('dtmf_mode'), 'rfc4733');
    assert.throws(() => new Phone({ bindIp: '127.0.0.1', bindPort: 0, dtmfMode: 1 }), TypeError);
    return p.close();
  });

  it('transport limits: named options, library defaults, types and setOption', async () => {
    const names = {
      tcpMaxConnections: ['tcp_max_connections', '1024', 7],
      tcpIdleTimeoutMs: ['tcp_idle_timeout_ms', '180000', 1000],
      tcpMessageTimeoutMs: ['tcp_message_timeout_ms', '30000', 0],
      tcpMaxMessageBytes: ['tcp_max_message_bytes', '65535', 1024],
      udpMaxSources: ['udp_max_sources', '4096', 0],
    };
    const plain = new Phone({ bindIp: '127.0.0.1', bindPort: 0 });
    const given = { bindIp: '127.0.0.1', bindPort: 0 };
    for (const [name, [key, def, value]] of Object.entries(names)) {
      assert.equal(plain.getOption(key), def, `${key} default`);
      given[name] = value;
      assert.throws(() => new Phone({ bindIp: '127.0.0.1', bindPort: 0, [name]: String(value) }), TypeError, name);
      assert.throws(() => new Phone({ bindIp: '127.0.0.1', bindPort: 0, [name]: 1.5 }), TypeError, name);
    }
    const phone = new Phone(given);
    for (const [name, [key, , value]] of Object.entries(names)) {
      assert.equal(phone.getOption(key), String(value), name);
    }
    // the raw keys too, while stopped; a refused value leaves the option as it was
    plain.setOption('tcp_max_connections', 2);
    plain.setOption('udp_max_sources', '5');
    assert.equal(plain.getOption('tcp_max_connections'), '2');
    assert.equal(plain.getOption('udp_max_sources'), '5');
    assert.throws(
      () => plain.setOption('tcp_message_timeout_ms', 50),
      (err) => err instanceof VoipError && err.code === 'EINVAL' && /tcp_message_timeout_ms="50": use 0 or 100\.\.3600000/.test(err.message)
    );
    assert.equal(plain.getOption('tcp_message_timeout_ms'), '30000');
    await plain.close();
    await phone.close();
  });

  it('options map to the library keys', async () => {
    const phone = new Phone({
      bindIp: '127.0.0.1',
      bindPort: 0,
      rtpPortLow: P.rtp + 60,
      rtpPortHigh: P.rtp + 79,
      user: 'mapped',
      hostname: '127.0.0.1',
      codecs: ['PCMA', 'PCMU'],
      jitterMs: 80,
      inviteTimeoutMs: 5000,
      audioFormat: 's16le',
      dtmfPayloadType: 101,
    });
    assert.equal(phone.getOption('rtp_port_low'), String(P.rtp + 60));
    assert.equal(phone.getOption('rtp_port_high'), String(P.rtp + 79));
    assert.equal(phone.getOption('codecs'), 'PCMA,PCMU');
    assert.equal(phone.getOption('jitter_ms'), '80');
    assert.equal(phone.getOption('invite_timeout_ms'), '5000');
    assert.equal(phone.getOption('user'), 'mapped');
    await phone.close();
  });

  it('emits log lines at the chosen level', async () => {
    const phone = new Phone(h.phoneOptions(P, 4, { logLevel: 'info' }));
    const lines = [];
    phone.on('log', (level, msg) => lines.push(`${level} ${msg}`));
    await phone.start();
    await phone.close();
    assert.ok(lines.some((l) => /^info .*started/.test(l)), lines.join('\n'));
  });

  it('the bundled library is the one the build made', () => {
    const lib = libvoip.libraryPath();
    if (process.env.VOIP_LIBRARY) return;
    assert.equal(lib, path.join(h.PKG, 'lib', 'libvoip.so.0'));
    const soname = execFileSync('sh', ['-c', `readelf -d '${lib}' 2>/dev/null | grep SONAME || true`], { encoding: 'utf8' });
    if (soname) assert.match(soname, /libvoip\.so\.0/);
  });
});

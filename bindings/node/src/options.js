'use strict';
// Phone options: camelCase JS names -> voip_phone_set_option keys, checked
// in JS first so that a bad argument throws TypeError/RangeError before any
// FFI call.

const { LOG_LEVELS } = require('./constants');

function typeName(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}

function checkString(name, v, { empty = true } = {}) {
  if (typeof v !== 'string') throw new TypeError(`${name} must be a string, got ${typeName(v)}`);
  if (!empty && v === '') throw new RangeError(`${name} must not be empty`);
  if (v.includes('\0')) throw new TypeError(`${name} must not contain NUL characters`);
  return v;
}

function checkInt(name, v, min, max) {
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new TypeError(`${name} must be an integer, got ${typeName(v)}${typeof v === 'number' ? ` ${v}` : ''}`);
  }
  if (v < min || v > max) throw new RangeError(`${name} must be ${min}..${max}, got ${v}`);
  return v;
}

function checkEnum(name, v, allowed) {
  if (typeof v !== 'string') throw new TypeError(`${name} must be a string, got ${typeName(v)}`);
  if (!allowed.includes(v)) {
    throw new RangeError(`${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got '${v}'`);
  }
  return v;
}

const str = (key) => ({ key, conv: (n, v) => checkString(n, v) });
const port = (key, min = 0) => ({ key, conv: (n, v) => String(checkInt(n, v, min, 65535)) });
const int = (key, min, max, extra) => ({
  key,
  conv: (n, v) => {
    checkInt(n, v, min, max);
    if (extra) extra(n, v);
    return String(v);
  },
});
const oneOf = (key, allowed) => ({ key, conv: (n, v) => checkEnum(n, v, allowed) });
const bool = (key) => ({
  key,
  conv: (n, v) => {
    if (typeof v !== 'boolean') throw new TypeError(`${n} must be a boolean, got ${typeName(v)}`);
    return v ? '1' : '0';
  },
});

// Every documented key of voip_phone_set_option.
const OPTION_KEYS = {
  bindIp: str('bind_ip'),
  bindPort: port('bind_port'),
  rtpPortLow: port('rtp_port_low', 1),
  rtpPortHigh: port('rtp_port_high', 1),
  user: str('user'),
  displayName: str('display_name'),
  hostname: str('hostname'),
  userAgent: str('user_agent'),
  audioFormat: oneOf('audio_format', ['s16le', 'u8']),
  codecs: {
    key: 'codecs',
    conv: (n, v) => {
      const list = typeof v === 'string' ? v.split(',') : v;
      if (!Array.isArray(list) || list.length === 0) {
        throw new TypeError(`${n} must be a non-empty array of codec names (or a comma-separated string)`);
      }
      return list.map((c, i) => checkString(`${n}[${i}]`, typeof c === 'string' ? c.trim() : c, { empty: false })).join(',');
    },
  },
  dtmfPayloadType: int('dtmf_payload_type', 0, 127),
  jitterMs: int('jitter_ms', 20, 1000, (n, v) => {
    if (v % 20 !== 0) throw new RangeError(`${n} must be a multiple of 20, got ${v}`);
  }),
  inviteTimeoutMs: int('invite_timeout_ms', 0, 2147483647),
  server: str('server'),
  port: port('server_port'),
  registerExpires: int('register_expires', 1, 2147483647),
  transport: oneOf('transport', ['udp', 'tcp', 'tls']),
  outboundProxy: str('outbound_proxy'),
  caFile: str('ca_file'),
  tlsInsecure: bool('tls_insecure'),
  certFile: str('cert_file'),
  keyFile: str('key_file'),
  keyPassword: str('key_password'),
  bindNetwork: str('bind_network'),
  remoteHostname: str('remote_hostname'),
};

// Handled by the binding itself, not set_option.
const JS_KEYS = new Set(['password', 'authUser', 'realm', 'credentials', 'logLevel', 'extraOptions']);

// parsePhoneOptions checks every option and returns
// { set: [[key, value], ...], credentials: [...], logLevel }.
function parsePhoneOptions(options) {
  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`Phone options must be an object, got ${typeName(options)}`);
  }
  const set = [];
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined) continue;
    const spec = OPTION_KEYS[name];
    if (spec) {
      set.push([spec.key, spec.conv(name, value)]);
    } else if (!JS_KEYS.has(name)) {
      throw new TypeError(
        `unknown Phone option '${name}' (known: ${[...Object.keys(OPTION_KEYS), ...JS_KEYS].join(', ')})`
      );
    }
  }
  if (options.rtpPortLow !== undefined && options.rtpPortHigh !== undefined && options.rtpPortLow > options.rtpPortHigh) {
    throw new RangeError(`rtpPortLow (${options.rtpPortLow}) must be <= rtpPortHigh (${options.rtpPortHigh})`);
  }
  if (options.extraOptions !== undefined) {
    const extra = options.extraOptions;
    if (extra === null || typeof extra !== 'object' || Array.isArray(extra)) {
      throw new TypeError('extraOptions must be an object of library option keys to string values');
    }
    for (const [k, v] of Object.entries(extra)) {
      checkString(`extraOptions key`, k, { empty: false });
      set.push([k, checkString(`extraOptions.${k}`, typeof v === 'number' ? String(v) : v)]);
    }
  }

  const credentials = [];
  if (options.password !== undefined) {
    checkString('password', options.password);
    const username = options.authUser !== undefined ? options.authUser : options.user;
    if (username === undefined) throw new TypeError('password needs user or authUser (the digest username)');
    checkString(options.authUser !== undefined ? 'authUser' : 'user', username, { empty: false });
    const realm = options.realm === undefined ? null : checkString('realm', options.realm);
    credentials.push({ username, password: options.password, realm, user: null });
  } else if (options.authUser !== undefined) {
    throw new TypeError('authUser needs a password');
  }
  if (options.credentials !== undefined) {
    if (!Array.isArray(options.credentials)) throw new TypeError('credentials must be an array of { username, password, realm?, user? }');
    options.credentials.forEach((c, i) => {
      if (c === null || typeof c !== 'object') throw new TypeError(`credentials[${i}] must be an object`);
      credentials.push({
        username: checkString(`credentials[${i}].username`, c.username, { empty: false }),
        password: checkString(`credentials[${i}].password`, c.password),
        realm: c.realm === undefined || c.realm === null ? null : checkString(`credentials[${i}].realm`, c.realm),
        user: c.user === undefined || c.user === null ? null : checkString(`credentials[${i}].user`, c.user),
      });
    });
  }

  let logLevel = null;
  if (options.logLevel !== undefined) logLevel = LOG_LEVELS.indexOf(checkEnum('logLevel', options.logLevel, LOG_LEVELS));

  return { set, credentials, logLevel };
}

module.exports = { parsePhoneOptions, checkString, checkInt, checkEnum, typeName, OPTION_KEYS };

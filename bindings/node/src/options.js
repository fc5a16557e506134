'use strict';
// Phone options: camelCase JS names -> voip_phone_set_option keys.  Types
// are checked here (a TypeError before any FFI call); values and ranges are
// the library's to check, so that there is one rule: a value it refuses
// throws VoipError 'EINVAL' with its message (an RTP range with low > high:
// 'ERANGE' from start()).

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

// An integer of any value (the library checks the range).
function checkInteger(name, v) {
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new TypeError(`${name} must be an integer, got ${typeName(v)}${typeof v === 'number' ? ` ${v}` : ''}`);
  }
  return v;
}

// An integer that fits the C argument's int32_t (a type concern: koffi
// would wrap a larger one); which values make sense is the library's to say.
function checkInt32(name, v) {
  checkInteger(name, v);
  if (v < -2147483648 || v > 2147483647) throw new RangeError(`${name} must fit a 32-bit signed integer (int32_t), got ${v}`);
  return v;
}

// A byte or item count for a size_t argument: an integer >= 0 (a safe
// integer, so that it is exact); which sizes make sense is the library's.
function checkSize(name, v) {
  checkInteger(name, v);
  if (v < 0 || !Number.isSafeInteger(v)) throw new RangeError(`${name} must be a count >= 0 (size_t), got ${v}`);
  return v;
}

const str = (key) => ({ key, conv: (n, v) => checkString(n, v) });
const int = (key) => ({ key, conv: (n, v) => String(checkInteger(n, v)) });
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
  bindPort: int('bind_port'),
  rtpPortLow: int('rtp_port_low'),
  rtpPortHigh: int('rtp_port_high'),
  user: str('user'),
  displayName: str('display_name'),
  hostname: str('hostname'),
  userAgent: str('user_agent'),
  acceptAnyUser: bool('accept_any_user'),
  audioFormat: str('audio_format'),
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
  dtmfPayloadType: int('dtmf_payload_type'),
  dtmfMode: str('dtmf_mode'),
  dtmfDetectInband: bool('dtmf_detect_inband'),
  jitterMs: int('jitter_ms'),
  inviteTimeoutMs: int('invite_timeout_ms'),
  allowTransfer: bool('allow_transfer'),
  rel100: str('rel100'),
  rtpTimeoutMs: int('rtp_timeout_ms'),
  ringTimeoutMs: int('ring_timeout_ms'),
  maxCalls: int('max_calls'),
  sessionExpires: int('session_expires'),
  minSe: int('min_se'),
  server: str('server'),
  port: int('server_port'),
  registerExpires: int('register_expires'),
  transport: str('transport'),
  outboundProxy: str('outbound_proxy'),
  caFile: str('ca_file'),
  tlsInsecure: bool('tls_insecure'),
  certFile: str('cert_file'),
  keyFile: str('key_file'),
  keyPassword: str('key_password'),
  bindNetwork: str('bind_network'),
  remoteHostname: str('remote_hostname'),
  tcpMaxConnections: int('tcp_max_connections'),
  tcpIdleTimeoutMs: int('tcp_idle_timeout_ms'),
  tcpMessageTimeoutMs: int('tcp_message_timeout_ms'),
  tcpMaxMessageBytes: int('tcp_max_message_bytes'),
  udpMaxSources: int('udp_max_sources'),
  // Wideband audio (issue 13: codecs).
  sampleRate: int('sample_rate'),
  // Debugging (issue 17).
  sipTrace: bool('sip_trace'),
  // Media security (issue 14).
  mediaEncryption: str('media_encryption'),
  // NAT traversal (issue 14)
  stunServer: str('stun_server'),
  ice: bool('ice'),
  turnServer: str('turn_server'),
  turnUser: str('turn_user'),
  turnPassword: str('turn_password'),
  // DTLS-SRTP (issue 14).
  mediaKeying: str('media_keying'),
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
  // The trace is logged at info level: without a logLevel, sipTrace asks
  // for 'info' so that the 'log' events carry it.
  if (options.sipTrace === true && logLevel === null) logLevel = LOG_LEVELS.indexOf('info');

  return { set, credentials, logLevel };
}

module.exports = { parsePhoneOptions, checkString, checkInt, checkInt32, checkSize, checkEnum, typeName, OPTION_KEYS };

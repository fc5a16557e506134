'use strict';
// The C ABI of libvoip (include/voip.h) through koffi. Nothing here knows
// about SIP or media: it only declares the functions, loads the library
// once per process and routes the library's callbacks to the JS objects.

const fs = require('node:fs');
const path = require('node:path');

const PACKAGE_DIR = path.join(__dirname, '..');

// Result codes of voip.h (test/header.test.js checks them against it).
const OK = 0;
const CODE_NAMES = Object.freeze({
  1: 'ERROR',
  2: 'EINVAL',
  3: 'ENOTFOUND',
  4: 'ESTATE',
  5: 'ETIMEOUT',
  6: 'ENOPORTS',
  7: 'ERANGE',
  8: 'ENETWORK',
  9: 'EENDED',
  10: 'ENOSPACE',
  11: 'EREJECTED',
  12: 'EIO', // media toolkit: a file cannot be read or written
  13: 'EFORMAT', // media toolkit: a corrupt or unsupported media file
});
const ErrorCode = Object.freeze({
  OK: 0,
  ERROR: 1,
  EINVAL: 2,
  ENOTFOUND: 3,
  ESTATE: 4,
  ETIMEOUT: 5,
  ENOPORTS: 6,
  ERANGE: 7,
  ENETWORK: 8,
  EENDED: 9,
  ENOSPACE: 10,
  EREJECTED: 11,
  EIO: 12,
  EFORMAT: 13,
});

// Where the shared library is looked for, in order.
function candidatePaths() {
  const out = [];
  if (process.env.VOIP_LIBRARY) out.push({ path: process.env.VOIP_LIBRARY, from: 'VOIP_LIBRARY' });
  for (const name of ['libvoip.so.0', 'libvoip.so']) {
    out.push({ path: path.join(PACKAGE_DIR, 'lib', name), from: 'bundled' });
  }
  return out;
}

let state = null; // { koffi, lib, fn, cb, libraryPath }
const protos = {};
let loadError = null;

function declare(lib, koffi) {
  const f = (sig) => lib.func(sig);
  // Optional symbols (newer parts of the ABI): null when this build lacks them.
  const opt = (sig) => {
    try {
      return lib.func(sig);
    } catch {
      return null;
    }
  };

  protos.incoming = koffi.proto('void voip_incoming_call_fn(void *user_data, uint64_t phone, uint64_t call, const char *from_uri, const char *to_uri)');
  protos.state = koffi.proto('void voip_call_state_fn(void *user_data, uint64_t phone, uint64_t call, int32_t state, const char *reason)');
  protos.dtmf = koffi.proto('void voip_dtmf_fn(void *user_data, uint64_t phone, uint64_t call, int32_t digit)');
  protos.event = koffi.proto('void voip_call_event_fn(void *user_data, uint64_t phone, uint64_t call, const char *event, const char *detail)');
  protos.status = koffi.proto('void voip_status_fn(void *user_data, uint64_t phone, int32_t status, const char *reason)');
  protos.request = koffi.proto('void voip_request_fn(void *user_data, uint64_t phone, uint64_t call, const char *method, const char *from_uri, const char *content_type, const char *body)');
  protos.log = koffi.proto('void voip_log_fn(void *user_data, uint64_t phone, int32_t level, const char *message)');
  // Events (src/events.js).
  protos.notify = koffi.proto('void voip_notify_fn(void *user_data, uint64_t phone, uint64_t sub, const char *event, const char *state, const char *content_type, const char *body, const char *summary)');
  protos.subState = koffi.proto('void voip_subscription_state_fn(void *user_data, uint64_t phone, uint64_t sub, const char *state, const char *reason)');
  protos.incomingSub = koffi.proto('void voip_incoming_subscription_fn(void *user_data, uint64_t phone, uint64_t isub, const char *event, const char *from_uri, const char *to_uri)');

  return {
    version: f('const char *voip_version(void)'),
    strerror: f('const char *voip_strerror(int code)'),
    last_error: f('const char *voip_last_error(void)'),
    set_memory_limit: opt('int voip_set_memory_limit(int64_t mb, _Out_ int64_t *previous_mb)'),

    phone_new: f('int voip_phone_new(_Out_ uint64_t *phone_out)'),
    phone_set_option: f('int voip_phone_set_option(uint64_t phone, const char *key, const char *value)'),
    phone_get_option: f('int voip_phone_get_option(uint64_t phone, const char *key, uint8_t *buf, size_t buflen)'),
    phone_add_credentials: opt('int voip_phone_add_credentials(uint64_t phone, const char *username, const char *password, const char *realm, const char *user)'),
    phone_start: f('int voip_phone_start(uint64_t phone)'),             // async only
    phone_stop: f('int voip_phone_stop(uint64_t phone)'),               // async only
    phone_destroy: f('int voip_phone_destroy(uint64_t phone)'),         // async only
    phone_status: f('int voip_phone_status(uint64_t phone, _Out_ int32_t *status_out)'),
    phone_last_error: opt('int voip_phone_last_error(uint64_t phone, uint8_t *buf, size_t buflen)'),
    phone_send_message: opt('int voip_phone_send_message(uint64_t phone, const char *uri, const char *content_type, const char *body, int32_t timeout_ms)'), // async only

    phone_on_incoming_call: f('int voip_phone_on_incoming_call(uint64_t phone, voip_incoming_call_fn *fn, void *user_data)'),
    phone_on_call_state: f('int voip_phone_on_call_state(uint64_t phone, voip_call_state_fn *fn, void *user_data)'),
    phone_on_dtmf: f('int voip_phone_on_dtmf(uint64_t phone, voip_dtmf_fn *fn, void *user_data)'),
    phone_on_status: f('int voip_phone_on_status(uint64_t phone, voip_status_fn *fn, void *user_data)'),
    phone_on_call_event: f('int voip_phone_on_call_event(uint64_t phone, voip_call_event_fn *fn, void *user_data)'),
    phone_on_request: opt('int voip_phone_on_request(uint64_t phone, voip_request_fn *fn, void *user_data)'),
    phone_set_log: f('int voip_phone_set_log(uint64_t phone, int32_t min_level, voip_log_fn *fn, void *user_data)'),

    phone_call: f('int voip_phone_call(uint64_t phone, const char *uri, _Out_ uint64_t *call_out)'),
    call_wait: f('int voip_call_wait(uint64_t call, uint32_t state_mask, int32_t timeout_ms, _Out_ int32_t *state_out)'),
    call_state: f('int voip_call_state(uint64_t call, _Out_ int32_t *state_out)'),
    call_answer: f('int voip_call_answer(uint64_t call)'),
    call_deny: f('int voip_call_deny(uint64_t call, int32_t status_code)'),
    call_hangup: f('int voip_call_hangup(uint64_t call)'),
    call_progress: f('int voip_call_progress(uint64_t call)'),
    call_redirect: f('int voip_call_redirect(uint64_t call, const char *uri)'),
    call_cancel: f('int voip_call_cancel(uint64_t call)'),
    call_hold: f('int voip_call_hold(uint64_t call)'),
    call_resume: f('int voip_call_resume(uint64_t call)'),
    call_read_audio: f('int voip_call_read_audio(uint64_t call, uint8_t *buf, size_t len, int32_t timeout_ms, _Out_ size_t *nread)'),
    call_write_audio: f('int voip_call_write_audio(uint64_t call, const uint8_t *data, size_t len, int32_t timeout_ms, _Out_ size_t *nwritten)'),
    call_send_dtmf: f('int voip_call_send_dtmf(uint64_t call, const char *digits, int32_t duration_ms)'),
    call_get_dtmf: f('int voip_call_get_dtmf(uint64_t call, uint8_t *buf, size_t buflen, _Out_ size_t *count_out)'),
    call_info: f('int voip_call_info(uint64_t call, const char *key, uint8_t *buf, size_t buflen)'),
    call_last_error: opt('int voip_call_last_error(uint64_t call, uint8_t *buf, size_t buflen)'),
    call_release: f('int voip_call_release(uint64_t call)'),
    call_transfer: f('int voip_call_transfer(uint64_t call, const char *uri, int32_t blind, int32_t timeout_ms)'),                // async only
    call_transfer_attended: f('int voip_call_transfer_attended(uint64_t call, uint64_t other, int32_t timeout_ms)'),              // async only
    // issue 17: waiting for what was queued, flushing, collecting digits
    call_drain: opt('int voip_call_drain(uint64_t call, uint32_t flags, int32_t timeout_ms)'), // async only
    call_flush: opt('int voip_call_flush(uint64_t call, uint32_t flags)'),
    call_collect_dtmf: opt('int voip_call_collect_dtmf(uint64_t call, int32_t max_digits, int32_t timeout_ms, int32_t inter_digit_ms, const char *terminators, uint8_t *buf, size_t buflen, _Out_ int32_t *stop_out, _Out_ uint8_t *terminator_out)'), // async only

    // Events (src/events.js).
    phone_on_notify: opt('int voip_phone_on_notify(uint64_t phone, voip_notify_fn *fn, void *user_data)'),
    phone_on_subscription_state: opt('int voip_phone_on_subscription_state(uint64_t phone, voip_subscription_state_fn *fn, void *user_data)'),
    phone_on_subscribe: opt('int voip_phone_on_subscribe(uint64_t phone, const char *packages, voip_incoming_subscription_fn *fn, void *user_data)'),
    subscription_new: opt('int voip_subscription_new(uint64_t phone, const char *uri, const char *event, const char *accept, _Out_ uint64_t *sub_out)'),
    subscription_start: opt('int voip_subscription_start(uint64_t sub, int32_t timeout_ms)'), // async only
    subscription_stop: opt('int voip_subscription_stop(uint64_t sub, int32_t timeout_ms)'), // async only
    subscription_state: opt('int voip_subscription_state(uint64_t sub, uint8_t *buf, size_t buflen)'),
    subscription_release: opt('int voip_subscription_release(uint64_t sub)'),
    subscription_last_error: opt('int voip_subscription_last_error(uint64_t sub, uint8_t *buf, size_t buflen)'),
    isub_accept: opt('int voip_incoming_subscription_accept(uint64_t isub)'),
    isub_accept_pending: opt('int voip_incoming_subscription_accept_pending(uint64_t isub)'),
    isub_reject: opt('int voip_incoming_subscription_reject(uint64_t isub, int32_t status_code)'),
    isub_notify: opt('int voip_incoming_subscription_notify(uint64_t isub, const char *content_type, const char *body, int32_t timeout_ms)'), // async only
    isub_end: opt('int voip_incoming_subscription_end(uint64_t isub, const char *reason, int32_t timeout_ms)'), // async only
    isub_state: opt('int voip_incoming_subscription_state(uint64_t isub, uint8_t *buf, size_t buflen)'),
    isub_release: opt('int voip_incoming_subscription_release(uint64_t isub)'),
    phone_set_presence: opt('int voip_phone_set_presence(uint64_t phone, const char *basic, const char *note, const char *activities, int32_t timeout_ms)'), // async only
    phone_publish: opt('int voip_phone_publish(uint64_t phone, const char *event, const char *content_type, const char *body, int32_t timeout_ms)'), // async only
    // --- media toolkit (issue 12) ---
    player_new: opt('int voip_player_new(uint64_t phone, const char *path, uint32_t flags, _Out_ uint64_t *id_out)'),
    player_new_from_memory: opt('int voip_player_new_from_memory(uint64_t phone, const uint8_t *data, size_t len, uint32_t flags, _Out_ uint64_t *id_out)'),
    recorder_new: opt('int voip_recorder_new(uint64_t phone, const char *path, uint32_t flags, _Out_ uint64_t *id_out)'),
    recorder_set_max_duration: opt('int voip_recorder_set_max_duration(uint64_t recorder, uint32_t ms)'),
    tone_new: opt('int voip_tone_new(uint64_t phone, const char *spec, _Out_ uint64_t *id_out)'),
    connect: opt('int voip_connect(uint64_t src, uint64_t dst)'),
    disconnect: opt('int voip_disconnect(uint64_t src, uint64_t dst)'),
    media_wait: opt('int voip_media_wait(uint64_t id, int32_t timeout_ms)'),
    media_last_error: opt('int voip_media_last_error(uint64_t id, uint8_t *buf, size_t buflen)'),
    media_destroy: opt('int voip_media_destroy(uint64_t id)'),
    // --- batched audio (issue 16): arrays passed as Buffers ---
    phone_exchange_frames: opt('int voip_phone_exchange_frames(uint64_t phone, size_t frame_bytes, size_t nwrite, const uint8_t *wcalls, const uint8_t *wframes, uint8_t *wstatus, int32_t timeout_ms, size_t capacity, uint8_t *calls, uint8_t *frames, uint8_t *status, _Out_ size_t *count)'), // async only
  };
}

// Routes the library's callbacks to the object that registered for a
// phone id.  Callbacks are registered once per process (koffi.register),
// never unregistered: the library may call them until voip_phone_destroy
// returns, and a process rarely needs more than these six slots.
const routes = new Map(); // phone id -> { deref(): target | undefined }

function route(phone) {
  const r = routes.get(Number(phone));
  return r ? r.deref() : undefined;
}

// An exception thrown by an application listener must not vanish inside
// the FFI layer (koffi would just return 0 to C): rethrow it on the next
// tick, where it behaves like any uncaught exception of an EventEmitter.
function safely(fn) {
  return (...args) => {
    try {
      fn(...args);
    } catch (err) {
      process.nextTick(() => {
        throw err;
      });
    }
  };
}

function registerCallbacks(koffi) {
  const reg = (fn, proto) => koffi.register(safely(fn), koffi.pointer(protos[proto]));
  return {
    incoming: reg((ud, phone, call, from, to) => {
      const t = route(phone);
      if (t) t._onIncoming(Number(call), from, to);
      else {
        // A phone JS no longer knows (collected): turn the call away.
        state.fn.call_deny(call, 480);
        state.fn.call_release(call);
      }
    }, 'incoming'),
    state: reg((ud, phone, call, st, reason) => {
      const t = route(phone);
      if (t) t._onCallState(Number(call), st, reason);
    }, 'state'),
    dtmf: reg((ud, phone, call, digit) => {
      const t = route(phone);
      if (t) t._onDtmf(Number(call), String.fromCharCode(digit));
    }, 'dtmf'),
    event: reg((ud, phone, call, name, detail) => {
      const t = route(phone);
      if (t) t._onCallEvent(Number(call), name, detail);
    }, 'event'),
    status: reg((ud, phone, st, reason) => {
      const t = route(phone);
      if (t) t._onStatus(st, reason);
    }, 'status'),
    request: reg((ud, phone, call, method, from, contentType, body) => {
      const t = route(phone);
      if (t) t._onRequest(Number(call), method, from, contentType, body);
    }, 'request'),
    log: reg((ud, phone, level, message) => {
      const t = route(phone);
      if (t) t._onLog(level, message);
    }, 'log'),
    // Events (src/events.js).
    notify: reg((ud, phone, sub, event, st, contentType, body, summary) => {
      const t = route(phone);
      if (t) t._onNotify(Number(sub), event, st, contentType, body, summary);
    }, 'notify'),
    subState: reg((ud, phone, sub, st, reason) => {
      const t = route(phone);
      if (t) t._onSubState(Number(sub), st, reason);
    }, 'subState'),
    incomingSub: reg((ud, phone, isub, event, from, to) => {
      const t = route(phone);
      if (t) t._onIncomingSub(Number(isub), event, from, to);
      else state.fn.isub_reject(isub, 480);
    }, 'incomingSub'),
  };
}

// load() loads libvoip once per process (a Go c-shared library can be
// loaded only once and never unloaded) and returns the bindings.
function load() {
  if (state) return state;
  if (loadError) throw loadError;
  let koffi;
  try {
    koffi = require('koffi');
  } catch (err) {
    loadError = new Error(`libvoip: cannot load koffi (run "npm install --omit=dev" in ${require('node:path').join(__dirname, '..')}, or install libvoip with npm install --install-links): ${err.message}`);
    throw loadError;
  }
  const tried = [];
  let lib = null;
  let libraryPath = null;
  for (const c of candidatePaths()) {
    if (c.from === 'VOIP_LIBRARY' || fs.existsSync(c.path)) {
      try {
        lib = koffi.load(c.path);
        libraryPath = c.path;
        break;
      } catch (err) {
        tried.push(`${c.path} (${c.from}): ${err.message}`);
        if (c.from === 'VOIP_LIBRARY') break; // an explicit choice must not silently fall back
      }
    } else {
      tried.push(`${c.path} (${c.from}): not found`);
    }
  }
  if (!lib && !process.env.VOIP_LIBRARY) {
    // Last resort: the dynamic linker's search path (an installed libvoip).
    try {
      lib = koffi.load('libvoip.so.0');
      libraryPath = 'libvoip.so.0';
    } catch (err) {
      tried.push(`libvoip.so.0 (system search path): ${err.message}`);
    }
  }
  if (!lib) {
    loadError = new Error(
      'libvoip: cannot load libvoip.so. Build it (make lib) and copy it into the package ' +
        '(bindings/node/scripts/copy-lib.sh), or point VOIP_LIBRARY at it. Tried:\n  ' +
        tried.join('\n  ')
    );
    throw loadError;
  }
  const fn = declare(lib, koffi);
  state = { koffi, lib, fn, cb: null, libraryPath };
  state.cb = registerCallbacks(koffi);
  return state;
}

function isLoaded() {
  return state !== null;
}

// A NUL-terminated string out of a buffer the library filled.
function cstr(buf) {
  const end = buf.indexOf(0);
  return buf.toString('utf8', 0, end < 0 ? buf.length : end);
}

// readString calls f(...args, buf, buflen), a function that copies a
// string out, growing the buffer while it answers VOIP_ENOSPACE.  Returns
// { rc, value } (value '' unless rc is OK).
function readString(f, ...args) {
  for (let size = 256; ; size *= 4) {
    const buf = Buffer.alloc(size);
    const rc = f(...args, buf, size);
    if (rc === ErrorCode.ENOSPACE && size < 1 << 20) continue;
    return { rc, value: rc === OK ? cstr(buf) : '' };
  }
}

// promisified async FFI call: resolves with the result code.
function callAsync(f, ...args) {
  return new Promise((resolve, reject) => {
    try {
      f.async(...args, (err, rc) => (err ? reject(err) : resolve(rc)));
    } catch (err) {
      reject(err);
    }
  });
}

module.exports = {
  OK,
  CODE_NAMES,
  ErrorCode,
  load,
  isLoaded,
  routes,
  cstr,
  readString,
  callAsync,
};

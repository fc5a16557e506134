'use strict';
const { CODE_NAMES, ErrorCode, readString } = require('./native');

// An error reported by libvoip: `code` is the name of the library's result
// code ('EINVAL', 'ESTATE', 'ETIMEOUT', 'EENDED', 'EREJECTED', ...) and
// `errno` its number (voip.h's VOIP_E*).  A call that ended before it was
// answered also carries `reason` ("486 Busy Here", "timeout", ...), `sipCode`
// (486, or 0 when no SIP status ended it) and the `call`.
class VoipError extends Error {
  constructor(message, props = {}) {
    super(message, props.cause !== undefined ? { cause: props.cause } : undefined);
    this.name = 'VoipError';
    const errno = props.errno !== undefined ? props.errno : ErrorCode[props.code] ?? ErrorCode.ERROR;
    this.errno = errno;
    this.code = props.code || CODE_NAMES[errno] || 'ERROR';
    if (props.reason !== undefined) this.reason = props.reason;
    if (props.sipCode !== undefined) this.sipCode = props.sipCode;
    if (props.call !== undefined) {
      Object.defineProperty(this, 'call', { value: props.call, enumerable: false, writable: true });
    }
  }
}

function strerror(fn, rc) {
  try {
    return fn.strerror(rc);
  } catch {
    return CODE_NAMES[rc] || 'unknown error';
  }
}

// fromSync builds a VoipError right after a synchronous FFI call failed on
// this (the JS) thread, so voip_last_error() still holds its message.
function fromSync(fn, rc, what) {
  let msg = '';
  try {
    msg = fn.last_error();
  } catch {
    msg = '';
  }
  if (!msg) msg = `${what}: ${strerror(fn, rc)}`;
  return new VoipError(msg, { errno: rc, code: CODE_NAMES[rc] || 'ERROR' });
}

// handleMessage is the library's message of the last failure on a phone
// or call handle (voip_phone_last_error / voip_call_last_error): readable
// from the JS thread after a call that ran on a worker thread.
function handleMessage(fn, handle) {
  if (!handle) return '';
  const f = handle.phone !== undefined ? fn.phone_last_error : fn.call_last_error;
  const id = handle.phone !== undefined ? handle.phone : handle.call;
  if (!f || !id) return '';
  try {
    const { rc, value } = readString(f, id);
    return rc === ErrorCode.OK ? value : '';
  } catch {
    return '';
  }
}

// fromAsync builds a VoipError for a call that ran on a worker thread
// (koffi's .async): the thread-local voip_last_error() stayed there, so the
// message is the handle's last error ({ phone: id } or { call: id }), or
// the code's name with whatever context the caller knows.
function fromAsync(fn, rc, what, handle, detail) {
  const lib = handleMessage(fn, handle);
  let msg = `${what}: ${lib || strerror(fn, rc)}`;
  if (detail && !msg.includes(detail)) msg += ` (${detail})`;
  return new VoipError(msg, { errno: rc, code: CODE_NAMES[rc] || 'ERROR' });
}

function callEnded(call) {
  return new VoipError(`call ${call.id}: call ended`, { code: 'EENDED', call });
}

module.exports = { VoipError, fromSync, fromAsync, handleMessage, callEnded };

'use strict';
// libvoip for Node.js: a SIP/RTP phone over libvoip.so, through koffi.
//
//   const { Phone, CallState, PhoneStatus, VoipError } = require('libvoip');
//
// See README.md and index.d.ts.

const native = require('./src/native');
const { Phone } = require('./src/phone');
const { Call } = require('./src/call');
const { CallAudioStream } = require('./src/stream');
const { VoipError } = require('./src/errors');
const { CallState, PhoneStatus, LogLevel } = require('./src/constants');

/** The library's version string, e.g. "0.1.0" (loads libvoip). */
function version() {
  return native.load().fn.version();
}

/** The path libvoip was loaded from (loads it). */
function libraryPath() {
  return native.load().libraryPath;
}

module.exports = {
  Phone,
  Call,
  CallAudioStream,
  CallState,
  PhoneStatus,
  LogLevel,
  VoipError,
  ErrorCode: native.ErrorCode,
  version,
  libraryPath,
};

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
const { VoipError, fromSync } = require('./src/errors');
const { CallState, PhoneStatus, LogLevel } = require('./src/constants');
const { Subscription, IncomingSubscription } = require('./src/events');
const { MediaPort, Player, Recorder, Tone, Conference } = require('./src/media');
const { FrameBatch } = require('./src/frames'); // issue 16: batched audio

/** The library's version string, e.g. "0.1.0" (loads libvoip). */
function version() {
  return native.load().fn.version();
}

/** The path libvoip was loaded from (loads it). */
function libraryPath() {
  return native.load().libraryPath;
}

/**
 * Set the process-wide soft memory limit of libvoip's Go runtime to mb MiB
 * (voip_set_memory_limit; 0 = none, -1 = read only) and return the previous
 * one (0 = none).  One setting for the whole process: the last call wins.
 */
function setMemoryLimit(mb) {
  if (typeof mb !== 'number' || !Number.isSafeInteger(mb)) {
    throw new TypeError(`mb must be an integer, got ${typeof mb}${typeof mb === 'number' ? ` ${mb}` : ''}`);
  }
  const { fn } = native.load();
  if (!fn.set_memory_limit) {
    throw new VoipError(`${libraryPath()} has no voip_set_memory_limit: rebuild libvoip`, { code: 'ERROR' });
  }
  const prev = [0];
  const rc = fn.set_memory_limit(mb, prev);
  if (rc !== native.ErrorCode.OK) throw fromSync(fn, rc, 'voip_set_memory_limit');
  return Number(prev[0]);
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
  setMemoryLimit,
  Subscription,
  IncomingSubscription,
  // media toolkit (issue 12)
  MediaPort,
  Player,
  Recorder,
  Tone,
  Conference,
  // batched audio (issue 16)
  FrameBatch,
};

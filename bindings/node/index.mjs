// ESM entry of libvoip: the same objects as the CommonJS entry.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const libvoip = require('./index.js');

export const {
  Phone,
  Call,
  CallAudioStream,
  CallState,
  PhoneStatus,
  LogLevel,
  VoipError,
  ErrorCode,
  version,
  libraryPath,
  setMemoryLimit,
  Subscription,
  IncomingSubscription,
  MediaPort,
  Player,
  Recorder,
  Tone,
  Conference,
  FrameBatch,
} = libvoip;
export default libvoip;

'use strict';
// States and statuses as strings (the C numbers are an implementation
// detail of the ABI): call.state === CallState.ANSWERED.

const CallState = Object.freeze({
  DIALING: 'DIALING', // outgoing: INVITE sent, no answer yet
  RINGING: 'RINGING', // incoming: waiting for answer() or deny()
  PROGRESS: 'PROGRESS', // outgoing: the callee is ringing (180) or sent early media (183)
  ANSWERED: 'ANSWERED', // the call is up: audio flows
  CANCELING: 'CANCELING', // outgoing: cancel sent, waiting for the callee to confirm
  ENDED: 'ENDED', // over: see call.endReason / call.endCode
});
const CALL_STATES = ['DIALING', 'RINGING', 'PROGRESS', 'ANSWERED', 'CANCELING', 'ENDED'];

const PhoneStatus = Object.freeze({
  INACTIVE: 'INACTIVE', // not started, or fully stopped
  REGISTERING: 'REGISTERING', // starting, or (re-)registering
  REGISTERED: 'REGISTERED', // started and ready for calls
  DEREGISTERING: 'DEREGISTERING', // stopping
  FAILED: 'FAILED', // start or registration failed: see phone.statusReason
});
const PHONE_STATUSES = ['INACTIVE', 'REGISTERING', 'REGISTERED', 'DEREGISTERING', 'FAILED'];

const LogLevel = Object.freeze({ debug: 0, info: 1, warn: 2, error: 3 });
const LOG_LEVELS = ['debug', 'info', 'warn', 'error'];

function callStateName(n) {
  return CALL_STATES[n] || `UNKNOWN(${n})`;
}
function phoneStatusName(n) {
  return PHONE_STATUSES[n] || `UNKNOWN(${n})`;
}
function stateBit(name) {
  return 1 << CALL_STATES.indexOf(name);
}

module.exports = {
  CallState,
  PhoneStatus,
  LogLevel,
  CALL_STATES,
  PHONE_STATUSES,
  LOG_LEVELS,
  callStateName,
  phoneStatusName,
  stateBit,
};

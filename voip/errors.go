package voip

import "errors"

// Errors returned by Phone and Call. Each has a C result code in capi.
var (
	// ErrInvalidArgument reports a bad value: a malformed URI, an unknown
	// option, a digit that is not DTMF.
	ErrInvalidArgument = errors.New("invalid argument")
	// ErrInvalidState reports an action not allowed in the current phone or
	// call state (pyVoIP's InvalidStateError). Nothing changed.
	ErrInvalidState = errors.New("not allowed in the current state")
	// ErrInvalidRange reports rtp_port_low > rtp_port_high (pyVoIP's
	// InvalidRangeError).
	ErrInvalidRange = errors.New("invalid port range")
	// ErrNoPortsAvailable reports that every RTP port of the range is in use
	// (pyVoIP's NoPortsAvailableError).
	ErrNoPortsAvailable = errors.New("no RTP port available")
	// ErrNetwork reports a socket that cannot be bound or used.
	ErrNetwork = errors.New("network error")
	// ErrTimeout reports a wait that ran out of time.
	ErrTimeout = errors.New("timeout")
	// ErrCallEnded reports a read or write on a call that has ended.
	ErrCallEnded = errors.New("call ended")
	// ErrRejected reports a registrar (or a MESSAGE's recipient) refusing
	// our request with a final error response.
	ErrRejected = errors.New("rejected")
)

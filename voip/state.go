package voip

// PhoneStatus is a phone's lifecycle status (pyVoIP's PhoneStatus).
type PhoneStatus int32

// Phone statuses. Without a registrar a started phone is Registered (ready)
// once its sockets are bound.
const (
	PhoneInactive PhoneStatus = iota
	PhoneRegistering
	PhoneRegistered
	PhoneDeregistering
	PhoneFailed
)

var phoneStatusNames = [...]string{"INACTIVE", "REGISTERING", "REGISTERED", "DEREGISTERING", "FAILED"}

// String returns the status name, e.g. "REGISTERED".
func (s PhoneStatus) String() string {
	if s >= 0 && int(s) < len(phoneStatusNames) {
		return phoneStatusNames[s]
	}
	return "UNKNOWN"
}

// CallState is a call's state (pyVoIP 2's CallState).
type CallState int32

// Call states.
const (
	// Dialing: we sent an INVITE and have no answer yet.
	Dialing CallState = iota
	// Ringing: an incoming call waits for Answer or Deny.
	Ringing
	// Progress: the callee rings (180) or sent early media (183).
	Progress
	// Answered: the call is up and audio flows.
	Answered
	// Canceling: we sent CANCEL and wait for the callee to confirm.
	Canceling
	// Ended: the call is over.
	Ended
)

var callStateNames = [...]string{"DIALING", "RINGING", "PROGRESS", "ANSWERED", "CANCELING", "ENDED"}

// String returns the state name, e.g. "ANSWERED".
func (s CallState) String() string {
	if s >= 0 && int(s) < len(callStateNames) {
		return callStateNames[s]
	}
	return "UNKNOWN"
}

// StateMask is a set of call states for Call.Wait.
type StateMask uint32

// Mask returns the set holding only s.
func (s CallState) Mask() StateMask { return 1 << uint(s) }

// Has reports whether s is in m.
func (m StateMask) Has(s CallState) bool { return m&s.Mask() != 0 }

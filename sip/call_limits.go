package sip

import (
	"strconv"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// Bounds on the calls a user agent holds, so that a flood of INVITEs, or
// INVITEs nobody decides on, cannot pile calls up for ever:
// Config.MaxCalls refuses a new call beyond it with 503 and Retry-After
// (the same answer as a user agent that is closing), and
// Config.RingTimeout ends an incoming call left ringing with 480.

// RetryAfter is the Retry-After, in seconds, of the 503 answering an INVITE
// while the user agent is full or closing (RFC 3261 §21.5.4).
const RetryAfter = 5

// RingTimeoutReason is the reason given to OnFail for an incoming call
// that was neither answered nor rejected within Config.RingTimeout.
const RingTimeoutReason = "ring timeout"

// refusesCallsLocked reports whether a new incoming call must be refused
// with 503: the user agent is closed, or it holds Config.MaxCalls calls
// (incoming ones, ringing or up, and answered outgoing ones). u.mu is
// held.
func (u *UA) refusesCallsLocked() bool {
	if u.closed {
		return true
	}
	n := u.cfg.MaxCalls
	return n > 0 && len(u.servers)+len(u.clients) >= n
}

// refuseCall answers a new INVITE that refusesCallsLocked turned away.
func (u *UA) refuseCall(req *gosip.Request, tx gosip.ServerTransaction) {
	u.respond(req, tx, 503, "Service Unavailable", gosip.NewHeader("Retry-After", strconv.Itoa(RetryAfter)))
}

// ringTimer is the channel that ends the ringing of an incoming call: nil
// (never) without Config.RingTimeout. stop releases its timer.
func (u *UA) ringTimer() (expire <-chan time.Time, stop func()) {
	if u.cfg.RingTimeout <= 0 {
		return nil, func() {}
	}
	t := time.NewTimer(u.cfg.RingTimeout)
	return t.C, func() { t.Stop() }
}

// ringTimedOut ends a call that rang for Config.RingTimeout with nobody
// deciding on it: 480 Temporarily Unavailable, and OnFail is told
// RingTimeoutReason. It reports false when a decision was just made
// (Answer or Reject won the race): the caller serves that one instead.
func (ic *IncomingCall) ringTimedOut() bool {
	first := false
	ic.once.Do(func() { first = true })
	if !first {
		return false
	}
	ic.u.log.Info("sip: incoming call not answered in time", "call_id", ic.CallID(), "ring_timeout", ic.u.cfg.RingTimeout)
	ic.forget()
	ic.ended(endFail, RingTimeoutReason)
	if err := ic.ds.Respond(480, "Temporarily Unavailable", nil); err != nil {
		ic.u.log.Debug("sip: 480 after the ring timeout failed", "call_id", ic.CallID(), "error", err)
	}
	return true
}

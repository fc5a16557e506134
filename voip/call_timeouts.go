package voip

import "github.com/libvoip/libvoip/sip"

// The timeouts that end a call nobody is on any more: RTP inactivity
// (option rtp_timeout_ms, checked by the stream on the phone's media
// clock) and an incoming call left ringing (ring_timeout_ms, carried out
// by the sip package, which answers 480).

// ReasonRTPTimeout is the end reason of a call hung up because its peer
// sent no RTP for rtp_timeout_ms.
const ReasonRTPTimeout = "RTP timeout"

// ReasonRingTimeout is the end reason of an incoming call answered 480
// because it was neither answered nor rejected within ring_timeout_ms.
const ReasonRingTimeout = sip.RingTimeoutReason

// onInactive is the stream's OnInactive. It runs on the pacer goroutine,
// which must not wait: the hang-up (stream close, BYE) goes to a goroutine
// of its own, once per call.
func (c *Call) onInactive() { go c.endInactive() }

// endInactive hangs up an answered call whose peer went silent: the call
// ends with ReasonRTPTimeout and a BYE goes out.
func (c *Call) endInactive() {
	if c.State() != Answered {
		return
	}
	c.phone.log.Info("no RTP from the peer; hanging up", "call_id", c.callID,
		"rtp_timeout", c.phone.Config().RTPTimeout)
	if c.end(ReasonRTPTimeout, 0) {
		c.sendBye()
	}
}

// failCode is the SIP status that ended an incoming call whose dialog
// failed for reason: 480 for the ring timeout (we sent it), else none.
func failCode(reason string) int {
	if reason == sip.RingTimeoutReason {
		return 480
	}
	return 0
}

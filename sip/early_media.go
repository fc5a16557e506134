package sip

import (
	"strings"

	gosip "github.com/emiago/sipgo/sip"
)

// This file is early media (RFC 3960's gateway model): the session
// description of a provisional response, on both sides of a call.

// OnEarlyMedia registers what to call with the session description of a
// provisional response (an SDP answer to our offer: early media). It is
// called for each new 18x that carries one, from the goroutine waiting for
// the answer. Set it before WaitAnswer.
func (oc *OutgoingCall) OnEarlyMedia(f func(sdp []byte)) {
	oc.mu.Lock()
	oc.early = f
	oc.mu.Unlock()
}

// earlyMedia hands the SDP of a provisional response to OnEarlyMedia.
func (oc *OutgoingCall) earlyMedia(res *gosip.Response) {
	if res.StatusCode <= 100 || len(res.Body()) == 0 {
		return
	}
	ct := res.ContentType()
	if ct == nil || !strings.EqualFold(mediaType(ct.Value()), "application/sdp") {
		return
	}
	oc.mu.Lock()
	f := oc.early
	oc.mu.Unlock()
	if f != nil {
		f(res.Body())
	}
}

// Progress sends 183 Session Progress with sdp (our answer to the offer)
// and a Contact with host ("" = default): early media. When the caller
// asked for reliable provisional responses it is sent reliably, after any
// earlier one was PRACKed; a later Answer then waits for its PRACK.
func (ic *IncomingCall) Progress(sdp []byte, host string) error {
	return ic.send(decision{code: 183, reason: "Session Progress", sdp: sdp, host: host})
}

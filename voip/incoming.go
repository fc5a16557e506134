package voip

import (
	"github.com/libvoip/libvoip/sip"
)

// onInvite handles a new incoming INVITE (in the UA's goroutine for it).
func (p *Phone) onInvite(ic *sip.IncomingCall) {
	ip := peerIP(hostOnly(ic.Source()))
	if a, err := sip.OfferAddress(ic.Offer()); err == nil && !a.IsUnspecified() {
		ip = a // the media's family decides (family.go)
	}
	host, err := p.hostForPeer(ip)
	if err != nil {
		p.log.Info("incoming call rejected", "from", ic.From(), "offer_address", ip, "error", err)
		_ = ic.Reject(488, "Not Acceptable Here")
		return
	}
	cfg := p.Config()
	probe, err := p.localMedia(&cfg, 9, host)
	if err != nil {
		_ = ic.Reject(500, "Server Internal Error")
		return
	}
	if rd := ic.Replacing(); rd != nil {
		p.takeOver(ic, rd, host) // transfer_in.go
		return
	}
	if p.handlers().IncomingCall == nil {
		_ = ic.Reject(486, "Busy Here")
		return
	}
	if len(ic.Offer()) == 0 {
		// An INVITE without an offer wants ours in the 200 and the
		// answer in the ACK; not supported yet.
		_ = ic.Reject(488, "Not Acceptable Here")
		return
	}
	if _, _, err := sip.Answer(ic.Offer(), probe); err != nil {
		p.log.Info("incoming call rejected: offer not acceptable", "from", ic.From(), "error", err)
		_ = ic.Reject(488, "Not Acceptable Here")
		return
	}
	p.log.Info("incoming call", "call_id", ic.CallID(), "from", ic.From())
	c := newCall(p, false)
	c.in = ic
	c.host = host
	c.remoteURI, c.localURI, c.callID = ic.From(), ic.To(), ic.CallID()
	// The incoming-call event goes first, then the RINGING state, so that
	// a handler answering at once finds the call already Ringing.
	announce := func() {
		if f := p.handlers().IncomingCall; f != nil {
			f(c)
		}
	}
	if err := c.publish(announce, "INVITE received"); err != nil {
		_ = ic.Reject(480, "Temporarily Unavailable")
		return
	}
	// After the call is published: a CANCEL that already came ends it now,
	// so its events stay in order (incoming, RINGING, ENDED).
	ic.OnFail(func(reason string) { c.end(reason, failCode(reason)) })
	ic.OnEnd(func() { c.end("remote hangup", 0) }, func() { c.end("canceled", 487) })
	ic.OnDTMF(c.onInfoDigit)
	if err := ic.Ringing(); err != nil {
		p.log.Debug("180 Ringing not sent", "error", err)
	}
}

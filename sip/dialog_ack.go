package sip

import (
	"context"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"
)

// This file is the ACK side of re-INVITEs, both ways (RFC 3261 §13.2.2.4,
// §13.3.1.4): a retransmitted 2xx to our re-INVITE (our ACK was lost) is
// acknowledged again with the same ACK, and a peer that never
// acknowledges our 2xx to its re-INVITE has the call ended with a BYE,
// like the initial INVITE's (dialog_end.go).

// sentAck records the ACK sent for our re-INVITE's 2xx, to be sent again
// if that 2xx is retransmitted.
func (d *Dialog) sentAck(ack *gosip.Request) {
	d.mu.Lock()
	d.lastAck = ack.Clone()
	d.mu.Unlock()
}

// resendAck sends again the ACK of our re-INVITE that res, a retransmitted
// 2xx, answers. It reports whether res was such a 2xx.
func (d *Dialog) resendAck(res *gosip.Response) bool {
	d.mu.Lock()
	ack := d.lastAck
	d.mu.Unlock()
	if ack == nil || ack.CSeq().SeqNo != res.CSeq().SeqNo {
		return false
	}
	// As sent: no header is rebuilt, no CSeq taken from the dialog.
	raw := func(*sipgo.Client, *gosip.Request) error { return nil }
	if err := d.u.cli.WriteRequest(ack.Clone(), raw); err != nil {
		d.u.log.Info("sip: ACK of re-INVITE not resent", "error", err)
	}
	return true
}

// onUnmatchedResponse serves a response that matches no transaction: a
// 2xx to one of our re-INVITEs whose transaction is over is a
// retransmission, answered with its ACK; anything else is dropped.
func (u *UA) onUnmatchedResponse(res *gosip.Response) {
	if res.IsSuccess() && res.CSeq() != nil && res.CSeq().MethodName == gosip.INVITE {
		if d := u.dialogOfResponse(res); d != nil && d.resendAck(res) {
			u.log.Debug("sip: retransmitted 2xx of re-INVITE acknowledged again", "response", res.Short())
			return
		}
	}
	u.log.Debug("sip: unmatched response dropped", "response", res.Short())
}

// dialogOfResponse finds the dialog of a response to a request we sent in
// it, on either side; nil when none matches.
func (u *UA) dialogOfResponse(res *gosip.Response) *Dialog {
	from, to, id := res.From(), res.To(), res.CallID()
	if from == nil || to == nil || id == nil {
		return nil
	}
	local, _ := from.Params.Get("tag")
	remote, _ := to.Params.Get("tag")
	u.mu.Lock()
	defer u.mu.Unlock()
	// Incoming calls are keyed (Call-ID, local tag, remote tag); outgoing
	// ones (Call-ID, remote tag, local tag).
	if ic := u.servers[gosip.DialogIDMake(id.Value(), local, remote)]; ic != nil {
		return ic.dlg
	}
	if oc := u.clients[gosip.DialogIDMake(id.Value(), remote, local)]; oc != nil {
		return oc.dlg
	}
	return nil
}

// noAck ends the call whose peer never acknowledged our 2xx to its
// re-INVITE (RFC 3261 §13.3.1.4: the session is ended with a BYE).
func (d *Dialog) noAck() {
	if d.onNoAck != nil {
		d.onNoAck()
	}
}

// reinviteNoAck is an incoming call's Dialog.onNoAck: the end is reported
// as a failure ("no ACK"), then our BYE goes out.
func (ic *IncomingCall) reinviteNoAck() {
	ic.forget()
	ic.ended(endFail, "no ACK")
	ctx, cancel := context.WithTimeout(context.Background(), byeTimeout)
	defer cancel()
	_ = ic.bye(ctx)
}

// OnFail registers what to call when the dialog dies without a BYE from
// the callee: no ACK came for our 200 OK to its re-INVITE (we then send a
// BYE ourselves). reason says why ("no ACK"). Without it, the OnBye
// function runs.
func (oc *OutgoingCall) OnFail(f func(reason string)) {
	oc.mu.Lock()
	oc.onFail = f
	oc.mu.Unlock()
}

// reinviteNoAck is an outgoing call's Dialog.onNoAck.
func (oc *OutgoingCall) reinviteNoAck() {
	oc.mu.Lock()
	fail, bye := oc.onFail, oc.onBye
	oc.mu.Unlock()
	first := false
	oc.byeOnce.Do(func() {
		first = true
		switch {
		case fail != nil:
			fail("no ACK")
		case bye != nil:
			bye()
		}
	})
	oc.forget()
	if !first {
		return // already ended
	}
	ctx, cancel := context.WithTimeout(context.Background(), byeTimeout)
	defer cancel()
	_ = oc.sendBye(ctx)
}

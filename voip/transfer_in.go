package voip

import (
	"context"
	"time"

	"github.com/libvoip/libvoip/sip"
)

// This file is the transferee's side of a transfer: a REFER from the peer
// followed by a new call to its target (RFC 3515), and an INVITE with
// Replaces taking over one of our calls (RFC 3891).

// notifyTimeout bounds one NOTIFY to the transferor: a transferor that
// went away must not hold back our BYE of the transferred call for long.
const notifyTimeout = 5 * time.Second

// onRefer decides on the peer's REFER, on the goroutine serving it (it
// must not block): 603 when transfers are not allowed (allow_transfer=0)
// or the call is not answered, 491 while another REFER is followed, 400
// for a target we cannot call, else 202 and the REFER is followed.
func (c *Call) onRefer(r *sip.Referral) int {
	if !c.phone.Config().AllowTransfer {
		c.phone.log.Info("transfer refused (allow_transfer is 0)", "call_id", c.callID, "target", r.Target.URI)
		return 603
	}
	target, err := sip.ParseURI(r.Target.URI)
	if err != nil {
		return 400
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.state != Answered:
		return 603
	case c.referred:
		return 491
	}
	c.referred = true
	go c.followRefer(r, target)
	return 202
}

// followRefer calls the REFER's target and reports to the transferor; on
// success the transferred call ends with our BYE ("transferred"), after
// the final NOTIFY went out.
func (c *Call) followRefer(r *sip.Referral, target sip.URI) {
	defer func() {
		c.mu.Lock()
		c.referred = false
		c.mu.Unlock()
	}()
	notes := newNotifier(r)
	notes.send(100, "Trying")
	var extra []sip.HeaderField
	if r.Target.Replaces != "" {
		extra = append(extra, sip.HeaderField{Name: "Replaces", Value: r.Target.Replaces})
	}
	if r.ReferredBy != "" {
		extra = append(extra, sip.HeaderField{Name: "Referred-By", Value: r.ReferredBy})
	}
	uri := target.String()
	c.phone.log.Info("following REFER", "call_id", c.callID, "target", uri, "hops", r.Hops)
	nc, err := c.phone.dial(target, extra, func(nc *Call) {
		c.mu.Lock()
		c.successor = nc
		c.emitEvent(EventTransferred, uri)
		c.mu.Unlock()
	})
	code, reason := 503, "Service Unavailable"
	if err == nil {
		code, reason = c.referOutcome(notes, nc)
	}
	notes.send(code, reason)
	notes.close()
	if code/100 == 2 {
		c.hangupWith("transferred")
	}
}

// referOutcome follows nc, the call placed for a REFER, until it is
// answered or ends, reporting its ringing; it returns the final status.
func (c *Call) referOutcome(notes *notifier, nc *Call) (int, string) {
	mask := Progress.Mask() | Answered.Mask()
	for {
		s, _ := nc.Wait(context.Background(), mask)
		switch s {
		case Progress:
			notes.send(180, "Ringing")
			mask = Answered.Mask()
		case Answered:
			return 200, "OK"
		default:
			_, code := nc.EndReason()
			if code < 300 {
				code = 503
			}
			return code, sip.ReasonPhrase(code)
		}
	}
}

// note is one NOTIFY's sipfrag status.
type note struct {
	code   int
	reason string
}

// notifier sends a Referral's NOTIFYs in order on its own goroutine, so
// that a slow transferor does not hold back the call to the target.
type notifier struct {
	r    *sip.Referral
	ch   chan note
	done chan struct{}
}

func newNotifier(r *sip.Referral) *notifier {
	n := &notifier{r: r, ch: make(chan note, 8), done: make(chan struct{})}
	go func() {
		defer close(n.done)
		for nt := range n.ch {
			ctx, cancel := context.WithTimeout(context.Background(), notifyTimeout)
			_ = n.r.Notify(ctx, nt.code, nt.reason)
			cancel()
		}
	}()
	return n
}

// send queues a NOTIFY (dropped when 8 are queued and not final).
func (n *notifier) send(code int, reason string) {
	if code >= 200 {
		n.ch <- note{code, reason}
		return
	}
	select {
	case n.ch <- note{code, reason}:
	default:
	}
}

// close waits until the queued NOTIFYs were sent.
func (n *notifier) close() {
	close(n.ch)
	<-n.done
}

// takeOver serves an INVITE whose Replaces names rd, the dialog of one of
// our answered calls (RFC 3891): the new call is answered at once (no
// ringing, no incoming-call event), reported as EventReplaced on the old
// call, and the old call ends with our BYE (end reason "replaced"). With
// allow_transfer 0 the INVITE gets 603; when rd's call is not answered,
// 481.
func (p *Phone) takeOver(ic *sip.IncomingCall, rd *sip.Dialog, host string) {
	old := p.callOfDialog(rd)
	switch {
	case old == nil || old.State() != Answered:
		_ = ic.Reject(481, "Call/Transaction Does Not Exist")
		return
	case !p.Config().AllowTransfer:
		_ = ic.Reject(603, sip.ReasonPhrase(603))
		return
	}
	c := newCall(p, false)
	c.in, c.host = ic, host
	c.remoteURI, c.localURI, c.callID = ic.From(), ic.To(), ic.CallID()
	answer, neg, err := c.prepareAnswer()
	if err == nil {
		if err = ic.Answer(answer, host); err != nil {
			c.releasePort()
		}
	}
	if err != nil {
		p.log.Info("INVITE with Replaces not answered", "call_id", ic.CallID(), "error", err)
		_ = ic.Reject(488, "Not Acceptable Here")
		return
	}
	old.mu.Lock()
	old.successor = c
	old.mu.Unlock()
	if err := c.publishAnswering(func() { old.emitEvent(EventReplaced, c.remoteURI) }); err != nil {
		_ = ic.Bye(context.Background())
		c.releasePort()
		return
	}
	p.log.Info("call replaced", "old_call_id", old.callID, "call_id", c.callID)
	ic.OnFail(func(reason string) { c.end(reason, failCode(reason)) })
	ic.OnEnd(func() { c.end("remote hangup", 0) }, func() { c.end("canceled", 487) })
	ic.OnDTMF(c.onInfoDigit)
	if err := c.startMedia(neg, answer, ic.Offer()); err != nil {
		_ = ic.Bye(context.Background())
		c.end("media failed: "+err.Error(), 0)
	}
	old.hangupWith("replaced")
}

// publishAnswering adds a call being answered to the phone's table and
// runs first (which posts its announcement) without posting its Ringing
// state: its first state event is Answered.
func (c *Call) publishAnswering(first func()) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.phone.addCall(c); err != nil {
		return err
	}
	first()
	return nil
}

// callOfDialog is the call whose SIP dialog is d, nil when none.
func (p *Phone) callOfDialog(d *sip.Dialog) *Call {
	for _, c := range p.Calls() {
		// Answered first: the dialog of an outgoing call is set
		// before it is answered, under nothing else.
		if c.State() == Answered && c.dialog() == d {
			return c
		}
	}
	return nil
}

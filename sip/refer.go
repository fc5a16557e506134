package sip

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"

	gosip "github.com/emiago/sipgo/sip"
)

// This file is the transferor's side of RFC 3515: a REFER sent in a call's
// dialog and the NOTIFYs of its implicit subscription (message/sipfrag
// bodies) read back. The transferee's side is refer_in.go.

// ErrReferPending is returned by Dialog.Refer while an earlier REFER of
// the dialog still awaits its outcome.
var ErrReferPending = errors.New("sip: a REFER is already pending in the dialog")

// transfers is a dialog's REFER state; its own mutex guards it.
type transfers struct {
	mu      sync.Mutex
	onRefer func(*Referral) int
	sub     *ReferSub // our REFER whose NOTIFYs we read
}

// ReferProgress is one NOTIFY of a REFER's subscription: the status line
// of the sipfrag (e.g. 100 Trying, 180 Ringing, 200 OK, 603 Declined).
// Final is set by a final status or a terminated subscription.
type ReferProgress struct {
	Code   int
	Reason string
	Final  bool
	Hops   int // the NOTIFY's Via headers: 1 direct, more through proxies
}

// ReferSub is the implicit subscription of a REFER we sent.
type ReferSub struct {
	d  *Dialog
	ch chan ReferProgress
}

// Progress delivers the subscription's NOTIFYs in order; after a Final one
// nothing more comes.
func (s *ReferSub) Progress() <-chan ReferProgress { return s.ch }

// Close stops reading the subscription: later NOTIFYs get 481.
func (s *ReferSub) Close() {
	x := &s.d.xfer
	x.mu.Lock()
	if x.sub == s {
		x.sub = nil
	}
	x.mu.Unlock()
}

// Refer sends a REFER asking the peer to call target (RFC 3515), with a
// Referred-By naming us (RFC 3892). On 2xx it returns the subscription
// whose NOTIFYs report the peer's progress; a refusal is a *StatusError.
// One REFER at a time per dialog (ErrReferPending).
func (d *Dialog) Refer(ctx context.Context, target ReferTarget) (*ReferSub, error) {
	s := &ReferSub{d: d, ch: make(chan ReferProgress, 16)}
	x := &d.xfer
	x.mu.Lock()
	if x.sub != nil {
		x.mu.Unlock()
		return nil, ErrReferPending
	}
	// Installed first: the first NOTIFY may overtake the 202.
	x.sub = s
	x.mu.Unlock()
	next := func() *gosip.Request {
		req := d.newRequest(gosip.REFER, nil)
		req.AppendHeader(gosip.NewHeader("Refer-To", target.String()))
		by := d.u.aor()
		req.AppendHeader(gosip.NewHeader("Referred-By", "<"+by.String()+">"))
		return req
	}
	res, err := d.doReady(ctx, next())
	if err == nil {
		res, err = d.u.retryChallenged(ctx, res, next, d.do)
	}
	switch {
	case err != nil:
		s.Close()
		return nil, inviteError(ctx, err)
	case !res.IsSuccess():
		s.Close()
		return nil, &StatusError{Code: res.StatusCode, Reason: res.Reason}
	}
	return s, nil
}

// OnRefer sets what decides on the peer's REFERs: f returns the status to
// answer (202 accepts; 4xx-6xx refuse) and must not block; after a 202 it
// reports progress through the Referral's Notify. Without it, a REFER
// gets 603 Declined.
func (d *Dialog) OnRefer(f func(*Referral) int) {
	d.xfer.mu.Lock()
	d.xfer.onRefer = f
	d.xfer.mu.Unlock()
}

// notify serves a NOTIFY of the REFER's implicit subscription, routed
// here by the event framework (event_route.go) with its state st: its
// message/sipfrag body is the referred call's progress.
func (s *ReferSub) notify(req *gosip.Request, st SubState) (int, string) {
	p, ok := parseSipfrag(req.Body())
	if !ok {
		return 400, "Bad sipfrag"
	}
	p.Hops = len(req.GetHeaders("Via"))
	if st.State == SubTerminated {
		p.Final = true
	}
	// Delivered before the 200: the transferee's BYE, which follows our
	// 200 to its final NOTIFY, finds the outcome known.
	s.deliver(p)
	return 200, "OK"
}

// deliver hands p to the reader; after a final one the subscription ends.
func (s *ReferSub) deliver(p ReferProgress) {
	select {
	case s.ch <- p:
	default: // a reader that stopped reading loses progress, not the final
		if p.Final {
			select {
			case <-s.ch:
			default:
			}
			s.ch <- p
		}
	}
	if p.Final {
		s.Close()
	}
}

// parseSipfrag reads the status line of a message/sipfrag body
// ("SIP/2.0 180 Ringing"). A final status (>= 200) is Final.
func parseSipfrag(body []byte) (ReferProgress, bool) {
	line, _, _ := strings.Cut(string(body), "\n")
	f := strings.SplitN(strings.TrimSpace(line), " ", 3)
	if len(f) < 2 || !strings.HasPrefix(strings.ToUpper(f[0]), "SIP/") {
		return ReferProgress{}, false
	}
	code, err := strconv.Atoi(f[1])
	if err != nil || code < 100 || code > 699 {
		return ReferProgress{}, false
	}
	p := ReferProgress{Code: code, Final: code >= 200}
	if len(f) == 3 {
		p.Reason = f[2]
	}
	return p, true
}

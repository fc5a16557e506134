package sip

import (
	"context"
	"fmt"
	"strconv"
	"sync"

	gosip "github.com/emiago/sipgo/sip"
)

// This file is the transferee's side of RFC 3515: a REFER received in a
// call's dialog, decided by the dialog's owner (Dialog.OnRefer), and the
// NOTIFYs that report what became of it.

// Referral is a REFER the peer sent in a call's dialog.
type Referral struct {
	// Target is where to call, with the Replaces header the Refer-To
	// carried (an attended transfer), if any.
	Target ReferTarget
	// ReferredBy is the Referred-By value (RFC 3892), "" when absent.
	ReferredBy string
	// Hops is the number of Via headers the REFER arrived with: 1 when
	// the peer sent it to us directly, more through proxies (the
	// dialog's route set).
	Hops int

	d     *Dialog
	event string // the Event value of our NOTIFYs: "refer;id=<CSeq>"
	mu    sync.Mutex
	done  bool
}

// handleRefer serves a REFER: 481 outside a dialog, 400 without exactly
// one valid Refer-To, else what the dialog's OnRefer decides (603 with
// none).
func (u *UA) handleRefer(req *gosip.Request, tx gosip.ServerTransaction) {
	if code, reason, hdrs := validate(req); code != 0 {
		u.respond(req, tx, code, reason, hdrs...)
		return
	}
	d := u.dialogOf(req)
	if d == nil {
		u.respond(req, tx, 481, "Call/Transaction Does Not Exist")
		return
	}
	if err := d.readInOrder(req, tx); err != nil {
		u.respond(req, tx, 500, "Server Internal Error", gosip.NewHeader("Retry-After", "1"))
		return
	}
	hs := append(req.GetHeaders("Refer-To"), req.GetHeaders("r")...)
	if len(hs) != 1 {
		u.respond(req, tx, 400, "Exactly One Refer-To Required")
		return
	}
	target, err := ParseReferTo(hs[0].Value())
	if err != nil {
		u.respond(req, tx, 400, "Bad Refer-To")
		return
	}
	r := &Referral{Target: target, d: d, Hops: len(req.GetHeaders("Via")),
		event: "refer;id=" + strconv.FormatUint(uint64(req.CSeq().SeqNo), 10)}
	if h := req.GetHeader("Referred-By"); h != nil {
		r.ReferredBy = h.Value()
	} else if h := req.GetHeader("b"); h != nil {
		r.ReferredBy = h.Value()
	}
	d.xfer.mu.Lock()
	f := d.xfer.onRefer
	d.xfer.mu.Unlock()
	code := 603
	if f != nil {
		code = f(r)
	}
	if code < 200 || code > 699 || (code >= 300 && code < 400) {
		code = 500
	}
	d.mu.Lock()
	host := d.host
	d.mu.Unlock()
	u.respond(req, tx, code, referReason(code), d.u.contactFor(host))
}

// referReason is the reason phrase of our answer to a REFER.
func referReason(code int) string {
	switch code {
	case 202:
		return "Accepted"
	case 491:
		return "Request Pending"
	}
	return ReasonPhrase(code)
}

// Notify reports the referred call's progress to the peer: a NOTIFY whose
// message/sipfrag body is "SIP/2.0 <code> <reason>"; a final code (>= 200)
// terminates the subscription, after which Notify does nothing. NOTIFYs
// go out one at a time, in order.
func (r *Referral) Notify(ctx context.Context, code int, reason string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return nil
	}
	final := code >= 200
	r.done = final
	st := SubState{State: SubActive, Expires: 60, RetryAfter: -1}
	if final {
		st = SubState{State: SubTerminated, Reason: "noresource", Expires: -1, RetryAfter: -1}
	}
	req := r.d.newRequest(gosip.NOTIFY, nil)
	addNotifyHeaders(req, r.event, st, "message/sipfrag;version=2.0",
		[]byte(fmt.Sprintf("SIP/2.0 %d %s\r\n", code, reason)))
	res, err := r.d.doReady(ctx, req)
	if err != nil {
		return err
	}
	if !res.IsSuccess() {
		return &StatusError{Code: res.StatusCode, Reason: res.Reason}
	}
	return nil
}

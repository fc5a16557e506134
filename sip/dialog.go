package sip

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// This file is the in-dialog request machinery of a call, whichever side
// set the dialog up: sending a re-INVITE or UPDATE (with the one 401/407
// retry loop and RFC 3261 §14.1 glare handling) and serving the ones the
// peer sends (RFC 3264 §8 offer/answer, late offers answered in the ACK).
// Later in-dialog methods (REFER, INFO, PRACK, session refreshes) build on
// Dialog.send and UA.dialogOf.

// Session is what a call's owner does with the session descriptions of
// in-dialog requests. Its functions are called from the goroutine serving
// the request and must not block on the network.
type Session struct {
	// Answer answers the peer's offer: our answer, or an error (the
	// request is then refused with 488 and nothing changes).
	Answer func(offer []byte) ([]byte, error)
	// Offer is our offer for a re-INVITE that carries none: it goes in
	// our 200 OK, and the peer's answer in its ACK goes to Answered.
	Offer func() []byte
	// Answered applies the peer's answer to Offer's offer.
	Answered func(answer []byte) error
	// Refreshed is told the session timer (RFC 4028) each time a
	// re-INVITE or UPDATE of either side refreshed the session.
	Refreshed func(SessionTimer)
}

// Errors of Dialog.Reinvite and Dialog.Update besides a *StatusError.
var (
	// ErrOfferPending: an offer of ours or of the peer is still
	// outstanding in this dialog (RFC 3261 §14.1, RFC 3311 §5.1).
	ErrOfferPending = errors.New("sip: an offer is already outstanding in the dialog")
	// ErrNoDialog: the call has no established dialog (yet, or any more).
	ErrNoDialog = errors.New("sip: no established dialog")
)

// maxGlareRetries bounds the re-sends of a request answered 491.
const maxGlareRetries = 3

// Dialog is one call's established dialog, as in-dialog requests see it.
// Its methods may be called from any goroutine.
type Dialog struct {
	u          *UA
	ownsCallID bool // we chose the Call-ID (we sent the INVITE)
	// do sends a request in the dialog and returns its final response;
	// write sends one without a transaction (an ACK).
	do     func(context.Context, *gosip.Request) (*gosip.Response, error)
	write  func(*gosip.Request) error
	read   func(*gosip.Request, gosip.ServerTransaction) error // the dialog's CSeq check
	target func() gosip.Uri                                    // the remote target
	// ready is closed once the INVITE transaction that set the dialog up
	// is over (our 200 OK acknowledged); nil when it was over from the
	// start. No request goes out in the dialog before (RFC 3261 §14.1;
	// sipgo completes the dialog's state only then): see doReady.
	ready <-chan struct{}

	mu        sync.Mutex
	host      string // our host in Via and Contact ("" = default)
	session   Session
	offering  bool // our re-INVITE or UPDATE awaits its answer
	answering bool // the peer's re-INVITE awaits its ACK
	ack       chan *gosip.Request
	ackCSeq   uint32
	idle      chan struct{} // closed and replaced when an offer settles

	// dialog_target.go, dialog_ack.go
	refreshed *gosip.Uri     // the remote target since a target refresh
	lastAck   *gosip.Request // the ACK of our last re-INVITE's 2xx
	onNoAck   func()         // ends the call: no ACK for our 2xx to a re-INVITE
	st        dialogTimer    // the session timer (session_timer.go)
	xfer      transfers      // REFERs both ways (refer.go, refer_in.go)
}

// SetSession sets what is done with the session descriptions of in-dialog
// requests. Until it is set, an offer is answered 500 with Retry-After.
func (d *Dialog) SetSession(s Session) {
	d.mu.Lock()
	d.session = s
	d.mu.Unlock()
}

func (d *Dialog) setHost(host string) {
	d.mu.Lock()
	d.host = host
	d.mu.Unlock()
}

// Reinvite sends a re-INVITE whose offer is built by offer (again for each
// try: a 491 is retried after RFC 3261 §14.1's delay, by when the peer's
// own change may have altered what we offer) and returns the peer's answer
// once our ACK is sent. A non-2xx final response is a *StatusError; ctx
// bounds the whole exchange, retries included.
func (d *Dialog) Reinvite(ctx context.Context, offer func() []byte) ([]byte, error) {
	return d.offer(ctx, gosip.INVITE, offer)
}

// Update sends an UPDATE (RFC 3311) with the offer built by offer, as
// Reinvite does, and returns the answer.
func (d *Dialog) Update(ctx context.Context, offer func() []byte) ([]byte, error) {
	return d.offer(ctx, gosip.UPDATE, offer)
}

func (d *Dialog) offer(ctx context.Context, method gosip.RequestMethod, build func() []byte) ([]byte, error) {
	small := 0
	for try := 0; ; try++ {
		if err := d.begin(ctx); err != nil {
			return nil, err
		}
		res, err := d.send(ctx, method, build())
		d.settle(func() { d.offering = false })
		switch {
		case err != nil:
			return nil, inviteError(ctx, err)
		case res.StatusCode == 422 && small < maxTooSmall && d.raiseTimer(res):
			small++ // RFC 4028 §7.4: again with the interval asked for
			continue
		case res.StatusCode == 491 && try < maxGlareRetries:
			if err := sleepCtx(ctx, glareDelay(d.ownsCallID)); err != nil {
				return nil, err
			}
			continue
		case !res.IsSuccess():
			return nil, &StatusError{Code: res.StatusCode, Reason: res.Reason}
		}
		return res.Body(), nil
	}
}

// begin waits until the dialog is set up and no offer of either side is
// outstanding, then marks ours outstanding. Our own outstanding offer is
// an error (ErrOfferPending): the caller's, not the peer's, to wait for.
func (d *Dialog) begin(ctx context.Context) error {
	if err := d.awaitReady(ctx); err != nil {
		return err
	}
	for {
		d.mu.Lock()
		if d.offering {
			d.mu.Unlock()
			return ErrOfferPending
		}
		if !d.answering {
			d.offering = true
			d.mu.Unlock()
			return nil
		}
		idle := d.idleLocked()
		d.mu.Unlock()
		select {
		case <-idle:
		case <-ctx.Done():
			return ErrOfferPending
		}
	}
}

// awaitReady waits until the dialog is set up (ready); ErrNoDialog when
// ctx ends first.
func (d *Dialog) awaitReady(ctx context.Context) error {
	if d.ready == nil {
		return nil
	}
	select {
	case <-d.ready:
		return nil
	case <-ctx.Done():
		return ErrNoDialog
	}
}

// doReady sends req in the dialog once it is set up (awaitReady) and
// returns its final response. Every request we send in a dialog goes
// through it.
func (d *Dialog) doReady(ctx context.Context, req *gosip.Request) (*gosip.Response, error) {
	if err := d.awaitReady(ctx); err != nil {
		return nil, err
	}
	return d.do(ctx, req)
}

// idleLocked is the channel closed when the outstanding offer settles.
func (d *Dialog) idleLocked() chan struct{} {
	if d.idle == nil {
		d.idle = make(chan struct{})
	}
	return d.idle
}

// settle runs f (which clears an outstanding offer) under the lock and
// wakes whoever waits for the dialog to be idle.
func (d *Dialog) settle(f func()) {
	d.mu.Lock()
	f()
	if d.idle != nil {
		close(d.idle)
		d.idle = nil
	}
	d.mu.Unlock()
}

// glareDelay is how long to wait before re-sending a request answered 491
// (RFC 3261 §14.1): 2.1 to 4 s when we own the Call-ID, else 0 to 2 s, so
// that the two sides' retries do not meet again.
func glareDelay(ownsCallID bool) time.Duration {
	if ownsCallID {
		return 2100*time.Millisecond + rand.N(1900*time.Millisecond)
	}
	return rand.N(2 * time.Second)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// send sends a request of method with body (nil: none) in the dialog,
// answers a 401/407 challenge, acknowledges a re-INVITE's 2xx, and returns
// the final response.
func (d *Dialog) send(ctx context.Context, method gosip.RequestMethod, body []byte) (*gosip.Response, error) {
	next := func() *gosip.Request { return d.newRequest(method, body) }
	res, err := d.doReady(ctx, next())
	if err != nil {
		return nil, err
	}
	if res, err = d.u.retryChallenged(ctx, res, next, d.do); err != nil {
		return nil, err
	}
	if isTargetRefresh(method) && res.IsSuccess() {
		d.refreshTarget(res.Contact())
	}
	if (method == gosip.INVITE || method == gosip.UPDATE) && res.IsSuccess() {
		d.setTimer(answeredTimer(res))
	}
	if method == gosip.INVITE && res.IsSuccess() {
		ack := d.newRequest(gosip.ACK, nil)
		ack.AppendHeader(&gosip.CSeqHeader{SeqNo: res.CSeq().SeqNo, MethodName: gosip.ACK})
		if err := d.write(ack); err != nil {
			d.u.log.Info("sip: ACK of re-INVITE not sent", "error", err)
		}
		d.sentAck(ack)
	}
	return res, nil
}

// newRequest is a request of method to the remote target with our Via,
// Contact and, when body is not nil, an SDP body; the dialog's session
// adds From, To, Call-ID, CSeq and Route.
func (d *Dialog) newRequest(method gosip.RequestMethod, body []byte) *gosip.Request {
	d.mu.Lock()
	host := d.host
	d.mu.Unlock()
	req := gosip.NewRequest(method, d.remoteTarget())
	d.u.addVia(req, host)
	req.AppendHeader(d.u.contactFor(host))
	if method != gosip.ACK {
		req.AppendHeader(allowHeader())
	}
	if method == gosip.INVITE || method == gosip.UPDATE {
		for _, h := range d.timerHeaders() {
			req.AppendHeader(h)
		}
	}
	if body != nil {
		req.AppendHeader(gosip.NewHeader("Content-Type", "application/sdp"))
		req.SetBody(body)
	}
	d.u.commonHeaders(req)
	return req
}

// dialogOf finds the dialog of an in-dialog request from the peer, on
// either side; nil when none matches.
func (u *UA) dialogOf(req *gosip.Request) *Dialog {
	u.mu.Lock()
	defer u.mu.Unlock()
	if id, err := gosip.DialogIDFromRequestUAS(req); err == nil {
		if ic := u.servers[id]; ic != nil {
			return ic.dlg
		}
	}
	if id, err := gosip.DialogIDFromRequestUAC(req); err == nil {
		if oc := u.clients[id]; oc != nil {
			return oc.dlg
		}
	}
	return nil
}

// handleOffer serves a re-INVITE or UPDATE from the peer (RFC 3264 §8,
// RFC 3311): glare is answered 491 (500 with Retry-After while the peer's
// previous re-INVITE awaits its ACK), an offer is answered by the Session,
// a re-INVITE without one gets our offer and its ACK the answer.
func (d *Dialog) handleOffer(req *gosip.Request, tx gosip.ServerTransaction) {
	if err := d.readInOrder(req, tx); err != nil {
		d.u.respond(req, tx, 500, "Server Internal Error", gosip.NewHeader("Retry-After", "1"))
		return
	}
	if d.u.tooSmall(req, tx) {
		return
	}
	invite := req.Method == gosip.INVITE
	d.mu.Lock()
	s, offering, answering := d.session, d.offering, d.answering
	ready := s.Answer != nil && !offering && !answering
	if ready && invite {
		d.answering = true
	}
	d.mu.Unlock()
	switch {
	case offering:
		d.u.respond(req, tx, 491, "Request Pending")
		return
	case !ready:
		d.u.respond(req, tx, 500, "Server Internal Error", gosip.NewHeader("Retry-After", "1"))
		return
	}
	if invite {
		defer d.settle(func() { d.answering = false })
	}
	body, late := req.Body(), false
	switch {
	case len(body) > 0:
		answer, err := s.Answer(body)
		if err != nil {
			d.u.log.Info("sip: offer in dialog not accepted", "method", string(req.Method), "error", err)
			d.u.respond(req, tx, 488, "Not Acceptable Here")
			return
		}
		body = answer
	case invite:
		body, late = s.Offer(), true
	default:
		body = nil // an UPDATE without an offer: a refresh
	}
	d.refreshTarget(req.Contact())
	res := d.okResponse(req, body)
	timer, _ := d.u.answerTimer(req)
	for _, h := range timer.headers() {
		res.AppendHeader(h)
	}
	d.setTimer(timer.timer())
	if !invite {
		if err := tx.Respond(res); err != nil {
			d.u.log.Debug("sip: UPDATE response failed", "error", err)
		}
		return
	}
	ack := d.respondUntilAck(tx, res, req.CSeq().SeqNo)
	if ack == nil && d.u.dialogOf(req) == d {
		d.noAck()
	}
	if late && ack != nil && len(ack.Body()) > 0 {
		if err := s.Answered(ack.Body()); err != nil {
			d.u.log.Info("sip: answer in ACK not accepted", "error", err)
		}
	}
}

// settleWait bounds how long a peer's new request waits for its previous
// INVITE's or re-INVITE's exchange to finish being applied.
const settleWait = time.Second

// awaitAck marks our 2xx to the peer's INVITE or re-INVITE with CSeq cseq
// as awaiting its ACK, until settle clears answering.
func (d *Dialog) awaitAck(cseq uint32) {
	d.mu.Lock()
	d.answering, d.ackCSeq = true, cseq
	d.mu.Unlock()
}

// readInOrder checks a request from the peer against the dialog's CSeq
// (RFC 3261 §12.2.2) once the ACK it follows was applied (awaitSettled):
// read first, a newer CSeq would make sipgo refuse that ACK.
func (d *Dialog) readInOrder(req *gosip.Request, tx gosip.ServerTransaction) error {
	d.awaitSettled(req.CSeq().SeqNo)
	return d.read(req, tx)
}

// awaitSettled: a request from the peer with a CSeq above the INVITE or
// re-INVITE whose ACK we await was sent after that ACK (RFC 3261 §13.2.2.4:
// the ACK goes out before anything newer in the dialog), which may simply
// be still on its way through another goroutine. Wait for that exchange to
// settle, briefly, rather than answering the new request 500 or reading it
// before the ACK.
func (d *Dialog) awaitSettled(cseq uint32) {
	d.mu.Lock()
	if !d.answering || cseq <= d.ackCSeq {
		d.mu.Unlock()
		return
	}
	idle := d.idleLocked()
	d.mu.Unlock()
	t := time.NewTimer(settleWait)
	defer t.Stop()
	select {
	case <-idle:
	case <-t.C:
	}
}

// okResponse is our 200 OK to req, with body as SDP when not nil.
func (d *Dialog) okResponse(req *gosip.Request, body []byte) *gosip.Response {
	var res *gosip.Response
	if body != nil {
		res = gosip.NewSDPResponseFromRequest(req, body)
	} else {
		res = gosip.NewResponseFromRequest(req, 200, "OK", nil)
	}
	d.mu.Lock()
	host := d.host
	d.mu.Unlock()
	res.AppendHeader(d.u.contactFor(host))
	res.AppendHeader(allowHeader())
	d.u.commonHeaders(res)
	return res
}

// respondUntilAck sends res, the 2xx of the peer's re-INVITE with CSeq
// cseq, and retransmits it (T1 doubling up to T2) until its ACK arrives or
// 64·T1 pass (RFC 3261 §13.3.1.4). It returns the ACK, nil when none came.
func (d *Dialog) respondUntilAck(tx gosip.ServerTransaction, res *gosip.Response, cseq uint32) *gosip.Request {
	ch := make(chan *gosip.Request, 1)
	d.mu.Lock()
	d.ack, d.ackCSeq = ch, cseq
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		d.ack = nil
		d.mu.Unlock()
	}()
	if err := tx.Respond(res); err != nil {
		d.u.log.Debug("sip: re-INVITE response failed", "error", err)
		return nil
	}
	interval := gosip.T1
	retransmit := time.NewTimer(interval)
	defer retransmit.Stop()
	giveUp := time.NewTimer(64 * gosip.T1)
	defer giveUp.Stop()
	for {
		select {
		case ack := <-ch:
			return ack
		case <-retransmit.C:
			_ = tx.Respond(res)
			interval = min(2*interval, gosip.T2)
			retransmit.Reset(interval)
		case <-giveUp.C:
			d.u.log.Info("sip: no ACK for our 200 OK to a re-INVITE")
			return nil
		}
	}
}

// gotAck hands an ACK to the re-INVITE that awaits it.
func (d *Dialog) gotAck(req *gosip.Request) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ack != nil && req.CSeq().SeqNo == d.ackCSeq {
		select {
		case d.ack <- req:
		default:
		}
	}
}

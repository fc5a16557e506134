package sip

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"
)

// IncomingCall is an INVITE we received. Its methods may be called from any
// goroutine.
type IncomingCall struct {
	u   *UA
	req *gosip.Request
	ds  *sipgo.DialogServerSession
	dlg *Dialog

	decide   chan decision
	done     chan struct{} // closed when the transaction is settled
	once     sync.Once
	mu       sync.Mutex
	answered []byte // our SDP, once answered
	end      endState
	acked    bool
	onAck    func()
	dtmf     dtmfHook      // digits received by INFO
	settled  chan struct{} // closed once our 200 OK was acknowledged
	rel      relState      // reliable provisional responses (prack.go)
	// ring ends the ringing (call_limits.go): nil when there is no ring
	// timeout or a decision is on its way. The serving goroutine's.
	ring <-chan time.Time
}

type decision struct {
	host    string
	contact *gosip.ContactHeader // a 3xx's target
	code    int
	reason  string
	sdp     []byte
	result  chan error
}

func newIncomingCall(u *UA, req *gosip.Request, ds *sipgo.DialogServerSession) *IncomingCall {
	ic := &IncomingCall{u: u, req: req, ds: ds, decide: make(chan decision), done: make(chan struct{}),
		settled: make(chan struct{})}
	ic.rel.pracked = make(chan struct{}, 1)
	ic.dlg = &Dialog{
		u: u, do: ds.Do, write: ds.WriteRequest, read: ds.ReadRequest, ready: ic.settled,
		target: func() gosip.Uri { return *ds.InviteRequest.Contact().Address.Clone() },
	}
	ic.dlg.onNoAck = ic.reinviteNoAck
	timer, _ := u.answerTimer(req)
	ic.dlg.st = u.newDialogTimer(timer.timer(), req)
	return ic
}

// Dialog is the call's dialog, for in-dialog requests once answered.
func (ic *IncomingCall) Dialog() *Dialog { return ic.dlg }

// From is the caller's URI.
func (ic *IncomingCall) From() string { return ic.req.From().Address.String() }

// To is the called URI.
func (ic *IncomingCall) To() string { return ic.req.To().Address.String() }

// CallID is the SIP Call-ID.
func (ic *IncomingCall) CallID() string { return ic.req.CallID().Value() }

// Offer is the INVITE's body (an SDP offer, or empty).
func (ic *IncomingCall) Offer() []byte { return ic.req.Body() }

// Source is the address the INVITE came from.
func (ic *IncomingCall) Source() string { return ic.req.Source() }

// RequestHost is the host of the Request-URI (usually our address as the
// caller sees it).
func (ic *IncomingCall) RequestHost() string { return ic.req.Recipient.Host }

// OnEnd registers what to call when the caller hangs up (BYE) or cancels
// (CANCEL). Set them before answering.
//
// The dialog ends once, whichever way: the first of a BYE, a CANCEL, a
// failure (OnFail), or our own Bye; its function runs once. One that
// happened before OnEnd runs at once, from OnEnd.
func (ic *IncomingCall) OnEnd(bye, cancel func()) {
	ic.mu.Lock()
	ic.end.onBye, ic.end.onCancel = bye, cancel
	ic.mu.Unlock()
	ic.fireEnd()
}

// OnFail registers what to call when the dialog dies without a BYE or a
// CANCEL from the caller: no ACK came for our 200 OK (RFC 3261
// §13.3.1.4; we then send a BYE ourselves), or nobody decided on it within
// Config.RingTimeout (we answered 480). reason says why ("no ACK",
// RingTimeoutReason).
// Without it, the bye function of OnEnd runs. Set it before OnEnd.
func (ic *IncomingCall) OnFail(f func(reason string)) {
	ic.mu.Lock()
	ic.end.onFail = f
	ic.mu.Unlock()
	ic.fireEnd()
}

// OnAck registers what to call once the caller's ACK confirmed our 200 OK
// (at once when it already did): until then the caller has not shown that
// it wants the session, and media to the address of its offer must stay
// short (rtp.StreamConfig.Unconfirmed).
func (ic *IncomingCall) OnAck(f func()) {
	ic.mu.Lock()
	if !ic.acked {
		ic.onAck = f
		f = nil
	}
	ic.mu.Unlock()
	if f != nil {
		f()
	}
}

// ackReceived records that the ACK for our 200 OK arrived.
// isAcked reports whether the ACK of the INVITE that set the dialog up came.
func (ic *IncomingCall) isAcked() bool {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	return ic.acked
}

func (ic *IncomingCall) ackReceived() {
	ic.mu.Lock()
	f := ic.onAck
	first := !ic.acked
	ic.acked, ic.onAck = true, nil
	ic.mu.Unlock()
	if f != nil && first {
		f()
	}
}

// canceledPath records that the caller canceled and tells the owner once.
func (ic *IncomingCall) canceledPath() {
	ic.once.Do(func() {})
	ic.forget()
	ic.ended(endCancel, "canceled")
}

// wasCanceled reports whether the INVITE transaction ended by a CANCEL,
// judging by err (what a write to the transaction returned, which can tell
// before the dialog records it) and by the dialog's context.
func (ic *IncomingCall) wasCanceled(err error) bool {
	return errors.Is(err, gosip.ErrTransactionCanceled) ||
		errors.Is(context.Cause(ic.ds.Context()), gosip.ErrTransactionCanceled)
}

// Ringing sends 180 Ringing.
func (ic *IncomingCall) Ringing() error {
	return ic.send(decision{code: 180, reason: "Ringing"})
}

// Answer sends 200 OK with sdp and a Contact with host ("" = default). It
// returns once the response is handed over; the ACK is awaited in the
// background.
func (ic *IncomingCall) Answer(sdp []byte, host string) error {
	return ic.send(decision{code: 200, reason: "OK", sdp: sdp, host: host})
}

// Reject sends a final error response (4xx-6xx).
func (ic *IncomingCall) Reject(code int, reason string) error {
	return ic.send(decision{code: code, reason: reason})
}

var errDecided = errors.New("sip: call already answered, rejected or canceled")

// send hands a response to the serving goroutine, the only one that
// writes responses of the INVITE transaction. A final response is accepted
// once.
func (ic *IncomingCall) send(d decision) error {
	d.result = make(chan error, 1)
	if d.code >= 200 {
		first := false
		ic.once.Do(func() { first = true })
		if !first {
			return errDecided
		}
	}
	select {
	case ic.decide <- d:
	case <-ic.done:
		return errDecided
	}
	return <-d.result
}

// serve runs in the INVITE handler's goroutine until the transaction is
// settled: a decision is written, or the caller cancels.
func (ic *IncomingCall) serve() {
	defer close(ic.done)
	ring, stop := ic.u.ringTimer()
	defer stop()
	ic.ring = ring
	for {
		if ic.serveOne() {
			return
		}
	}
}

// serveOne waits for one event: a decision, a reliable provisional
// response to resend, a PRACK, or the end of the transaction. It reports
// whether the transaction is settled. A decision that must wait for a
// PRACK (RFC 3262 §3) is held, and no other is taken meanwhile.
func (ic *IncomingCall) serveOne() bool {
	decide := ic.decide
	if ic.rel.held != nil {
		decide = nil
	}
	select {
	case d := <-decide:
		return ic.carryOut(d)
	case <-ic.rel.timerC():
		return ic.retransmitReliable()
	case <-ic.rel.pracked:
		return ic.afterPrack()
	case <-ic.ds.Context().Done():
		ic.rel.stop()
		if d := ic.rel.held; d != nil {
			d.result <- errDecided
		}
		ic.canceledPath()
		return true
	case <-ic.ring:
		if ic.ringTimedOut() {
			return true
		}
		ic.ring = nil // a decision is on its way: serve it
		return false
	}
}

// carryOut sends the response of one decision; it reports whether the
// transaction is settled.
func (ic *IncomingCall) carryOut(d decision) bool {
	if ic.wasCanceled(nil) {
		// The CANCEL won the race (both were ready): the
		// transaction layer has answered 487.
		d.result <- errDecided
		ic.canceledPath()
		return true
	}
	switch {
	case d.code < 200 && ic.rel.on && ic.awaitingPrack():
		ic.rel.held = &d
		return false
	case d.code < 200:
		d.result <- ic.provisional(d)
		return false
	case d.code >= 300:
		ic.rel.stop()
		d.result <- nil
		var hdrs []gosip.Header
		if d.contact != nil {
			hdrs = append(hdrs, d.contact)
		}
		// Forgotten first: Respond returns once the ACK came, and a
		// redirect may bring the same call back at once.
		ic.forget()
		if err := ic.ds.Respond(d.code, d.reason, nil, hdrs...); err != nil {
			ic.u.log.Debug("sip: reject failed", "call_id", ic.CallID(), "error", err)
		}
		return true
	case ic.awaitingPrack():
		ic.rel.held = &d
		return false
	}
	ic.rel.stop()
	ic.writeAnswer(d)
	return true
}

// writeAnswer sends our 200 OK and waits for its ACK.
func (ic *IncomingCall) writeAnswer(d decision) {
	ic.mu.Lock()
	ic.answered = d.sdp
	ic.mu.Unlock()
	ic.dlg.setHost(d.host)
	res := gosip.NewSDPResponseFromRequest(ic.ds.InviteRequest, d.sdp)
	res.AppendHeader(ic.u.contactFor(d.host))
	timer, _ := ic.u.answerTimer(ic.ds.InviteRequest)
	for _, h := range timer.headers() {
		res.AppendHeader(h)
	}
	ic.u.commonHeaders(res)
	// Until the ACK, the peer's later requests wait for it
	// (Dialog.readInOrder).
	ic.dlg.awaitAck(ic.req.CSeq().SeqNo)
	defer ic.dlg.settle(func() { ic.dlg.answering = false })
	// WriteResponse sends the 200 and retransmits it until the ACK
	// arrives (RFC 3261 §13.3.1.4); the call is up from now on.
	d.result <- nil
	err := ic.ds.WriteResponse(res)
	if err == nil {
		ic.ackReceived()
		close(ic.settled)
		return
	}
	switch {
	case ic.wasCanceled(err):
		// The CANCEL crossed our 200: the caller got 487.
		ic.canceledPath()
	case ic.ds.Context().Err() == nil:
		// The call ends now, and the dialog is forgotten (a
		// BYE from the caller gets 481) before our BYE goes out.
		ic.u.log.Info("sip: no ACK for our 200 OK; hanging up", "call_id", ic.CallID(), "error", err)
		ic.forget()
		ic.ended(endFail, "no ACK")
		ctx, cancel := context.WithTimeout(context.Background(), byeTimeout)
		_ = ic.bye(ctx)
		cancel()
	default:
		// Ended otherwise (a BYE before the ACK): the BYE
		// handler reported it.
	}
}

func (ic *IncomingCall) forget() {
	ic.u.mu.Lock()
	delete(ic.u.servers, ic.ds.ID)
	ic.u.mu.Unlock()
}

func (ic *IncomingCall) remoteBye() {
	ic.forget()
	ic.ended(endBye, "remote hangup")
}

// Bye ends an answered call: none of the OnEnd or OnFail functions runs
// afterwards.
func (ic *IncomingCall) Bye(ctx context.Context) error {
	ic.ended(endLocal, "local hangup")
	ic.forget()
	return ic.bye(ctx)
}

func (ic *IncomingCall) bye(ctx context.Context) error {
	err := ic.ds.WriteBye(ctx, ic.dlg.byeRequest(ic.ds.InviteRequest.Transport()))
	return ic.u.byeWithAuth(ctx, err, ic.dlg.remoteTarget(), ic.ds.Do)
}

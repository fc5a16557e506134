package sip

import (
	"context"
	"errors"
	"sync"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"
)

// OutgoingCall is an INVITE we sent.
type OutgoingCall struct {
	u       *UA
	viaHost string
	ds      *sipgo.DialogClientSession
	dlg     *Dialog // set once answered
	offer   []byte
	mu      sync.Mutex
	onBye   func()
	onFail  func(reason string) // OnFail
	byeOnce sync.Once
	early   func(sdp []byte)    // OnEarlyMedia
	onRedir func(target string) // OnRedirect
	rseqs   map[string]uint32   // last RSeq PRACKed, by To tag
	id      string
	dtmf    dtmfHook // digits received by INFO
}

// HeaderField is an extra header of a request we send, e.g. the Replaces
// and Referred-By of a call placed for a transfer.
type HeaderField struct {
	Name, Value string
}

// Invite sends an INVITE with the SDP offer to target. host, when not
// empty, is the host written in our Via and Contact for this call (our
// address as the peer must see it, e.g. behind NAT); extra headers are
// added as they are. A TLS certificate that does not verify is a
// *CertificateError.
func (u *UA) Invite(ctx context.Context, target URI, offer []byte, host string, extra ...HeaderField) (*OutgoingCall, error) {
	t := target.sipgo()
	req := gosip.NewRequest(gosip.INVITE, t)
	u.addVia(req, host)
	req.AppendHeader(u.fromHeader())
	req.AppendHeader(&gosip.ToHeader{Address: gosip.Uri{Scheme: t.Scheme, User: t.User, Host: t.Host, Port: t.Port}})
	req.AppendHeader(u.contactFor(host))
	req.AppendHeader(allowHeader())
	u.rel100Headers(req)
	u.timerInviteHeaders(req)
	req.AppendHeader(gosip.NewHeader("Content-Type", "application/sdp"))
	for _, h := range extra {
		req.AppendHeader(gosip.NewHeader(h.Name, h.Value))
	}
	u.commonHeaders(req)
	req.SetBody(offer)
	u.route(req)
	ds, err := u.dialog.WriteInvite(ctx, req)
	if err != nil {
		return nil, certificateError(err)
	}
	return &OutgoingCall{u: u, ds: ds, offer: offer, viaHost: host}, nil
}

// CallID is the SIP Call-ID.
func (oc *OutgoingCall) CallID() string { return oc.ds.InviteRequest.CallID().Value() }

// LocalURI is our From URI.
func (oc *OutgoingCall) LocalURI() string { return oc.ds.InviteRequest.From().Address.String() }

// WaitAnswer waits for the final response. onProvisional sees each 1xx.
// On success it returns the answer's body. A 401/407 challenge is answered
// with our credentials by a new INVITE (same dialog identifiers, new CSeq
// and branch).
//
// Canceling ctx sends CANCEL (after the first provisional response, as RFC
// 3261 §9.1 requires); canceling it with cause ErrAbandoned abandons the
// transaction without CANCEL. The errors are a *StatusError for a final
// error response, ErrCanceled (also matching ctx's cause) when ctx ended
// the wait, ErrNoResponse when no final response came, an
// *UnreachableError when an ICMP error came back instead (no CANCEL is
// sent then), or a transport error.
func (oc *OutgoingCall) WaitAnswer(ctx context.Context, onProvisional func(code int, reason string)) ([]byte, error) {
	uctx, ustop := oc.u.unreach.watch(ctx, oc.CallID())
	defer ustop()
	wctx, stop := waitContext(uctx)
	defer stop()
	opts := sipgo.AnswerOptions{
		OnResponse: func(res *gosip.Response) error {
			if res.IsProvisional() && oc.newProvisional(res) {
				if onProvisional != nil {
					onProvisional(res.StatusCode, res.Reason)
				}
				oc.earlyMedia(res)
			}
			return nil
		},
	}
	res, err := oc.waitFinal(wctx, opts)
	if err == nil {
		res, err = oc.retryTooSmall(wctx, res, opts)
	}
	tried := map[string]bool{uriKey(oc.ds.InviteRequest.Recipient): true}
	for hops := 0; err == nil; hops++ {
		next := func() *gosip.Request { return oc.ds.InviteRequest.Clone() }
		res, err = oc.u.retryChallenged(wctx, res, next, func(ctx context.Context, req *gosip.Request) (*gosip.Response, error) {
			res, err := oc.reinvite(ctx, req, opts)
			if err != nil {
				return nil, err
			}
			return oc.retryTooSmall(ctx, res, opts)
		})
		if err != nil || hops >= maxRedirects {
			break
		}
		target, ok := redirectTarget(res, tried)
		if !ok {
			break
		}
		res, err = oc.redirect(wctx, target, opts)
	}
	if ue := unreachableCause(uctx); ue != nil {
		return nil, ue
	}
	if err != nil {
		return nil, inviteError(ctx, err)
	}
	if !res.IsSuccess() {
		return nil, &StatusError{Code: res.StatusCode, Reason: res.Reason}
	}
	oc.dlg = oc.newDialog()
	oc.u.mu.Lock()
	oc.id = oc.ds.ID
	oc.u.clients[oc.id] = oc
	oc.u.mu.Unlock()
	return oc.ds.InviteResponse.Body(), nil
}

// waitContext is the context handed to sipgo's WaitAnswer: it ends with
// ctx, and when ctx's cause is ErrAbandoned, with the cause sipgo reads as
// "abandon without CANCEL". stop releases it.
func waitContext(ctx context.Context) (wctx context.Context, stop func()) {
	wctx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	unhook := context.AfterFunc(ctx, func() {
		cause := context.Cause(ctx)
		if errors.Is(cause, ErrAbandoned) || errors.Is(cause, ErrUnreachable) {
			// No CANCEL: abandoned, or nobody to send it to.
			cause = sipgo.WaitAnswerForceCancelErr
		}
		cancel(cause)
	})
	return wctx, func() {
		unhook()
		cancel(nil)
	}
}

// waitFinal waits for the final response to the current INVITE.
func (oc *OutgoingCall) waitFinal(ctx context.Context, opts sipgo.AnswerOptions) (*gosip.Response, error) {
	err := oc.ds.WaitAnswer(ctx, opts)
	if err == nil {
		return oc.ds.InviteResponse, nil
	}
	var de *sipgo.ErrDialogResponse
	if errors.As(err, &de) {
		return de.Res, nil
	}
	return nil, err
}

// reinvite sends req, an authorized copy of our INVITE, with a new CSeq
// and branch, and waits for its final response.
func (oc *OutgoingCall) reinvite(ctx context.Context, req *gosip.Request, opts sipgo.AnswerOptions) (*gosip.Response, error) {
	req.RemoveHeader("Via")
	oc.u.addVia(req, oc.viaHost)
	req.CSeq().SeqNo++
	ds, err := oc.u.dialog.WriteInvite(ctx, req)
	if err != nil {
		return nil, err
	}
	oc.mu.Lock()
	oc.ds = ds
	oc.mu.Unlock()
	return oc.waitFinal(ctx, opts)
}

// AnsweredAfterCancel reports whether a 200 OK crossed our CANCEL: the call
// must then be acknowledged and hung up.
func (oc *OutgoingCall) AnsweredAfterCancel() bool {
	r := oc.ds.InviteResponse
	return r != nil && r.IsSuccess()
}

// OnBye registers what to call when the callee hangs up.
func (oc *OutgoingCall) OnBye(f func()) {
	oc.mu.Lock()
	oc.onBye = f
	oc.mu.Unlock()
}

func (oc *OutgoingCall) remoteBye() {
	oc.mu.Lock()
	f := oc.onBye
	oc.mu.Unlock()
	if f != nil {
		oc.byeOnce.Do(f)
	}
	oc.forget()
}

func (oc *OutgoingCall) forget() {
	oc.u.mu.Lock()
	delete(oc.u.clients, oc.id)
	oc.u.mu.Unlock()
}

// Ack acknowledges the 200 OK.
func (oc *OutgoingCall) Ack(ctx context.Context) error { return oc.ds.Ack(ctx) }

// Bye hangs up an established call.
func (oc *OutgoingCall) Bye(ctx context.Context) error {
	oc.byeOnce.Do(func() {})
	defer oc.forget()
	return oc.sendBye(ctx)
}

// sendBye sends a BYE to the dialog's remote target.
func (oc *OutgoingCall) sendBye(ctx context.Context) error {
	if oc.dlg == nil { // a 200 OK that crossed our CANCEL
		err := oc.ds.Bye(ctx)
		target := oc.ds.InviteRequest.Recipient
		if c := oc.ds.InviteResponse.Contact(); c != nil {
			target = c.Address
		}
		return oc.u.byeWithAuth(ctx, err, target, oc.ds.Do)
	}
	err := oc.ds.WriteBye(ctx, oc.dlg.byeRequest(oc.ds.InviteRequest.Transport()))
	return oc.u.byeWithAuth(ctx, err, oc.dlg.remoteTarget(), oc.ds.Do)
}

// newDialog is the answered call's dialog for in-dialog requests.
func (oc *OutgoingCall) newDialog() *Dialog {
	ds := oc.ds
	d := &Dialog{
		u: oc.u, ownsCallID: true, do: ds.Do, write: ds.WriteRequest,
		target: func() gosip.Uri {
			if c := ds.InviteResponse.Contact(); c != nil {
				return *c.Address.Clone()
			}
			return *ds.InviteRequest.Recipient.Clone()
		},
	}
	// sipgo seeds the client dialog's remote CSeq with our INVITE's: the
	// peer's own numbering is checked here instead.
	var mu sync.Mutex
	var last uint32
	seen := false
	d.read = func(req *gosip.Request, _ gosip.ServerTransaction) error {
		mu.Lock()
		defer mu.Unlock()
		n := req.CSeq().SeqNo
		if seen && n < last {
			return sipgo.ErrDialogInvalidCseq
		}
		last, seen = n, true
		return nil
	}
	d.setHost(oc.viaHost)
	d.onNoAck = oc.reinviteNoAck
	d.st = oc.u.newDialogTimer(answeredTimer(ds.InviteResponse), ds.InviteResponse)
	return d
}

// Dialog is the call's dialog for in-dialog requests; nil until answered.
func (oc *OutgoingCall) Dialog() *Dialog { return oc.dlg }

package sip

import (
	"context"

	gosip "github.com/emiago/sipgo/sip"
)

// This file holds requests we send outside a dialog (INVITE aside, see
// call_outgoing.go; REGISTER, see register.go).

// do sends an out-of-dialog request and waits for its final response,
// answering 401/407 challenges with our credentials (a new CSeq and branch
// each time). A TLS certificate that does not verify is a
// *CertificateError.
func (u *UA) do(ctx context.Context, req *gosip.Request) (*gosip.Response, error) {
	res, err := u.doWatched(ctx, req)
	if err != nil {
		return nil, err
	}
	next := func() *gosip.Request { return req }
	return u.retryChallenged(ctx, res, next, func(ctx context.Context, r *gosip.Request) (*gosip.Response, error) {
		r.RemoveHeader("Via")
		if cseq := r.CSeq(); cseq != nil {
			cseq.SeqNo++
		}
		return u.cli.Do(ctx, r)
	})
}

// doWatched sends req and waits for its final response; an ICMP error for
// it (unreachable.go) ends the wait at once with an *UnreachableError.
func (u *UA) doWatched(ctx context.Context, req *gosip.Request) (*gosip.Response, error) {
	if req.CallID() == nil {
		// sipgo would add one while sending: the watch needs it first.
		id := gosip.CallIDHeader(gosip.GenerateTagN(24))
		req.AppendHeader(&id)
	}
	callID := req.CallID().Value()
	u.unreach.forget(callID)
	wctx, stop := u.unreach.watch(ctx, callID)
	defer stop()
	res, err := u.cli.Do(wctx, req)
	if ue := unreachableCause(wctx); ue != nil {
		return nil, ue
	}
	if err != nil {
		return nil, certificateError(err)
	}
	return res, nil
}

// Message sends a MESSAGE (RFC 3428) and returns its final response.
func (u *UA) Message(ctx context.Context, target URI, contentType string, body []byte) (*gosip.Response, error) {
	t := target.sipgo()
	req := gosip.NewRequest(gosip.MESSAGE, t)
	req.AppendHeader(u.fromHeader())
	req.AppendHeader(&gosip.ToHeader{Address: gosip.Uri{Scheme: t.Scheme, User: t.User, Host: t.Host, Port: t.Port}})
	if contentType == "" {
		contentType = "text/plain"
	}
	req.AppendHeader(gosip.NewHeader("Content-Type", contentType))
	u.commonHeaders(req)
	req.SetBody(body)
	u.route(req)
	return u.do(ctx, req)
}

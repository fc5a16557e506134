package sip

import (
	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"
)

// This file holds the server side of the UA: the handlers of the requests
// we receive. An INVITE that starts a call is then served by its
// IncomingCall (call_incoming.go).

// handle routes each method to its handler, behind the Request-URI check
// (request_uri.go).
func (u *UA) handle(srv *sipgo.Server) {
	for m, h := range u.handlers() {
		srv.OnRequest(m, u.forUs(h))
	}
	srv.OnNoRoute(u.forUs(u.handleUnknown))
}

// handlers are the handlers of the methods we implement; any other method
// goes to handleUnknown.
func (u *UA) handlers() map[gosip.RequestMethod]sipgo.RequestHandler {
	return map[gosip.RequestMethod]sipgo.RequestHandler{
		gosip.INVITE:    u.handleInvite,
		gosip.ACK:       u.handleAck,
		gosip.BYE:       u.handleBye,
		gosip.CANCEL:    u.handleCancel,
		gosip.UPDATE:    u.handleUpdate,
		gosip.PRACK:     u.handlePrack,
		gosip.OPTIONS:   u.handleOptions,
		gosip.NOTIFY:    u.handleNotify,
		gosip.REFER:     u.handleRefer,
		gosip.INFO:      u.handleInfo,
		gosip.MESSAGE:   u.handleInfoLike,
		gosip.SUBSCRIBE: u.handleSubscribe,
	}
}

func (u *UA) handleOptions(req *gosip.Request, tx gosip.ServerTransaction) {
	if code, reason, hdrs := validate(req); code != 0 {
		u.respond(req, tx, code, reason, hdrs...)
		return
	}
	u.respond(req, tx, 200, "OK", allowHeader(),
		gosip.NewHeader("Accept", "application/sdp"),
		gosip.NewHeader("Accept-Language", "en"))
}

func (u *UA) handleUnknown(req *gosip.Request, tx gosip.ServerTransaction) {
	if code, reason, hdrs := validate(req); code != 0 {
		u.respond(req, tx, code, reason, hdrs...)
		return
	}
	u.respond(req, tx, 501, "Not Implemented", allowHeader())
}

// handleInfoLike answers NOTIFY, INFO and MESSAGE with 200 OK and reports
// them to the application (message-waiting indications, DTMF by INFO,
// texts).
func (u *UA) handleInfoLike(req *gosip.Request, tx gosip.ServerTransaction) {
	if code, reason, hdrs := validate(req); code != 0 {
		u.respond(req, tx, code, reason, hdrs...)
		return
	}
	u.respond(req, tx, 200, "OK")
	if u.cfg.OnRequest == nil {
		return
	}
	ct := ""
	if h := req.ContentType(); h != nil {
		ct = h.Value()
	}
	u.cfg.OnRequest(Request{
		Method:      string(req.Method),
		From:        req.From().Address.String(),
		CallID:      req.CallID().Value(),
		ContentType: ct,
		Body:        req.Body(),
	})
}

func (u *UA) handleCancel(req *gosip.Request, tx gosip.ServerTransaction) {
	// A CANCEL that matched a pending INVITE was answered by the
	// transaction layer; this one matches nothing.
	u.respond(req, tx, 481, "Call/Transaction Does Not Exist")
}

func (u *UA) handleAck(req *gosip.Request, tx gosip.ServerTransaction) {
	id, err := gosip.DialogIDFromRequestUAS(req)
	if err != nil {
		return
	}
	u.mu.Lock()
	ic := u.servers[id]
	u.mu.Unlock()
	if ic != nil {
		// sipgo's ReadAck confirms the dialog with the ACK of the INVITE
		// that set it up; the ACK of a later re-INVITE belongs to that
		// re-INVITE alone (its CSeq need not be the dialog's last: the
		// peer's next request may already have been read).
		if !ic.isAcked() {
			if err := ic.ds.ReadAck(req, tx); err != nil {
				u.log.Debug("sip: ACK not accepted", "error", err)
				return
			}
			ic.ackReceived()
		}
		ic.dlg.gotAck(req)
		return
	}
	if d := u.dialogOf(req); d != nil {
		d.gotAck(req) // the ACK of a re-INVITE on an outgoing call's dialog
	}
}

func (u *UA) handleBye(req *gosip.Request, tx gosip.ServerTransaction) {
	if code, reason, hdrs := validate(req); code != 0 {
		u.respond(req, tx, code, reason, hdrs...)
		return
	}
	if id, err := gosip.DialogIDFromRequestUAS(req); err == nil {
		u.mu.Lock()
		ic := u.servers[id]
		u.mu.Unlock()
		if ic != nil {
			if err := ic.ds.ReadBye(req, tx); err != nil {
				u.respond(req, tx, 481, "Call/Transaction Does Not Exist")
				return
			}
			ic.remoteBye()
			return
		}
	}
	if id, err := gosip.DialogIDFromRequestUAC(req); err == nil {
		u.mu.Lock()
		oc := u.clients[id]
		u.mu.Unlock()
		if oc != nil {
			if err := oc.ds.ReadBye(req, tx); err != nil {
				u.respond(req, tx, 481, "Call/Transaction Does Not Exist")
				return
			}
			oc.remoteBye()
			return
		}
	}
	u.respond(req, tx, 481, "Call/Transaction Does Not Exist")
}

func (u *UA) handleInvite(req *gosip.Request, tx gosip.ServerTransaction) {
	if code, reason, hdrs := validate(req); code != 0 {
		u.respond(req, tx, code, reason, hdrs...)
		return
	}
	if to := req.To(); to != nil && to.Params.Has("tag") {
		u.handleReInvite(req, tx)
		return
	}
	if req.Contact() == nil {
		u.respond(req, tx, 400, "Missing Contact")
		return
	}
	// RFC 3261 §8.2.2.2: a second INVITE of the same call (same Call-ID
	// and From tag, another transaction), e.g. forked back to us, is a
	// loop or merged request.
	if u.isMerged(req) {
		u.respond(req, tx, 482, "Loop Detected")
		return
	}
	// RFC 3891 §3: an INVITE with Replaces naming no dialog of ours.
	if h := req.GetHeader("Replaces"); h != nil && u.replacedDialog(h.Value()) == nil {
		u.respond(req, tx, 481, "Call/Transaction Does Not Exist")
		return
	}
	// Full or closing: 503 before anything is spent on the call. The
	// check is made again as the call joins the table, exactly.
	u.mu.Lock()
	refuse := u.refusesCallsLocked()
	u.mu.Unlock()
	if refuse {
		u.refuseCall(req, tx)
		return
	}
	reliable, code, reason, hdrs := u.reliableFor(req)
	if code != 0 {
		u.respond(req, tx, code, reason, hdrs...)
		return
	}
	if u.tooSmall(req, tx) {
		return
	}
	u.respond(req, tx, 100, "Trying")
	ds, err := u.dialog.ReadInvite(req, tx)
	if err != nil {
		u.respond(req, tx, 400, "Bad Request")
		return
	}
	ic := newIncomingCall(u, req, ds)
	ic.rel.on = reliable
	u.mu.Lock()
	if u.refusesCallsLocked() {
		u.mu.Unlock()
		u.refuseCall(req, tx)
		return
	}
	u.servers[ds.ID] = ic
	u.mu.Unlock()
	// The decision (answer, reject) may be taken in OnInvite itself or
	// later from any goroutine; serve, on this goroutine, carries it out.
	if u.cfg.OnInvite == nil {
		// Its error is the dialog's, reported to no one: there is no call.
		go func() { _ = ic.Reject(486, "Busy Here") }()
	} else {
		go u.cfg.OnInvite(ic)
	}
	ic.serve()
}

// isMerged reports whether an incoming call with req's Call-ID and From
// tag exists already.
func (u *UA) isMerged(req *gosip.Request) bool {
	tag, _ := req.From().Params.Get("tag")
	callID := req.CallID().Value()
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, ic := range u.servers {
		r := ic.req
		if r.CallID().Value() != callID {
			continue
		}
		if t, _ := r.From().Params.Get("tag"); t == tag {
			return true
		}
	}
	return false
}

// handleReInvite serves a re-INVITE in an existing dialog, on either
// side of it (dialog.go).
func (u *UA) handleReInvite(req *gosip.Request, tx gosip.ServerTransaction) {
	d := u.dialogOf(req)
	if d == nil {
		u.respond(req, tx, 481, "Call/Transaction Does Not Exist")
		return
	}
	d.handleOffer(req, tx)
}

// handleUpdate serves an UPDATE (RFC 3311). One outside an established
// dialog (an early dialog's included) gets 481.
func (u *UA) handleUpdate(req *gosip.Request, tx gosip.ServerTransaction) {
	if code, reason, hdrs := validate(req); code != 0 {
		u.respond(req, tx, code, reason, hdrs...)
		return
	}
	u.handleReInvite(req, tx)
}

func (u *UA) respond(req *gosip.Request, tx gosip.ServerTransaction, code int, reason string, headers ...gosip.Header) {
	res := gosip.NewResponseFromRequest(req, code, reason, nil)
	for _, h := range headers {
		res.AppendHeader(h)
	}
	u.commonHeaders(res)
	if err := tx.Respond(res); err != nil {
		u.log.Debug("sip: respond failed", "code", code, "error", err)
	}
}

func allowHeader() gosip.Header { return gosip.NewHeader("Allow", AllowedMethods) }

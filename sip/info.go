package sip

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// This file holds DTMF carried by SIP INFO in a call's dialog (RFC 6086's
// legacy usage, as Cisco, Asterisk, FreeSWITCH and most phones send it):
// application/dtmf-relay ("Signal=5\r\nDuration=160\r\n") and
// application/dtmf ("5"), received and sent.
//
// A received DTMF INFO is answered 200 and becomes one digit of its call;
// one whose body names no digit gets 400 (RFC 3261 §21.4.1: the body is
// malformed; a 4xx to an INFO does not end the dialog, RFC 5057 §5.3); one
// outside any dialog gets 481. Other INFO bodies are reported as before
// (handleInfoLike).

// The content types of DTMF INFO bodies.
const (
	ContentTypeDTMFRelay = "application/dtmf-relay"
	ContentTypeDTMF      = "application/dtmf"
)

// infoTimeout bounds one INFO transaction we send (below Timer F, 32 s).
const infoTimeout = 10 * time.Second

// maxDTMFDuration is the longest Duration we write (RFC 4733's limit of
// one event, in ms, is far above any key press).
const maxDTMFDuration = 10 * time.Second

var errNotDTMF = errors.New("sip: the INFO body names no DTMF digit")

// dtmfHook holds what a call does with a digit received by INFO.
type dtmfHook struct {
	mu sync.Mutex
	f  func(digit byte)
}

func (h *dtmfHook) set(f func(byte)) {
	h.mu.Lock()
	h.f = f
	h.mu.Unlock()
}

func (h *dtmfHook) get() func(byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.f
}

// OnDTMF registers what to call for each digit the caller sends by INFO.
func (ic *IncomingCall) OnDTMF(f func(digit byte)) { ic.dtmf.set(f) }

// OnDTMF registers what to call for each digit the callee sends by INFO.
func (oc *OutgoingCall) OnDTMF(f func(digit byte)) { oc.dtmf.set(f) }

// isDTMFInfo reports whether a Content-Type is one of the DTMF ones.
func isDTMFInfo(ct string) bool {
	mt := strings.ToLower(mediaType(ct))
	return mt == ContentTypeDTMFRelay || mt == ContentTypeDTMF
}

// parseDTMFInfo returns the digit ('0'-'9', '*', '#', 'A'-'D') of a DTMF
// INFO body of content type ct, or errNotDTMF.
func parseDTMFInfo(ct string, body []byte) (byte, error) {
	if strings.EqualFold(mediaType(ct), ContentTypeDTMF) {
		return dtmfSignal(strings.TrimSpace(string(body)))
	}
	for _, line := range strings.Split(string(body), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "signal") {
			return dtmfSignal(strings.TrimSpace(v))
		}
	}
	return 0, errNotDTMF
}

// dtmfSignal reads a Signal value: a key ("5", "*", "a") or an RFC 4733
// event number ("10" is '*', "11" '#', "12".."15" 'A'..'D'), as some
// gateways write them.
func dtmfSignal(s string) (byte, error) {
	if len(s) == 1 {
		c := s[0]
		switch {
		case c >= '0' && c <= '9', c == '*', c == '#', c >= 'A' && c <= 'D':
			return c, nil
		case c >= 'a' && c <= 'd':
			return c - 'a' + 'A', nil
		}
		return 0, errNotDTMF
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 10 || n > 15 {
		return 0, errNotDTMF
	}
	return "*#ABCD"[n-10], nil
}

// handleInfo serves an INFO: DTMF bodies here, any other as before.
func (u *UA) handleInfo(req *gosip.Request, tx gosip.ServerTransaction) {
	ct := ""
	if h := req.ContentType(); h != nil {
		ct = h.Value()
	}
	if !isDTMFInfo(ct) {
		u.handleInfoLike(req, tx)
		return
	}
	if code, reason, hdrs := validate(req); code != 0 {
		u.respond(req, tx, code, reason, hdrs...)
		return
	}
	hook, read := u.dtmfDialog(req)
	if hook == nil {
		u.respond(req, tx, 481, "Call/Transaction Does Not Exist")
		return
	}
	// RFC 3261 §12.2.2: a request older than the last one is out of order.
	if err := read(req, tx); err != nil {
		u.respond(req, tx, 500, "Server Internal Error")
		return
	}
	digit, err := parseDTMFInfo(ct, req.Body())
	if err != nil {
		u.respond(req, tx, 400, "Bad DTMF Body")
		return
	}
	// The digit is handed on before the 200 goes out: the sender sends its
	// next INFO only after that 200, so digits keep their order even
	// though each INFO is served on a goroutine of its own.
	if f := hook.get(); f != nil {
		f(digit)
	}
	u.respond(req, tx, 200, "OK")
}

// dtmfDialog finds the dialog of an in-dialog request, either side: its
// digit hook and what checks the request's CSeq.
func (u *UA) dtmfDialog(req *gosip.Request) (*dtmfHook, func(*gosip.Request, gosip.ServerTransaction) error) {
	var ic *IncomingCall
	var oc *OutgoingCall
	u.mu.Lock()
	if id, err := gosip.DialogIDFromRequestUAS(req); err == nil {
		ic = u.servers[id]
	}
	if id, err := gosip.DialogIDFromRequestUAC(req); err == nil && ic == nil {
		oc = u.clients[id]
	}
	u.mu.Unlock()
	switch {
	case ic != nil:
		return &ic.dtmf, ic.dlg.readInOrder
	case oc != nil:
		oc.mu.Lock()
		defer oc.mu.Unlock()
		return &oc.dtmf, oc.ds.ReadRequest
	}
	return nil, nil
}

// dtmfRelayBody is the application/dtmf-relay body of one key press.
func dtmfRelayBody(digit byte, duration time.Duration) []byte {
	ms := min(max(duration, 0), maxDTMFDuration).Milliseconds()
	return fmt.Appendf(nil, "Signal=%c\r\nDuration=%d\r\n", digit, ms)
}

// infoRequest builds an INFO carrying one key press to target; the dialog
// fills in the rest.
func (u *UA) infoRequest(target gosip.Uri, digit byte, duration time.Duration) *gosip.Request {
	req := gosip.NewRequest(gosip.INFO, *target.Clone())
	req.AppendHeader(gosip.NewHeader("Content-Type", ContentTypeDTMFRelay))
	u.commonHeaders(req)
	req.SetBody(dtmfRelayBody(digit, duration))
	return req
}

// sendDTMF sends one key press by INFO to target with do (the dialog's
// Do), answering a 401/407 once more with our credentials. It returns nil
// on 2xx, a *StatusError for another final response, or the transport's
// error.
func (u *UA) sendDTMF(ctx context.Context, target gosip.Uri, digit byte, duration time.Duration,
	do func(context.Context, *gosip.Request) (*gosip.Response, error),
) error {
	if _, err := dtmfSignal(string(digit)); err != nil {
		return fmt.Errorf("sip: %q is not a DTMF digit", digit)
	}
	ctx, cancel := context.WithTimeout(ctx, infoTimeout)
	defer cancel()
	next := func() *gosip.Request { return u.infoRequest(target, digit, duration) }
	res, err := do(ctx, next())
	if err == nil {
		res, err = u.retryChallenged(ctx, res, next, do)
	}
	if err != nil {
		return err
	}
	if !res.IsSuccess() {
		return &StatusError{Code: res.StatusCode, Reason: res.Reason}
	}
	return nil
}

// SendDTMF sends one key press ('0'-'9', '*', '#', 'A'-'D') lasting
// duration to the caller by INFO (application/dtmf-relay) and waits for
// its final response: nil on 2xx, a *StatusError otherwise.
func (ic *IncomingCall) SendDTMF(ctx context.Context, digit byte, duration time.Duration) error {
	return ic.u.sendDTMF(ctx, ic.ds.InviteRequest.Contact().Address, digit, duration, ic.dlg.doReady)
}

// SendDTMF sends one key press ('0'-'9', '*', '#', 'A'-'D') lasting
// duration to the callee by INFO (application/dtmf-relay) and waits for
// its final response: nil on 2xx, a *StatusError otherwise.
func (oc *OutgoingCall) SendDTMF(ctx context.Context, digit byte, duration time.Duration) error {
	oc.mu.Lock()
	ds := oc.ds
	oc.mu.Unlock()
	target := ds.InviteRequest.Recipient
	if res := ds.InviteResponse; res != nil {
		if c := res.Contact(); c != nil {
			target = c.Address
		}
	}
	return oc.u.sendDTMF(ctx, target, digit, duration, ds.Do)
}

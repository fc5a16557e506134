package sip

import (
	"context"
	"strconv"
	"strings"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"
)

// This file is RFC 4028, session timers, on both sides of a dialog: the
// option (SessionTimers), the Supported, Session-Expires and Min-SE of the
// INVITEs, re-INVITEs and UPDATEs we send and answer, 422 both ways, the
// refresher chosen as RFC 4028 §9 says, and Dialog.Refresh. The clock
// itself (a refresh at half the interval, a BYE before expiry) is the
// call owner's: it reads Dialog.SessionTimer and Session.Refreshed.

// tagTimer is RFC 4028's option tag.
const tagTimer = "timer"

// MinSessionExpires is RFC 4028's lowest session interval, in seconds: the
// Min-SE of a request that has none.
const MinSessionExpires = 90

// maxTooSmall bounds the re-sends of a request answered 422.
const maxTooSmall = 2

// SessionTimers configures RFC 4028 session timers. The zero value asks
// for none but honours the peer's, with a minimum of 90 s.
type SessionTimers struct {
	// Expires is the session interval, in seconds, our INVITEs ask for
	// and our answers give a request that asked for none; 0 asks for no
	// session timer (a peer's is still honoured). It is raised to MinSE.
	Expires int
	// MinSE is the smallest session interval we accept, in seconds: a
	// request asking for less is answered 422 with Min-SE. 0 means 90.
	MinSE int
}

func (s SessionTimers) minSE() int {
	if s.MinSE <= 0 {
		return MinSessionExpires
	}
	return s.MinSE
}

// interval is the session interval we ask for (0: none).
func (s SessionTimers) interval() int {
	if s.Expires <= 0 {
		return 0
	}
	return max(s.Expires, s.minSE())
}

// SessionTimer is a dialog's session timer as last negotiated.
type SessionTimer struct {
	// Expires is the session interval in seconds; 0 when the session
	// does not expire.
	Expires int
	// Local tells that we are the refresher; else the peer is.
	Local bool
}

// dialogTimer is a dialog's session-timer state; Dialog.mu guards it.
type dialogTimer struct {
	cur    SessionTimer
	want   int  // the interval asked for while cur has none (0: none)
	minSE  int  // the Min-SE our requests carry
	update bool // the peer allows UPDATE
}

// interval is what a refresh of ours asks for, and the refresher param
// that keeps the roles as they are ("" when no timer runs).
func (t *dialogTimer) interval() (int, string) {
	switch {
	case t.cur.Expires == 0:
		return t.want, ""
	case t.cur.Local:
		return t.cur.Expires, "uac"
	}
	return t.cur.Expires, "uas"
}

// raise takes a 422's Min-SE: it reports whether the interval grew (and
// a re-send may succeed).
func (t *dialogTimer) raise(res *gosip.Response) bool {
	m := parseMinSE(res)
	if n, _ := t.interval(); m <= n {
		return false
	}
	t.minSE = m
	if t.cur.Expires > 0 {
		t.cur.Expires = m
	} else {
		t.want = m
	}
	return true
}

// parseSessionExpires reads a Session-Expires header (or its compact form
// x): the interval and the refresher ("uac", "uas" or "").
func parseSessionExpires(m headerLister) (secs int, refresher string, ok bool) {
	hs := m.GetHeaders("Session-Expires")
	if len(hs) == 0 {
		hs = m.GetHeaders("x")
	}
	if len(hs) == 0 {
		return 0, "", false
	}
	parts := strings.Split(hs[0].Value(), ";")
	secs, err := strconv.Atoi(strings.TrimSpace(parts[0]))
	if err != nil || secs <= 0 || secs > 1<<31 {
		return 0, "", false
	}
	for _, p := range parts[1:] {
		k, v, _ := strings.Cut(p, "=")
		if strings.EqualFold(strings.TrimSpace(k), "refresher") {
			refresher = strings.ToLower(strings.TrimSpace(v))
		}
	}
	if refresher != "uac" && refresher != "uas" {
		refresher = ""
	}
	return secs, refresher, true
}

// parseMinSE reads a Min-SE header; 0 when there is none or it is bad.
func parseMinSE(m headerLister) int {
	hs := m.GetHeaders("Min-SE")
	if len(hs) == 0 {
		return 0
	}
	v, _, _ := strings.Cut(hs[0].Value(), ";")
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n <= 0 || n > 1<<31 {
		return 0
	}
	return n
}

// timerRequestHeaders are a request's Supported: timer, Session-Expires
// (when secs > 0, with refresher when not "") and Min-SE (when not 90).
func timerRequestHeaders(secs, minSE int, refresher string) []gosip.Header {
	hs := []gosip.Header{gosip.NewHeader("Supported", tagTimer)}
	if secs > 0 {
		v := strconv.Itoa(secs)
		if refresher != "" {
			v += ";refresher=" + refresher
		}
		hs = append(hs, gosip.NewHeader("Session-Expires", v))
	}
	if minSE != MinSessionExpires {
		hs = append(hs, gosip.NewHeader("Min-SE", strconv.Itoa(minSE)))
	}
	return hs
}

// timerAnswer is our answer to a request's session timer.
type timerAnswer struct {
	secs         int  // the session interval; 0: none
	uacRefreshes bool // the request's sender refreshes
	require      bool // the 2xx carries Require: timer
}

// answerTimer is the session timer our 2xx gives req (RFC 4028 §9), or,
// when req's interval is below our Min-SE, the Min-SE of a 422 (tooSmall
// > 0). A request without Session-Expires gets ours when we ask for one;
// without a refresher param, the sender refreshes when it supports timers,
// else we do.
func (u *UA) answerTimer(req *gosip.Request) (a timerAnswer, tooSmall int) {
	ours := u.cfg.SessionTimers
	secs, refresher, ok := parseSessionExpires(req)
	if ok && secs < ours.minSE() {
		return timerAnswer{}, ours.minSE()
	}
	supports := hasOptionTag(req, "Supported", tagTimer) || hasOptionTag(req, "Require", tagTimer)
	if !ok {
		if ours.interval() == 0 {
			return timerAnswer{}, 0
		}
		secs = max(ours.interval(), parseMinSE(req))
	}
	if refresher == "" {
		refresher = "uas"
		if supports {
			refresher = "uac"
		}
	}
	uac := refresher == "uac"
	return timerAnswer{secs: secs, uacRefreshes: uac, require: supports || uac}, 0
}

// headers are the session-timer headers of our 2xx.
func (a timerAnswer) headers() []gosip.Header {
	hs := []gosip.Header{gosip.NewHeader("Supported", tagTimer)}
	if a.secs == 0 {
		return hs
	}
	r := "uas"
	if a.uacRefreshes {
		r = "uac"
	}
	hs = append(hs, gosip.NewHeader("Session-Expires", strconv.Itoa(a.secs)+";refresher="+r))
	if a.require {
		hs = append(hs, gosip.NewHeader("Require", tagTimer))
	}
	return hs
}

// timer is the dialog's session timer once our 2xx went out.
func (a timerAnswer) timer() SessionTimer {
	return SessionTimer{Expires: a.secs, Local: a.secs > 0 && !a.uacRefreshes}
}

// answeredTimer is the session timer a 2xx to our request sets.
func answeredTimer(res *gosip.Response) SessionTimer {
	secs, refresher, ok := parseSessionExpires(res)
	if !ok {
		return SessionTimer{}
	}
	return SessionTimer{Expires: secs, Local: refresher != "uas"}
}

// tooSmall answers 422 with our Min-SE to a request whose session interval
// is below it; it reports whether it did.
func (u *UA) tooSmall(req *gosip.Request, tx gosip.ServerTransaction) bool {
	_, minSE := u.answerTimer(req)
	if minSE == 0 {
		return false
	}
	u.respond(req, tx, 422, "Session Interval Too Small", gosip.NewHeader("Min-SE", strconv.Itoa(minSE)))
	return true
}

// timerInviteHeaders adds the session-timer headers of an INVITE we send.
func (u *UA) timerInviteHeaders(req *gosip.Request) {
	for _, h := range timerRequestHeaders(u.cfg.SessionTimers.interval(), u.cfg.SessionTimers.minSE(), "") {
		req.AppendHeader(h)
	}
}

// newDialogTimer is a dialog's session-timer state once set up: cur as
// negotiated, allow the peer's Allow header's holder.
func (u *UA) newDialogTimer(cur SessionTimer, allow headerLister) dialogTimer {
	return dialogTimer{
		cur: cur, want: u.cfg.SessionTimers.interval(), minSE: u.cfg.SessionTimers.minSE(),
		update: allow != nil && hasOptionTag(allow, "Allow", string(gosip.UPDATE)),
	}
}

// raiseInviteTimer rewrites req, our INVITE answered 422 by res, with the
// 422's Min-SE as its Session-Expires and Min-SE; it reports whether the
// interval grew.
func raiseInviteTimer(req *gosip.Request, res *gosip.Response) bool {
	m := parseMinSE(res)
	if cur, _, _ := parseSessionExpires(req); m <= cur {
		return false
	}
	req.RemoveHeader("Session-Expires")
	req.RemoveHeader("x")
	req.RemoveHeader("Min-SE")
	req.AppendHeader(gosip.NewHeader("Session-Expires", strconv.Itoa(m)))
	req.AppendHeader(gosip.NewHeader("Min-SE", strconv.Itoa(m)))
	return true
}

// retryTooSmall re-sends our INVITE while it is answered 422 (RFC 4028
// §7.4), at most maxTooSmall times: same Call-ID, a new CSeq, the
// interval raised to the 422's Min-SE.
func (oc *OutgoingCall) retryTooSmall(ctx context.Context, res *gosip.Response, opts sipgo.AnswerOptions) (*gosip.Response, error) {
	for i := 0; i < maxTooSmall && res.StatusCode == 422; i++ {
		req := oc.ds.InviteRequest.Clone()
		if !raiseInviteTimer(req, res) {
			break
		}
		var err error
		if res, err = oc.reinvite(ctx, req, opts); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// SessionTimer is the dialog's session timer as last negotiated.
func (d *Dialog) SessionTimer() SessionTimer {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.st.cur
}

// timerHeaders are the session-timer headers of a re-INVITE or UPDATE of
// ours: the current interval, its refresher kept.
func (d *Dialog) timerHeaders() []gosip.Header {
	d.mu.Lock()
	defer d.mu.Unlock()
	secs, refresher := d.st.interval()
	return timerRequestHeaders(secs, d.st.minSE, refresher)
}

// raiseTimer takes a 422 to our re-INVITE or UPDATE; it reports whether a
// re-send may succeed.
func (d *Dialog) raiseTimer(res *gosip.Response) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.st.raise(res)
}

// setTimer records a refreshed session timer and tells the Session.
func (d *Dialog) setTimer(t SessionTimer) {
	d.mu.Lock()
	d.st.cur = t
	f := d.session.Refreshed
	d.mu.Unlock()
	if f != nil {
		f(t)
	}
}

// Refresh refreshes the session (RFC 4028 §10): with an UPDATE without an
// offer when the peer allows UPDATE, else with a re-INVITE whose offer
// offer builds (as Reinvite, whose answer it returns; nil after an
// UPDATE). A 422 is retried with the interval it asks for, a 491 after
// RFC 3261 §14.1's delay. The new timer goes to Session.Refreshed.
func (d *Dialog) Refresh(ctx context.Context, offer func() []byte) ([]byte, error) {
	d.mu.Lock()
	update := d.st.update
	d.mu.Unlock()
	if !update {
		return d.Reinvite(ctx, offer)
	}
	if d.ready != nil {
		select {
		case <-d.ready:
		case <-ctx.Done():
			return nil, ErrNoDialog
		}
	}
	small, glare := 0, 0
	for {
		res, err := d.send(ctx, gosip.UPDATE, nil)
		switch {
		case err != nil:
			return nil, inviteError(ctx, err)
		case res.StatusCode == 422 && small < maxTooSmall && d.raiseTimer(res):
			small++
			continue
		case res.StatusCode == 491 && glare < maxGlareRetries:
			glare++
			if err := sleepCtx(ctx, glareDelay(d.ownsCallID)); err != nil {
				return nil, err
			}
			continue
		case !res.IsSuccess():
			return nil, &StatusError{Code: res.StatusCode, Reason: res.Reason}
		}
		return nil, nil
	}
}

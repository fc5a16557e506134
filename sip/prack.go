package sip

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// This file is RFC 3262, reliable provisional responses, on both sides of
// a call: the option (Rel100), the Supported/Require tags of our INVITEs,
// the reliable 18x we send (RSeq, retransmitted until PRACKed) and the
// PRACKs we answer, and the PRACKs we send for a peer's reliable 18x
// (prack_client.go).

// Rel100 is how a UA uses reliable provisional responses (RFC 3262).
type Rel100 int

// Rel100 modes. The zero value is Rel100Supported.
const (
	// Rel100Supported: our INVITEs carry Supported: 100rel; an incoming
	// INVITE that requires 100rel gets reliable 18x.
	Rel100Supported Rel100 = iota
	// Rel100Off: no 100rel at all; an INVITE that requires it gets 420.
	Rel100Off
	// Rel100Required: our INVITEs carry Require: 100rel; an incoming
	// INVITE that supports or requires it gets reliable 18x, one that
	// does neither gets 421 Extension Required.
	Rel100Required
)

var rel100Names = [...]string{"supported", "off", "required"}

// String is the mode's option value: "supported", "off" or "required".
func (r Rel100) String() string {
	if r >= 0 && int(r) < len(rel100Names) {
		return rel100Names[r]
	}
	return "unknown"
}

// ParseRel100 parses "off", "supported" or "required" (any case).
func ParseRel100(s string) (Rel100, error) {
	for i, n := range rel100Names {
		if strings.EqualFold(strings.TrimSpace(s), n) {
			return Rel100(i), nil
		}
	}
	return 0, fmt.Errorf("sip: 100rel mode %q is not off, supported or required", s)
}

// tag100rel is RFC 3262's option tag.
const tag100rel = "100rel"

// headerLister is a request or a response, as far as reading headers goes.
type headerLister interface {
	GetHeaders(name string) []gosip.Header
}

// hasOptionTag reports whether a header named name lists the option tag.
func hasOptionTag(m headerLister, name, tag string) bool {
	for _, h := range m.GetHeaders(name) {
		for _, t := range strings.Split(h.Value(), ",") {
			if strings.EqualFold(strings.TrimSpace(t), tag) {
				return true
			}
		}
	}
	return false
}

// rel100Headers adds our Supported or Require to an INVITE we send.
func (u *UA) rel100Headers(req *gosip.Request) {
	switch u.cfg.Rel100 {
	case Rel100Supported:
		req.AppendHeader(gosip.NewHeader("Supported", tag100rel))
	case Rel100Required:
		req.AppendHeader(gosip.NewHeader("Require", tag100rel))
	}
}

// reliableFor decides an incoming INVITE's provisional responses: reliable
// or not, or a refusal (code != 0: 420 when it requires 100rel and we
// have it off, 421 when we require it and the caller cannot do it).
func (u *UA) reliableFor(req *gosip.Request) (reliable bool, code int, reason string, hdrs []gosip.Header) {
	required := hasOptionTag(req, "Require", tag100rel)
	supported := required || hasOptionTag(req, "Supported", tag100rel)
	switch {
	case u.cfg.Rel100 == Rel100Off && required:
		return false, 420, "Bad Extension", []gosip.Header{gosip.NewHeader("Unsupported", tag100rel)}
	case u.cfg.Rel100 == Rel100Off:
		return false, 0, "", nil
	case u.cfg.Rel100 == Rel100Required && !supported:
		return false, 421, "Extension Required", []gosip.Header{gosip.NewHeader("Require", tag100rel)}
	}
	return required || u.cfg.Rel100 == Rel100Required, 0, "", nil
}

// relState is an incoming INVITE's reliable provisional responses. The
// serving goroutine owns it; pending and rseq are also read by the PRACK
// handler, under the call's mu.
type relState struct {
	on       bool            // this INVITE gets reliable 18x
	rseq     uint32          // RSeq of the last reliable 18x sent
	pending  *gosip.Response // the unacknowledged one; nil when none
	interval time.Duration   // next retransmission interval
	deadline time.Time       // when to give up (64*T1 after sending)
	timer    *time.Timer
	held     *decision     // a decision that waits for the PRACK
	pracked  chan struct{} // the PRACK handler's signal, capacity 1
}

// timerC is the retransmission timer's channel, nil when none runs.
func (r *relState) timerC() <-chan time.Time {
	if r.timer == nil {
		return nil
	}
	return r.timer.C
}

// stop ends the retransmissions.
func (r *relState) stop() {
	if r.timer != nil {
		r.timer.Stop()
		r.timer = nil
	}
}

// awaitingPrack reports whether a reliable 18x is not yet acknowledged:
// RFC 3262 §3 forbids another reliable 18x until then, and a 2xx while one
// with SDP is. We hold the 2xx after any (the RFC allows either): the peer
// then sees PRACK answered before the 200 OK, whatever the 18x carried.
func (ic *IncomingCall) awaitingPrack() bool {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	return ic.rel.pending != nil
}

// provisional sends the 18x of d, reliably when the INVITE asked for it.
func (ic *IncomingCall) provisional(d decision) error {
	res := gosip.NewResponseFromRequest(ic.ds.InviteRequest, d.code, d.reason, nil)
	if d.code > 100 {
		res.AppendHeader(ic.u.contactFor(d.host))
	}
	if len(d.sdp) > 0 {
		res.AppendHeader(gosip.NewHeader("Content-Type", "application/sdp"))
		res.SetBody(d.sdp)
	}
	ic.u.commonHeaders(res)
	if ic.rel.on && d.code > 100 {
		ic.mu.Lock()
		if ic.rel.rseq == 0 {
			ic.rel.rseq = rand.Uint32N(1<<31-1) + 1 // RFC 3262 §3: 1..2**31-1
		} else {
			ic.rel.rseq++
		}
		res.AppendHeader(gosip.NewHeader("Require", tag100rel))
		res.AppendHeader(gosip.NewHeader("RSeq", strconv.FormatUint(uint64(ic.rel.rseq), 10)))
		ic.rel.pending = res
		ic.mu.Unlock()
		ic.rel.interval = gosip.T1
		ic.rel.deadline = time.Now().Add(64 * gosip.T1)
		ic.rel.stop()
		ic.rel.timer = time.NewTimer(ic.rel.interval)
	}
	return ic.ds.WriteResponse(res)
}

// retransmitReliable resends the unacknowledged reliable 18x, its interval
// doubling (RFC 3262 §3); after 64*T1 without a PRACK the INVITE is
// refused with 504 and the call ends. It reports whether the transaction
// is settled.
func (ic *IncomingCall) retransmitReliable() bool {
	ic.mu.Lock()
	res := ic.rel.pending
	ic.mu.Unlock()
	ic.rel.timer = nil
	if res == nil {
		return false
	}
	if time.Now().Before(ic.rel.deadline) {
		ic.rel.interval *= 2
		ic.rel.timer = time.NewTimer(min(ic.rel.interval, time.Until(ic.rel.deadline)))
		if err := ic.ds.WriteResponse(res); err != nil {
			ic.u.log.Debug("sip: reliable provisional not resent", "call_id", ic.CallID(), "error", err)
		}
		return false
	}
	ic.u.log.Info("sip: no PRACK for a reliable provisional response; refusing the call", "call_id", ic.CallID())
	if d := ic.rel.held; d != nil {
		ic.rel.held = nil
		d.result <- errDecided
	}
	ic.once.Do(func() {})
	if err := ic.ds.Respond(504, "Server Time-out", nil); err != nil {
		ic.u.log.Debug("sip: 504 not sent", "call_id", ic.CallID(), "error", err)
	}
	ic.forget()
	ic.ended(endFail, "no PRACK")
	return true
}

// afterPrack carries out the decision that waited for a PRACK, if any.
func (ic *IncomingCall) afterPrack() bool {
	if ic.awaitingPrack() {
		return false
	}
	ic.rel.stop()
	d := ic.rel.held
	if d == nil {
		return false
	}
	ic.rel.held = nil
	return ic.carryOut(*d)
}

// prackMatches reports whether a PRACK's RAck (RFC 3262 §3) acknowledges
// our pending reliable 18x, or repeats the last one's acknowledgement; any
// other gets 481.
func (ic *IncomingCall) prackMatches(rseq, cseq uint32, method string) bool {
	if cseq != ic.ds.InviteRequest.CSeq().SeqNo || !strings.EqualFold(method, "INVITE") {
		return false
	}
	ic.mu.Lock()
	defer ic.mu.Unlock()
	return rseq != 0 && rseq == ic.rel.rseq
}

// pracked records, once the PRACK was answered, that the reliable 18x of
// rseq is acknowledged, and wakes the serving goroutine: what waited for it
// (our 200 OK) goes out after the PRACK's 200.
func (ic *IncomingCall) pracked(rseq uint32) {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	if ic.rel.pending == nil || rseq != ic.rel.rseq {
		return
	}
	ic.rel.pending = nil
	select {
	case ic.rel.pracked <- struct{}{}:
	default:
	}
}

// parseRAck parses "RAck: <rseq> <cseq> <method>".
func parseRAck(v string) (rseq, cseq uint32, method string, ok bool) {
	f := strings.Fields(v)
	if len(f) != 3 {
		return 0, 0, "", false
	}
	r, err1 := strconv.ParseUint(f[0], 10, 32)
	c, err2 := strconv.ParseUint(f[1], 10, 32)
	if err1 != nil || err2 != nil {
		return 0, 0, "", false
	}
	return uint32(r), uint32(c), f[2], true
}

// handlePrack answers a PRACK for one of our reliable 18x: 200 when it
// acknowledges it, 481 otherwise (RFC 3262 §3).
func (u *UA) handlePrack(req *gosip.Request, tx gosip.ServerTransaction) {
	if code, reason, hdrs := validate(req); code != 0 {
		u.respond(req, tx, code, reason, hdrs...)
		return
	}
	var ic *IncomingCall
	if id, err := gosip.DialogIDFromRequestUAS(req); err == nil {
		u.mu.Lock()
		ic = u.servers[id]
		u.mu.Unlock()
	}
	h := req.GetHeader("RAck")
	if h == nil {
		u.respond(req, tx, 400, "Missing RAck")
		return
	}
	rseq, cseq, method, ok := parseRAck(h.Value())
	if !ok {
		u.respond(req, tx, 400, "Bad RAck")
		return
	}
	if ic == nil || !ic.prackMatches(rseq, cseq, method) {
		u.respond(req, tx, 481, "Call/Transaction Does Not Exist")
		return
	}
	u.respond(req, tx, 200, "OK")
	ic.pracked(rseq)
}

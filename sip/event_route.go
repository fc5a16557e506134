package sip

import (
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// This file routes the requests of the event framework (RFC 6665): every
// NOTIFY (to its subscription, refer's included, or out of dialog to the
// application) and every SUBSCRIBE (a new one to the owner of its
// package, 489 with Allow-Events for any other; a refresh to its
// subscription).

// eventTable holds a UA's subscriptions both ways; its zero value is
// ready. Its mutex is a leaf.
type eventTable struct {
	mu       sync.Mutex
	subs     map[string]*Subscription       // ours, by Call-ID|our tag
	serving  map[string]*ServerSubscription // the peers', by Call-ID|our tag
	packages map[string]bool                // the packages we serve
	onSub    func(*ServerSubscription)
	deciding int // new SUBSCRIBEs waiting for their owner's decision
}

func (t *eventTable) addSub(key string, s *Subscription) {
	t.mu.Lock()
	if t.subs == nil {
		t.subs = map[string]*Subscription{}
	}
	t.subs[key] = s
	t.mu.Unlock()
}

func (t *eventTable) dropSub(key string) {
	t.mu.Lock()
	delete(t.subs, key)
	t.mu.Unlock()
}

func (t *eventTable) sub(key string) *Subscription {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.subs[key]
}

func (t *eventTable) dropServer(key string) {
	t.mu.Lock()
	delete(t.serving, key)
	t.mu.Unlock()
}

// OnSubscribe sets who decides on SUBSCRIBEs for packages (lower case):
// f is called, in its own goroutine, with each new one, and must Accept,
// AcceptPending or Reject it within a few seconds (else 480). Other
// packages, and all of them while f is nil, get 489 Bad Event.
func (u *UA) OnSubscribe(packages []string, f func(*ServerSubscription)) {
	t := &u.events
	t.mu.Lock()
	defer t.mu.Unlock()
	t.packages = map[string]bool{}
	for _, p := range packages {
		t.packages[strings.ToLower(strings.TrimSpace(p))] = true
	}
	t.onSub = f
}

// allowEvents is our Allow-Events header: the packages we serve, and
// refer, whose NOTIFYs we read.
func (t *eventTable) allowEvents() gosip.Header {
	t.mu.Lock()
	list := []string{"refer"}
	if t.onSub != nil {
		for p := range t.packages {
			list = append(list, p)
		}
	}
	t.mu.Unlock()
	sort.Strings(list[1:])
	return gosip.NewHeader("Allow-Events", strings.Join(list, ", "))
}

// handleNotify serves a NOTIFY: one in a dialog (with a To tag) goes to
// its subscription, ours or a REFER's, and gets 481 when there is none;
// one out of any dialog (an unsolicited message-summary, as Asterisk
// sends) is answered 200 and reported to the application.
func (u *UA) handleNotify(req *gosip.Request, tx gosip.ServerTransaction) {
	if toTag(req) == "" {
		u.handleInfoLike(req, tx)
		return
	}
	if code, reason, hdrs := validate(req); code != 0 {
		u.respond(req, tx, code, reason, hdrs...)
		return
	}
	pkg, _, ok := ParseEvent(eventOf(req))
	if !ok {
		u.respond(req, tx, 489, "Bad Event", u.events.allowEvents())
		return
	}
	h := req.GetHeader("Subscription-State")
	if h == nil {
		u.respond(req, tx, 400, "Missing Subscription-State")
		return
	}
	st, ok := ParseSubState(h.Value())
	if !ok {
		u.respond(req, tx, 400, "Bad Subscription-State")
		return
	}
	if s := u.events.sub(req.CallID().Value() + "|" + toTag(req)); s != nil {
		code, reason := s.notify(req, pkg, st)
		u.respond(req, tx, code, reason)
		return
	}
	if pkg == "refer" {
		if d := u.dialogOf(req); d != nil {
			d.xfer.mu.Lock()
			sub := d.xfer.sub
			d.xfer.mu.Unlock()
			if sub != nil {
				code, reason := sub.notify(req, st)
				u.respond(req, tx, code, reason)
				return
			}
		}
	}
	u.respond(req, tx, 481, "Subscription Does Not Exist")
}

// handleSubscribe serves a SUBSCRIBE: a refresh or unsubscription in a
// subscription's dialog, or a new subscription for a package we serve.
func (u *UA) handleSubscribe(req *gosip.Request, tx gosip.ServerTransaction) {
	if code, reason, hdrs := validate(req); code != 0 {
		u.respond(req, tx, code, reason, hdrs...)
		return
	}
	pkg, id, ok := ParseEvent(eventOf(req))
	t := &u.events
	t.mu.Lock()
	served := ok && t.onSub != nil && t.packages[pkg]
	f := t.onSub
	var ss *ServerSubscription
	if tag := toTag(req); tag != "" {
		ss = t.serving[req.CallID().Value()+"|"+tag]
	}
	full := len(t.serving) >= maxServerSubs || t.deciding >= maxDeciding
	t.mu.Unlock()
	switch {
	case !served:
		u.respond(req, tx, 489, "Bad Event", t.allowEvents())
	case toTag(req) != "":
		if ss == nil || ss.Event != pkg {
			u.respond(req, tx, 481, "Subscription Does Not Exist")
			return
		}
		ss.refreshed(req, tx)
	case req.Contact() == nil:
		u.respond(req, tx, 400, "Missing Contact")
	case full:
		u.respond(req, tx, 503, "Service Unavailable", gosip.NewHeader("Retry-After", "30"))
	default:
		t.mu.Lock()
		t.deciding++
		t.mu.Unlock()
		u.serveSubscribe(req, tx, pkg, id, f)
		t.mu.Lock()
		t.deciding--
		t.mu.Unlock()
	}
}

// serveSubscribe sets up a new incoming subscription, asks its owner and
// answers; an accepted one gets its first NOTIFY at once.
func (u *UA) serveSubscribe(req *gosip.Request, tx gosip.ServerTransaction, pkg, id string, f func(*ServerSubscription)) {
	d := newEvDialog(u)
	d.callID, d.remoteTag, d.localTag = req.CallID().Value(), fromTag(req), gosip.GenerateTagN(16)
	d.local, d.remote, d.target = req.To().Address, req.From().Address, req.Contact().Address
	d.setRoutes(req, false)
	d.peerCSeq = req.CSeq().SeqNo
	ss := &ServerSubscription{Event: pkg, ID: id, From: req.From().Address.String(),
		To: req.To().Address.String(), u: u, d: d, key: d.callID + "|" + d.localTag,
		decided: make(chan int, 1), state: SubIncoming, first: make(chan struct{})}
	if h := req.GetHeader("Accept"); h != nil {
		ss.Accepts = h.Value()
	}
	life := grantedLife(req)
	go f(ss)
	code, reason := 0, "rejected"
	select {
	case code = <-ss.decided:
	case <-time.After(subscribeDecideWait):
		ss.mu.Lock()
		if ss.state == SubIncoming {
			ss.state = SubTerminated
			code, reason = 480, "giveup" // RFC 3857 §3.2.4: no decision in time
		}
		ss.mu.Unlock()
		if code == 0 {
			code = <-ss.decided
		}
	}
	if code >= 300 {
		ss.firstSent()
		ss.refused(reason)
		u.respondTagged(req, tx, code, ReasonPhrase(code), d.localTag)
		return
	}
	u.events.mu.Lock()
	if u.events.serving == nil {
		u.events.serving = map[string]*ServerSubscription{}
	}
	u.events.serving[ss.key] = ss
	u.events.mu.Unlock()
	ss.arm(life)
	u.respondTagged(req, tx, code, ReasonPhrase(code), d.localTag,
		gosip.NewHeader("Expires", strconv.Itoa(life)), u.contactHeader())
	if life == 0 {
		// A fetch (RFC 6665 §4.4.3): one NOTIFY, and the end.
		ss.terminate("timeout")
		go func() { ss.notifyNow("timeout"); ss.firstSent() }()
		return
	}
	go func() { ss.notifyNow(""); ss.firstSent() }()
}

// refreshed serves a SUBSCRIBE in the subscription's dialog: a refresh
// (200, then a NOTIFY of the current state) or, with Expires: 0, the end.
func (ss *ServerSubscription) refreshed(req *gosip.Request, tx gosip.ServerTransaction) {
	u := ss.u
	if !ss.d.readCSeq(req) {
		u.respond(req, tx, 500, "Out of Order", gosip.NewHeader("Retry-After", "1"))
		return
	}
	ss.d.setTarget(req.Contact())
	life := grantedLife(req)
	u.respondTagged(req, tx, 200, "OK", "", gosip.NewHeader("Expires", strconv.Itoa(life)), u.contactHeader())
	if life == 0 {
		if ss.terminate("unsubscribed") {
			go ss.notifyNow("timeout")
		}
		return
	}
	ss.arm(life)
	go ss.notifyNow("")
}

// respondTagged answers req with tag as our To tag (sipgo would add a
// random one); "" keeps the To of an in-dialog request.
func (u *UA) respondTagged(req *gosip.Request, tx gosip.ServerTransaction, code int, reason, tag string, headers ...gosip.Header) {
	res := gosip.NewResponseFromRequest(req, code, reason, nil)
	if to := res.To(); to != nil && tag != "" {
		to.Params.Add("tag", tag)
	}
	for _, h := range headers {
		res.AppendHeader(h)
	}
	u.commonHeaders(res)
	if err := tx.Respond(res); err != nil {
		u.log.Debug("sip: respond failed", "code", code, "error", err)
	}
}

// closeAll stops the timers of every subscription, both ways, of a UA
// that is closing: nothing is refreshed, re-subscribed or expired after.
func (t *eventTable) closeAll() {
	t.mu.Lock()
	subs := make([]*Subscription, 0, len(t.subs))
	for _, s := range t.subs {
		subs = append(subs, s)
	}
	serving := make([]*ServerSubscription, 0, len(t.serving))
	for _, ss := range t.serving {
		serving = append(serving, ss)
	}
	t.mu.Unlock()
	for _, s := range subs {
		s.mu.Lock()
		s.stopped = true
		if s.timer != nil {
			s.timer.Stop()
		}
		s.mu.Unlock()
	}
	for _, ss := range serving {
		ss.mu.Lock()
		if ss.timer != nil {
			ss.timer.Stop()
		}
		ss.mu.Unlock()
	}
}

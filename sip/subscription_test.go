package sip

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// notes collects what a subscription reports.
type notes struct {
	mu     sync.Mutex
	list   []EventNotify
	states []SubStatus
	ch     chan struct{}
}

func newNotes() *notes { return &notes{ch: make(chan struct{}, 64)} }

func (n *notes) opts(target URI, event string, expires int) SubscribeOptions {
	return SubscribeOptions{Target: target, Event: event, Expires: expires,
		OnNotify: func(e EventNotify) {
			n.mu.Lock()
			n.list = append(n.list, e)
			n.mu.Unlock()
			n.ch <- struct{}{}
		},
		OnState: func(s SubStatus) {
			n.mu.Lock()
			n.states = append(n.states, s)
			n.mu.Unlock()
		}}
}

// waitFor waits until f holds of the notes.
func (n *notes) waitFor(t *testing.T, what string, f func([]EventNotify) bool) []EventNotify {
	t.Helper()
	deadline := time.After(testWait)
	for {
		n.mu.Lock()
		got := append([]EventNotify(nil), n.list...)
		n.mu.Unlock()
		if f(got) {
			return got
		}
		select {
		case <-n.ch:
		case <-deadline:
			n.mu.Lock()
			st := append([]SubStatus(nil), n.states...)
			n.mu.Unlock()
			t.Fatalf("%s: not seen; NOTIFYs %+v; states %+v", what, got, st)
		}
	}
}

// server makes ua serve packages, handing each new subscription to decide
// and counting them.
type server struct {
	mu    sync.Mutex
	subs  []*ServerSubscription
	ended chan string
}

func serve(ua *UA, packages []string, decide func(*ServerSubscription)) *server {
	s := &server{ended: make(chan string, 16)}
	ua.OnSubscribe(packages, func(ss *ServerSubscription) {
		s.mu.Lock()
		s.subs = append(s.subs, ss)
		s.mu.Unlock()
		ss.OnEnd(func(r string) { s.ended <- r })
		decide(ss)
	})
	return s
}

func (s *server) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.subs)
}

func (s *server) last() *ServerSubscription {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.subs[len(s.subs)-1]
}

func bodyIs(want string) func([]EventNotify) bool {
	return func(l []EventNotify) bool { return len(l) > 0 && string(l[len(l)-1].Body) == want }
}

func TestSubscriptionAcceptNotifyRefreshStop(t *testing.T) {
	a, b := newTestUA(t, Config{User: "alice"}), newTestUA(t, Config{User: "bob"})
	srv := serve(b, []string{"presence"}, func(ss *ServerSubscription) {
		_ = ss.Accept(PIDFType, FormatPIDF(Presence{Entity: ss.To, Basic: "open", Note: "first"}))
	})
	n := newNotes()
	sub := a.NewSubscription(n.opts(uriOf(t, "bob", b.Port()), "presence", 2))
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	if err := sub.Start(ctx); err != nil {
		t.Fatal(err)
	}
	got := n.waitFor(t, "the first NOTIFY", func(l []EventNotify) bool { return len(l) > 0 })
	p, err := ParsePIDF(got[0].Body)
	if err != nil || p.Basic != "open" || p.Note != "first" || got[0].State.State != SubActive || got[0].ContentType != PIDFType {
		t.Fatalf("first NOTIFY %+v: %+v %v", got[0], p, err)
	}
	second := FormatPIDF(Presence{Entity: "sip:bob@x", Basic: "closed", Note: "second"})
	if err := srv.last().Notify(ctx, PIDFType, second); err != nil {
		t.Fatal(err)
	}
	n.waitFor(t, "the pushed NOTIFY", bodyIs(string(second)))
	// Granted 2 s: refreshed each second, each refresh NOTIFYed again.
	before := len(n.waitFor(t, "", func([]EventNotify) bool { return true }))
	time.Sleep(2500 * time.Millisecond)
	after := n.waitFor(t, "refresh NOTIFYs", func(l []EventNotify) bool { return len(l) >= before+2 })
	if srv.count() != 1 || sub.Status().State != SubActive {
		t.Fatalf("refreshes made %d subscriptions, state %+v", srv.count(), sub.Status())
	}
	if last := after[len(after)-1]; last.Dialog != got[0].Dialog {
		t.Fatalf("refresh NOTIFY in another dialog: %q vs %q", last.Dialog, got[0].Dialog)
	}
	if err := sub.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-srv.ended:
		if r != "unsubscribed" {
			t.Fatalf("server saw the end as %q", r)
		}
	case <-time.After(testWait):
		t.Fatal("the server subscription did not end")
	}
	if st := srv.last().State(); st != SubTerminated {
		t.Fatalf("server state %s", st)
	}
}

func TestSubscriptionRejectedAndBadEvent(t *testing.T) {
	a, b := newTestUA(t, Config{User: "alice"}), newTestUA(t, Config{User: "bob"})
	serve(b, []string{"presence"}, func(ss *ServerSubscription) { _ = ss.Reject(603) })
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	tests := []struct {
		event string
		code  int
	}{{"presence", 603}, {"dialog", 489}}
	for _, tt := range tests {
		n := newNotes()
		sub := a.NewSubscription(n.opts(uriOf(t, "bob", b.Port()), tt.event, 60))
		err := sub.Start(ctx)
		var se *StatusError
		if !errors.As(err, &se) || se.Code != tt.code {
			t.Fatalf("%s: Start = %v, want %d", tt.event, err, tt.code)
		}
		if st := sub.Status(); st.State != SubTerminated || st.Code != tt.code {
			t.Fatalf("%s: state %+v", tt.event, st)
		}
		if err := sub.Start(ctx); !errors.Is(err, ErrSubscriptionEnded) {
			t.Fatalf("%s: Start again = %v", tt.event, err)
		}
	}
}

// TestSubscribeRaw checks the answers to SUBSCRIBEs and NOTIFYs a raw
// peer sends: 489 with Allow-Events for an unknown package, 481 for an
// in-dialog NOTIFY of no subscription, 400 without Subscription-State,
// 200 and the application told for an unsolicited message-summary.
func TestSubscribeRaw(t *testing.T) {
	reqs := make(chan Request, 4)
	ua := newTestUA(t, Config{User: "bob", OnRequest: func(r Request) { reqs <- r }})
	serve(ua, []string{"presence", "dialog"}, func(ss *ServerSubscription) { _ = ss.Accept("", nil) })
	p := newRawPeer(t, ua)
	send := func(method, toTag, extra, body string) *gosip.Response {
		t.Helper()
		p.cseq++
		to := fmt.Sprintf("<sip:bob@127.0.0.1:%d>", p.to.Port)
		if toTag != "" {
			to += ";tag=" + toTag
		}
		p.write(p.conn, fmt.Sprintf(`%[1]s sip:bob@127.0.0.1:%[2]d SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:%[3]d;branch=z9hG4bK-raw-%[5]d;rport
From: <sip:peer@127.0.0.1:%[3]d>;tag=%[6]s
To: %[7]s
Call-ID: %[4]s
CSeq: %[5]d %[1]s
Contact: <sip:peer@127.0.0.1:%[3]d>
Max-Forwards: 70
%[8]s`, method, p.to.Port, p.port, p.cid, p.cseq, p.tag, to, extra), body)
		for {
			select {
			case m := <-p.msgs:
				if res, ok := m.(*gosip.Response); ok && res.CSeq().SeqNo == uint32(p.cseq) {
					return res
				}
			case <-time.After(testWait):
				t.Fatalf("no answer to %s", method)
			}
		}
	}
	res := send("SUBSCRIBE", "", "Event: message-summary\nExpires: 60", "")
	if res.StatusCode != 489 || res.GetHeader("Allow-Events") == nil ||
		res.GetHeader("Allow-Events").Value() != "refer, dialog, presence" {
		t.Fatalf("unknown package: %s %v", res.StartLine(), res.GetHeader("Allow-Events"))
	}
	if res := send("SUBSCRIBE", "", "Expires: 60", ""); res.StatusCode != 489 {
		t.Fatalf("no Event: %s", res.StartLine())
	}
	if res := send("NOTIFY", "nosuchtag", "Event: presence\nSubscription-State: active", ""); res.StatusCode != 481 {
		t.Fatalf("in-dialog NOTIFY of no subscription: %s", res.StartLine())
	}
	if res := send("SUBSCRIBE", "nosuchtag", "Event: presence\nExpires: 60", ""); res.StatusCode != 481 {
		t.Fatalf("refresh of no subscription: %s", res.StartLine())
	}
	if res := send("NOTIFY", "sometag", "Event: presence", ""); res.StatusCode != 400 {
		t.Fatalf("NOTIFY without Subscription-State: %s", res.StartLine())
	}
	mwi := "Messages-Waiting: yes\r\nVoice-Message: 3/1 (1/0)\r\n"
	if res := send("NOTIFY", "", "Event: message-summary\nContent-Type: application/simple-message-summary", mwi); res.StatusCode != 200 {
		t.Fatalf("unsolicited NOTIFY: %s", res.StartLine())
	}
	select {
	case r := <-reqs:
		if r.Method != "NOTIFY" || string(r.Body) != mwi || r.ContentType != MessageSummaryType {
			t.Fatalf("reported %+v", r)
		}
	case <-time.After(testWait):
		t.Fatal("the unsolicited NOTIFY was not reported")
	}
	if !strings.Contains(AllowedMethods, "SUBSCRIBE") {
		t.Fatal("SUBSCRIBE not in Allow")
	}
}

// TestSubscriptionResubscribes: a notifier terminating the subscription
// with reason deactivated gets a new SUBSCRIBE (a new dialog); one
// terminating it with noresource does not.
func TestSubscriptionResubscribes(t *testing.T) {
	a, b := newTestUA(t, Config{User: "alice"}), newTestUA(t, Config{User: "bob"})
	srv := serve(b, []string{"dialog"}, func(ss *ServerSubscription) { _ = ss.Accept("", nil) })
	n := newNotes()
	sub := a.NewSubscription(n.opts(uriOf(t, "bob", b.Port()), "dialog", 60))
	ctx, cancel := context.WithTimeout(context.Background(), 3*testWait)
	defer cancel()
	if err := sub.Start(ctx); err != nil {
		t.Fatal(err)
	}
	n.waitFor(t, "first NOTIFY", func(l []EventNotify) bool { return len(l) == 1 })
	if err := srv.last().End(ctx, "deactivated"); err != nil {
		t.Fatal(err)
	}
	got := n.waitFor(t, "the new subscription's NOTIFY", func(l []EventNotify) bool {
		return len(l) == 3 && l[2].State.State == SubActive
	})
	if srv.count() != 2 || got[2].Dialog == got[0].Dialog {
		t.Fatalf("%d subscriptions; dialogs %q %q", srv.count(), got[0].Dialog, got[2].Dialog)
	}
	if err := srv.last().End(ctx, "noresource"); err != nil {
		t.Fatal(err)
	}
	n.waitFor(t, "the final NOTIFY", func(l []EventNotify) bool { return len(l) == 4 })
	time.Sleep(minResubscribeGap + 500*time.Millisecond)
	if srv.count() != 2 || sub.Status().State != SubTerminated || sub.Status().Reason != "noresource" {
		t.Fatalf("after noresource: %d subscriptions, state %+v", srv.count(), sub.Status())
	}
}

// TestSubscriptionForked: NOTIFYs from two notifiers (forks of our
// SUBSCRIBE, other From tags) are two dialogs, each refreshed on its own.
func TestSubscriptionForked(t *testing.T) {
	a := newTestUA(t, Config{User: "alice"})
	p := newRawPeer(t, a)
	n := newNotes()
	sub := a.NewSubscription(n.opts(uriOf(t, "bob", p.port), "presence", 2))
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	started := make(chan error, 1)
	go func() { started <- sub.Start(ctx) }()
	req := readRequest(t, p, "SUBSCRIBE")
	if ev := req.GetHeader("Event"); ev == nil || ev.Value() != "presence" || req.GetHeader("Accept").Value() != PIDFType {
		t.Fatalf("SUBSCRIBE headers: %s", req.String())
	}
	res := gosip.NewResponseFromRequest(req, 200, "OK", nil)
	res.To().Params.Add("tag", "fork1")
	res.AppendHeader(gosip.NewHeader("Expires", "2"))
	res.AppendHeader(gosip.NewHeader("Contact", fmt.Sprintf("<sip:bob@127.0.0.1:%d>", p.port)))
	p.conn.WriteToUDP([]byte(res.String()), p.to)
	if err := <-started; err != nil {
		t.Fatal(err)
	}
	for i, tag := range []string{"fork1", "fork2"} {
		notifyFrom(t, p, req, tag, i+1, "active;expires=2", "<presence/>", 200)
	}
	got := n.waitFor(t, "two forks", func(l []EventNotify) bool { return len(l) == 2 })
	if got[0].Dialog != "fork1" || got[1].Dialog != "fork2" {
		t.Fatalf("dialogs %q %q", got[0].Dialog, got[1].Dialog)
	}
	// The refresh goes to each fork's dialog (To tag).
	tags := map[string]bool{}
	for len(tags) < 2 {
		r := readRequest(t, p, "SUBSCRIBE")
		tag, _ := r.To().Params.Get("tag")
		tags[tag] = true
		ok := gosip.NewResponseFromRequest(r, 200, "OK", nil)
		ok.AppendHeader(gosip.NewHeader("Expires", "60"))
		p.conn.WriteToUDP([]byte(ok.String()), p.to)
	}
	if !tags["fork1"] || !tags["fork2"] {
		t.Fatalf("refreshed dialogs %v", tags)
	}
	// Forks are bounded: the notifier beyond maxForks gets 481.
	for i := 3; i <= maxForks; i++ {
		notifyFrom(t, p, req, fmt.Sprintf("fork%d", i), 1, "active;expires=60", "<presence/>", 200)
	}
	notifyFrom(t, p, req, "one-too-many", 1, "active;expires=60", "<presence/>", 481)
}

// readRequest reads the peer's messages until a request of method.
func readRequest(t *testing.T, p *rawPeer, method string) *gosip.Request {
	t.Helper()
	for {
		select {
		case m := <-p.msgs:
			if r, ok := m.(*gosip.Request); ok && string(r.Method) == method {
				return r
			}
		case <-time.After(testWait):
			t.Fatalf("no %s", method)
		}
	}
}

// notifyFrom sends a NOTIFY of the subscription sub set up, from a
// notifier with tag, and waits for its answer, want.
func notifyFrom(t *testing.T, p *rawPeer, sub *gosip.Request, tag string, cseq int, state, body string, want int) {
	t.Helper()
	ourTag, _ := sub.From().Params.Get("tag")
	p.write(p.conn, fmt.Sprintf(`NOTIFY %[1]s SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:%[2]d;branch=z9hG4bK-n-%[3]s-%[4]d
From: <sip:bob@127.0.0.1:%[2]d>;tag=%[3]s
To: %[5]s;tag=%[6]s
Call-ID: %[7]s
CSeq: %[4]d NOTIFY
Contact: <sip:bob@127.0.0.1:%[2]d>
Event: presence
Subscription-State: %[8]s
Content-Type: application/pidf+xml
Max-Forwards: 70`, sub.Contact().Address.String(), p.port, tag, cseq, "<"+sub.From().Address.String()+">",
		ourTag, sub.CallID().Value(), state), body)
	for {
		select {
		case m := <-p.msgs:
			if res, ok := m.(*gosip.Response); ok && res.CSeq().MethodName == gosip.NOTIFY {
				if res.StatusCode != want {
					t.Fatalf("NOTIFY from %s: %s, want %d", tag, res.StartLine(), want)
				}
				return
			}
		case <-time.After(testWait):
			t.Fatalf("no answer to the NOTIFY from %s", tag)
		}
	}
}

// TestPublication: PUBLISH with a body, its SIP-ETag named by the refresh
// (no body), a 412 answered with a new initial PUBLISH, removal with
// Expires: 0.
func TestPublication(t *testing.T) {
	a := newTestUA(t, Config{User: "alice"})
	p := newRawPeer(t, a)
	pub := a.NewPublication(uriOf(t, "alice", p.port), "presence", PIDFType)
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	type step struct {
		code        int
		etag        string
		wantIfMatch string
		wantBody    bool
		wantExpires string
	}
	answer := func(s step) {
		t.Helper()
		r := readRequest(t, p, "PUBLISH")
		ifm := ""
		if h := r.GetHeader("SIP-If-Match"); h != nil {
			ifm = h.Value()
		}
		if ifm != s.wantIfMatch || (len(r.Body()) > 0) != s.wantBody || r.GetHeader("Expires").Value() != s.wantExpires ||
			r.GetHeader("Event").Value() != "presence" {
			t.Errorf("PUBLISH: If-Match %q body %d Expires %s; want %+v", ifm, len(r.Body()), r.GetHeader("Expires").Value(), s)
		}
		res := gosip.NewResponseFromRequest(r, s.code, ReasonPhrase(s.code), nil)
		if s.etag != "" {
			res.AppendHeader(gosip.NewHeader("SIP-ETag", s.etag))
			res.AppendHeader(gosip.NewHeader("Expires", s.wantExpires))
		}
		p.conn.WriteToUDP([]byte(res.String()), p.to)
	}
	body := FormatPIDF(Presence{Entity: "sip:alice@x", Basic: "open"})
	run := func(f func() (PublishResult, error), steps ...step) PublishResult {
		t.Helper()
		done := make(chan PublishResult, 1)
		go func() {
			r, err := f()
			if err != nil {
				t.Error(err)
			}
			done <- r
		}()
		for _, s := range steps {
			answer(s)
		}
		return <-done
	}
	r := run(func() (PublishResult, error) { return pub.Publish(ctx, body, 60) }, step{200, "e1", "", true, "60"})
	if r.ETag != "e1" || r.Expires != 60 || !pub.Published() {
		t.Fatalf("publish: %+v", r)
	}
	r = run(func() (PublishResult, error) { return pub.Refresh(ctx, 60) }, step{200, "e2", "e1", false, "60"})
	if r.ETag != "e2" {
		t.Fatalf("refresh: %+v", r)
	}
	r = run(func() (PublishResult, error) { return pub.Publish(ctx, body, 60) },
		step{412, "", "e2", true, "60"}, step{200, "e3", "", true, "60"})
	if r.ETag != "e3" || r.Code != 200 {
		t.Fatalf("after 412: %+v", r)
	}
	r = run(func() (PublishResult, error) { return pub.Remove(ctx) }, step{200, "e4", "e3", false, "0"})
	if r.Code != 200 || pub.Published() {
		t.Fatalf("remove: %+v", r)
	}
	if _, err := pub.Refresh(ctx, 60); !errors.Is(err, ErrNotPublished) {
		t.Fatalf("refresh after remove: %v", err)
	}
}

// TestSubscriptionDigestAuth: a SUBSCRIBE challenged with 407, initial
// and refreshing, is sent again with a valid answer and a higher CSeq in
// the same Call-ID.
func TestSubscriptionDigestAuth(t *testing.T) {
	creds := &Credentials{}
	creds.Add(Credential{Username: testUser, Password: testPassword})
	a := newTestUA(t, Config{User: testUser, Credentials: creds})
	p := newRawPeer(t, a)
	n := newNotes()
	sub := a.NewSubscription(n.opts(uriOf(t, "bob", p.port), "dialog", 2))
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	started := make(chan error, 1)
	go func() { started <- sub.Start(ctx) }()
	var cseqs []uint32
	var callIDs []string
	for i := 0; i < 4; i++ { // initial: challenged, answered; refresh: the same
		req := readRequest(t, p, "SUBSCRIBE")
		cseqs = append(cseqs, req.CSeq().SeqNo)
		callIDs = append(callIDs, req.CallID().Value())
		var res *gosip.Response
		if i%2 == 0 {
			res = challengeOfPeer(req, 407, fmt.Sprintf("n%d", i), false, "MD5")
		} else {
			if _, ok := checkDigest(req, "Proxy-Authorization", testPassword); !ok {
				t.Fatalf("SUBSCRIBE %d: no valid answer: %s", i, req.String())
			}
			res = gosip.NewResponseFromRequest(req, 200, "OK", nil)
			if i == 1 {
				res.To().Params.Add("tag", "n1")
			}
			res.AppendHeader(gosip.NewHeader("Expires", "2"))
			res.AppendHeader(gosip.NewHeader("Contact", fmt.Sprintf("<sip:bob@127.0.0.1:%d>", p.port)))
		}
		p.conn.WriteToUDP([]byte(res.String()), p.to)
		if i == 1 {
			if err := <-started; err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := 1; i < len(cseqs); i++ {
		if cseqs[i] <= cseqs[i-1] || callIDs[i] != callIDs[0] {
			t.Fatalf("CSeqs %v, Call-IDs %v", cseqs, callIDs)
		}
	}
}

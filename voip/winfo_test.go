package voip

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// winfoHas matches a presence.winfo notification of state ("full" or
// "partial") listing a watcher whose URI contains who, in status after
// event.
func winfoHas(state, who, status, event string) func(Notification) bool {
	return func(n Notification) bool {
		var w WatcherInfoSummary
		if n.Event != "presence.winfo" || json.Unmarshal([]byte(n.Summary), &w) != nil || w.State != state {
			return false
		}
		for _, e := range w.Watchers {
			if strings.Contains(e.URI, who) && e.Status == status && e.Event == event && e.ID != "" {
				return true
			}
		}
		return false
	}
}

// TestWatcherInfo: a serves presence and presence.winfo; b watches a's
// watchers; c subscribes to a's presence. b sees an empty full document,
// then c pending until a accepts, active, and terminated (timeout) when c
// unsubscribes; d, refused, is seen pending then terminated (rejected).
// A later winfo subscription gets the full list; versions only grow.
func TestWatcherInfo(t *testing.T) {
	la, lb := newSubLog(), newSubLog()
	a := testPhone(t, 53200, la.handler(Handler{}, func(s *IncomingSubscription) {
		if s.Event == "presence.winfo" {
			_ = s.Accept()
		}
	}))
	b := testPhone(t, 53250, lb.handler(Handler{}, nil))
	c := testPhone(t, 53300, Handler{})
	d := testPhone(t, 53350, Handler{})
	if err := a.ServeEvents("presence", "presence.winfo"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	wi, err := b.NewSubscription(uriOf(t, a), "presence.winfo")
	if err != nil {
		t.Fatal(err)
	}
	if err := wi.Start(ctx); err != nil {
		t.Fatal(err)
	}
	first := lb.waitNote(t, "the first winfo document", func(n Notification) bool { return n.Event == "presence.winfo" && n.Body != nil })
	if first.ContentType != "application/watcherinfo+xml" || first.Summary != `{"resource":"`+uriOf(t, a)+`","package":"presence","state":"full","version":0,"watchers":[]}` {
		t.Fatalf("first document %s %s (%v)", first.ContentType, first.Summary, first.Err)
	}
	<-la.incoming // b's winfo subscription
	cPort, _ := c.Option("sip_port")
	cWho := "127.0.0.1:" + cPort
	toA, _ := c.NewSubscription(uriOf(t, a), "presence")
	started := make(chan error, 1)
	go func() { started <- toA.Start(ctx) }()
	in := <-la.incoming
	lb.waitNote(t, "c pending", winfoHas("partial", cWho, "pending", "subscribe"))
	if err := in.Accept(); err != nil {
		t.Fatal(err)
	}
	if err := <-started; err != nil {
		t.Fatal(err)
	}
	lb.waitNote(t, "c active", winfoHas("partial", cWho, "active", "approved"))

	wi2, _ := b.NewSubscription(uriOf(t, a), "presence.winfo")
	if err := wi2.Start(ctx); err != nil {
		t.Fatal(err)
	}
	<-la.incoming
	lb.waitNote(t, "the full list", winfoHas("full", cWho, "active", "approved"))

	if err := toA.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	lb.waitNote(t, "c terminated", winfoHas("partial", cWho, "terminated", "timeout"))

	dPort, _ := d.Option("sip_port")
	toA2, _ := d.NewSubscription(uriOf(t, a), "presence")
	go func() { started <- toA2.Start(ctx) }()
	_ = (<-la.incoming).Reject(403)
	if err := <-started; err == nil {
		t.Fatal("a refused subscription started")
	}
	rejected := winfoHas("partial", "127.0.0.1:"+dPort, "terminated", "rejected")
	lb.waitNote(t, "d rejected in both winfo subscriptions", func(n Notification) bool {
		count := 0
		for _, m := range lb.notes { // lb.mu is held by waitNote
			if rejected(m) {
				count++
			}
		}
		return count == 2
	})
	assertGrowingVersions(t, lb, wi)
}

// assertGrowingVersions checks that the documents of sub's dialog came
// with versions 0, 1, 2, ... (RFC 3858 §4.2).
func assertGrowingVersions(t *testing.T, l *subLog, sub *Subscription) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	dialog, next := "", 0
	for _, n := range l.notes {
		var w WatcherInfoSummary
		if n.Body == nil || json.Unmarshal([]byte(n.Summary), &w) != nil {
			continue
		}
		if dialog == "" {
			dialog = n.Dialog
		}
		if n.Dialog != dialog {
			continue
		}
		if w.Version != next && w.Version != next-1 { // a refresh repeats the last
			t.Fatalf("version %d after %d", w.Version, next-1)
		}
		next = w.Version + 1
	}
	if next < 5 {
		t.Fatalf("%d documents of %s", next, sub.URI())
	}
}

// TestWatcherInfoFirstDocument: a watcher that changes while a winfo
// subscription is being accepted (its 200 and first NOTIFY not sent yet)
// comes as a partial document after the full one, never instead of it.
func TestWatcherInfoFirstDocument(t *testing.T) {
	lb := newSubLog()
	held := make(chan *IncomingSubscription, 1)
	a := testPhone(t, 53400, Handler{IncomingSubscription: func(s *IncomingSubscription) {
		if s.Event != "presence.winfo" {
			held <- s
			return
		}
		_ = s.Accept()
		_ = (<-held).Accept() // a change before the winfo subscription's first NOTIFY
	}})
	b := testPhone(t, 53450, lb.handler(Handler{}, nil))
	c := testPhone(t, 53500, Handler{})
	if err := a.ServeEvents("presence", "presence.winfo"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cPort, _ := c.Option("sip_port")
	toA, _ := c.NewSubscription(uriOf(t, a), "presence")
	started := make(chan error, 1)
	go func() { started <- toA.Start(ctx) }()
	for len(held) == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	wi, _ := b.NewSubscription(uriOf(t, a), "presence.winfo")
	if err := wi.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-started; err != nil {
		t.Fatal(err)
	}
	lb.waitNote(t, "c active", winfoHas("partial", "127.0.0.1:"+cPort, "active", "approved"))
	lb.mu.Lock()
	first := lb.notes[0]
	lb.mu.Unlock()
	if !winfoHas("full", "127.0.0.1:"+cPort, "pending", "subscribe")(first) || !strings.Contains(first.Summary, `"version":0`) {
		t.Fatalf("first document %s", first.Summary)
	}
}

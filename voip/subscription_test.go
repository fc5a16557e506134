package voip

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"
)

// subLog collects a phone's event callbacks.
type subLog struct {
	mu       sync.Mutex
	notes    []Notification
	states   []string
	incoming chan *IncomingSubscription
	changed  chan struct{}
}

func newSubLog() *subLog {
	return &subLog{incoming: make(chan *IncomingSubscription, 8), changed: make(chan struct{}, 256)}
}

// handler returns h with the event callbacks set; decide answers
// incoming subscriptions (nil: leave them to the test).
func (l *subLog) handler(h Handler, decide func(*IncomingSubscription)) Handler {
	h.Notify = func(_ *Subscription, n Notification) {
		l.mu.Lock()
		l.notes = append(l.notes, n)
		l.mu.Unlock()
		l.changed <- struct{}{}
	}
	h.SubscriptionState = func(_ *Subscription, state, reason string) {
		l.mu.Lock()
		l.states = append(l.states, state+" "+reason)
		l.mu.Unlock()
		l.changed <- struct{}{}
	}
	h.IncomingSubscription = func(s *IncomingSubscription) {
		if decide != nil {
			decide(s)
		}
		l.incoming <- s
	}
	return h
}

// waitNote waits for a notification whose summary satisfies f.
func (l *subLog) waitNote(t *testing.T, what string, f func(n Notification) bool) Notification {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		l.mu.Lock()
		for _, n := range l.notes {
			if f(n) {
				l.mu.Unlock()
				return n
			}
		}
		all := append([]Notification(nil), l.notes...)
		l.mu.Unlock()
		select {
		case <-l.changed:
		case <-deadline:
			t.Fatalf("%s: not seen in %d notifications (%+v)", what, len(all), all)
		}
	}
}

func lampIs(lamp string) func(Notification) bool {
	return func(n Notification) bool {
		var d DialogSummary
		return n.Event == "dialog" && json.Unmarshal([]byte(n.Summary), &d) == nil && d.Lamp == lamp
	}
}

func presenceIs(basic, note string) func(Notification) bool {
	return func(n Notification) bool {
		var p PresenceSummary
		return n.Event == "presence" && json.Unmarshal([]byte(n.Summary), &p) == nil && p.Basic == basic && p.Note == note
	}
}

// TestPresenceBothWays: two phones watch each other's presence; each
// SetPresence reaches the other.
func TestPresenceBothWays(t *testing.T) {
	la, lb := newSubLog(), newSubLog()
	accept := func(s *IncomingSubscription) { _ = s.Accept() }
	a := testPhone(t, 49600, la.handler(Handler{}, accept))
	b := testPhone(t, 49650, lb.handler(Handler{}, accept))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, p := range []*Phone{a, b} {
		if err := p.ServeEvents("presence"); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.SetPresence(ctx, "open", "at my desk", "busy"); err != nil {
		t.Fatal(err)
	}
	sa, err := a.NewSubscription(uriOf(t, b), "presence")
	if err != nil {
		t.Fatal(err)
	}
	if err := sa.Start(ctx); err != nil {
		t.Fatal(err)
	}
	n := la.waitNote(t, "b's presence", presenceIs("open", "at my desk"))
	var ps PresenceSummary
	_ = json.Unmarshal([]byte(n.Summary), &ps)
	if len(ps.Activities) != 1 || ps.Activities[0] != "busy" || n.ContentType != "application/pidf+xml" {
		t.Fatalf("summary %s, content type %s", n.Summary, n.ContentType)
	}
	sb, _ := b.NewSubscription(uriOf(t, a), "presence")
	if err := sb.Start(ctx); err != nil {
		t.Fatal(err)
	}
	lb.waitNote(t, "a's presence before it set any", presenceIs("closed", ""))
	if err := a.SetPresence(ctx, "open", "lunch"); err != nil {
		t.Fatal(err)
	}
	lb.waitNote(t, "a's new presence", presenceIs("open", "lunch"))
	if err := b.SetPresence(ctx, "closed", "gone home"); err != nil {
		t.Fatal(err)
	}
	la.waitNote(t, "b's new presence", presenceIs("closed", "gone home"))
	if err := a.SetPresence(ctx, "maybe", ""); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("bad basic: %v", err)
	}
	if err := a.Publish(ctx, "presence", "application/pidf+xml", []byte("x")); !errors.Is(err, ErrInvalidState) {
		t.Fatalf("publish without a server: %v", err)
	}
}

// TestBusyLampField: a watches b's dialog state (BLF): idle, early while
// a call to b rings, confirmed once answered, idle after the hangup.
func TestBusyLampField(t *testing.T) {
	la, lb := newSubLog(), newSubLog()
	in := newIncoming()
	a := testPhone(t, 49700, la.handler(Handler{}, nil))
	b := testPhone(t, 49750, lb.handler(in.handler(false), func(s *IncomingSubscription) { _ = s.Accept() }))
	c := testPhone(t, 49800, Handler{})
	_ = b.ServeEvents("dialog")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	w, err := a.NewSubscription(uriOf(t, b), "dialog")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(ctx); err != nil {
		t.Fatal(err)
	}
	la.waitNote(t, "idle lamp", lampIs("idle"))
	call, err := c.Call(uriOf(t, b))
	if err != nil {
		t.Fatal(err)
	}
	ringing := in.next(t)
	la.waitNote(t, "early lamp", lampIs("early"))
	if err := ringing.Answer(); err != nil {
		t.Fatal(err)
	}
	waitState(t, call, Answered, 5*time.Second)
	n := la.waitNote(t, "confirmed lamp", lampIs("confirmed"))
	var d DialogSummary
	_ = json.Unmarshal([]byte(n.Summary), &d)
	if len(d.Dialogs) != 1 || d.Dialogs[0].Direction != "recipient" {
		t.Fatalf("dialogs %+v", d.Dialogs)
	}
	la.mu.Lock()
	la.notes = nil
	la.mu.Unlock()
	if err := call.Hangup(); err != nil {
		t.Fatal(err)
	}
	la.waitNote(t, "idle lamp after the hangup", lampIs("idle"))
}

// TestIncomingSubscriptionRejectRefreshEnd: a rejected subscription is
// ErrRejected; an accepted one with a 2 s lifetime is refreshed over
// several lifetimes and ends, on both sides, when the subscriber's phone
// stops.
func TestIncomingSubscriptionRejectRefreshEnd(t *testing.T) {
	la, lb := newSubLog(), newSubLog()
	reject := true
	var mu sync.Mutex
	a := testPhoneWith(t, 49850, map[string]string{"event_expires": "2"}, la.handler(Handler{}, nil))
	b := testPhone(t, 49900, lb.handler(Handler{}, func(s *IncomingSubscription) {
		mu.Lock()
		r := reject
		mu.Unlock()
		if r {
			_ = s.Reject(403)
			return
		}
		_ = s.Accept()
		_ = s.Notify(context.Background(), "text/plain", []byte("hello"))
	}))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, _ := a.NewSubscription(uriOf(t, b), "x-test")
	if err := s.Start(ctx); !errors.Is(err, ErrRejected) {
		t.Fatalf("not served: %v", err)
	}
	_ = b.ServeEvents("x-test")
	s, _ = a.NewSubscription(uriOf(t, b), "x-test")
	if err := s.Start(ctx); !errors.Is(err, ErrRejected) {
		t.Fatalf("rejected: %v", err)
	}
	if st, reason := s.State(); st != SubscriptionTerminated || reason != "403 Forbidden" {
		t.Fatalf("state %s %q", st, reason)
	}
	<-lb.incoming
	mu.Lock()
	reject = false
	mu.Unlock()
	s, _ = a.NewSubscription(uriOf(t, b), "x-test", "text/plain")
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	in := <-lb.incoming
	la.waitNote(t, "the pushed body", func(n Notification) bool { return string(n.Body) == "hello" })
	time.Sleep(4500 * time.Millisecond) // a 2 s lifetime, refreshed every second
	if st := in.State(); st != "active" {
		t.Fatalf("server side %s after several lifetimes", st)
	}
	la.mu.Lock()
	count := len(la.notes)
	la.mu.Unlock()
	if count < 4 {
		t.Fatalf("%d NOTIFYs over several refreshes", count)
	}
	if err := a.Stop(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for in.State() != "terminated" && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if in.State() != "terminated" {
		t.Fatal("the subscription outlived the subscriber's phone")
	}
	if err := in.Notify(ctx, "text/plain", []byte("late")); !errors.Is(err, ErrInvalidState) {
		t.Fatalf("notify after the end: %v", err)
	}
}

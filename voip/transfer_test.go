package voip

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libvoip/libvoip/sip"
)

// xferPhone is a test phone recording its incoming calls and call events.
type xferPhone struct {
	*Phone
	in     *incoming
	mu     sync.Mutex
	events map[*Call][]string // "name detail"
}

// newXferPhone starts a phone on rtpLow answering (or not) its calls.
func newXferPhone(t *testing.T, rtpLow int, answer bool, opts map[string]string) *xferPhone {
	t.Helper()
	x := &xferPhone{in: newIncoming(), events: map[*Call][]string{}}
	h := x.in.handler(answer)
	h.CallEvent = func(c *Call, name, detail string) {
		x.mu.Lock()
		x.events[c] = append(x.events[c], name+" "+detail)
		x.mu.Unlock()
	}
	x.Phone = testPhoneWith(t, rtpLow, opts, h)
	return x
}

// eventsOf is a copy of the events c had.
func (x *xferPhone) eventsOf(c *Call) []string {
	x.mu.Lock()
	defer x.mu.Unlock()
	return append([]string(nil), x.events[c]...)
}

// waitEvent waits for an event of c starting with prefix and returns it.
func (x *xferPhone) waitEvent(t *testing.T, c *Call, prefix string) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		for _, e := range x.eventsOf(c) {
			if strings.HasPrefix(e, prefix) {
				return e
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no event %q; got %q", prefix, x.eventsOf(c))
	return ""
}

// connect has from call to, which answers; it returns both ends.
func connect(t *testing.T, from, to *xferPhone) (*Call, *Call) {
	t.Helper()
	c, err := from.Call(uriOf(t, to.Phone))
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, c, Answered, 5*time.Second)
	peer := to.in.next(t)
	waitState(t, peer, Answered, 5*time.Second)
	return c, peer
}

// TestTransfer: A calls B; B transfers A to C (blind, and waiting for the
// outcome): A follows the REFER, ends up talking to C (tones checked both
// ways), reports "transferred" with the new call, and B's call ends.
func TestTransfer(t *testing.T) {
	for i, blind := range []bool{true, false} {
		t.Run(map[bool]string{true: "blind", false: "consult"}[blind], func(t *testing.T) {
			base := 48000 + i*150
			a := newXferPhone(t, base, false, nil)
			b := newXferPhone(t, base+50, true, nil)
			c := newXferPhone(t, base+100, true, nil)
			a1, b1 := connect(t, a, b)

			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := b1.Transfer(ctx, uriOf(t, c.Phone), blind); err != nil {
				t.Fatal(err)
			}
			waitState(t, b1, Ended, 5*time.Second)
			// Our BYE follows the 202 (blind) or the final NOTIFY; A,
			// done with the transfer, may hang up first.
			if r, _ := b1.EndReason(); r != "transferred" && r != "remote hangup" {
				t.Errorf("B's call end reason %q, want transferred", r)
			}
			ev := a.waitEvent(t, a1, EventTransferred+" ")
			if want := EventTransferred + " " + uriOf(t, c.Phone); ev != want {
				t.Errorf("A's event %q, want %q", ev, want)
			}
			a2 := a1.Successor()
			if a2 == nil {
				t.Fatal("A's call has no successor")
			}
			waitState(t, a2, Answered, 5*time.Second)
			c1 := c.in.next(t)
			waitState(t, c1, Answered, 5*time.Second)
			waitState(t, a1, Ended, 5*time.Second)
			exchangeTones(t, a2, c1)
			if !blind {
				b.waitEvent(t, b1, EventTransferProgress+" 200 OK")
				got := b.eventsOf(b1)
				if got[0] != EventTransferProgress+" 100 Trying" {
					t.Errorf("B's progress %q, want 100 Trying first", got)
				}
			}
		})
	}
}

// TestTransferFailsKeepsCall: a transfer to a target that refuses the
// call (486) returns ErrRejected with the status, and the call stays up
// on both sides.
func TestTransferFailsKeepsCall(t *testing.T) {
	a := newXferPhone(t, 48300, false, nil)
	b := newXferPhone(t, 48350, true, nil)
	c := newXferPhone(t, 48400, false, nil)
	c.SetHandler(Handler{IncomingCall: func(c *Call) { _ = c.Deny(486) }})
	a1, b1 := connect(t, a, b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := b1.Transfer(ctx, uriOf(t, c.Phone), false)
	if !errors.Is(err, ErrRejected) || !strings.Contains(err.Error(), "486") {
		t.Fatalf("transfer: %v, want ErrRejected with 486", err)
	}
	b.waitEvent(t, b1, EventTransferProgress+" 486 Busy Here")
	time.Sleep(200 * time.Millisecond)
	if a1.State() != Answered || b1.State() != Answered {
		t.Fatalf("after a failed transfer: A %s, B %s", a1.State(), b1.State())
	}
	exchangeTones(t, a1, b1)
}

// TestTransferRefused: with allow_transfer 0 a REFER gets 603 Declined;
// the transfer fails with ErrRejected and the call stays up.
func TestTransferRefused(t *testing.T) {
	a := newXferPhone(t, 48450, false, map[string]string{"allow_transfer": "0"})
	b := newXferPhone(t, 48500, true, nil)
	c := newXferPhone(t, 48550, true, nil)
	a1, b1 := connect(t, a, b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := b1.Transfer(ctx, uriOf(t, c.Phone), true)
	if !errors.Is(err, ErrRejected) || !strings.Contains(err.Error(), "603") {
		t.Fatalf("transfer: %v, want ErrRejected with 603", err)
	}
	if a1.State() != Answered || b1.State() != Answered || a1.Successor() != nil {
		t.Fatalf("after a refused transfer: A %s, B %s", a1.State(), b1.State())
	}
	select {
	case c1 := <-c.in.calls:
		t.Fatalf("C got a call %v", c1)
	case <-time.After(300 * time.Millisecond):
	}
}

// TestTransferAttended: A calls B, B calls C, B transfers A to C replacing
// its call with C: A talks to C, C's call from B is replaced, B's two
// calls end.
func TestTransferAttended(t *testing.T) {
	a := newXferPhone(t, 48600, false, nil)
	b := newXferPhone(t, 48650, true, nil)
	c := newXferPhone(t, 48700, true, nil)
	a1, b1 := connect(t, a, b)
	b2, c1 := connect(t, b, c)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b1.TransferAttended(ctx, b2); err != nil {
		t.Fatal(err)
	}
	waitState(t, b1, Ended, 5*time.Second)
	waitState(t, b2, Ended, 5*time.Second)
	waitState(t, c1, Ended, 5*time.Second)
	if r, _ := c1.EndReason(); r != "replaced" {
		t.Errorf("C's old call end reason %q, want replaced", r)
	}
	c.waitEvent(t, c1, EventReplaced+" ")
	c2 := c1.Successor()
	a2 := a1.Successor()
	if c2 == nil || a2 == nil {
		t.Fatalf("successors: A %v, C %v", a2, c2)
	}
	waitState(t, a2, Answered, 5*time.Second)
	waitState(t, c2, Answered, 5*time.Second)
	waitState(t, a1, Ended, 5*time.Second)
	exchangeTones(t, a2, c2)
	// The replacing call was never offered to C's application.
	select {
	case extra := <-c.in.calls:
		t.Errorf("C's incoming-call handler got the replacing call %v", extra)
	default:
	}
	c.in.mu.Lock()
	states := c.in.states[c2]
	c.in.mu.Unlock()
	if len(states) == 0 || states[0] != Answered {
		t.Errorf("replacing call's states %v, want Answered first", states)
	}
}

// TestInviteWithReplaces: an INVITE whose Replaces names an answered call
// takes it over (the old call ends "replaced", its peer gets our BYE); one
// naming no call gets 481.
func TestInviteWithReplaces(t *testing.T) {
	a := newXferPhone(t, 48750, false, nil)
	b := newXferPhone(t, 48800, true, nil)
	c := newXferPhone(t, 48850, false, nil)
	a1, b1 := connect(t, a, b)

	target, err := c.target(uriOf(t, b.Phone))
	if err != nil {
		t.Fatal(err)
	}
	bogus := sip.DialogRef{CallID: "nope@x", ToTag: "1", FromTag: "2"}
	c0, err := c.dial(target, []sip.HeaderField{{Name: "Replaces", Value: bogus.String()}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, c0, Ended, 5*time.Second)
	if _, code := c0.EndReason(); code != 481 {
		t.Errorf("INVITE replacing nothing: end code %d, want 481", code)
	}

	ref := a1.out.Replaces() // a1's dialog as B sees it
	c1, err := c.dial(target, []sip.HeaderField{{Name: "Replaces", Value: ref.String()}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, c1, Answered, 5*time.Second)
	waitState(t, b1, Ended, 5*time.Second)
	if r, _ := b1.EndReason(); r != "replaced" {
		t.Errorf("B's old call end reason %q", r)
	}
	waitState(t, a1, Ended, 5*time.Second)
	b2 := b1.Successor()
	if b2 == nil {
		t.Fatal("no successor")
	}
	if ev := b.waitEvent(t, b1, EventReplaced); ev != EventReplaced+" "+b2.remoteURI {
		t.Errorf("event %q", ev)
	}
	exchangeTones(t, c1, b2)
}

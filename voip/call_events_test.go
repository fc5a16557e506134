package voip

import (
	"testing"
	"time"
)

// TestCallEventDelivered: an event emitted under the call's lock reaches
// the CallEvent handler on the dispatcher, in order, with the call.
func TestCallEventDelivered(t *testing.T) {
	type ev struct {
		c            *Call
		name, detail string
	}
	got := make(chan ev, 4)
	p := newTestPhone(t, 44000, nil, Handler{CallEvent: func(c *Call, name, detail string) {
		got <- ev{c, name, detail}
	}})
	c := newCall(p, true)
	c.mu.Lock()
	c.emitEvent(EventHold, "remote")
	c.emitEvent(EventResume, "remote")
	c.mu.Unlock()
	for _, want := range []ev{{c, EventHold, "remote"}, {c, EventResume, "remote"}} {
		select {
		case e := <-got:
			if e != want {
				t.Fatalf("got %v %q %q, want %q %q", e.c, e.name, e.detail, want.name, want.detail)
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("event %q not delivered", want.name)
		}
	}
}

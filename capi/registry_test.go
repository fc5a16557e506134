package main

import (
	"testing"
	"time"

	"github.com/libvoip/libvoip/voip"
)

func newTestEntry() *phoneEntry {
	return &phoneEntry{id: 1, callIDs: map[*voip.Call]uint64{},
		released: map[*voip.Call]bool{}, ended: map[*voip.Call]bool{}}
}

// An event of an outgoing call can be dispatched before voip_phone_call
// has issued the call's handle; the callback must wait for the handle
// instead of dropping the event (which lost DIALING, or even ENDED, of a
// call rejected at once).
func TestHandleOfWaitsForDialingCall(t *testing.T) {
	pe := newTestEntry()
	c := new(voip.Call)
	pe.dialing.RLock() // voip_phone_call: between Phone.Call and addCall
	got := make(chan uint64, 1)
	go func() { got <- pe.handleOf(c) }()
	select {
	case id := <-got:
		t.Fatalf("handleOf returned %d before the handle was issued", id)
	case <-time.After(50 * time.Millisecond):
	}
	pe.mu.Lock()
	pe.callIDs[c] = 7
	pe.mu.Unlock()
	pe.dialing.RUnlock()
	select {
	case id := <-got:
		if id != 7 {
			t.Fatalf("handleOf = %d, want 7", id)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("handleOf still waiting after the dial finished")
	}
}

// A call without a handle and no dial in progress (a released call whose
// ENDED was delivered, an incoming call nobody took) gives 0 at once.
func TestHandleOfUnknownCall(t *testing.T) {
	pe := newTestEntry()
	done := make(chan uint64, 1)
	go func() { done <- pe.handleOf(new(voip.Call)) }()
	select {
	case id := <-done:
		if id != 0 {
			t.Fatalf("handleOf = %d, want 0", id)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("handleOf blocked with no dial in progress")
	}
}

func TestCodeOf(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{errorf(vENoSpace, "small"), vENoSpace},
		{voip.ErrInvalidArgument, vEInval},
		{voip.ErrRejected, vERejected},
		{voip.ErrCallEnded, vEEnded},
		{errorf(vENotFound, "x"), vENotFound},
		{errTest("other"), vError},
	}
	for _, tt := range tests {
		if got := codeOf(tt.err); got != tt.want {
			t.Errorf("codeOf(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

type errTest string

func (e errTest) Error() string { return string(e) }

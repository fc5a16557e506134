package voip

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libvoip/libvoip/sip"
)

func TestInviteFailure(t *testing.T) {
	busy := &sip.StatusError{Code: 486, Reason: "Busy Here"}
	terminated := &sip.StatusError{Code: 487, Reason: "Request Terminated"}
	tests := []struct {
		name                string
		err, cause          error
		timedOut, canceling bool
		reason              string
		code                int
	}{
		{"invite_timeout wins", terminated, errInviteTimeout, true, false, "timeout: no answer", 408},
		{"abandoned on timeout", sip.ErrCanceled, sip.ErrAbandoned, true, false, "timeout: no answer", 408},
		{"application cancel", sip.ErrCanceled, errUserCancel, false, false, "canceled", 487},
		{"canceling when refused", terminated, nil, false, true, "canceled", 487},
		{"final error response", busy, nil, false, false, busy.Error(), 486},
		{"phone stopped", sip.ErrCanceled, errStopped, false, false, "phone stopped", 0},
		{"no response", sip.ErrNoResponse, nil, false, false, "timeout: no response", 408},
		{"transport error", errors.New("write: connection refused"), nil, false, false, "write: connection refused", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reason, code := inviteFailure(tt.err, tt.cause, tt.timedOut, tt.canceling)
			if reason != tt.reason || code != tt.code {
				t.Errorf("got %q %d, want %q %d", reason, code, tt.reason, tt.code)
			}
		})
	}
}

// builtCall reports what is missing from a call someone could see.
func builtCall(c *Call) error {
	for _, key := range []string{"call_id", "local_uri", "remote_uri", "local_rtp"} {
		v, err := c.Info(key)
		if err != nil {
			return err
		}
		// An incoming call has its RTP port once answered; any call
		// gives it back when it ends.
		if v == "" && (key != "local_rtp" || (c.outgoing && c.State() != Ended)) {
			return fmt.Errorf("%s is empty in state %s", key, c.State())
		}
	}
	return nil
}

// TestCallsAreBuiltBeforePublished: whoever sees a call (Phone.Calls, a
// handler) sees it with its identifiers and its first state, and the first
// event of a call is that state.
func TestCallsAreBuiltBeforePublished(t *testing.T) {
	var (
		mu       sync.Mutex
		problems []string
		first    = map[*Call]CallState{}
	)
	report := func(format string, args ...any) {
		mu.Lock()
		problems = append(problems, fmt.Sprintf(format, args...))
		mu.Unlock()
	}
	var b *Phone
	b = testPhone(t, 43300, Handler{
		IncomingCall: func(c *Call) {
			if s := c.State(); s != Ringing {
				report("incoming call handed over in %s", s)
			}
			if err := builtCall(c); err != nil && c.State() != Ended {
				report("incoming call: %v", err)
			}
			found := false
			for _, k := range b.Calls() {
				found = found || k == c
			}
			if !found && c.State() != Ended {
				report("incoming call handed over before it is in Calls")
			}
			_ = c.Deny(486)
		},
	})
	a := testPhone(t, 43400, Handler{
		CallState: func(c *Call, s CallState, _ string) {
			mu.Lock()
			if _, ok := first[c]; !ok {
				first[c] = s
			}
			mu.Unlock()
			if err := builtCall(c); err != nil {
				report("state %s: %v", s, err)
			}
		},
	})

	var done atomic.Bool
	var poll sync.WaitGroup
	poll.Add(1)
	go func() {
		defer poll.Done()
		for !done.Load() {
			for _, c := range a.Calls() {
				if err := builtCall(c); err != nil {
					report("in Calls: %v", err)
				}
				if s := c.State(); s != Dialing && s != Progress && s != Ended {
					report("in Calls in state %s", s)
				}
			}
			time.Sleep(50 * time.Microsecond)
		}
	}()
	var calls []*Call
	for i := 0; i < 20; i++ {
		c, err := a.Call(uriOf(t, b))
		if err != nil {
			t.Fatal(err)
		}
		calls = append(calls, c)
		waitState(t, c, Ended, 5*time.Second)
	}
	done.Store(true)
	poll.Wait()
	a.Close(true) // delivers every queued event
	for _, c := range calls {
		if s, ok := first[c]; !ok || s != Dialing {
			t.Errorf("first event of a call: %s (seen %v), want DIALING", s, ok)
		}
	}
	for _, p := range problems {
		t.Error(p)
	}
}

// TestStopWhileDialing: calls placed while the phone stops are either
// refused or ended by Stop; none is left behind, none half built.
func TestStopWhileDialing(t *testing.T) {
	b := testPhone(t, 43500, Handler{IncomingCall: func(*Call) {}}) // lets them ring
	a := testPhone(t, 43600, Handler{})
	target := uriOf(t, b)
	var (
		mu    sync.Mutex
		calls []*Call
		wg    sync.WaitGroup
	)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 8; i++ {
				c, err := a.Call(target)
				if err != nil {
					if !errors.Is(err, ErrInvalidState) {
						t.Errorf("Call while stopping: %v", err)
					}
					return
				}
				mu.Lock()
				calls = append(calls, c)
				mu.Unlock()
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	if err := a.Stop(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if n := len(a.Calls()); n != 0 {
		t.Errorf("%d calls left after Stop", n)
	}
	for _, c := range calls {
		if s := c.State(); s != Ended {
			t.Errorf("call %p in %s after Stop", c, s)
		}
	}
}

// TestConcurrentCallMethods runs the call's and the phone's methods from
// many goroutines while the call is hung up (run with -race: it checks
// the lock order and the guarded fields).
func TestConcurrentCallMethods(t *testing.T) {
	in := newIncoming()
	b := testPhone(t, 43700, in.handler(true))
	a := testPhone(t, 43800, Handler{})
	ca, err := a.Call(uriOf(t, b))
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, ca, Answered, 5*time.Second)
	cb := in.next(t)
	waitState(t, cb, Answered, 5*time.Second)

	keys := []string{"direction", "remote_uri", "local_uri", "call_id", "state", "codec",
		"local_rtp", "remote_rtp", "end_reason", "end_code", "stats", "hold", "remote_sdp"}
	var hangups atomic.Int32
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			frame := make([]byte, 320)
			for i := 0; i < 200; i++ {
				for _, c := range []*Call{ca, cb} {
					for _, k := range keys {
						if _, err := c.Info(k); err != nil {
							t.Errorf("Info(%s): %v", k, err)
						}
					}
					_ = c.GetDTMF(0)
					_ = c.SendDTMF("1", 0)
					_, _ = c.WriteAudio(frame, 0)
					_, _ = c.ReadAudio(frame, 0)
					_, _ = c.EndReason()
				}
				_, _ = a.Calls(), b.Calls()
				_, _ = a.Status()
				if i == 100 && ca.Hangup() == nil {
					hangups.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if n := hangups.Load(); n != 1 {
		t.Errorf("%d hangups succeeded, want 1", n)
	}
	waitState(t, ca, Ended, time.Second)
	waitState(t, cb, Ended, 5*time.Second)
	if r, _ := cb.EndReason(); r != "remote hangup" {
		t.Errorf("callee end reason %q", r)
	}
	if n := len(a.Calls()) + len(b.Calls()); n != 0 {
		t.Errorf("%d calls left in the tables", n)
	}
}

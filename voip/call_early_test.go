package voip

import (
	"errors"
	"math"
	"strings"
	"sync"
	"testing"
	"time"
)

// events collects the call events of a phone.
type events struct {
	mu  sync.Mutex
	got []string // "name detail"
}

func (e *events) handler(h Handler) Handler {
	h.CallEvent = func(_ *Call, name, detail string) {
		e.mu.Lock()
		e.got = append(e.got, name+" "+detail)
		e.mu.Unlock()
	}
	return h
}

// named returns the details of the events called name.
func (e *events) named(name string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, g := range e.got {
		if n, d, _ := strings.Cut(g, " "); n == name {
			out = append(out, d)
		}
	}
	return out
}

// earlyCall has a call b (which does not answer) and a call to it from a,
// and returns both: a in Dialing or Progress, b in Ringing.
func earlyCall(t *testing.T, low int, aOpts, bOpts map[string]string) (ca, cb *Call, aEv *events) {
	t.Helper()
	in := newIncoming()
	b := testPhoneWith(t, low, bOpts, in.handler(false))
	aEv = &events{}
	a := testPhoneWith(t, low+50, aOpts, aEv.handler(Handler{}))
	ca, err := a.Call(uriOf(t, b))
	if err != nil {
		t.Fatal(err)
	}
	cb = in.next(t)
	waitState(t, cb, Ringing, 5*time.Second)
	return ca, cb, aEv
}

// TestEarlyMediaBeforeAnswer: the callee's Progress sends 183 with its
// answer; the caller, in PROGRESS, hears the callee's tone (by frequency
// and level) for longer than an unconfirmed stream may send; then the
// callee answers and audio flows both ways on the same stream.
func TestEarlyMediaBeforeAnswer(t *testing.T) {
	for _, tc := range []struct {
		name   string
		caller map[string]string
		callee map[string]string
	}{
		{"unreliable", map[string]string{"rel100": "off"}, nil},
		{"reliable", nil, map[string]string{"rel100": "required"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			low := 47000
			if tc.name == "reliable" {
				low = 47100
			}
			ca, cb, aEv := earlyCall(t, low, tc.caller, tc.callee)
			if err := cb.Progress(); err != nil {
				t.Fatal(err)
			}
			waitState(t, ca, Progress, 5*time.Second)
			if err := cb.Progress(); !errors.Is(err, ErrInvalidState) {
				t.Errorf("second Progress: %v, want ErrInvalidState", err)
			}
			done := make(chan error, 1)
			go func() { done <- writeTone(cb, 1000, 2500*time.Millisecond) }()
			f, rms := readFor(t, ca, 2500*time.Millisecond)
			if math.Abs(f-1000) > 10 || rms < 1000 {
				t.Errorf("caller heard %.1f Hz rms %.0f before the answer, want 1000 Hz", f, rms)
			}
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if s := ca.State(); s != Progress {
				t.Errorf("caller state %s while early media played, want PROGRESS", s)
			}
			if s := cb.State(); s != Ringing {
				t.Errorf("callee state %s after Progress, want RINGING", s)
			}
			if got := aEv.named(EventEarlyMedia); len(got) != 1 || got[0] != "remote" {
				t.Errorf("caller early_media events %q, want [remote]", got)
			}
			if err := cb.Answer(); err != nil {
				t.Fatal(err)
			}
			waitState(t, ca, Answered, 5*time.Second)
			waitState(t, cb, Answered, 5*time.Second)
			exchangeTones(t, ca, cb)
			_ = ca.Hangup()
			waitState(t, cb, Ended, 5*time.Second)
		})
	}
}

// TestDenyAfterProgress: a call that played early media can still be
// refused; the caller ends with the status.
func TestDenyAfterProgress(t *testing.T) {
	ca, cb, _ := earlyCall(t, 47200, nil, nil)
	if err := cb.Progress(); err != nil {
		t.Fatal(err)
	}
	waitState(t, ca, Progress, 5*time.Second)
	if err := cb.Deny(603); err != nil {
		t.Fatal(err)
	}
	waitState(t, ca, Ended, 5*time.Second)
	if _, code := ca.EndReason(); code != 603 {
		t.Errorf("caller end code %d, want 603", code)
	}
	if _, err := cb.WriteAudio(make([]byte, 320), 0); !errors.Is(err, ErrCallEnded) {
		t.Errorf("write after deny: %v, want ErrCallEnded", err)
	}
}

// TestRedirectFollowed: A calls B, B redirects to C with 302; A's call
// follows it (event "redirected" with C's URI), C answers and A and C
// talk.
func TestRedirectFollowed(t *testing.T) {
	inC := newIncoming()
	c := testPhone(t, 47300, inC.handler(true))
	inB := newIncoming()
	b := testPhone(t, 47350, Handler{IncomingCall: func(call *Call) {
		inB.calls <- call
		_ = call.Redirect(uriOf(t, c))
	}})
	aEv := &events{}
	a := testPhone(t, 47400, aEv.handler(Handler{}))
	ca, err := a.Call(uriOf(t, b))
	if err != nil {
		t.Fatal(err)
	}
	cb := inB.next(t)
	waitState(t, cb, Ended, 5*time.Second)
	if r, code := cb.EndReason(); code != 302 {
		t.Errorf("redirecting call ended %q %d, want 302", r, code)
	}
	waitState(t, ca, Answered, 5*time.Second)
	cc := inC.next(t)
	waitState(t, cc, Answered, 5*time.Second)
	if got := aEv.named(EventRedirected); len(got) != 1 || !strings.HasPrefix(got[0], uriOf(t, c)) {
		t.Errorf("redirected events %q, want [%s]", got, uriOf(t, c))
	}
	if ca.callID != cc.callID {
		t.Errorf("the redirected INVITE has Call-ID %q, want the original %q", cc.callID, ca.callID)
	}
	exchangeTones(t, ca, cc)
	_ = ca.Hangup()
	waitState(t, cc, Ended, 5*time.Second)
}

// TestRedirectLoopAndHops: a redirect back to a target already tried is
// not followed, and a chain of new targets is followed at most
// maxRedirects times; either way the call ends with the 302.
const maxRedirects = 5 // sip's bound
func TestRedirectLoopAndHops(t *testing.T) {
	var mu sync.Mutex
	n := 0
	var self string
	b := testPhone(t, 47450, Handler{IncomingCall: func(call *Call) {
		mu.Lock()
		n++
		next := strings.Replace(self, "sip:test@", "sip:hop"+string(rune('0'+n))+"@", 1)
		mu.Unlock()
		if strings.Contains(call.localURI, "loop") {
			next = self // back to where it started
		}
		_ = call.Redirect(next)
	}})
	self = uriOf(t, b)
	for _, tc := range []struct {
		target string
		hops   int
	}{
		{strings.Replace(self, "sip:test@", "sip:loop@", 1), 1}, // loop -> test -> test (tried)
		{self, maxRedirects}, // test -> hop1 -> ... -> hop5 -> hop6 (not followed)
	} {
		mu.Lock()
		n = 0
		mu.Unlock()
		aEv := &events{}
		a := testPhone(t, 47500+50*tc.hops, aEv.handler(Handler{}))
		ca, err := a.Call(tc.target)
		if err != nil {
			t.Fatal(err)
		}
		waitState(t, ca, Ended, 10*time.Second)
		if r, code := ca.EndReason(); code != 302 {
			t.Errorf("%s: call ended %q %d, want 302", tc.target, r, code)
		}
		if got := aEv.named(EventRedirected); len(got) != tc.hops {
			t.Errorf("%s: %d redirects followed (%q), want %d", tc.target, len(got), got, tc.hops)
		}
	}
}

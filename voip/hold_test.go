package voip

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// eventLog records call events as "name detail" per call.
type eventLog struct {
	mu     sync.Mutex
	events map[*Call][]string
}

func (l *eventLog) add(c *Call, name, detail string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.events == nil {
		l.events = map[*Call][]string{}
	}
	l.events[c] = append(l.events[c], name+" "+detail)
}

// qualityEvent stands in a take list for one "quality" event, whatever
// its JSON (each call that had media posts one as it ends).
const qualityEvent = EventQuality + " {…}"

// take waits up to 2 s for want to be c's events so far, then forgets them.
// Each quality event is compared as qualityEvent.
func (l *eventLog) take(t *testing.T, c *Call, want ...string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		l.mu.Lock()
		got := strings.Join(maskQuality(l.events[c]), ", ")
		done := got == strings.Join(want, ", ")
		if done || time.Now().After(deadline) {
			delete(l.events, c)
		}
		l.mu.Unlock()
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("events %q, want %q", got, want)
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// maskQuality returns events with each quality event's JSON elided.
func maskQuality(events []string) []string {
	out := make([]string, len(events))
	for i, e := range events {
		if strings.HasPrefix(e, EventQuality+" {") && strings.HasSuffix(e, "}") {
			e = qualityEvent
		}
		out[i] = e
	}
	return out
}

// callPair is an answered call from a (caller) to b (callee); their call
// events go to log.
func callPair(t *testing.T, rtpA, rtpB int, log *eventLog) (ca, cb *Call) {
	t.Helper()
	in := newIncoming()
	hb := in.handler(true)
	hb.CallEvent = log.add
	b := testPhone(t, rtpB, hb)
	a := testPhone(t, rtpA, Handler{CallEvent: log.add})
	ca, err := a.Call(uriOf(t, b))
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, ca, Answered, 5*time.Second)
	cb = in.next(t)
	waitState(t, cb, Answered, 5*time.Second)
	return ca, cb
}

// quietBothWays has both sides send tones for a second and checks that
// neither hears anything, while reads keep returning full frames on time.
func quietBothWays(t *testing.T, a, b *Call) {
	t.Helper()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = writeTone(a, 440, 1500*time.Millisecond) }()
	go func() { defer wg.Done(); _ = writeTone(b, 1000, 1500*time.Millisecond) }()
	for _, c := range []*Call{a, b} {
		_, _ = c.ReadAudio(make([]byte, 2*8000*4), 0) // what was queued
		start := time.Now()
		frames := 0
		buf := make([]byte, 320)
		for time.Since(start) < 500*time.Millisecond {
			if n, err := c.ReadAudio(buf, time.Second); err != nil || n != len(buf) {
				t.Fatalf("read on hold: %d bytes, %v", n, err)
			}
			frames++
		}
		if frames < 15 || frames > 40 {
			t.Errorf("%d frames read in 500 ms on hold, want about 25", frames)
		}
	}
	var wr sync.WaitGroup
	wr.Add(2)
	var ra, rb float64
	go func() { defer wr.Done(); _, ra = readFor(t, a, time.Second) }()
	go func() { defer wr.Done(); _, rb = readFor(t, b, time.Second) }()
	wr.Wait()
	wg.Wait()
	if ra > 50 || rb > 50 {
		t.Errorf("audio on hold: a hears rms %.0f, b rms %.0f, want silence", ra, rb)
	}
}

func sent(t *testing.T, c *Call) int {
	t.Helper()
	s, err := c.Info("stats")
	if err != nil {
		t.Fatal(err)
	}
	var n int
	for _, f := range []string{`"packets_sent":`} {
		i := len(f) + indexOf(s, f)
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			n = n*10 + int(s[i]-'0')
		}
	}
	return n
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

func wantInfo(t *testing.T, c *Call, key, want string) {
	t.Helper()
	if got, err := c.Info(key); err != nil || got != want {
		t.Errorf("Info(%q) = %q, %v; want %q", key, got, err, want)
	}
}

// TestHoldResumeBothWays: either side holds and resumes; audio stops both
// ways while held (the holder sends no RTP) and comes back, by level and
// frequency.
func TestHoldResumeBothWays(t *testing.T) {
	var log eventLog
	ca, cb := callPair(t, 44000, 44100, &log)
	exchangeTones(t, ca, cb)
	for _, tc := range []struct {
		name           string
		holder, holdee *Call
	}{{"caller holds", ca, cb}, {"callee holds", cb, ca}} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.holder.Hold(); err != nil {
				t.Fatal(err)
			}
			wantInfo(t, tc.holder, "hold", "local")
			wantInfo(t, tc.holdee, "hold", "remote")
			log.take(t, tc.holder, "hold local")
			log.take(t, tc.holdee, "hold remote")
			before := sent(t, tc.holder)
			quietBothWays(t, ca, cb)
			if d := sent(t, tc.holder) - before; d > 1 {
				t.Errorf("the holder sent %d packets on hold", d)
			}
			if err := tc.holder.Hold(); err != nil {
				t.Errorf("second hold: %v", err)
			}
			if err := tc.holder.Resume(); err != nil {
				t.Fatal(err)
			}
			wantInfo(t, tc.holder, "hold", "none")
			wantInfo(t, tc.holdee, "hold", "none")
			log.take(t, tc.holder, "resume local")
			log.take(t, tc.holdee, "resume remote")
			exchangeTones(t, ca, cb)
		})
	}
	// Both hold: the second offers inactive; one resume leaves the other's.
	if err := ca.Hold(); err != nil {
		t.Fatal(err)
	}
	if err := cb.Hold(); err != nil {
		t.Fatal(err)
	}
	wantInfo(t, ca, "hold", "both")
	wantInfo(t, cb, "hold", "both")
	if sdp, _ := ca.Info("remote_sdp"); indexOf(sdp, "a=inactive") < 0 {
		t.Errorf("b's offer while held by a is not inactive:\n%s", sdp)
	}
	if err := ca.Resume(); err != nil {
		t.Fatal(err)
	}
	wantInfo(t, ca, "hold", "remote")
	wantInfo(t, cb, "hold", "local")
	quietBothWays(t, ca, cb)
	if err := cb.Resume(); err != nil {
		t.Fatal(err)
	}
	exchangeTones(t, ca, cb)
	if err := ca.Hangup(); err != nil {
		t.Fatal(err)
	}
	if err := ca.Hold(); !errors.Is(err, ErrInvalidState) {
		t.Errorf("hold after hangup: %v", err)
	}
}

// TestHoldGlare: both sides hold at once; whichever way the re-INVITEs
// meet, both calls end up held both ways with no audio.
func TestHoldGlare(t *testing.T) {
	ca, cb := callPair(t, 44200, 44300, &eventLog{})
	var wg sync.WaitGroup
	errs := make([]error, 2)
	took := make([]time.Duration, 2)
	start := make(chan struct{})
	for i, c := range []*Call{ca, cb} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			t0 := time.Now()
			errs[i] = c.Hold()
			took[i] = time.Since(t0)
		}()
	}
	close(start)
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("holds: %v, %v", errs[0], errs[1])
	}
	// Whether the two re-INVITEs crossed (both 491, retried after RFC
	// 3261 §14.1's delays: TestHoldGlareAndRefusal checks those) or one
	// waited for the other, both end up holding.
	t.Logf("holds took %v (caller) and %v (callee)", took[0], took[1])
	wantInfo(t, ca, "hold", "both")
	wantInfo(t, cb, "hold", "both")
	quietBothWays(t, ca, cb)
}

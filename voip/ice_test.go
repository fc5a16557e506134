package voip

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"
)

// waitICE waits until c's "ice" info names a selected pair.
func waitICE(t *testing.T, c *Call) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		v, err := c.Info("ice")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(v, "->") {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("no ICE pair selected: ice=%q", v)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// iceCallPair has a call uri (b), returning both sides once answered.
func iceCallPair(t *testing.T, a *Phone, in *incoming, uri string) (*Call, *Call) {
	t.Helper()
	ca, err := a.Call(uri)
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, ca, Answered, 5*time.Second)
	cb := in.next(t)
	waitState(t, cb, Answered, 5*time.Second)
	return ca, cb
}

// TestICECallAudioBothWays: two phones with ice=1 negotiate ICE (a=ice-*
// and candidates in both SDPs), select a host pair, and have audio both
// ways over it; the "ice" info names the pair.
func TestICECallAudioBothWays(t *testing.T) {
	in := newIncoming()
	b := testPhoneWith(t, 49450, map[string]string{"ice": "1"}, in.handler(true))
	a := testPhoneWith(t, 49500, map[string]string{"ice": "1"}, Handler{})
	ca, cb := iceCallPair(t, a, in, uriOf(t, b))
	for _, c := range []*Call{ca, cb} {
		sdp, _ := c.Info("remote_sdp")
		for _, want := range []string{"a=ice-ufrag:", "a=ice-pwd:", "a=candidate:", " typ host", "a=end-of-candidates", "a=rtcp-mux"} {
			if !strings.Contains(sdp, want) {
				t.Errorf("peer SDP lacks %q:\n%s", want, sdp)
			}
		}
		// Candidates end at their type (and raddr/rport): no pion
		// extensions, which baresip cannot parse.
		if strings.Contains(sdp, " generation ") || strings.Contains(sdp, " ufrag ") {
			t.Errorf("candidates carry extension attributes:\n%s", sdp)
		}
	}
	pa, pb := waitICE(t, ca), waitICE(t, cb)
	if !strings.HasPrefix(pa, "host 127.0.0.1:") || !strings.Contains(pa, "-> host 127.0.0.1:") {
		t.Errorf("caller's pair %q", pa)
	}
	t.Logf("ice: caller %q, callee %q", pa, pb)
	exchangeTones(t, ca, cb)
	_ = ca.Hangup()
	waitState(t, cb, Ended, 3*time.Second)
	// The pair the call used stays readable after the end.
	if v, _ := cb.Info("ice"); v != pb {
		t.Errorf("ice info after the end %q, want %q", v, pb)
	}
}

// TestICEFallsBackToPlainRTP: an ICE phone calling or called by a phone
// without ICE has plain RTP with audio both ways, and no "ice" info.
func TestICEFallsBackToPlainRTP(t *testing.T) {
	for _, tt := range []struct{ name, callerICE, calleeICE string }{
		{"ICE caller, plain callee", "1", "0"},
		{"plain caller, ICE callee", "0", "1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := newIncoming()
			b := testPhoneWith(t, 49550, map[string]string{"ice": tt.calleeICE}, in.handler(true))
			a := testPhoneWith(t, 49600, map[string]string{"ice": tt.callerICE}, Handler{})
			ca, cb := iceCallPair(t, a, in, uriOf(t, b))
			exchangeTones(t, ca, cb)
			for _, c := range []*Call{ca, cb} {
				if v, _ := c.Info("ice"); v != "" {
					t.Errorf("ice info %q on a plain RTP call", v)
				}
			}
			_ = ca.Hangup()
			waitState(t, cb, Ended, 3*time.Second)
		})
	}
}

// callGoroutines is the number of goroutines two phones with options opts
// add for one answered call between them (both legs).
func callGoroutines(t *testing.T, rtpLow int, opts map[string]string) int {
	t.Helper()
	in := newIncoming()
	b := testPhoneWith(t, rtpLow, opts, in.handler(true))
	a := testPhoneWith(t, rtpLow+50, opts, Handler{})
	time.Sleep(100 * time.Millisecond)
	before := runtime.NumGoroutine()
	ca, cb := iceCallPair(t, a, in, uriOf(t, b))
	if opts["ice"] == "1" {
		waitICE(t, ca)
		waitICE(t, cb)
	}
	time.Sleep(300 * time.Millisecond)
	n := runtime.NumGoroutine() - before
	_ = ca.Hangup()
	waitState(t, cb, Ended, 3*time.Second)
	return n
}

// TestICEGoroutines measures what an ICE call costs in goroutines (pion/ice
// runs its own per agent) and checks that they all end with the call and
// that their number does not grow with the packets sent.
func TestICEGoroutines(t *testing.T) {
	plain := callGoroutines(t, 49750, map[string]string{"ice": "0"})
	withICE := callGoroutines(t, 49850, map[string]string{"ice": "1"})
	t.Logf("goroutines added by one call (both legs): %d plain, %d with ICE: %d per ICE agent",
		plain, withICE, (withICE-plain)/2)
	if per := (withICE - plain) / 2; per > 8 {
		t.Errorf("%d goroutines per ICE agent", per)
	}
	in := newIncoming()
	b := testPhoneWith(t, 49650, map[string]string{"ice": "1"}, in.handler(true))
	a := testPhoneWith(t, 49700, map[string]string{"ice": "1"}, Handler{})
	time.Sleep(100 * time.Millisecond)
	before := runtime.NumGoroutine()
	ca, cb := iceCallPair(t, a, in, uriOf(t, b))
	waitICE(t, ca)
	waitICE(t, cb)
	time.Sleep(200 * time.Millisecond)
	during := runtime.NumGoroutine()
	exchangeTones(t, ca, cb) // two seconds of media both ways
	after2s := runtime.NumGoroutine()
	t.Logf("goroutines: %d before, %d during two ICE call legs, %d after 2 s of media", before, during, after2s)
	if after2s > during+2 {
		t.Errorf("goroutines grew with the media: %d -> %d", during, after2s)
	}
	_ = ca.Hangup()
	waitState(t, cb, Ended, 3*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for runtime.NumGoroutine() > before+1 && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before+1 {
		t.Errorf("%d goroutines after the call, %d before", n, before)
	}
}

// TestICEPairOutlivesReINVITE: a re-INVITE (hold, resume) carries no ICE
// attributes and keeps the selected pair. The caller writes 127.0.0.2 in
// its SDP while its host candidate is 127.0.0.1 (its bind address): had
// the callee moved to the re-INVITE's c= address, it would send where
// nobody listens and drop what comes from 127.0.0.1.
func TestICEPairOutlivesReINVITE(t *testing.T) {
	in := newIncoming()
	b := testPhoneWith(t, 49950, map[string]string{"ice": "1"}, in.handler(true))
	a := testPhoneWith(t, 50000, map[string]string{"ice": "1", "hostname": "127.0.0.2"}, Handler{})
	ca, cb := iceCallPair(t, a, in, uriOf(t, b))
	if p := waitICE(t, cb); !strings.Contains(p, "-> host 127.0.0.1:") {
		t.Fatalf("callee's pair %q", p)
	}
	if err := ca.Hold(); err != nil {
		t.Fatal(err)
	}
	if err := ca.Resume(); err != nil {
		t.Fatal(err)
	}
	exchangeTones(t, ca, cb)
	_ = ca.Hangup()
	waitState(t, cb, Ended, 3*time.Second)
}

// TestICEKeepalives: once a pair is selected the agents keep sending STUN
// on it every keep-alive interval (15 s; shortened here), RTP or not.
func TestICEKeepalives(t *testing.T) {
	in := newIncoming()
	b := newTestPhone(t, 50050, map[string]string{"ice": "1"}, in.handler(true))
	a := newTestPhone(t, 50100, map[string]string{"ice": "1"}, Handler{})
	for _, p := range []*Phone{a, b} {
		p.iceKeepalive = 200 * time.Millisecond
		if err := p.Start(); err != nil {
			t.Fatal(err)
		}
	}
	ca, cb := iceCallPair(t, a, in, uriOf(t, b))
	waitICE(t, ca)
	waitICE(t, cb)
	time.Sleep(500 * time.Millisecond) // the checks are over
	cb.mu.Lock()
	conn := cb.ice.conn
	cb.mu.Unlock()
	before := conn.Received()
	time.Sleep(time.Second)
	if n := conn.Received() - before; n < 3 {
		t.Errorf("%d STUN messages in a second with 200 ms keep-alives", n)
	}
	_ = ca.Hangup()
	waitState(t, cb, Ended, 3*time.Second)
}

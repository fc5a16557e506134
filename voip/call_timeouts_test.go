package voip

import (
	"context"
	"fmt"
	"testing"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// waitEnded waits up to d for c to end and returns how long it took.
func waitEnded(t *testing.T, c *Call, d time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if s, _ := c.Wait(ctx, Ended.Mask()); s != Ended {
		t.Fatalf("the call is %s after %v, want ENDED", s, d)
	}
	return time.Since(start)
}

// TestRTPTimeoutEndsCall: an answered call whose peer stops sending RTP
// ends with the reason "RTP timeout" about rtp_timeout_ms after its last
// packet (the check runs once a second), and the peer gets a BYE.
func TestRTPTimeoutEndsCall(t *testing.T) {
	in := newIncoming()
	p := testPhoneWith(t, 45000, map[string]string{"rtp_timeout_ms": "1000"}, in.handler(true))
	r := newRawCaller(t, p)
	res := r.call("rtp-timeout@test", "sendrecv")
	c := in.next(t)
	r.sendRTP(res, 60) // 1.2 s of RTP, longer than the timeout
	if s := c.State(); s != Answered {
		t.Fatalf("the call is %s while its peer sends RTP, want ANSWERED", s)
	}
	silentFor := waitEnded(t, c, 5*time.Second)
	reason, _ := c.EndReason()
	if reason != ReasonRTPTimeout {
		t.Errorf("end reason %q, want %q", reason, ReasonRTPTimeout)
	}
	if silentFor < 900*time.Millisecond || silentFor > 2500*time.Millisecond {
		t.Errorf("ended %v after the last RTP packet, want 1..2 s", silentFor)
	}
	t.Logf("ended %v after the peer's last RTP packet, reason %q", silentFor.Round(10*time.Millisecond), reason)
	deadline := time.Now().Add(3 * time.Second)
	for {
		m := r.read(deadline)
		if m == nil {
			t.Fatal("no BYE reached the peer")
		}
		if req, ok := m.(*gosip.Request); ok && req.Method == gosip.BYE {
			if req.CallID().Value() != "rtp-timeout@test" {
				t.Errorf("BYE for Call-ID %q", req.CallID().Value())
			}
			r.reply(req, 200)
			break
		}
	}
}

// TestRTPTimeoutNotOnHold: a call the peer holds (its offer is sendonly, or
// inactive) and that then sends nothing is not ended by the RTP timeout.
func TestRTPTimeoutNotOnHold(t *testing.T) {
	for i, dir := range []string{"sendonly", "inactive"} {
		t.Run(dir, func(t *testing.T) {
			in := newIncoming()
			p := testPhoneWith(t, 45100+50*i, map[string]string{"rtp_timeout_ms": "1000"}, in.handler(true))
			r := newRawCaller(t, p)
			r.call("hold-"+dir+"@test", dir)
			c := in.next(t)
			time.Sleep(3 * time.Second) // three checks past the timeout
			if s := c.State(); s != Answered {
				reason, _ := c.EndReason()
				t.Fatalf("a held call without RTP is %s (%q) after 3 s, want ANSWERED", s, reason)
			}
		})
	}
}

// TestMaxCallsAnswered503: with max_calls=2 and two calls ringing, a third
// INVITE is answered 503 Service Unavailable with Retry-After, on the wire,
// and the application never hears of it.
func TestMaxCallsAnswered503(t *testing.T) {
	in := newIncoming()
	p := testPhoneWith(t, 45200, map[string]string{"max_calls": "2"}, in.handler(false))
	r := newRawCaller(t, p)
	for i := 1; i <= 2; i++ {
		r.invite(fmt.Sprintf("max-%d@test", i), "sendrecv")
		in.next(t)
	}
	r.invite("max-3@test", "sendrecv")
	res := r.final("max-3@test")
	if res == nil || res.StatusCode != 503 {
		t.Fatalf("third INVITE: got %v, want 503", res)
	}
	if h := res.GetHeader("Retry-After"); h == nil || h.Value() != "5" {
		t.Errorf("the 503 carries Retry-After %v, want 5", h)
	}
	select {
	case c := <-in.calls:
		t.Errorf("the refused INVITE reached the application (%s)", c.callID)
	case <-time.After(200 * time.Millisecond):
	}
	if n := len(p.Calls()); n != 2 {
		t.Errorf("%d calls, want 2", n)
	}
}

// TestRingTimeoutEndsCall: an incoming call the application neither answers
// nor rejects is answered 480 after ring_timeout_ms and ends with the
// reason "ring timeout" and code 480.
func TestRingTimeoutEndsCall(t *testing.T) {
	in := newIncoming()
	p := testPhoneWith(t, 45250, map[string]string{"ring_timeout_ms": "1000"}, in.handler(false))
	r := newRawCaller(t, p)
	r.invite("ring-timeout@test", "sendrecv")
	c := in.next(t)
	res := r.final("ring-timeout@test")
	if res == nil || res.StatusCode != 480 {
		t.Fatalf("INVITE nobody answers: got %v, want 480", res)
	}
	waitEnded(t, c, 2*time.Second)
	if reason, code := c.EndReason(); reason != ReasonRingTimeout || code != 480 {
		t.Errorf("end reason %q %d, want %q 480", reason, code, ReasonRingTimeout)
	}
	if n := len(p.Calls()); n != 0 {
		t.Errorf("%d calls after the ring timeout, want 0", n)
	}
}

func TestCallLimitOptionRanges(t *testing.T) {
	tests := []struct {
		key, value string
		ok         bool
	}{
		{"rtp_timeout_ms", "0", true},
		{"rtp_timeout_ms", "999", false},
		{"rtp_timeout_ms", "1000", true},
		{"rtp_timeout_ms", "3600000", true},
		{"rtp_timeout_ms", "3600001", false},
		{"ring_timeout_ms", "0", true},
		{"ring_timeout_ms", "999", false},
		{"ring_timeout_ms", "86400000", true},
		{"ring_timeout_ms", "86400001", false},
		{"max_calls", "0", true},
		{"max_calls", "1", true},
		{"max_calls", "1048576", true},
		{"max_calls", "1048577", false},
		{"max_calls", "-1", false},
		{"max_calls", "x", false},
	}
	for _, tt := range tests {
		c := DefaultConfig()
		err := c.Set(tt.key, tt.value)
		if (err == nil) != tt.ok {
			t.Errorf("Set(%q, %q) = %v, want ok=%v", tt.key, tt.value, err, tt.ok)
		}
		if err == nil {
			if got, _ := c.Get(tt.key); got != tt.value {
				t.Errorf("Get(%q) after Set(%q) = %q", tt.key, tt.value, got)
			}
		}
	}
}

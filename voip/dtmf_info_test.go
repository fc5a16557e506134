package voip

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

// collectDigits reads c's digits until want's length arrived (or 8 s
// passed), then for a little longer to catch duplicates.
func collectDigits(c *Call, want string) string {
	got := ""
	deadline := time.Now().Add(8 * time.Second)
	for time.Now().Before(deadline) && len(got) < len(want) {
		got += c.GetDTMF(-1)
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	return got + c.GetDTMF(-1)
}

// callStats is a call's "stats" fact.
func callStats(t *testing.T, c *Call) map[string]float64 {
	t.Helper()
	s, err := c.Info("stats")
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]float64{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("stats %q: %v", s, err)
	}
	return m
}

// answeredPair is a call from a phone with optsA to one with optsB,
// answered; it returns both ends and the callee's collector.
func answeredPair(t *testing.T, rtpLow int, optsA, optsB map[string]string) (ca, cb *Call, inA, inB *incoming) {
	t.Helper()
	inB = newIncoming()
	b := testPhoneWith(t, rtpLow, optsB, inB.handler(true))
	inA = newIncoming()
	a := testPhoneWith(t, rtpLow+50, optsA, inA.handler(false))
	ca, err := a.Call(uriOf(t, b))
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, ca, Answered, 5*time.Second)
	cb = inB.next(t)
	waitState(t, cb, Answered, 5*time.Second)
	return ca, cb, inA, inB
}

// handlerDigits is what the DTMF handler was told for c.
func (in *incoming) handlerDigits(c *Call) string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return string(in.digits[c])
}

func TestDTMFInfoBothWays(t *testing.T) {
	info := map[string]string{"dtmf_mode": "info"}
	ca, cb, inA, inB := answeredPair(t, 41200, info, info)
	if err := ca.SendDTMF("0123456789*#", 0); err != nil {
		t.Fatal(err)
	}
	if got := collectDigits(cb, "0123456789*#"); got != "0123456789*#" {
		t.Errorf("callee got %q by get_dtmf", got)
	}
	if err := cb.SendDTMF("#*9876543210", 60*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if got := collectDigits(ca, "#*9876543210"); got != "#*9876543210" {
		t.Errorf("caller got %q by get_dtmf", got)
	}
	if got := inB.handlerDigits(cb); got != "0123456789*#" {
		t.Errorf("callee's DTMF handler got %q", got)
	}
	if got := inA.handlerDigits(ca); got != "#*9876543210" {
		t.Errorf("caller's DTMF handler got %q", got)
	}
	sa, sb := callStats(t, ca), callStats(t, cb)
	if sa["dtmf_info_sent"] != 12 || sb["dtmf_info_received"] != 12 ||
		sb["dtmf_info_sent"] != 12 || sa["dtmf_info_received"] != 12 {
		t.Errorf("INFO counters: caller %v, callee %v", sa, sb)
	}
	if sa["dtmf_sent"] != 0 || sb["dtmf_received"] != 0 {
		t.Errorf("RTP events sent in info mode: caller %v, callee %v", sa, sb)
	}
}

// TestDTMFAutoFallsBackToInfo: with a peer that offered no telephone-event,
// auto sends by INFO and rfc4733 refuses; with one that did, auto sends
// RFC 4733 events.
func TestDTMFAutoFallsBackToInfo(t *testing.T) {
	ca, cb, _, _ := answeredPair(t, 41300, nil, map[string]string{"dtmf_payload_type": "0"})
	if err := ca.SendDTMF("159#", 0); err != nil {
		t.Fatal(err)
	}
	if got := collectDigits(cb, "159#"); got != "159#" {
		t.Errorf("callee got %q", got)
	}
	if s := callStats(t, ca); s["dtmf_info_sent"] != 4 || s["dtmf_sent"] != 0 {
		t.Errorf("caller stats %v, want 4 digits by INFO", s)
	}
	if err := cb.SendDTMF("7", 0); err != nil {
		t.Fatal(err)
	}
	if got := collectDigits(ca, "7"); got != "7" {
		t.Errorf("caller got %q", got)
	}

	rfc := map[string]string{"dtmf_mode": "rfc4733"}
	cr, _, _, _ := answeredPair(t, 41400, rfc, map[string]string{"dtmf_payload_type": "0"})
	if err := cr.SendDTMF("1", 0); !errors.Is(err, ErrInvalidState) {
		t.Errorf("rfc4733 without telephone-event: %v, want ErrInvalidState", err)
	}

	cx, cy, _, _ := answeredPair(t, 41500, nil, nil)
	if err := cx.SendDTMF("42", 0); err != nil {
		t.Fatal(err)
	}
	if got := collectDigits(cy, "42"); got != "42" {
		t.Errorf("callee got %q", got)
	}
	if s := callStats(t, cx); s["dtmf_sent"] == 0 || s["dtmf_info_sent"] != 0 {
		t.Errorf("auto with telephone-event: stats %v, want RFC 4733 events", s)
	}
}

func TestDTMFModeOption(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"auto", "auto", true}, {"rfc4733", "rfc4733", true}, {" INFO ", "info", true},
		{"", "", false}, {"sipinfo", "", false}, {"2", "", false},
	}
	for _, tt := range tests {
		cfg := DefaultConfig()
		err := cfg.Set("dtmf_mode", tt.in)
		if !tt.ok {
			if !errors.Is(err, ErrInvalidArgument) {
				t.Errorf("%q: %v, want ErrInvalidArgument", tt.in, err)
			}
			continue
		}
		if got, _ := cfg.Get("dtmf_mode"); err != nil || got != tt.want {
			t.Errorf("%q: %q, %v", tt.in, got, err)
		}
	}
	if cfg := DefaultConfig(); cfg.DTMFMode != DTMFAuto {
		t.Errorf("default mode %v", cfg.DTMFMode)
	}
}

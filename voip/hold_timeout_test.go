package voip

import (
	"errors"
	"testing"
	"time"

	"github.com/libvoip/libvoip/internal/siptimers"

	gosip "github.com/emiago/sipgo/sip"
)

// TestHoldTimeout: a hold whose re-INVITE the peer never answers returns
// ErrTimeout once the transaction times out (Timer B, 64·T1), and leaves
// the call up, unheld and sending audio.
func TestHoldTimeout(t *testing.T) {
	if !siptimers.In(t, "TestHoldTimeout", "") {
		return
	}
	in := newIncoming()
	p := testPhone(t, 44560, in.handler(true))
	media := listenUDP(t)
	r, c := dialRaw(t, p, in, udpPort(media))

	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- c.Hold() }()
	r.readRequest("INVITE") // and ignored, retransmissions too
	var err error
	select {
	case err = <-done:
	case <-time.After(64*gosip.T1 + 5*time.Second):
		t.Fatal("Hold did not return after the re-INVITE's transaction timed out")
	}
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("Hold: %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d < 64*gosip.T1-500*time.Millisecond {
		t.Errorf("Hold returned after %v, before Timer B (%v)", d, 64*gosip.T1)
	}
	if c.State() != Answered {
		t.Fatalf("call %s after an unanswered hold", c.State())
	}
	wantInfo(t, c, "hold", "none")
	_, _ = rtpAt(media, 60*time.Millisecond)
	if n, _ := rtpAt(media, 300*time.Millisecond); n < 5 {
		t.Errorf("%d packets in 300 ms after the failed hold, want audio going on", n)
	}
}

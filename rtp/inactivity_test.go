package rtp

import (
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	pionrtp "github.com/pion/rtp"
)

// TestStreamInactivity: a sendrecv stream that heard nothing from its peer
// for InactivityTimeout reports it once, at the pacer's next once-a-second
// check; one that heard a packet since, one on hold (any other direction)
// and one without a timeout never do.
func TestStreamInactivity(t *testing.T) {
	tests := []struct {
		name       string
		send, recv bool
		timeout    time.Duration
		heard      bool // a packet arrives just before the checks
		want       int32
	}{
		{"sendrecv, silent", true, true, time.Second, false, 1},
		{"sendrecv, a packet arrived", true, true, time.Second, true, 0},
		{"sendrecv, silent, timeout not reached", true, true, 3 * time.Second, false, 0},
		{"recvonly (the peer holds: sendonly)", false, true, time.Second, false, 0},
		{"sendonly (the peer is recvonly)", true, false, time.Second, false, 0},
		{"inactive", false, false, time.Second, false, 0},
		{"no timeout", true, true, 0, false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var fired atomic.Int32
			cfg := stConfig()
			cfg.Send, cfg.Receive = tc.send, tc.recv
			cfg.InactivityTimeout = tc.timeout
			cfg.OnInactive = func() { fired.Add(1) }
			s, _ := stNew(t, cfg)
			// Two seconds pass without a packet from the peer.
			s.born = s.born.Add(-2 * time.Second)
			if tc.heard {
				var pkt pionrtp.Packet
				s.receive(stBuild(0, false, 1, 160, 77, make([]byte, 160)), s.Remote(), &pkt)
			}
			for i := 0; i < inactivityCheckTicks-1; i++ {
				s.tick()
			}
			if n := fired.Load(); n != 0 {
				t.Fatalf("OnInactive called %d times before the first check", n)
			}
			for i := 0; i < 3*inactivityCheckTicks+1; i++ {
				s.tick()
			}
			if n := fired.Load(); n != tc.want {
				t.Errorf("OnInactive called %d times, want %d", n, tc.want)
			}
		})
	}
}

// TestStreamInactivityFromOtherSource: packets from an address the stream
// does not accept do not count as the peer being heard.
func TestStreamInactivityFromOtherSource(t *testing.T) {
	var fired atomic.Int32
	cfg := stConfig()
	cfg.InactivityTimeout = time.Second
	cfg.OnInactive = func() { fired.Add(1) }
	s, _ := stNew(t, cfg)
	s.born = s.born.Add(-2 * time.Second)
	var pkt pionrtp.Packet
	for i := 0; i < inactivityCheckTicks; i++ {
		s.receive(stBuild(0, false, uint16(i), uint32(160*i), 77, make([]byte, 160)),
			netip.MustParseAddrPort("192.0.2.1:4000"), &pkt)
		s.tick()
	}
	if n := fired.Load(); n != 1 {
		t.Errorf("OnInactive called %d times, want 1", n)
	}
}

// TestStreamInactivityOnPacer: on a running pacer, a silent stream is
// reported within about a second after its timeout, and a stream whose
// peer keeps sending is not.
func TestStreamInactivityOnPacer(t *testing.T) {
	p := NewPacer(0)
	p.Start()
	defer p.Stop()
	var silent, talking atomic.Int32
	cfg := stConfig()
	cfg.InactivityTimeout = 300 * time.Millisecond
	cfg.OnInactive = func() { silent.Add(1) }
	a, _ := stNew(t, cfg)
	cfg.OnInactive = func() { talking.Add(1) }
	b, peer := stNew(t, cfg)
	start := time.Now()
	a.Start(p)
	b.Start(p)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-tick.C:
				_, _ = peer.WriteToUDPAddrPort(stBuild(0, false, uint16(i), uint32(160*i), 9, make([]byte, 160)), b.LocalAddr())
			}
		}
	}()
	stWaitFor(t, "the silent stream's report", func() bool { return silent.Load() > 0 })
	took := time.Since(start)
	time.Sleep(1500 * time.Millisecond) // more checks: no second report
	if n := silent.Load(); n != 1 {
		t.Errorf("silent stream reported %d times, want once", n)
	}
	if n := talking.Load(); n != 0 {
		t.Errorf("a stream whose peer sends was reported inactive %d times", n)
	}
	if took < cfg.InactivityTimeout || took > 2*time.Second {
		t.Errorf("reported after %v, want between the timeout (%v) and about a second later", took, cfg.InactivityTimeout)
	}
}

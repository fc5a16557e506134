package rtp

import (
	"net"
	"testing"
)

// TestStreamUnconfirmed: an Unconfirmed stream sends UnconfirmedFrames
// intervals, then nothing until the session is confirmed, by Confirm or by
// a valid RTP packet from the peer; a confirmed stream is never limited.
func TestStreamUnconfirmed(t *testing.T) {
	tests := []struct {
		name        string
		unconfirmed bool
		confirm     func(t *testing.T, s *Stream, peer *net.UDPConn)
	}{
		{"confirmed from the start", false, nil},
		{"Confirm", true, func(t *testing.T, s *Stream, _ *net.UDPConn) { s.Confirm() }},
		{"RTP from the peer", true, func(t *testing.T, s *Stream, peer *net.UDPConn) {
			stSend(t, peer, s.LocalAddr(), stBuild(PCMU.PayloadType, false, 1, 160, 0x1234, make([]byte, 160)))
			stWaitFor(t, "the peer's packet", s.Confirmed)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := stConfig()
			cfg.Unconfirmed = tt.unconfirmed
			s, peer := stNew(t, cfg)
			stStartRx(s)
			for i := 0; i < UnconfirmedFrames; i++ {
				s.tick()
				stRead(t, peer, s)
			}
			s.tick()
			if tt.unconfirmed {
				stNoMore(t, peer)
				if s.Confirmed() {
					t.Fatal("Confirmed before any confirmation")
				}
				// A packet from elsewhere confirms nothing.
				other := stListenOther(t)
				stSend(t, other, s.LocalAddr(), stBuild(PCMU.PayloadType, false, 1, 160, 0x99, make([]byte, 160)))
				stWaitFor(t, "the stray packet", func() bool { return s.Stats().DroppedSource == 1 })
				s.tick()
				stNoMore(t, peer)
				tt.confirm(t, s, peer)
				s.tick()
			}
			stRead(t, peer, s)
			if got := s.Stats().PacketsSent; tt.unconfirmed && got != UnconfirmedFrames+1 {
				t.Errorf("PacketsSent %d, want %d", got, UnconfirmedFrames+1)
			}
		})
	}
}

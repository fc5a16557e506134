package rtp

import "time"

// Inactivity: a stream whose peer has gone silent (no RTP from it for
// StreamConfig.InactivityTimeout) reports it once through OnInactive, so
// that a call nobody is on any more ends instead of living forever.
//
// It costs no goroutine or timer of its own: each received packet stores
// its arrival time in an atomic (markHeard), and the pacer's tick looks at
// it once every inactivityCheckTicks intervals (checkInactive).

// inactivityCheckTicks is how often, in pacer intervals (one second), a
// stream compares the time since its peer was last heard with its
// InactivityTimeout.
const inactivityCheckTicks = 50

// markHeard records that a packet from the peer arrived at now: RTP today,
// RTCP too once the stream handles it. Called by the receiving goroutine.
func (s *Stream) markHeard(now time.Time) {
	s.lastHeard.Store(int64(now.Sub(s.born)))
}

// expectsMedia reports whether the peer is expected to send all the time:
// only a stream negotiated sendrecv is. One on hold (we or the peer
// sendonly, inactive, or a peer at an unspecified address) may hear
// nothing for as long as the hold lasts.
func (s *Stream) expectsMedia() bool {
	return s.cfg.Send && s.cfg.Receive
}

// checkInactive reports, once, that the peer has not been heard for the
// stream's InactivityTimeout. Only the pacer goroutine calls it, from
// tick; it reads the clock once every inactivityCheckTicks calls.
func (s *Stream) checkInactive() bool {
	if s.cfg.InactivityTimeout <= 0 || s.inactive {
		return false
	}
	s.sinceCheck++
	if s.sinceCheck < inactivityCheckTicks {
		return false
	}
	s.sinceCheck = 0
	if !s.expectsMedia() {
		return false
	}
	idle := time.Since(s.born) - time.Duration(s.lastHeard.Load())
	if idle < s.cfg.InactivityTimeout {
		return false
	}
	s.inactive = true
	return true
}

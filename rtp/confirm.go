package rtp

// UnconfirmedFrames is how many packet intervals (20 ms each: about one
// second) an unconfirmed stream sends before it waits for confirmation.
const UnconfirmedFrames = 50

// Confirm records that the peer confirmed the session (a SIP ACK for our
// answer, or our ACK for its answer): an Unconfirmed stream sends without
// limit from now on. It is safe to call at any time, more than once.
func (s *Stream) Confirm() {
	s.mu.Lock()
	s.confirmed = true
	s.mu.Unlock()
}

// Confirmed reports whether the stream may send without limit: it was not
// Unconfirmed, Confirm was called, or a valid RTP packet came from the peer.
func (s *Stream) Confirmed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.confirmed
}

// mayProbe reports whether the pacer may send this interval's packets, and
// counts the interval against the unconfirmed budget. Called with mu held.
//
// An address named in an SDP offer is whatever the sender wrote: it is not
// known to want our media until the session is confirmed. Without a limit,
// one INVITE that is never acknowledged would point 50 packets a second at
// a third party for as long as the call lasts.
func (s *Stream) mayProbe() bool {
	if s.confirmed {
		return true
	}
	if s.unconfirmedSent >= UnconfirmedFrames {
		return false
	}
	s.unconfirmedSent++
	return true
}

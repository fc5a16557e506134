package rtp

import "errors"

// The stream's side of the Protector seam (srtp.go): packets sealed after
// they are built and opened before they are read, failures counted.

// protectLocked seals the first n packets of out in place when the stream
// has a Protector, and returns how many can be sent: a packet that cannot
// be sealed is never sent in clear. Called by the pacer goroutine with mu
// held.
func (s *Stream) protectLocked(out *[3][]byte, n int) int {
	p := s.cfg.Protector
	if p == nil {
		return n
	}
	sent := 0
	for i := 0; i < n; i++ {
		sealed, err := p.ProtectRTP(out[i])
		if err != nil {
			continue
		}
		out[sent] = sealed
		sent++
	}
	return sent
}

// protector is the stream's Protector now; nil for plain RTP.
func (s *Stream) protector() Protector {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg.Protector
}

// unprotect opens a received RTP packet in place when the stream has a
// Protector; ok is false, and the drop counted, when it does not
// authenticate or is a replay. Called by the receiving goroutine.
func (s *Stream) unprotect(b []byte) ([]byte, bool) {
	p := s.protector()
	if p == nil {
		return b, true
	}
	open, err := p.UnprotectRTP(b)
	return open, s.countOpen(err)
}

// protectRTCPLocked seals a compound RTCP packet for sending when the
// stream has a Protector (SRTCP); cap(pkt) must leave ProtectOverhead
// bytes. ok is false when it cannot be sealed: the packet must then not be
// sent (never in clear). It is the seam for the RTCP sender, which runs in
// the pacer's tick: called with mu held.
func (s *Stream) protectRTCPLocked(pkt []byte) ([]byte, bool) {
	p := s.cfg.Protector
	if p == nil {
		return pkt, true
	}
	sealed, err := p.ProtectRTCP(pkt)
	return sealed, err == nil
}

// unprotectRTCP opens a received SRTCP packet in place when the stream has
// a Protector; ok is false, and the drop counted, when it does not
// authenticate or is a replay. It is the seam for the RTCP receiver: called
// by the goroutine that receives the stream's packets, without mu.
func (s *Stream) unprotectRTCP(pkt []byte) ([]byte, bool) {
	p := s.protector()
	if p == nil {
		return pkt, true
	}
	open, err := p.UnprotectRTCP(pkt)
	return open, s.countOpen(err)
}

// countOpen counts a failed open: replays apart from everything else.
func (s *Stream) countOpen(err error) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, ErrNotKeyed): // DTLS-SRTP before its handshake (dtls.go)
	case errors.Is(err, ErrReplayed):
		s.srtpReplayed.Add(1)
	default:
		s.srtpAuthFailed.Add(1)
	}
	return false
}

// SRTPStats are the SRTP drops of a stream.
type SRTPStats struct {
	Encrypted  bool   // the stream has a Protector now
	Replayed   uint64 // packets refused as replays (RFC 3711 §3.3.2)
	AuthFailed uint64 // packets whose authentication failed: forged, damaged or of another key
}

// SRTPStats returns the stream's SRTP counters.
func (s *Stream) SRTPStats() SRTPStats {
	return SRTPStats{
		Encrypted:  s.protector() != nil,
		Replayed:   s.srtpReplayed.Load(),
		AuthFailed: s.srtpAuthFailed.Load(),
	}
}

package rtp

import "net/netip"

// The stream's side of DTLS-SRTP: DTLS records demultiplexed from RTP on
// the stream's socket (RFC 7983 §7) and handed to its Protector.

// DatagramHandler is a Protector that takes the DTLS records received on
// the stream's socket (DTLS does).
type DatagramHandler interface {
	// HandleDatagram is called by the stream's receiving goroutine with
	// a record it must copy if it keeps it; it must not block.
	HandleDatagram(b []byte, from netip.AddrPort)
}

// isDTLS reports whether a datagram is a DTLS record: first byte 20 to 63
// (RFC 7983 §7), where RTP and RTCP have 128 to 191 and STUN 0 to 3.
func isDTLS(b []byte) bool { return len(b) > 0 && b[0] >= 20 && b[0] <= 63 }

// receiveDTLS hands a DTLS record to the stream's Protector when it takes
// them; otherwise the record is counted malformed.
func (s *Stream) receiveDTLS(b []byte, from netip.AddrPort) {
	if h, ok := s.protector().(DatagramHandler); ok {
		h.HandleDatagram(b, from)
		return
	}
	s.malformed.Add(1)
}

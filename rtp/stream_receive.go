package rtp

import (
	"errors"
	"net"
	"net/netip"
	"time"

	pionrtp "github.com/pion/rtp"
)

// The receive path of a stream: a datagram from the stream's socket is
// checked (source, RTP header, payload type, SSRC probation), counted, and
// pushed into the jitter buffer or the DTMF detector. The pacer's tick
// plays it out (stream.go).

// receiveLoop reads the stream's socket until it is closed: the stream's
// own receive goroutine, used where the shared receiver is not.
func (s *Stream) receiveLoop() {
	defer s.wg.Done()
	buf := make([]byte, maxPacketSize)
	var pkt pionrtp.Packet
	for {
		n, from, err := s.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			select {
			case <-s.done:
				return
			default:
				continue // e.g. ICMP port unreachable surfaced on the socket
			}
		}
		s.receive(buf[:n], from, &pkt)
	}
}

// receive handles one datagram from the stream's socket. It is called by
// the goroutine that reads the socket (the shared receiver or receiveLoop),
// never by two goroutines at once.
func (s *Stream) receive(b []byte, from netip.AddrPort, pkt *pionrtp.Packet) {
	if len(b) > 0 && b[0] < 4 && s.cfg.OnSTUN != nil {
		s.cfg.OnSTUN(b, from) // ICE (ice.go)
		return
	}
	if isDTLS(b) { // DTLS-SRTP's handshake on the same socket (dtls_stream.go)
		s.receiveDTLS(b, from)
		return
	}
	// RTCP (RFC 5761 §4: packet types 192-223 where RTP has its marker
	// and payload type), e.g. a peer's RTCP sent to our RTP port + 1, which
	// may be another call's RTP port: never read, and never a reason to
	// latch onto its source.
	if len(b) >= 2 && b[1] >= 192 && b[1] <= 223 {
		s.droppedPT.Add(1)
		return
	}
	// Before the source check: only authenticated SRTP may latch.
	b, ok := s.unprotect(b)
	if !ok {
		return
	}
	if !s.acceptSource(from) {
		s.droppedSource.Add(1)
		return
	}
	if err := pkt.Unmarshal(b); err != nil || pkt.Version != 2 {
		s.malformed.Add(1)
		return
	}
	pt := pkt.PayloadType
	s.mu.Lock() // the payload types may change (Update)
	isDTMF := s.cfg.DTMFPayloadType != 0 && pt == s.cfg.DTMFPayloadType
	if !isDTMF && pt != s.cfg.PayloadType {
		s.mu.Unlock()
		s.droppedPT.Add(1)
		return
	}
	now := time.Now()
	s.markHeard(now)
	s.confirmed = true // a valid packet from the peer (confirm.go)
	if !s.cfg.Receive {
		s.mu.Unlock()
		return
	}
	switch s.source.admit(pkt.SSRC, pkt.SequenceNumber) {
	case probation:
		s.mu.Unlock()
		s.droppedSSRC.Add(1)
		return
	case admittedNew:
		// The peer restarted its stream: the playout and the
		// statistics start over (its DTMF history is the source's).
		s.jb.Reset()
		s.path.resetDecoder()
		s.recv = ReceptionStats{}
	}
	s.packetsReceived.Add(1)
	s.recv.Update(pkt.SequenceNumber, pkt.Timestamp, now, s.cfg.Codec.ClockRate)
	var digit byte
	if isDTMF {
		// The event's sequence numbers carry no audio: a placeholder
		// keeps the jitter buffer from counting them as lost.
		s.jb.Push(pkt.SequenceNumber, nil)
		if d, ok := s.source.dtmf.Detect(pkt.Timestamp, pkt.Payload); ok {
			digit = d
		}
	} else {
		s.jb.Push(pkt.SequenceNumber, pkt.Payload)
	}
	first, second := s.source.digits(digit)
	s.mu.Unlock()
	s.reportDigit(first)
	s.reportDigit(second)
}

// reportDigit counts a received digit and hands it to OnDTMF; 0 is none.
func (s *Stream) reportDigit(d byte) {
	if d == 0 {
		return
	}
	s.dtmfReceived.Add(1)
	if s.cfg.OnDTMF != nil {
		s.cfg.OnDTMF(d)
	}
}

// acceptSource admits packets from the negotiated peer. A peer behind NAT
// sends from the IP it negotiated but another port: until anything came
// from the negotiated address itself, media from the negotiated IP latches
// the stream to its source port (symmetric RTP), once. After that, and
// from any other IP, unexpected sources are dropped.
func (s *Stream) acceptSource(from netip.AddrPort) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sameAddr(from, s.remote) {
		s.heard = true
		return true
	}
	if s.heard || from.Addr().Unmap() != s.cfg.Remote.Addr().Unmap() {
		return false
	}
	s.remote, s.heard = from, true
	s.latched.Add(1)
	return true
}

func sameAddr(a, b netip.AddrPort) bool {
	return a.Port() == b.Port() && a.Addr().Unmap() == b.Addr().Unmap()
}

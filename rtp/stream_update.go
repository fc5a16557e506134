package rtp

import "net/netip"

// StreamUpdate is a renegotiated session (a re-INVITE or UPDATE, RFC 3264
// §8) applied to a running stream.
type StreamUpdate struct {
	Remote          netip.AddrPort // where to send; a new address is latched afresh
	Codec           *Codec         // the codec; nil keeps the current one
	PayloadType     uint8          // payload type on the wire for Codec
	DTMFPayloadType uint8          // telephone-event payload type; 0 = none
	Send, Receive   bool           // the direction now
	Protector       Protector      // SRTP now (srtp.go); nil = plain RTP
}

// Update applies u under the stream's lock: the next tick sends to the new
// remote with the new codec (new coders, DTMF at its clock), and the receive path accepts the new payload
// types. A moved remote starts symmetric RTP latching over (the peer's
// first packets from the new IP may come from another port); a codec
// change drops the jitter buffer's frames of the old codec. Nothing is
// allocated per frame afterwards.
func (s *Stream) Update(u StreamUpdate) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u.Remote.IsValid() && !sameAddr(u.Remote, s.cfg.Remote) {
		s.cfg.Remote, s.remote, s.heard = u.Remote, u.Remote, false
	}
	if u.Codec != nil && (u.Codec != s.cfg.Codec || u.PayloadType != s.cfg.PayloadType) {
		// A codec that cannot code at the stream's rate (none of
		// Codecs()) leaves the stream as it was.
		if u.Codec == s.cfg.Codec || s.setCodec(u.Codec) == nil {
			s.cfg.PayloadType = u.PayloadType
			s.jb.Reset()
		}
	}
	s.cfg.DTMFPayloadType = u.DTMFPayloadType
	if u.Send && !s.cfg.Send {
		s.started = false // the first packet after a pause carries the marker
	}
	if !u.Send {
		s.tx.discard(s.tx.len()) // nothing queued goes out late
	}
	s.cfg.Send, s.cfg.Receive = u.Send, u.Receive
	s.cfg.Protector = u.Protector
}

// Sending reports whether the stream sends media now.
func (s *Stream) Sending() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg.Send
}

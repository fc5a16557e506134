//go:build !linux

package rtp

import "net/netip"

// Without epoll, each stream reads its socket in its own goroutine, and
// the pacer sends through the stream's net.UDPConn.

type sockState struct{}

func (s *Stream) initSocket() {}

func (s *Stream) send(b []byte, to netip.AddrPort) error {
	_, err := s.conn.WriteToUDPAddrPort(b, to)
	return err
}

func (s *Stream) startReceiving() {
	s.wg.Add(1)
	go s.receiveLoop(s.conn)
	if c := s.rtcp.cfg.Conn; c != nil { // RTCP's own socket (rtcp.go)
		s.wg.Add(1)
		go s.receiveLoop(c)
	}
}

func (s *Stream) stopReceiving() {}

package voip

// TURN (RFC 8656) relayed candidates for ICE: with turn_server set, each
// ICE call's agent allocates a relay on the TURN server (pion/ice gathers
// it on a socket of its own) and offers it as a candidate. When ICE
// selects a pair whose local candidate is the relay, the media goes
// through the agent: the pacer hands each packet to the agent's conn
// (Stream.SetRelay) and one goroutine per relayed call reads the agent's
// conn into the stream (Stream.DeliverRelayed).

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/pion/ice/v4"
	pionrtp "github.com/pion/rtp"
	"github.com/pion/stun/v4"

	"github.com/libvoip/libvoip/rtp"
)

const (
	// defaultTURNPort is the TURN port of RFC 8656 §4.
	defaultTURNPort = 3478
	// turnGatherTimeout bounds the allocation of a relay while an offer
	// or answer is built (no trickle: the SDP waits for it).
	turnGatherTimeout = 3 * time.Second
	// relayReadSize is the largest datagram read from the relay.
	relayReadSize = 1500
)

// parseTURNServer checks "host[:port]" as parseSTUNServer does.
func parseTURNServer(c *Config, v string) error {
	v = strings.TrimSpace(v)
	if v != "" {
		host, port := splitHostPort(v)
		if host == "" || strings.ContainsAny(host, notInHost+"/?") || port < 0 || port > 65535 {
			return errBadValue("want host[:port]")
		}
	}
	c.TURNServer = v
	return nil
}

// turnURI is the TURN server of cfg with its credentials, nil when none
// is set.
func turnURI(cfg Config) (*stun.URI, error) {
	if cfg.TURNServer == "" {
		return nil, nil
	}
	host, port := splitHostPort(cfg.TURNServer)
	if port == 0 {
		port = defaultTURNPort
	}
	u, err := stun.ParseURI("turn:" + net.JoinHostPort(host, strconv.Itoa(port)) + "?transport=udp")
	if err != nil {
		return nil, fmt.Errorf("%w: turn_server %q: %v", ErrInvalidArgument, cfg.TURNServer, err)
	}
	u.Username, u.Password = cfg.TURNUser, cfg.TURNPassword
	return u, nil
}

// gatherRelay allocates the relay and lists its candidate for the SDP,
// waiting at most turnGatherTimeout; without an answer from the server the
// call goes on with its other candidates.
func (s *iceSession) gatherRelay() {
	done := make(chan struct{})
	var relays []string
	_ = s.agent.OnCandidate(func(c ice.Candidate) {
		if c == nil {
			close(done)
			return
		}
		if c.Type() == ice.CandidateTypeRelay {
			relays = append(relays, candidateText(c))
		}
	})
	if err := s.agent.GatherCandidates(); err != nil {
		return
	}
	select {
	case <-done:
		s.local.Candidates = append(s.local.Candidates, relays...)
	case <-time.After(turnGatherTimeout):
	}
}

// relayLocked routes the stream's media through the agent while the
// selected pair is relayed, and back to the socket when it is not. s.mu
// is held.
func (s *iceSession) relayLocked() {
	if !s.relayed || s.iceConn == nil {
		s.stream.SetRelay(nil)
		return
	}
	conn := s.iceConn
	s.stream.SetRelay(func(b []byte) error {
		_, err := conn.Write(b)
		return err
	})
	if !s.reading {
		s.reading = true
		go s.readRelay(conn, s.stream)
	}
}

// readRelay hands what the agent receives on the relayed pair to the
// stream until the agent closes (the call's one relay goroutine).
func (s *iceSession) readRelay(conn *ice.Conn, st *rtp.Stream) {
	buf := make([]byte, relayReadSize)
	var pkt pionrtp.Packet
	for {
		n, err := conn.Read(buf)
		if err != nil {
			return
		}
		s.mu.Lock()
		from := s.selected
		s.mu.Unlock()
		st.DeliverRelayed(buf[:n], from, &pkt)
	}
}

package voip

// ICE (RFC 8445, RFC 8839) for a call's media, on pion/ice: with the ice
// option on, an offer or answer carries a=ice-ufrag, a=ice-pwd and the
// call's candidates (host, and server-reflexive when stun_server answered),
// trickle off. The agent's connectivity checks and keep-alives (every 15 s)
// use the call's own RTP socket (rtp.ICEConn, fed by the shared receiver),
// and the selected pair only moves where the stream sends: the media path
// (pacer, shared receiver, latching) is the plain RTP one. A peer whose
// SDP has no ICE gets plain RTP. Later offers and answers (re-INVITE,
// UPDATE) carry no ICE attributes and keep the selected pair.
//
// Goroutines: pion/ice runs its own per agent, for the call's lifetime
// (measured in ice_test.go: TestICEGoroutines); none is started per packet.

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/logging"
	"github.com/pion/stun/v4"

	"github.com/libvoip/libvoip/rtp"
	"github.com/libvoip/libvoip/sip"
)

const (
	// iceKeepalive is the interval of the keep-alives on the selected pair
	// (STUN binding requests, RFC 8445 §11 and RFC 7675 consent).
	iceKeepalive = 15 * time.Second
	// iceFailedTimeout ends the checks that found no pair.
	iceFailedTimeout = 25 * time.Second
)

// iceSession is one call's ICE agent.
type iceSession struct {
	agent       *ice.Agent
	conn        *rtp.ICEConn
	local       sip.ICEDescription
	controlling bool

	mu       sync.Mutex
	stream   *rtp.Stream
	iceConn  *ice.Conn      // the agent's media conn, used when relayed
	selected netip.AddrPort // the selected pair's remote address
	relayed  bool           // the selected pair's local candidate is relayed
	reading  bool           // the relay reader runs (turn.go)
	pair     string         // the "ice" call info
	closed   bool
}

// newICESession starts an agent on conn, the call's RTP socket, with a host
// candidate at host and, when valid and different, a server-reflexive one
// at srflx; with a TURN server (turn non-nil) it also gathers a relayed
// candidate (turn.go). The offerer is the controlling agent.
func newICESession(conn *net.UDPConn, host, srflx netip.AddrPort, controlling bool, turn *stun.URI,
	keepalive time.Duration,
) (*iceSession, error) {
	lf := logging.NewDefaultLoggerFactory()
	lf.DefaultLogLevel = logging.LogLevelDisabled
	types := []ice.CandidateType{ice.CandidateTypeHost}
	opts := []ice.AgentOption{
		ice.WithNetworkTypes([]ice.NetworkType{ice.NetworkTypeUDP4, ice.NetworkTypeUDP6}),
		ice.WithMulticastDNSMode(ice.MulticastDNSModeDisabled),
		ice.WithKeepaliveInterval(keepalive),
		ice.WithFailedTimeout(iceFailedTimeout),
		ice.WithLoggerFactory(lf),
	}
	if turn != nil {
		types = []ice.CandidateType{ice.CandidateTypeRelay} // our host candidate is added, not gathered
		opts = append(opts, ice.WithUrls([]*stun.URI{turn}))
	}
	agent, err := ice.NewAgentWithOptions(append(opts, ice.WithCandidateTypes(types))...)
	if err != nil {
		return nil, fmt.Errorf("%w: ICE agent: %v", ErrNetwork, err)
	}
	s := &iceSession{agent: agent, conn: rtp.NewICEConn(conn), controlling: controlling, pair: "checking"}
	if err := s.addCandidates(host, srflx); err != nil {
		_ = agent.Close()
		return nil, err
	}
	if turn != nil {
		s.gatherRelay() // turn.go
	}
	if err := agent.OnSelectedCandidatePairChange(s.onSelected); err != nil {
		_ = agent.Close()
		return nil, fmt.Errorf("%w: ICE agent: %v", ErrNetwork, err)
	}
	s.local.Ufrag, s.local.Pwd, err = agent.GetLocalUserCredentials()
	if err != nil {
		_ = agent.Close()
		return nil, fmt.Errorf("%w: ICE agent: %v", ErrNetwork, err)
	}
	return s, nil
}

// addCandidates gives the agent its host candidate on the call's socket
// and lists it, with the server-reflexive one (advertised only: its base
// is the host candidate, RFC 8445 §6.1.2.4), for the SDP.
func (s *iceSession) addCandidates(host, srflx netip.AddrPort) error {
	hc, err := ice.NewCandidateHost(&ice.CandidateHostConfig{
		Network: "udp", Address: host.Addr().String(), Port: int(host.Port()), Component: ice.ComponentRTP,
	})
	if err != nil {
		return fmt.Errorf("%w: ICE host candidate: %v", ErrNetwork, err)
	}
	if err := s.agent.AddVirtualCandidate(hc, s.conn); err != nil {
		return fmt.Errorf("%w: ICE host candidate: %v", ErrNetwork, err)
	}
	s.local.Candidates = append(s.local.Candidates, candidateText(hc))
	if srflx.IsValid() && srflx != host {
		sc, err := ice.NewCandidateServerReflexive(&ice.CandidateServerReflexiveConfig{
			Network: "udp", Address: srflx.Addr().String(), Port: int(srflx.Port()), Component: ice.ComponentRTP,
			RelAddr: host.Addr().String(), RelPort: int(host.Port()),
		})
		if err != nil {
			return fmt.Errorf("%w: ICE server-reflexive candidate: %v", ErrNetwork, err)
		}
		s.local.Candidates = append(s.local.Candidates, candidateText(sc))
	}
	return nil
}

// candidateText is c as an a=candidate value without pion's extension
// attributes ("ufrag ...", "generation ..."), which RFC 8839 makes
// optional and which some peers (baresip 1.0) cannot parse: up to "typ
// <type>" and, for srflx and relay candidates, "raddr ... rport ...".
func candidateText(c ice.Candidate) string {
	f := strings.Fields(c.Marshal())
	for i := 0; i+1 < len(f); i++ {
		if f[i] != "typ" {
			continue
		}
		end := i + 2
		if end+3 < len(f) && f[end] == "raddr" && f[end+2] == "rport" {
			end += 4
		}
		return strings.Join(f[:end], " ")
	}
	return c.Marshal()
}

// start begins the connectivity checks against the peer's description.
func (s *iceSession) start(remote sip.ICEDescription) error {
	for _, text := range remote.Candidates {
		c, err := ice.UnmarshalCandidate(text)
		if err != nil || c.Component() != ice.ComponentRTP {
			continue // a candidate we cannot use (RFC 8839 §5.1: ignore it)
		}
		_ = s.agent.AddRemoteCandidate(c)
	}
	var conn *ice.Conn
	var err error
	if s.controlling {
		conn, err = s.agent.StartDial(remote.Ufrag, remote.Pwd)
	} else {
		conn, err = s.agent.StartAccept(remote.Ufrag, remote.Pwd)
	}
	if err != nil {
		return fmt.Errorf("%w: ICE: %v", ErrNetwork, err)
	}
	s.mu.Lock()
	s.iceConn = conn
	s.mu.Unlock()
	return nil
}

// onSelected moves the stream to the selected pair (an agent goroutine).
func (s *iceSession) onSelected(local, remote ice.Candidate) {
	addr, err := netip.ParseAddr(remote.Address())
	if err != nil {
		return
	}
	to := netip.AddrPortFrom(addr.Unmap(), uint16(remote.Port()))
	s.mu.Lock()
	defer s.mu.Unlock()
	s.selected, s.relayed = to, local.Type() == ice.CandidateTypeRelay
	s.pair = fmt.Sprintf("%s %s -> %s %s", local.Type(),
		net.JoinHostPort(local.Address(), fmt.Sprint(local.Port())), remote.Type(), to)
	if s.stream != nil && !s.closed {
		s.moveLocked()
	}
}

// moveLocked points the stream at the selected pair: its remote, and the
// relay when the pair's local candidate is relayed (turn.go). s.mu is held.
func (s *iceSession) moveLocked() {
	s.stream.SetRemote(s.selected)
	s.relayLocked()
}

// attach gives the session the call's stream, moved at once when a pair
// was already selected.
func (s *iceSession) attach(st *rtp.Stream) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stream = st
	if s.selected.IsValid() {
		s.moveLocked()
	}
}

// info is the "ice" call info: the selected pair as "<type> <addr> ->
// <type> <addr>", or "checking" before one is selected.
func (s *iceSession) info() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pair
}

// close stops the agent (its goroutines end) and the conn's reads, once;
// the selected pair stays readable (info).
func (s *iceSession) close() {
	s.mu.Lock()
	done := s.closed
	s.closed = true
	s.mu.Unlock()
	if done {
		return
	}
	_ = s.agent.Close()
	_ = s.conn.Close()
}

// iceHost is the host candidate's address of a call whose RTP socket is
// conn and whose SDP address is sdpIP: the phone's own address of that
// family (the SDP one may be the STUN-learned public one).
func (p *Phone) iceHost(conn *net.UDPConn, sdpIP netip.Addr) netip.AddrPort {
	port := uint16(conn.LocalAddr().(*net.UDPAddr).Port)
	p.mu.Lock()
	host, bind := p.host, p.cfg.BindIP
	p.mu.Unlock()
	if !bind.IsUnspecified() {
		return netip.AddrPortFrom(bind.Unmap(), port)
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.Unmap().Is4() == sdpIP.Unmap().Is4() {
		if !ip.IsLoopback() || sdpIP.IsLoopback() {
			return netip.AddrPortFrom(ip.Unmap(), port)
		}
	}
	return netip.AddrPortFrom(sdpIP.Unmap(), port)
}

// offerICE starts the ICE session of an outgoing call (controlling) and
// adds its description to offer. No lock is held.
func (c *Call) offerICE(conn *net.UDPConn, offer []byte) ([]byte, error) {
	s, err := c.phone.newCallICE(conn, c.local, true)
	if err != nil {
		return nil, err
	}
	out, err := sip.AddICE(offer, s.local)
	if err != nil {
		s.close()
		return nil, err
	}
	c.mu.Lock()
	c.ice = s
	c.mu.Unlock()
	return out, nil
}

// answerICE starts the ICE session of an incoming call whose offer has ICE
// (controlled) and adds its description to answer; an offer without ICE
// gets the plain answer. No lock is held.
func (c *Call) answerICE(conn *net.UDPConn, local sip.LocalMedia, answer []byte) ([]byte, error) {
	if _, err := sip.ParseICE(c.in.Offer()); err != nil {
		return answer, nil // plain RTP
	}
	s, err := c.phone.newCallICE(conn, local, false)
	if err != nil {
		return nil, err
	}
	out, err := sip.AddICE(answer, s.local)
	if err != nil {
		s.close()
		return nil, err
	}
	c.mu.Lock()
	c.ice = s
	c.mu.Unlock()
	return out, nil
}

// newCallICE is the ICE session of a call whose socket is conn and whose
// SDP describes local (a STUN-learned address there is the srflx one).
func (p *Phone) newCallICE(conn *net.UDPConn, local sip.LocalMedia, controlling bool) (*iceSession, error) {
	host := p.iceHost(conn, local.IP)
	srflx := netip.AddrPortFrom(local.IP.Unmap(), uint16(local.Port))
	turn, err := turnURI(p.Config()) // turn.go
	if err != nil {
		return nil, err
	}
	return newICESession(conn, host, srflx, controlling, turn, p.iceKeepalive)
}

// startICELocked starts the checks against theirs, the peer's SDP, or
// falls back to plain RTP when it has no ICE. c.mu is held.
func (c *Call) startICELocked(theirs []byte) {
	if c.ice == nil || c.iceStarted {
		return
	}
	remote, err := sip.ParseICE(theirs)
	if err == nil {
		err = c.ice.start(remote)
	}
	if err != nil {
		c.phone.log.Info("ICE not used: plain RTP", "call_id", c.callID, "reason", err)
		go c.ice.close()
		c.ice = nil
		return
	}
	c.iceStarted = true
}

// iceOnSTUN is the stream's OnSTUN hook: the ICE session's conn, or nil.
// c.mu is held.
func (c *Call) iceOnSTUNLocked() func([]byte, netip.AddrPort) {
	if c.ice == nil {
		return nil
	}
	return c.ice.conn.Deliver
}

// iceRemoteLocked is where a renegotiated stream sends: the selected ICE
// pair's remote while the call's ICE session has one (re-INVITEs and
// UPDATEs, session refreshes included, carry no ICE attributes and keep
// the pair), else r. c.mu is held.
func (c *Call) iceRemoteLocked(r netip.AddrPort) netip.AddrPort {
	if c.ice == nil || !c.iceStarted {
		return r
	}
	c.ice.mu.Lock()
	defer c.ice.mu.Unlock()
	if c.ice.selected.IsValid() {
		return c.ice.selected
	}
	return r
}

// iceInfoLocked is the "ice" call info: "" when the call does not use ICE.
// c.mu is held.
func (c *Call) iceInfoLocked() string {
	if c.ice == nil || !c.iceStarted {
		return ""
	}
	return c.ice.info()
}

// closeICE stops the call's ICE agent, if any; "ice" info keeps the pair
// the call used after it ended.
func (c *Call) closeICE() {
	c.mu.Lock()
	s := c.ice
	c.mu.Unlock()
	if s != nil {
		s.close()
	}
}

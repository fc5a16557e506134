package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
)

// ErrNotLoopback reports an address the relay refuses because it is not a
// loopback address.
var ErrNotLoopback = errors.New("voip-impair: not a loopback address")

// maxSessions bounds the media sessions (calls) one relay opens.
const maxSessions = 64

// side names the two ends of the relay.
type side int

const (
	fromClient side = iota // the caller, which sends its SIP to the relay
	fromTarget             // the callee the relay forwards SIP to
)

// relayConfig is what a relay needs to start.
type relayConfig struct {
	Listen netip.AddrPort // SIP address the caller dials (loopback)
	Target netip.AddrPort // SIP address of the callee (loopback)
	Impair Impairment     // applied to media in both directions
	Seed   uint64         // first seed; each direction of each call gets its own
	Budget *budget        // media packets the relay may take in (nil: unbounded)
	Log    io.Writer      // one line per event; nil: discarded
}

// relay forwards SIP between one caller and a target unimpaired, rewriting
// the SDP of each call so that its RTP flows through a media session of
// the relay, which impairs it.
type relay struct {
	cfg         relayConfig
	front, back *net.UDPConn // SIP: facing the caller, facing the target

	mu       sync.Mutex
	client   netip.AddrPort // the caller's SIP address (last seen)
	sessions map[string]*mediaSession
	order    []string // Call-IDs in the order sessions were opened
}

// mediaSession relays one call's RTP: the caller sends to fc and hears from
// it, the target sends to ft and hears from it.
type mediaSession struct {
	fc, ft   *net.UDPConn
	toTarget *pipe // packets from the caller (read on fc, sent from ft)
	toClient *pipe // packets from the target (read on ft, sent from fc)
}

// newRelay checks that every address is loopback and opens the SIP sockets.
func newRelay(cfg relayConfig) (*relay, error) {
	if err := cfg.Impair.Validate(); err != nil {
		return nil, err
	}
	for _, a := range []netip.AddrPort{cfg.Listen, cfg.Target} {
		if !a.Addr().Unmap().IsLoopback() {
			return nil, fmt.Errorf("%w: %v", ErrNotLoopback, a)
		}
	}
	if !loopbackDst(cfg.Target) {
		return nil, fmt.Errorf("%w: target %v needs a port", ErrNotLoopback, cfg.Target)
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	front, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(cfg.Listen))
	if err != nil {
		return nil, err
	}
	back, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(cfg.Listen.Addr(), 0)))
	if err != nil {
		front.Close()
		return nil, err
	}
	return &relay{cfg: cfg, front: front, back: back, sessions: map[string]*mediaSession{}}, nil
}

// addr is the SIP address the caller should dial.
func (r *relay) addr() netip.AddrPort { return r.front.LocalAddr().(*net.UDPAddr).AddrPort() }

// serve relays until ctx is done, then closes every socket.
func (r *relay) serve(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); r.sipLoop(ctx, r.front, fromClient) }()
	go func() { defer wg.Done(); r.sipLoop(ctx, r.back, fromTarget) }()
	<-ctx.Done()
	r.front.Close()
	r.back.Close()
	r.mu.Lock()
	for _, s := range r.sessions {
		s.fc.Close()
		s.ft.Close()
	}
	r.mu.Unlock()
	wg.Wait()
}

// sipLoop forwards the SIP datagrams arriving on in to the other side.
func (r *relay) sipLoop(ctx context.Context, in *net.UDPConn, from side) {
	buf := make([]byte, 65536)
	for {
		n, src, err := in.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		if !src.Addr().Unmap().IsLoopback() || (from == fromTarget && src != r.cfg.Target) {
			continue
		}
		r.mu.Lock()
		if from == fromClient {
			r.client = src
		}
		dst, conn := r.target(from)
		r.mu.Unlock()
		msg, err := r.rewrite(ctx, buf[:n], from)
		if err != nil {
			logf(r.cfg.Log, "voip-impair: SIP from %v not relayed: %v\n", src, err)
			continue
		}
		if loopbackDst(dst) {
			_, _ = conn.WriteToUDPAddrPort(msg, dst)
		}
	}
}

// target is where SIP from the given side goes, and the socket it leaves by.
// r.mu is held.
func (r *relay) target(from side) (netip.AddrPort, *net.UDPConn) {
	if from == fromClient {
		return r.cfg.Target, r.back
	}
	return r.client, r.front
}

// rewrite returns the datagram with its SDP (if any) pointed at the relay's
// media session for the call, opening the session on first use.
func (r *relay) rewrite(ctx context.Context, b []byte, from side) ([]byte, error) {
	m, ok := splitSIP(b)
	if !ok || !m.hasSDP() {
		return b, nil
	}
	ep, err := sdpAudio(m.body)
	if err != nil {
		return nil, err
	}
	if !loopbackDst(ep) {
		return nil, fmt.Errorf("%w: media address %v", ErrNotLoopback, ep)
	}
	s, err := r.session(ctx, m.callID)
	if err != nil {
		return nil, err
	}
	// The other side must send to the socket facing it.
	facing := s.fc
	if from == fromClient {
		s.toClient.setDst(ep)
		facing = s.ft
	} else {
		s.toTarget.setDst(ep)
	}
	m.body = rewriteSDP(m.body, facing.LocalAddr().(*net.UDPAddr).AddrPort())
	return m.bytes(), nil
}

// session returns the media session of a call, opening it when new.
func (r *relay) session(ctx context.Context, callID string) (*mediaSession, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s := r.sessions[callID]; s != nil {
		return s, nil
	}
	if len(r.sessions) >= maxSessions || ctx.Err() != nil {
		return nil, fmt.Errorf("voip-impair: no more media sessions (%d open)", len(r.sessions))
	}
	ip := r.cfg.Listen.Addr()
	fc, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, 0)))
	if err != nil {
		return nil, err
	}
	ft, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, 0)))
	if err != nil {
		fc.Close()
		return nil, err
	}
	seed := r.cfg.Seed + 2*uint64(len(r.sessions))
	s := &mediaSession{fc: fc, ft: ft,
		toTarget: newPipe(ft, r.cfg.Impair, seed, r.cfg.Budget),
		toClient: newPipe(fc, r.cfg.Impair, seed+1, r.cfg.Budget)}
	r.sessions[callID] = s
	r.order = append(r.order, callID)
	go s.toTarget.run(ctx)
	go s.toClient.run(ctx)
	go readLoop(fc, s.toTarget)
	go readLoop(ft, s.toClient)
	logf(r.cfg.Log, "voip-impair: call %s: caller media via %v, target media via %v\n",
		callID, fc.LocalAddr(), ft.LocalAddr())
	return s, nil
}

// report writes one line per direction of each call, in the order the calls
// came, then the totals of each direction; it returns the write's error.
func (r *relay) report(w io.Writer) error {
	r.mu.Lock()
	ids := append([]string(nil), r.order...)
	r.mu.Unlock()
	var out strings.Builder
	var up, down pipeStats
	for _, id := range ids {
		r.mu.Lock()
		s := r.sessions[id]
		r.mu.Unlock()
		a, b := s.toTarget.stats(), s.toClient.stats()
		fmt.Fprintf(&out, "MEDIA %s caller->target %v\n", id, a)
		fmt.Fprintf(&out, "MEDIA %s target->caller %v\n", id, b)
		up, down = addStats(up, a), addStats(down, b)
	}
	fmt.Fprintf(&out, "TOTAL caller->target %v\n", up)
	fmt.Fprintf(&out, "TOTAL target->caller %v\n", down)
	_, err := io.WriteString(w, out.String())
	return err
}

// addStats sums two sets of counters.
func addStats(a, b pipeStats) pipeStats {
	return pipeStats{In: a.In + b.In, Dropped: a.Dropped + b.Dropped, Sent: a.Sent + b.Sent,
		Reordered: a.Reordered + b.Reordered, HeldBack: a.HeldBack + b.HeldBack,
		Refused: a.Refused + b.Refused, Overflow: a.Overflow + b.Overflow}
}

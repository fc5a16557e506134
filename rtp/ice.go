package rtp

// ICE (RFC 8445) on a stream's own socket: the connectivity checks and
// keep-alives of an ICE agent share the socket with the media (RFC 7983
// demultiplexing by first byte, StreamConfig.OnSTUN), and the agent's
// selected pair moves the stream's destination (SetRemote). The media path
// is unchanged: the pacer sends, the shared receiver reads; only when the
// selected pair is relayed (TURN) does the media go through the agent
// (SetRelay, DeliverRelayed).

import (
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	pionrtp "github.com/pion/rtp"
)

// SetRemote sends the stream's packets to to from now on and accepts its
// packets, with symmetric RTP latching started afresh (as a moved remote in
// Update). ICE calls it when its selected pair changes.
func (s *Stream) SetRemote(to netip.AddrPort) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if to.IsValid() && !sameAddr(to, s.cfg.Remote) {
		s.cfg.Remote, s.remote, s.heard = to, to, false
	}
}

// iceQueue is the number of STUN messages an ICEConn holds for its reader;
// further ones are dropped (STUN retransmits).
const iceQueue = 32

// iceDatagram is one STUN message received.
type iceDatagram struct {
	b    []byte
	from netip.AddrPort
}

// ICEConn is the net.PacketConn an ICE agent uses on a stream's socket:
// writes go out of the socket at once; reads return the STUN messages that
// the stream's receive path hands to Deliver (StreamConfig.OnSTUN). The
// socket itself is never read here.
type ICEConn struct {
	conn     *net.UDPConn
	in       chan iceDatagram
	received atomic.Uint64

	mu       sync.Mutex
	closed   bool
	done     chan struct{}
	deadline time.Time
}

// NewICEConn returns the ICE side of conn, a stream's socket.
func NewICEConn(conn *net.UDPConn) *ICEConn {
	return &ICEConn{conn: conn, in: make(chan iceDatagram, iceQueue), done: make(chan struct{})}
}

// Deliver queues a copy of the STUN message b from from for ReadFrom;
// when the queue is full or the conn closed it is dropped. It never blocks.
func (c *ICEConn) Deliver(b []byte, from netip.AddrPort) {
	c.received.Add(1)
	select {
	case <-c.done:
		return
	default:
	}
	select {
	case c.in <- iceDatagram{b: append([]byte(nil), b...), from: from}:
	default:
	}
}

// Received is the number of STUN messages delivered so far.
func (c *ICEConn) Received() uint64 { return c.received.Load() }

// ReadFrom returns the next STUN message delivered.
func (c *ICEConn) ReadFrom(p []byte) (int, net.Addr, error) {
	c.mu.Lock()
	deadline := c.deadline
	c.mu.Unlock()
	var timeout <-chan time.Time
	if !deadline.IsZero() {
		t := time.NewTimer(time.Until(deadline))
		defer t.Stop()
		timeout = t.C
	}
	select {
	case d := <-c.in:
		n := copy(p, d.b)
		return n, net.UDPAddrFromAddrPort(d.from), nil
	case <-c.done:
		return 0, nil, net.ErrClosed
	case <-timeout:
		return 0, nil, os.ErrDeadlineExceeded
	}
}

// WriteTo sends p to addr from the stream's socket.
func (c *ICEConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	select {
	case <-c.done:
		return 0, net.ErrClosed
	default:
	}
	ua, ok := addr.(*net.UDPAddr)
	if !ok {
		return 0, &net.AddrError{Err: "not a UDP address", Addr: addr.String()}
	}
	return c.conn.WriteToUDP(p, ua)
}

// Close ends reads; the stream's socket stays open (the stream closes it).
func (c *ICEConn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		c.closed = true
		close(c.done)
	}
	return nil
}

// LocalAddr is the stream socket's address.
func (c *ICEConn) LocalAddr() net.Addr { return c.conn.LocalAddr() }

// SetDeadline sets the read deadline (writes never wait).
func (c *ICEConn) SetDeadline(t time.Time) error { return c.SetReadDeadline(t) }

// SetReadDeadline sets the deadline of ReadFrom calls that start later.
func (c *ICEConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	c.deadline = t
	c.mu.Unlock()
	return nil
}

// SetWriteDeadline does nothing: writes never wait.
func (c *ICEConn) SetWriteDeadline(time.Time) error { return nil }

// RelayWriter sends one datagram to the peer through a relay (an ICE
// pair whose local candidate is a TURN allocation, RFC 8656). It is called
// from the pacer goroutine and must not block.
type RelayWriter func(b []byte) error

// SetRelay sends the stream's packets through w from the next tick on;
// nil returns them to the stream's socket.
func (s *Stream) SetRelay(w RelayWriter) {
	if w == nil {
		s.relay.Store(nil)
		return
	}
	s.relay.Store(&w)
}

// transmit sends one datagram to the peer: through the relay when one is
// set, else from the socket. Only the pacer goroutine calls it.
func (s *Stream) transmit(b []byte, to netip.AddrPort) error {
	if w := s.relay.Load(); w != nil {
		return (*w)(b)
	}
	return s.send(b, to)
}

// DeliverRelayed hands the stream a datagram that came from the peer at
// from through a relay; pkt is the caller's scratch packet. It is called
// by the one goroutine that reads the relay, and may run beside the
// socket's receiver: the receive path keeps its state under the stream's
// lock.
func (s *Stream) DeliverRelayed(b []byte, from netip.AddrPort, pkt *pionrtp.Packet) {
	s.receive(b, from, pkt)
}

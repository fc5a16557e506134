package rtp

import (
	"errors"
	"net"
	"net/netip"
	"sync"
	"time"
)

// packetConn is the net.PacketConn a DTLS connection reads and writes: the
// stream's receiving goroutine hands it the DTLS records demultiplexed from
// the RTP socket (RFC 7983), and what the DTLS connection writes goes out
// of that same socket to the peer. It exists only while the handshake runs
// (dtls.go).
type packetConn struct {
	sock  *net.UDPConn
	local net.Addr

	in     chan []byte   // received records, copied
	closed chan struct{} // closed by Close

	mu       sync.Mutex
	peer     netip.AddrPort // where records go: the last source, else the negotiated address
	deadline time.Time
	kick     chan struct{} // a new read deadline
	once     sync.Once
}

// dtlsQueue bounds the records waiting for the DTLS connection: a flight
// is a handful of records; more is a flood, dropped.
const dtlsQueue = 32

func newPacketConn(sock *net.UDPConn, peer netip.AddrPort) *packetConn {
	return &packetConn{
		sock:   sock,
		local:  sock.LocalAddr(),
		in:     make(chan []byte, dtlsQueue),
		closed: make(chan struct{}),
		peer:   peer,
		kick:   make(chan struct{}, 1),
	}
}

// deliver queues a copy of a record from from; false when the queue is
// full or the connection closed.
func (c *packetConn) deliver(b []byte, from netip.AddrPort) bool {
	select {
	case <-c.closed:
		return false
	default:
	}
	c.mu.Lock()
	c.peer = from
	c.mu.Unlock()
	select {
	case c.in <- append([]byte(nil), b...):
		return true
	default:
		return false
	}
}

// ReadFrom implements net.PacketConn.
func (c *packetConn) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		n, addr, err := c.readOnce(b)
		if err != errKick {
			return n, addr, err
		}
	}
}

// errKick is readOnce's answer when the read deadline changed meanwhile.
var errKick = errors.New("rtp: DTLS read deadline changed")

// readOnce waits for a record until the read deadline.
func (c *packetConn) readOnce(b []byte) (int, net.Addr, error) {
	c.mu.Lock()
	d, peer := c.deadline, c.peer
	c.mu.Unlock()
	var expire <-chan time.Time
	if !d.IsZero() {
		wait := time.Until(d)
		if wait <= 0 {
			return 0, nil, errTimeout{}
		}
		t := time.NewTimer(wait)
		defer t.Stop()
		expire = t.C
	}
	select {
	case p := <-c.in:
		return copy(b, p), net.UDPAddrFromAddrPort(peer), nil
	case <-c.closed:
		return 0, nil, net.ErrClosed
	case <-expire:
		return 0, nil, errTimeout{}
	case <-c.kick:
		return 0, nil, errKick
	}
}

// WriteTo implements net.PacketConn: the record goes to the peer, whatever
// addr says (the DTLS connection has one peer).
func (c *packetConn) WriteTo(b []byte, _ net.Addr) (int, error) {
	select {
	case <-c.closed:
		return 0, net.ErrClosed
	default:
	}
	c.mu.Lock()
	peer := c.peer
	c.mu.Unlock()
	return c.sock.WriteToUDPAddrPort(b, peer)
}

// Close implements net.PacketConn; it does not close the stream's socket.
func (c *packetConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return nil
}

// LocalAddr implements net.PacketConn.
func (c *packetConn) LocalAddr() net.Addr { return c.local }

// SetDeadline implements net.PacketConn (reads only: writes never block).
func (c *packetConn) SetDeadline(t time.Time) error { return c.SetReadDeadline(t) }

// SetReadDeadline implements net.PacketConn.
func (c *packetConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	c.deadline = t
	c.mu.Unlock()
	select {
	case c.kick <- struct{}{}:
	default:
	}
	return nil
}

// SetWriteDeadline implements net.PacketConn.
func (c *packetConn) SetWriteDeadline(time.Time) error { return nil }

// errTimeout is a read deadline's error.
type errTimeout struct{}

func (errTimeout) Error() string   { return "rtp: DTLS read timeout" }
func (errTimeout) Timeout() bool   { return true }
func (errTimeout) Temporary() bool { return true }

package sip

import (
	"fmt"
	"net"
	"sync/atomic"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// udpRotateEvery is the shortest time between two rotations: a source
// stays answerable at least this long after its last datagram, whatever
// the rate of new sources.
const udpRotateEvery = time.Second

// errRotate ends sipgo's UDP reader so that serveUDPBounded starts it again
// with empty tables. It wraps net.ErrClosed, which sipgo's reader takes as
// an ordinary end (sipgo sip/transport_udp.go:148, logged at debug level).
var errRotate = fmt.Errorf("sip: rotating the UDP source tables: %w", net.ErrClosed)

// serveUDPBounded runs serve (sipgo's Server.ServeUDP, or its transport
// layer's) on conn until conn is closed, bounding what sipgo keeps per
// source address.
//
// sipgo's UDP reader (sip/transport_udp.go:124-191) records every new
// source address twice, for the life of the reader: in the transport's
// connection pool (line 184, so that a response finds the listening socket)
// and in a map local to the reader (lines 136 and 185, so that the pool
// entries are deleted when the reader ends). About 100 bytes a source, never
// freed while the socket is served. Neither is reachable to prune: the local
// map only goes when the reader returns. So serveUDPBounded hands sipgo a
// boundedPacketConn that ends the reader, quietly, once it has seen
// limits.MaxUDPSources sources (and udpRotateEvery has passed since the last
// time), and serves again: sipgo then drops both tables (lines 126-143) and
// starts new ones.
//
// Rotating drops the pool entries of sources whose requests sipgo read
// but whose transactions it has not created yet (it creates them in
// another goroutine), which would then answer from a new socket. So at each
// rotation the sources of the ending generation are pointed, in the pool of
// tl (the transport layer serve belongs to), at a connection of our own on
// the same socket, which sipgo's reader does not delete; they are unpinned
// at the next rotation, at least udpRotateEvery later. sipgo then holds at
// most two generations of max(MaxUDPSources, new sources in
// udpRotateEvery) sources.
func serveUDPBounded(tl *gosip.TransportLayer, serve func(net.PacketConn) error, conn net.PacketConn, limits ConnLimits) error {
	limits = limits.withDefaults()
	if limits.MaxUDPSources <= 0 {
		return serve(conn)
	}
	b := newBoundedPacketConn(conn, tl.Pool("udp"), limits.MaxUDPSources)
	for {
		err := serve(b)
		if !b.rotating.Swap(false) {
			return err
		}
		b.rotations.Add(1)
	}
}

// boundedPacketConn is the socket serveUDPBounded hands sipgo; see there.
// Its reading state is used by sipgo's single reader goroutine only.
type boundedPacketConn struct {
	net.PacketConn
	pool   *gosip.ConnectionPool
	max    int
	every  time.Duration // udpRotateEvery, shorter in tests
	laddr  string
	stable *gosip.UDPConnection // answers pinned sources between rotations

	rotating  atomic.Bool  // ReadFrom ended the reader to rotate
	rotations atomic.Int64 // rotations done

	last    net.Addr            // source of the previous datagram
	gen     map[string]struct{} // sources since the last rotation
	pinned  map[string]struct{} // sources pinned at the last rotation
	rotated time.Time           // last rotation
}

func newBoundedPacketConn(conn net.PacketConn, pool *gosip.ConnectionPool, max int) *boundedPacketConn {
	b := &boundedPacketConn{
		PacketConn: conn,
		pool:       pool,
		max:        max,
		every:      udpRotateEvery,
		laddr:      conn.LocalAddr().String(),
		gen:        map[string]struct{}{},
		rotated:    time.Now(),
	}
	b.stable = &gosip.UDPConnection{PacketConn: b, PacketAddr: b.laddr, Listener: true}
	return b
}

// ReadFrom reads the next datagram, or ends sipgo's reader with errRotate
// once max sources were seen and the last rotation is old enough.
func (b *boundedPacketConn) ReadFrom(p []byte) (int, net.Addr, error) {
	if len(b.gen) >= b.max && time.Since(b.rotated) >= b.every {
		b.pin()
		b.last, b.rotated = nil, time.Now()
		b.rotating.Store(true)
		return 0, nil, errRotate
	}
	n, addr, err := b.PacketConn.ReadFrom(p)
	if err == nil && !sameAddr(addr, b.last) {
		// sipgo adds a source at each change of source (its lastRaddr
		// test): the same test finds all it added.
		b.last = addr
		b.gen[addr.String()] = struct{}{}
	}
	return n, addr, err
}

// Rotations is how many times sipgo's tables were dropped.
func (b *boundedPacketConn) Rotations() int64 { return b.rotations.Load() }

// pin unpins the sources of the previous rotation and points those of the
// ending generation, and the listening address, at b.stable, so that they
// stay in the pool when sipgo's reader deletes its own entries; sipgo's
// next reader registers the listening address again.
func (b *boundedPacketConn) pin() {
	for a := range b.pinned {
		if b.lookup(a) == gosip.Connection(b.stable) {
			b.pool.Delete(a)
		}
	}
	current := b.lookup(b.laddr) // sipgo's listening connection
	for a := range b.gen {
		if c := b.lookup(a); c == nil || c == current {
			b.pool.Add(a, b.stable)
		}
	}
	b.pinned, b.gen = b.gen, make(map[string]struct{}, len(b.gen))
	b.pool.Add(b.laddr, b.stable)
}

// lookup returns the pool's connection for addr without keeping the
// reference Get takes.
func (b *boundedPacketConn) lookup(addr string) gosip.Connection {
	c := b.pool.Get(addr)
	if c != nil {
		c.Ref(-1)
	}
	return c
}

// sameAddr compares datagram sources without formatting them.
func sameAddr(a, b net.Addr) bool {
	if a == nil || b == nil {
		return a == b
	}
	ua, ok1 := a.(*net.UDPAddr)
	ub, ok2 := b.(*net.UDPAddr)
	if ok1 && ok2 {
		return ua.Port == ub.Port && ua.Zone == ub.Zone && ua.IP.Equal(ub.IP)
	}
	return a.String() == b.String()
}

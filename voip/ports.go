package voip

import (
	"fmt"
	"net"
	"net/netip"
	"sync"
)

// portPool hands out RTP sockets bound to ports of a range. Ports in use by
// this phone are skipped; ports taken by other processes fail to bind and
// are skipped too.
type portPool struct {
	ip    netip.Addr
	low   int
	high  int
	mu    sync.Mutex
	next  int
	inUse map[int]bool
}

func newPortPool(ip netip.Addr, low, high int) (*portPool, error) {
	if low < 1 || high > 65535 {
		return nil, fmt.Errorf("%w: RTP ports must be within 1..65535", ErrInvalidArgument)
	}
	if low > high {
		return nil, fmt.Errorf("%w: rtp_port_low %d > rtp_port_high %d", ErrInvalidRange, low, high)
	}
	return &portPool{ip: ip, low: low, high: high, next: low, inUse: map[int]bool{}}, nil
}

// get binds a UDP socket on a free port of the range.
func (p *portPool) get() (*net.UDPConn, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	size := p.high - p.low + 1
	var lastErr error
	for i := 0; i < size; i++ {
		port := p.next
		p.next++
		if p.next > p.high {
			p.next = p.low
		}
		if p.inUse[port] {
			continue
		}
		conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(p.ip, uint16(port))))
		if err != nil {
			lastErr = err
			continue
		}
		p.inUse[port] = true
		return conn, nil
	}
	if lastErr != nil {
		return nil, fmt.Errorf("%w in %d-%d (last error: %v)", ErrNoPortsAvailable, p.low, p.high, lastErr)
	}
	return nil, fmt.Errorf("%w in %d-%d: all %d in use", ErrNoPortsAvailable, p.low, p.high, size)
}

// put returns a port to the pool (the socket is closed by its stream).
func (p *portPool) put(port int) {
	p.mu.Lock()
	delete(p.inUse, port)
	p.mu.Unlock()
}

package voip

// IPv4 and IPv6 side by side: the host a call writes in Via, Contact and
// c= is of the peer's family, so that an IPv6 peer is never given an IPv4
// address to send its audio to (a silent call).

import (
	"errors"
	"net"
	"net/netip"
)

// errNoFamily reports that the phone has no address of the peer's IP
// family: its sockets are bound to an address of the other family, or the
// machine has no usable address of that family.
var errNoFamily = errors.New("no local address of the peer's IP family")

// familyHost returns host when it fits a peer at peer: host is a name,
// the peer is unknown, or both are of one family (and, for a wildcard
// bind, the peer is not on loopback). Otherwise it returns an address of
// the peer's family the phone's sockets (bound to bind) can use: bind
// itself when it is of that family; for a wildcard bind (dual stack) the
// loopback of the family for a loopback peer (its media comes from
// loopback, where symmetric RTP expects it), else the first global address
// of that family in ifaddrs. It returns errNoFamily when there is none.
func familyHost(host string, bind, peer netip.Addr, ifaddrs []netip.Addr) (string, error) {
	ip, err := netip.ParseAddr(host)
	peer, bind = peer.Unmap(), bind.Unmap()
	if err != nil || !peer.IsValid() || peer.IsUnspecified() {
		return host, nil
	}
	if ip.Unmap().Is4() == peer.Is4() && (!bind.IsUnspecified() || !peer.IsLoopback()) {
		return host, nil
	}
	if !bind.IsUnspecified() {
		if bind.Is4() == peer.Is4() {
			return bind.String(), nil
		}
		return "", errNoFamily
	}
	if peer.IsLoopback() {
		if peer.Is4() {
			return "127.0.0.1", nil
		}
		return netip.IPv6Loopback().String(), nil
	}
	for _, a := range ifaddrs {
		a = a.Unmap()
		if a.Is4() == peer.Is4() && a.IsGlobalUnicast() {
			return a.String(), nil
		}
	}
	return "", errNoFamily
}

// interfaceAddrs lists the machine's interface addresses.
func interfaceAddrs() []netip.Addr {
	addrs, _ := net.InterfaceAddrs()
	out := make([]netip.Addr, 0, len(addrs))
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(n.IP); ok {
				out = append(out, ip.Unmap())
			}
		}
	}
	return out
}

// hostForPeer is hostForLocked followed by familyHost: our host as a peer
// at ip sees us, of its IP family. It takes p.mu and lists interfaces.
func (p *Phone) hostForPeer(ip netip.Addr) (string, error) {
	p.mu.Lock()
	host, bind := p.hostForLocked(ip), p.cfg.BindIP
	p.mu.Unlock()
	return familyHost(host, bind, ip, interfaceAddrs())
}

package voip

// NAT traversal with STUN (RFC 8489): with stun_server set, the phone asks
// the server which public address its SIP socket (at Start) and each
// call's RTP socket (when the call's offer or answer is built) are seen
// from, and writes those in Via, Contact, c= and m= for peers beyond the
// local network. Symmetric RTP latching (rtp/stream_receive.go) still
// follows a peer whose media comes from elsewhere.

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/libvoip/libvoip/rtp"
	"github.com/libvoip/libvoip/sip"
)

const (
	// defaultSTUNPort is the STUN port of RFC 8489 §18.
	defaultSTUNPort = 3478
	// stunTimeout bounds one STUN exchange: Start and the building of a
	// call's offer or answer wait at most this long for the server.
	stunTimeout = 2 * time.Second
)

// parseSTUNServer checks "host[:port]" (a name or an address, IPv6 in
// brackets when a port follows).
func parseSTUNServer(c *Config, v string) error {
	v = strings.TrimSpace(v)
	if v != "" {
		host, port := splitHostPort(v)
		if host == "" || strings.ContainsAny(host, notInHost+"/") || port < 0 || port > 65535 {
			return errBadValue("want host[:port]")
		}
	}
	c.STUNServer = v
	return nil
}

// resolveSTUN is the server of cfg.STUNServer as an address and port, the
// zero AddrPort when none is set. It may resolve a name: no lock is held.
func resolveSTUN(cfg *Config) (netip.AddrPort, error) {
	if cfg.STUNServer == "" {
		return netip.AddrPort{}, nil
	}
	host, port := splitHostPort(cfg.STUNServer)
	if port == 0 {
		port = defaultSTUNPort
	}
	ip := peerIP(host)
	if !ip.IsValid() {
		return netip.AddrPort{}, fmt.Errorf("%w: stun_server %q does not resolve", ErrNetwork, cfg.STUNServer)
	}
	return netip.AddrPortFrom(ip, uint16(port)), nil
}

// stunBinding asks server for conn's public address, bounded by
// stunTimeout.
func stunBinding(conn *net.UDPConn, server netip.AddrPort) (netip.AddrPort, error) {
	ctx, cancel := context.WithTimeout(context.Background(), stunTimeout)
	defer cancel()
	return rtp.STUNMapped(ctx, conn, server)
}

// learnPublicSIPLocked asks the STUN server for the SIP socket's public
// address before the user agent reads the socket; it is the phone's public
// host and Contact port from then on. A server that does not answer leaves
// the phone on its local address, with a warning in the log. p.mu is held
// (Start) and released while waiting for the server (at most stunTimeout):
// no lock is held on the network. The phone is REGISTERING meanwhile, so
// a second Start is refused; calls and Stop find no user agent yet.
func (p *Phone) learnPublicSIPLocked(conn *net.UDPConn, server netip.AddrPort) {
	p.public, p.stunServer = netip.AddrPort{}, server
	if !server.IsValid() || conn == nil {
		return
	}
	p.mu.Unlock()
	mapped, err := stunBinding(conn, server)
	p.mu.Lock()
	if err != nil {
		p.log.Warn("STUN: public address not learned; local addresses are used", "server", server, "error", err)
		return
	}
	p.public = mapped
	p.log.Info("STUN: public SIP address", "address", mapped)
}

// stunHostLocked is the public host learned by STUN for a peer at ip: set
// when STUN answered, the peer is not on loopback and is outside
// bind_network (every peer when bind_network is left at 0.0.0.0/0), and
// remote_hostname is not set. p.mu is held.
func (p *Phone) stunHostLocked(ip netip.Addr) (string, bool) {
	if !p.public.IsValid() || p.cfg.RemoteHostname != "" || ip.IsLoopback() {
		return "", false
	}
	if bn := p.cfg.BindNetwork; bn.Bits() > 0 && bn.Contains(ip.Unmap()) {
		return "", false
	}
	return p.public.Addr().String(), true
}

// publicMedia puts into local the public address of a call's RTP socket
// when the call's host is the STUN-learned one, asking the STUN server
// from conn before the stream reads it. A server that does not answer
// leaves the local address, with a warning in the log. No lock is held.
func (p *Phone) publicMedia(conn *net.UDPConn, host string, local *sip.LocalMedia) {
	p.mu.Lock()
	public, server := p.public, p.stunServer
	p.mu.Unlock()
	if !public.IsValid() || host != public.Addr().String() {
		return
	}
	mapped, err := stunBinding(conn, server)
	if err != nil {
		p.log.Warn("STUN: public RTP address not learned; the local one is offered", "server", server, "error", err)
		return
	}
	local.IP, local.Port = mapped.Addr(), int(mapped.Port())
}

// publicContactLocked writes the STUN-learned address in the user agent's
// Contact. p.mu is held.
func (p *Phone) publicContactLocked(ua *sip.UA) {
	if p.public.IsValid() {
		ua.SetContact(p.public.Addr().String(), int(p.public.Port()))
	}
}

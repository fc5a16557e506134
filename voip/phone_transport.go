package voip

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"github.com/libvoip/libvoip/sip"
)

// newUALocked binds the phone's transport and builds its user agent; p.mu
// is held. It binds sockets and reads the TLS files, and resolves nothing;
// with a STUN server (UDP only) it asks it for the socket's public address
// first (nat.go).
func (p *Phone) newUALocked(stun netip.AddrPort) (*sip.UA, error) {
	cfg := sip.Config{
		Transport:   p.cfg.Transport,
		Host:        p.host,
		Port:        p.cfg.BindPort,
		User:        p.cfg.User,
		DisplayName: p.cfg.DisplayName,
		UserAgent:   p.cfg.UserAgent,
		Credentials: &p.creds,
		Logger:      p.log,
		OnInvite:    p.onInvite,
		OnRequest:   p.onRequest,
		Limits:      p.cfg.connLimits(),
		Rel100:      p.cfg.Rel100,
		MaxCalls:    p.cfg.MaxCalls,
		RingTimeout: p.cfg.RingTimeout,
	}
	cfg.RejectOtherUsers = !p.cfg.AcceptAnyUser
	cfg.Trace = p.tracer()
	cfg.SessionTimers = sip.SessionTimers{Expires: p.cfg.SessionExpires, MinSE: p.cfg.MinSE}
	if p.cfg.Server != "" {
		// Our address-of-record is user@server; a non-default port is
		// part of the server's identity.
		host, port := registrarAddr(&p.cfg)
		cfg.Domain = host
		if port != defaultPort(p.cfg.Transport) {
			cfg.Domain = net.JoinHostPort(host, strconv.Itoa(port))
		}
	}
	if p.cfg.OutboundProxy != "" {
		u, err := sip.ParseURI(p.cfg.OutboundProxy)
		if err != nil {
			return nil, fmt.Errorf("%w: outbound_proxy: %v", ErrInvalidArgument, err)
		}
		port := u.Port
		if port == 0 {
			port = defaultPort(p.cfg.Transport)
		}
		cfg.OutboundProxy = net.JoinHostPort(u.Host, strconv.Itoa(port))
	}
	if err := bindTransport(&p.cfg, &cfg); err != nil {
		return nil, err
	}
	p.learnPublicSIPLocked(cfg.Conn, stun)
	ua, err := sip.NewUA(cfg)
	if err != nil {
		if cfg.Conn != nil {
			_ = cfg.Conn.Close()
		}
		if cfg.Listener != nil {
			_ = cfg.Listener.Close()
		}
		return nil, fmt.Errorf("%w: %v", ErrNetwork, err)
	}
	p.installEvents(ua) // the served event packages (subscription_in.go)
	p.publicContactLocked(ua)
	return ua, nil
}

// bindTransport binds the SIP socket or listener of cfg's transport into
// sc (for TLS, also its client configuration).
func bindTransport(cfg *Config, sc *sip.Config) error {
	bind := netip.AddrPortFrom(cfg.BindIP, uint16(cfg.BindPort))
	switch cfg.Transport {
	case "tcp":
		l, err := net.ListenTCP("tcp", net.TCPAddrFromAddrPort(bind))
		if err != nil {
			return fmt.Errorf("%w: listen TCP %s: %v", ErrNetwork, bind, err)
		}
		sc.Listener = l
	case "tls":
		tlsCfg, serverCfg, err := tlsConfigs(cfg)
		if err != nil {
			return err
		}
		sc.TLSConfig = tlsCfg
		if serverCfg != nil {
			l, err := tls.Listen("tcp", bind.String(), serverCfg)
			if err != nil {
				return fmt.Errorf("%w: listen TLS %s: %v", ErrNetwork, bind, err)
			}
			sc.Listener = l
		}
	default:
		conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(bind))
		if err != nil {
			return fmt.Errorf("%w: bind SIP socket %s: %v", ErrNetwork, bind, err)
		}
		sc.Conn = conn
	}
	return nil
}

// tlsConfigs builds the client configuration (server verification against
// ca_file or the system store, unless tls_insecure; our certificate when
// given) and, when we have a certificate, the listener's.
func tlsConfigs(cfg *Config) (client, server *tls.Config, err error) {
	client = &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: cfg.TLSInsecure}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: ca_file: %v", ErrInvalidArgument, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, nil, fmt.Errorf("%w: ca_file %s holds no PEM certificate", ErrInvalidArgument, cfg.CAFile)
		}
		client.RootCAs = pool
	}
	if cfg.CertFile == "" && cfg.KeyFile == "" {
		return client, nil, nil
	}
	cert, err := loadKeyPair(cfg.CertFile, cfg.KeyFile, cfg.KeyPassword)
	if err != nil {
		return nil, nil, err
	}
	client.Certificates = []tls.Certificate{cert}
	server = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	return client, server, nil
}

// loadKeyPair reads a PEM certificate and key; an encrypted (legacy PEM)
// key is decrypted with password.
func loadKeyPair(certFile, keyFile, password string) (tls.Certificate, error) {
	bad := func(err error) (tls.Certificate, error) {
		return tls.Certificate{}, fmt.Errorf("%w: TLS certificate: %v", ErrInvalidArgument, err)
	}
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return bad(err)
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return bad(err)
	}
	if block, _ := pem.Decode(keyPEM); block != nil && x509.IsEncryptedPEMBlock(block) { //nolint:staticcheck // legacy PEM encryption is what key_password is for
		der, err := x509.DecryptPEMBlock(block, []byte(password)) //nolint:staticcheck
		if err != nil {
			return bad(err)
		}
		keyPEM = pem.EncodeToMemory(&pem.Block{Type: block.Type, Bytes: der})
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return bad(err)
	}
	return cert, nil
}

func defaultPort(transport string) int {
	if transport == "tls" {
		return 5061
	}
	return 5060
}

// hostOnly is the host of "host:port".
func hostOnly(addr string) string {
	h, _ := splitHostPort(addr)
	return h
}

// splitHostPort splits "host[:port]" (port 0 when absent).
func splitHostPort(s string) (string, int) {
	if h, p, err := net.SplitHostPort(s); err == nil {
		n, _ := strconv.Atoi(p)
		return h, n
	}
	return strings.Trim(s, "[]"), 0
}

// advertisedHost is the address written in Via, Contact and SDP when no
// hostname is configured: the bind address, or for a wildcard bind the
// first non-loopback IPv4 address of the machine (loopback as a last
// resort).
func advertisedHost(bind netip.Addr) string {
	if !bind.IsUnspecified() {
		return bind.String()
	}
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(n.IP); ok {
				ip = ip.Unmap()
				if ip.Is4() && !ip.IsLoopback() && !ip.IsLinkLocalUnicast() {
					return ip.String()
				}
			}
		}
	}
	return "127.0.0.1"
}

// peerIP is the address a host name or literal stands for (the zero Addr
// when it does not resolve). It may resolve: call it with no lock held.
func peerIP(host string) netip.Addr {
	if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return ip.Unmap()
	}
	return resolveIP(host)
}

// resolveIP looks host up in DNS: its first address, or the zero Addr.
// It may block for seconds; call it with no lock held.
func resolveIP(host string) netip.Addr {
	ips, err := net.LookupIP(host)
	if err != nil || len(ips) == 0 {
		return netip.Addr{}
	}
	ip, _ := netip.AddrFromSlice(ips[0])
	return ip.Unmap()
}

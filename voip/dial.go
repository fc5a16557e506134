package voip

import (
	"context"
	"fmt"
	"net"
	"strings"

	"github.com/libvoip/libvoip/sip"
)

// Call places a call to uri and returns it in Dialing; the outcome arrives
// through the CallState handler and Call.Wait.
func (p *Phone) Call(uri string) (*Call, error) {
	target, err := p.target(uri)
	if err != nil {
		return nil, err
	}
	return p.dial(target, nil, nil)
}

// dial places a call to target with extra headers; before, when not nil,
// is called with the built call just before it is published (and its
// first event queued).
func (p *Phone) dial(target sip.URI, extra []sip.HeaderField, before func(*Call)) (*Call, error) {
	env := p.env()
	if env.err != nil {
		return nil, env.err
	}
	host, err := p.hostTowards(&env.cfg, target.Host)
	if err != nil {
		return nil, err
	}
	conn, err := env.ports.get()
	if err != nil {
		return nil, err
	}
	c := newCall(p, true)
	c.remoteURI = target.String()
	c.host = host
	c.conn, c.port = conn, conn.LocalAddr().(*net.UDPAddr).Port
	c.local, err = p.localMedia(&env.cfg, c.port, host)
	if err == nil {
		p.publicMedia(conn, host, &c.local) // nat.go
		c.offer, err = sip.BuildOffer(c.local)
	}
	if err == nil && env.cfg.ICE {
		c.offer, err = c.offerICE(conn, c.offer) // ice.go
	}
	if err != nil {
		c.releasePort()
		return nil, err
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	c.cancelInvite = cancel
	oc, err := env.ua.Invite(ctx, target, c.offer, host, extra...)
	if err != nil {
		cancel(nil)
		c.releasePort()
		return nil, fmt.Errorf("%w: INVITE to %s: %v", ErrNetwork, target.String(), err)
	}
	c.out, c.callID, c.localURI = oc, oc.CallID(), oc.LocalURI()
	if before != nil {
		before(c)
	}
	if err := c.publish(nil, "INVITE sent"); err != nil {
		// The phone began to stop while the INVITE went out: the
		// UA closes soon, so abandon the transaction quietly.
		cancel(sip.ErrAbandoned)
		_, _ = oc.WaitAnswer(ctx, nil)
		c.releasePort()
		return nil, err
	}
	oc.OnDTMF(c.onInfoDigit)
	go c.runOutgoing(ctx, env.cfg.InviteTimeout)
	return c, nil
}

// hostTowards is our host as the next hop towards target sees us, of its
// IP family: the next hop is the outbound proxy, or the target itself. It
// may resolve a name, so no lock is held. The error wraps ErrNetwork when
// we have no address of the next hop's family.
func (p *Phone) hostTowards(cfg *Config, target string) (string, error) {
	next := target
	if cfg.OutboundProxy != "" {
		if u, err := sip.ParseURI(cfg.OutboundProxy); err == nil {
			next = u.Host
		}
	}
	ip := peerIP(next)
	host, err := p.hostForPeer(ip)
	if err != nil {
		return "", fmt.Errorf("%w: %s: %v (bind_ip %s)", ErrNetwork, next, err, cfg.BindIP)
	}
	return host, nil
}

// target turns what the application dials into a SIP URI: a bare user or
// number goes to the server.
func (p *Phone) target(uri string) (sip.URI, error) {
	s := strings.TrimSpace(uri)
	bare := s
	for _, scheme := range []string{"sip:", "sips:"} {
		if strings.HasPrefix(strings.ToLower(bare), scheme) {
			bare = bare[len(scheme):]
		}
	}
	cfg := p.Config()
	if cfg.Server != "" && bare != "" && !strings.ContainsAny(bare, "@;>") {
		host, port := registrarAddr(&cfg)
		s = fmt.Sprintf("sip:%s@%s", bare, net.JoinHostPort(host, fmt.Sprint(port)))
	}
	t, err := sip.ParseURI(s)
	if err != nil {
		return t, fmt.Errorf("%w: %v", ErrInvalidArgument, err)
	}
	if cfg.Server == "" && isBareUser(t) {
		// Without a server, "bob" would be a host name: a DNS (SRV)
		// lookup, then a failure that says nothing of the server.
		return t, fmt.Errorf("%w: %q is a bare user or number: calling it needs the \"server\" option "+
			"(the registrar or PBX that knows it); without a server, dial user@host[:port]", ErrInvalidArgument, uri)
	}
	return t, nil
}

// isBareUser reports whether t, parsed from what the application dialed,
// is a user or number rather than a host: no user part, no port, and a
// host that is neither an IP address, nor "localhost", nor a dotted name.
func isBareUser(t sip.URI) bool {
	if t.User != "" || t.Port != 0 || strings.EqualFold(t.Host, "localhost") || strings.Contains(t.Host, ".") {
		return false
	}
	return net.ParseIP(strings.Trim(t.Host, "[]")) == nil
}

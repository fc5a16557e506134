package sip

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"

	gosip "github.com/emiago/sipgo/sip"
)

// URI is a SIP or SIPS URI (RFC 3261 §19.1) as ParseURI read it. Scheme,
// User, Host and Port may be changed; the URI's parameters and headers are
// kept as parsed.
type URI struct {
	Scheme string // "sip" or "sips"
	User   string // "" when the URI names a host only
	Host   string
	Port   int // 0: the transport's default port

	rest gosip.Uri // parameters, headers and password, as parsed
}

// ParseURI parses a call target: "sip:user@host[:port]", "sips:...", or the
// same without a scheme. It rejects URIs without a host.
func ParseURI(s string) (URI, error) {
	var uri gosip.Uri
	s = strings.TrimSpace(s)
	if s == "" {
		return URI{}, errors.New("empty URI")
	}
	if strings.HasPrefix(s, "<") && strings.HasSuffix(s, ">") {
		s = s[1 : len(s)-1]
	}
	lower := strings.ToLower(s)
	if !strings.HasPrefix(lower, "sip:") && !strings.HasPrefix(lower, "sips:") {
		if strings.Contains(s, ":") && !strings.Contains(s, "@") && strings.Count(s, ":") == 1 && !isHostPort(s) {
			return URI{}, fmt.Errorf("unsupported URI scheme in %q", s)
		}
		s = "sip:" + s
	}
	if err := gosip.ParseUri(s, &uri); err != nil {
		return URI{}, fmt.Errorf("bad URI %q: %v", s, err)
	}
	if uri.Host == "" || strings.ContainsAny(uri.Host, " \t<>\"") {
		return URI{}, fmt.Errorf("bad URI %q: no host", s)
	}
	if uri.Port < 0 || uri.Port > 65535 {
		return URI{}, fmt.Errorf("bad URI %q: port out of range", s)
	}
	return uriFrom(uri), nil
}

// uriFrom wraps a sipgo URI.
func uriFrom(u gosip.Uri) URI {
	return URI{Scheme: u.Scheme, User: u.User, Host: u.Host, Port: u.Port, rest: u}
}

// sipgo is the URI as sipgo writes it.
func (u URI) sipgo() gosip.Uri {
	g := u.rest
	g.Scheme, g.User, g.Host, g.Port = u.Scheme, u.User, u.Host, u.Port
	if g.Scheme == "" {
		g.Scheme = "sip"
	}
	return g
}

// String formats the URI: "sip:user@host:port;params?headers".
func (u URI) String() string {
	g := u.sipgo()
	return g.String()
}

func isHostPort(s string) bool {
	_, err := netip.ParseAddrPort(s)
	if err == nil {
		return true
	}
	h, p, err := net.SplitHostPort(s)
	return err == nil && h != "" && p != ""
}

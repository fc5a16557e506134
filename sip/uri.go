package sip

import (
	"fmt"
	"net/netip"
	"strconv"
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

// URIError is why ParseURI refused a URI: the URI as given and the rule
// it breaks, in words (never a parser's internals).
type URIError struct {
	URI  string
	Rule string
}

func (e *URIError) Error() string {
	if e.URI == "" {
		return "empty URI: " + e.Rule
	}
	return fmt.Sprintf("bad URI %q: %s", e.URI, e.Rule)
}

// uriForm is the form every URI error recalls.
const uriForm = "want sip:user@host[:port] (or sips:, or user@host[:port])"

// ParseURI parses a call target: "sip:user@host[:port]", "sips:...", or the
// same without a scheme. It rejects URIs without a host, with a port out
// of 1..65535, with another scheme and with a transport parameter other
// than udp, tcp or tls, with a *URIError naming the rule.
func ParseURI(s string) (URI, error) {
	given := s
	bad := func(rule string) (URI, error) { return URI{}, &URIError{URI: given, Rule: rule} }
	s = strings.TrimSpace(s)
	if s == "" {
		return bad(uriForm)
	}
	if strings.HasPrefix(s, "<") && strings.HasSuffix(s, ">") {
		s = s[1 : len(s)-1]
	}
	if i := strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }); i >= 0 {
		return bad("contains a space or control character; " + uriForm)
	}
	lower := strings.ToLower(s)
	if !strings.HasPrefix(lower, "sip:") && !strings.HasPrefix(lower, "sips:") {
		if scheme, ok := otherScheme(s); ok {
			return bad(fmt.Sprintf("the scheme %q is not supported; %s", scheme, uriForm))
		}
		s = "sip:" + s
	}
	if rule := checkHostPort(s); rule != "" {
		return bad(rule)
	}
	var uri gosip.Uri
	if err := gosip.ParseUri(s, &uri); err != nil {
		return bad("not of the form sip:user@host[:port][;parameters]")
	}
	if uri.Host == "" || strings.ContainsAny(uri.Host, "<>\"") {
		return bad("no host; " + uriForm)
	}
	if t, ok := uri.UriParams.Get("transport"); ok && !knownTransport(t) {
		return bad(fmt.Sprintf("transport %q is not udp, tcp or tls", t))
	}
	return uriFrom(uri), nil
}

// otherScheme reports the scheme of s when s starts with one that is not
// sip or sips ("tel:", "http://"), telling it from "host:port".
func otherScheme(s string) (string, bool) {
	i := strings.IndexByte(s, ':')
	at := strings.IndexByte(s, '@')
	if i <= 0 || (at >= 0 && at < i) {
		return "", false
	}
	scheme, rest := s[:i], s[i+1:]
	for j, r := range scheme {
		alpha := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		other := r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.'
		if !alpha && (j == 0 || !other) {
			return "", false
		}
	}
	port := rest
	if k := strings.IndexAny(rest, ";?"); k >= 0 {
		port = rest[:k]
	}
	if port != "" && strings.Trim(port, "0123456789") == "" {
		return "", false // host:port
	}
	return scheme, true
}

// checkHostPort checks the part after the user (or after the scheme): a
// host and an optional port of 1..65535. It returns the rule broken, or "".
func checkHostPort(s string) string {
	rest := s[strings.IndexByte(s, ':')+1:]
	if k := strings.IndexAny(rest, ";?"); k >= 0 {
		rest = rest[:k]
	}
	if at := strings.LastIndexByte(rest, '@'); at >= 0 {
		if at == 0 {
			return "no user before \"@\"; " + uriForm
		}
		rest = rest[at+1:]
	}
	host, port := rest, ""
	if strings.HasPrefix(host, "[") {
		end := strings.IndexByte(host, ']')
		if end < 0 {
			return "unclosed \"[\" in an IPv6 host"
		}
		host, port = host[:end+1], strings.TrimPrefix(host[end+1:], ":")
		if _, err := netip.ParseAddr(host[1:end]); err != nil {
			return fmt.Sprintf("%q is not an IPv6 address", host)
		}
	} else if k := strings.IndexByte(host, ':'); k >= 0 {
		host, port = host[:k], host[k+1:]
	}
	if host == "" {
		return "no host; " + uriForm
	}
	if !strings.HasPrefix(host, "[") && strings.ContainsAny(host, "/\\:<>\"") {
		return fmt.Sprintf("%q is not a host name or IP address", host)
	}
	if rest != host && port == "" {
		return "empty port after \":\"; want a port of 1..65535"
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || strings.Trim(port, "0123456789") != "" {
			return fmt.Sprintf("port %q is not a number of 1..65535", port)
		}
	}
	return ""
}

// knownTransport reports whether t names a transport libvoip speaks.
func knownTransport(t string) bool {
	switch strings.ToLower(t) {
	case "udp", "tcp", "tls":
		return true
	}
	return false
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

package sip

import (
	"errors"
	"strings"
	"testing"
)

// TestParseURIErrors: every refused URI gets a *URIError that names the
// URI and the rule, never a Go parser's text.
func TestParseURIErrors(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", `empty URI: want sip:user@host[:port]`},
		{"http://x", `bad URI "http://x": the scheme "http" is not supported; want sip:user@host[:port]`},
		{"tel:+15551234", `bad URI "tel:+15551234": the scheme "tel" is not supported`},
		{"mailto:bob@example.com", `the scheme "mailto" is not supported`},
		{"sip:alice@", `bad URI "sip:alice@": no host; want sip:user@host[:port]`},
		{"sip:@example.com", `no user before "@"`},
		{"sip:alice@host:70000", `bad URI "sip:alice@host:70000": port "70000" is not a number of 1..65535`},
		{"sip:alice@host:0", `port "0" is not a number of 1..65535`},
		{"sip:alice@host:abc", `port "abc" is not a number of 1..65535`},
		{"sip:alice@host:", `empty port after ":"`},
		{"sip:http://x", `bad URI "sip:http://x": port "//x" is not a number of 1..65535`},
		{"sip:alice@ho/st", `"ho/st" is not a host name or IP address`},
		{"sip:alice@exa mple.com", `contains a space or control character`},
		{"sip:alice@[::1", `unclosed "[" in an IPv6 host`},
		{"sip:alice@[nothex]:5060", `"[nothex]" is not an IPv6 address`},
		{"sip:alice@host;transport=foo", `bad URI "sip:alice@host;transport=foo": transport "foo" is not udp, tcp or tls`},
		{"alice@host;transport=sctp", `transport "sctp" is not udp, tcp or tls`},
	}
	for _, tt := range tests {
		u, err := ParseURI(tt.in)
		var ue *URIError
		if !errors.As(err, &ue) {
			t.Errorf("ParseURI(%q) = %v, %v; want a *URIError", tt.in, u, err)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, tt.want) {
			t.Errorf("ParseURI(%q): %q\n does not contain %q", tt.in, msg, tt.want)
		}
		for _, leak := range []string{"strconv", "Atoi", "parsing \"", "invalid syntax"} {
			if strings.Contains(msg, leak) {
				t.Errorf("ParseURI(%q): %q shows a parser's text (%s)", tt.in, msg, leak)
			}
		}
	}
	for _, ok := range []string{
		"sip:alice@host;transport=TCP", "sips:bob@example.com;transport=tls", "example.com:5080",
		"sip:alice:secret@host", "sip:[::1]:5060", "alice@[2001:db8::1]", "sip:alice@host?Subject=hi",
		"sip:+15551234@pbx.example.com;user=phone",
	} {
		if _, err := ParseURI(ok); err != nil {
			t.Errorf("ParseURI(%q): %v", ok, err)
		}
	}
}

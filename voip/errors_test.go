package voip

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestDialErrors: what Phone.Call refuses, with ErrInvalidArgument and a
// message that names the problem and what to do; a bare user without a
// server fails at once, with no DNS lookup.
func TestDialErrors(t *testing.T) {
	p := testPhone(t, 39200, Handler{})
	tests := []struct {
		uri  string
		want []string
	}{
		{"bob", []string{`"bob" is a bare user or number`, `"server" option`, "user@host[:port]"}},
		{"sip:1001", []string{`"sip:1001" is a bare user or number`, `"server" option`}},
		{"http://x", []string{`bad URI "http://x"`, `scheme "http" is not supported`}},
		{"sip:bob@127.0.0.1;transport=foo", []string{`transport "foo" is not udp, tcp or tls`}},
		{"sip:bob@127.0.0.1:99999", []string{`port "99999" is not a number of 1..65535`}},
		{"", []string{"empty URI"}},
	}
	for _, tt := range tests {
		start := time.Now()
		c, err := p.Call(tt.uri)
		if !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("Call(%q) = %v, %v; want ErrInvalidArgument", tt.uri, c, err)
			continue
		}
		if d := time.Since(start); d > 100*time.Millisecond {
			t.Errorf("Call(%q) took %v: a network look-up?", tt.uri, d)
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Call(%q): %q does not say %q", tt.uri, err, w)
			}
		}
		if strings.Contains(err.Error(), "strconv") || strings.Contains(err.Error(), "lookup") {
			t.Errorf("Call(%q): %q shows internals", tt.uri, err)
		}
	}
	for _, ok := range []string{"sip:bob@localhost:9", "bob@127.0.0.1:9", "127.0.0.1:9"} {
		c, err := p.Call(ok)
		if err != nil {
			t.Errorf("Call(%q): %v", ok, err)
			continue
		}
		_ = c.Cancel()
		c.Release()
	}
}

package voip

import (
	"testing"
	"time"

	"github.com/libvoip/libvoip/sip"
)

func TestOptionTransportLimitRanges(t *testing.T) {
	tests := []struct {
		key, value string
		ok         bool
	}{
		{"tcp_max_connections", "0", true},
		{"tcp_max_connections", "1048576", true},
		{"tcp_max_connections", "1048577", false},
		{"tcp_max_connections", "-1", false},
		{"tcp_idle_timeout_ms", "0", true},
		{"tcp_idle_timeout_ms", "999", false},
		{"tcp_idle_timeout_ms", "1000", true},
		{"tcp_idle_timeout_ms", "86400000", true},
		{"tcp_idle_timeout_ms", "86400001", false},
		{"tcp_message_timeout_ms", "0", true},
		{"tcp_message_timeout_ms", "99", false},
		{"tcp_message_timeout_ms", "100", true},
		{"tcp_message_timeout_ms", "3600001", false},
		{"tcp_max_message_bytes", "0", false},
		{"tcp_max_message_bytes", "1023", false},
		{"tcp_max_message_bytes", "1024", true},
		{"tcp_max_message_bytes", "65536", false},
		{"udp_max_sources", "0", true},
		{"udp_max_sources", "1", true},
		{"udp_max_sources", "1048577", false},
		{"udp_max_sources", "x", false},
	}
	for _, tt := range tests {
		c := DefaultConfig()
		err := c.Set(tt.key, tt.value)
		if (err == nil) != tt.ok {
			t.Errorf("Set(%q, %q) = %v, want ok=%v", tt.key, tt.value, err, tt.ok)
		}
		if err != nil {
			continue
		}
		if got, _ := c.Get(tt.key); got != tt.value {
			t.Errorf("Get(%q) after Set(%q) = %q", tt.key, tt.value, got)
		}
	}
}

// TestConfigConnLimits: the defaults reach sip.ConnLimits as the sip
// package's own defaults, set values as they are, and "0" as no limit.
func TestConfigConnLimits(t *testing.T) {
	c := DefaultConfig()
	want := sip.ConnLimits{
		MaxConnections:  sip.DefaultMaxConnections,
		IdleTimeout:     sip.DefaultIdleTimeout,
		MessageTimeout:  sip.DefaultMessageTimeout,
		MaxMessageBytes: sip.DefaultMaxMessageBytes,
		MaxUDPSources:   sip.DefaultMaxUDPSources,
	}
	if got := c.connLimits(); got != want {
		t.Errorf("defaults: %+v, want %+v", got, want)
	}
	for k, v := range map[string]string{
		"tcp_max_connections": "10", "tcp_idle_timeout_ms": "0", "tcp_message_timeout_ms": "250",
		"tcp_max_message_bytes": "2048", "udp_max_sources": "0",
	} {
		if err := c.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	want = sip.ConnLimits{MaxConnections: 10, IdleTimeout: -1, MessageTimeout: 250 * time.Millisecond, MaxMessageBytes: 2048, MaxUDPSources: -1}
	if got := c.connLimits(); got != want {
		t.Errorf("set: %+v, want %+v", got, want)
	}
}

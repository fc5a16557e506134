package voip

import (
	"bufio"
	"errors"
	"net"
	"strings"
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

// TestPhoneTCPLimitsApplied: the options reach a running phone's TCP
// listener. With tcp_max_connections 1 a second connection is closed at
// once; with tcp_message_timeout_ms 300 a connection that never completes
// a message is closed; and the phone still answers OPTIONS on a new one.
func TestPhoneTCPLimitsApplied(t *testing.T) {
	p := testPhoneWith(t, 43900, map[string]string{
		"transport": "tcp", "tcp_max_connections": "1", "tcp_message_timeout_ms": "300",
	}, Handler{})
	port, err := p.Option("sip_port")
	if err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + port
	dial := func() net.Conn {
		t.Helper()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	// closedWithin reports whether the server closed c within d.
	closedWithin := func(c net.Conn, d time.Duration) bool {
		_ = c.SetReadDeadline(time.Now().Add(d))
		var b [1]byte
		_, err := c.Read(b[:])
		var ne net.Error
		return err != nil && (!errors.As(err, &ne) || !ne.Timeout())
	}

	first := dial()
	if _, err := first.Write([]byte("OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: ")); err != nil {
		t.Fatal(err)
	}
	second := dial()
	if !closedWithin(second, time.Second) {
		t.Error("second connection over tcp_max_connections=1 stayed open")
	}
	start := time.Now()
	if !closedWithin(first, 3*time.Second) {
		t.Fatal("a connection with an unfinished message outlived tcp_message_timeout_ms=300")
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("unfinished message closed after %v, want about 300 ms", el)
	}

	// Room again: a complete OPTIONS gets its 200.
	var c net.Conn
	deadline := time.Now().Add(3 * time.Second)
	for {
		c = dial()
		req := "OPTIONS sip:test@" + addr + " SIP/2.0\r\n" +
			"Via: SIP/2.0/TCP " + c.LocalAddr().String() + ";branch=z9hG4bK-limits1\r\n" +
			"Max-Forwards: 70\r\nFrom: <sip:probe@127.0.0.1>;tag=a1\r\nTo: <sip:test@" + addr + ">\r\n" +
			"Call-ID: limits-1@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
		if _, err := c.Write([]byte(req)); err == nil {
			_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
			line, err := bufio.NewReader(c).ReadString('\n')
			if err == nil {
				if !strings.HasPrefix(line, "SIP/2.0 200") {
					t.Fatalf("OPTIONS answered %q, want 200", line)
				}
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("no answer to OPTIONS on a new connection after the limits closed the others")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

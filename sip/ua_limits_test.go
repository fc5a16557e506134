package sip

import (
	"bytes"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// newTCPTestUA starts a UA serving TCP on 127.0.0.1 with limits.
func newTCPTestUA(t *testing.T, limits ConnLimits) *UA {
	t.Helper()
	ln := guardListen(t)
	ua, err := NewUA(Config{Transport: "tcp", Listener: ln, Host: "127.0.0.1", Limits: limits})
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	ua.Serve()
	t.Cleanup(func() { ua.Close() })
	return ua
}

// TestUALimitsTCP: Config.Limits reach the UA's TCP listener: a connection
// beyond MaxConnections is closed at once, and a connection idle for
// IdleTimeout after its OPTIONS was answered is closed.
func TestUALimitsTCP(t *testing.T) {
	ua := newTCPTestUA(t, ConnLimits{MaxConnections: 1, IdleTimeout: 300 * time.Millisecond})
	addr := fmt.Sprintf("127.0.0.1:%d", ua.Port())
	a, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if s, err := guardAsk(a, "TCP", 2*time.Second); err != nil || !strings.Contains(s, " 200 ") {
		t.Fatalf("OPTIONS: %q %v", s, err)
	}
	b, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if closed, after := closedWithin(b, time.Second); !closed || after > 500*time.Millisecond {
		t.Fatalf("connection beyond the cap: closed %v after %v, want closed at once", closed, after)
	}
	if closed, after := closedWithin(a, 2*time.Second); !closed {
		t.Fatalf("idle connection: closed %v after %v, want closed after about 300 ms", closed, after)
	}
}

// TestUALimitsTCPDefaults: with zero Limits, an idle connection stays open
// (the default idle timeout is minutes) and is served.
func TestUALimitsTCPDefaults(t *testing.T) {
	ua := newTCPTestUA(t, ConnLimits{})
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", ua.Port()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if s, err := guardAsk(c, "TCP", 2*time.Second); err != nil || !strings.Contains(s, " 200 ") {
		t.Fatalf("OPTIONS: %q %v", s, err)
	}
	if closed, after := closedWithin(c, 500*time.Millisecond); closed {
		t.Fatalf("connection closed after %v under the default limits", after)
	}
}

// udpAsk sends an OPTIONS with a body of size bytes from c to to and
// returns the first line of the answer.
func udpAsk(t *testing.T, c *net.UDPConn, to *net.UDPAddr, callID string, size int) string {
	t.Helper()
	req := fmt.Sprintf("OPTIONS sip:ua@127.0.0.1 SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP %s;rport;branch=z9hG4bK%s\r\n"+
		"From: <sip:p@127.0.0.1>;tag=%s\r\nTo: <sip:ua@127.0.0.1>\r\n"+
		"Call-ID: %s\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"+
		"Content-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s",
		c.LocalAddr(), callID, callID, callID, size, bytes.Repeat([]byte("a"), size))
	if _, err := c.WriteToUDP([]byte(req), to); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 4096)
	n, _, err := c.ReadFromUDP(buf)
	if err != nil {
		t.Fatalf("%s: %v", callID, err)
	}
	if !bytes.Contains(buf[:n], []byte(callID)) {
		t.Fatalf("%s: answer for another request: %q", callID, firstLineOf(buf[:n]))
	}
	return firstLineOf(buf[:n])
}

func udpClient(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestUALargeUDPRequest: the UA reads UDP requests whole up to sipgo's
// 64 kB message limit (the read buffer NewUA sets), not cut at 32 kB.
func TestUALargeUDPRequest(t *testing.T) {
	ua := newTestUA(t, Config{})
	to := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: ua.Port()}
	c := udpClient(t)
	for _, size := range []int{1000, 33000, 60000} {
		if s := udpAsk(t, c, to, fmt.Sprintf("ua-large-%d", size), size); !strings.HasPrefix(s, "SIP/2.0 200") {
			t.Fatalf("%d-byte body: %q", size, s)
		}
	}
}

// TestUALimitsUDPSources: Config.Limits.MaxUDPSources bounds the source
// addresses the UA's sipgo stack keeps: after three rounds of new sources,
// each more than the rotation interval apart, it holds at most the last two
// rounds, while every request is answered. Without the limit it holds them
// all.
func TestUALimitsUDPSources(t *testing.T) {
	const rounds, perRound = 3, 40
	for _, tc := range []struct {
		name    string
		max     int
		bounded bool
	}{
		{"limit 4", 4, true},
		{"no limit", -1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ua := newTestUA(t, Config{Limits: ConnLimits{MaxUDPSources: tc.max}})
			to := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: ua.Port()}
			for r := 0; r < rounds; r++ {
				if r > 0 {
					time.Sleep(udpRotateEvery + 100*time.Millisecond)
				}
				for i := 0; i < perRound; i++ {
					c := udpClient(t)
					if s := udpAsk(t, c, to, fmt.Sprintf("src-%d-%d", r, i), 0); !strings.HasPrefix(s, "SIP/2.0 200") {
						t.Fatalf("round %d source %d: %q", r, i, s)
					}
				}
			}
			size := ua.ua.TransportLayer().Pool("udp").Size()
			t.Logf("pool holds %d entries after %d sources", size, rounds*perRound)
			if bounded := size <= 2*perRound+2; bounded != tc.bounded {
				t.Fatalf("pool holds %d entries after %d sources; bounded %v, want %v", size, rounds*perRound, bounded, tc.bounded)
			}
		})
	}
}

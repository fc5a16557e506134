package sip

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"
)

var guardBranch atomic.Int64

// guardOptions is an OPTIONS request over a stream transport.
func guardOptions(transport string) string {
	n := guardBranch.Add(1)
	return fmt.Sprintf("OPTIONS sip:guard@127.0.0.1 SIP/2.0\r\n"+
		"Via: SIP/2.0/%s 127.0.0.1:9;branch=z9hG4bKguard%d\r\n"+
		"From: <sip:probe@127.0.0.1>;tag=g%d\r\nTo: <sip:guard@127.0.0.1>\r\n"+
		"Call-ID: guard-%d\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
		transport, n, n, n)
}

// startGuardServer serves ln with a bare sipgo server answering OPTIONS 200,
// as the UA hands its listener to sipgo (ServeTCP, or ServeTLS for a TLS
// listener). It returns when the server is closed at the end of the test.
func startGuardServer(t testing.TB, ln net.Listener, tlsListener bool) {
	t.Helper()
	// A bare sipgo stack reads the process-wide settings too (the UDP
	// and TCP read buffer size): set them first, as NewUA would.
	applyProcessSettings()
	ua, err := sipgo.NewUA(sipgo.WithUserAgentTransportLayerOptions(gosip.WithTransportLayerLogger(tortureLogger())))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(tortureLogger()))
	if err != nil {
		t.Fatal(err)
	}
	srv.OnOptions(func(req *gosip.Request, tx gosip.ServerTransaction) {
		tx.Respond(gosip.NewResponseFromRequest(req, 200, "OK", nil))
	})
	served := make(chan struct{})
	go func() {
		defer close(served)
		if tlsListener {
			srv.ServeTLS(ln)
		} else {
			srv.ServeTCP(ln)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		ua.Close()
		<-served
	})
}

// guardAsk sends an OPTIONS on c and returns the status line of the answer.
func guardAsk(c net.Conn, transport string, wait time.Duration) (string, error) {
	c.SetDeadline(time.Now().Add(wait))
	defer c.SetDeadline(time.Time{})
	if _, err := io.WriteString(c, guardOptions(transport)); err != nil {
		return "", err
	}
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	for { // headers and empty body
		l, err := r.ReadString('\n')
		if err != nil {
			return "", err
		}
		if l == "\r\n" {
			break
		}
	}
	return strings.TrimSpace(line), nil
}

// closedWithin reports whether the peer closed c within d (a read returns
// EOF or a reset, not a timeout), and when.
func closedWithin(c net.Conn, d time.Duration) (bool, time.Duration) {
	start := time.Now()
	c.SetReadDeadline(start.Add(d))
	buf := make([]byte, 4096)
	for {
		_, err := c.Read(buf)
		if err == nil {
			continue
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return false, time.Since(start)
		}
		return true, time.Since(start)
	}
}

func guardListen(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// TestGuardedConnTimeouts: idle connections, a slowloris that dribbles a
// byte at a time, and unfinished headers are closed by the limits, while a
// connection that keeps sending complete messages stays open.
func TestGuardedConnTimeouts(t *testing.T) {
	limits := ConnLimits{IdleTimeout: 400 * time.Millisecond, MessageTimeout: 400 * time.Millisecond, MaxMessageBytes: 16 << 10}
	for _, tc := range []struct {
		name   string
		act    func(t *testing.T, c net.Conn) // what the client does before waiting
		closed bool
		within time.Duration
	}{
		{name: "silent new connection", act: func(*testing.T, net.Conn) {}, closed: true, within: 2 * time.Second},
		{name: "idle after a message", act: func(t *testing.T, c net.Conn) {
			if s, err := guardAsk(c, "TCP", 2*time.Second); err != nil || !strings.Contains(s, " 200 ") {
				t.Fatalf("OPTIONS: %q %v", s, err)
			}
		}, closed: true, within: 2 * time.Second},
		{name: "byte every 50 ms", act: func(t *testing.T, c net.Conn) {
			if s, err := guardAsk(c, "TCP", 2*time.Second); err != nil || !strings.Contains(s, " 200 ") {
				t.Fatalf("OPTIONS: %q %v", s, err)
			}
			go func() {
				for _, b := range []byte(strings.Repeat("OPTIONS sip:guard@127.0.0.1 SIP/2.0\r\nX-Slow: ", 10)) {
					if _, err := c.Write([]byte{b}); err != nil {
						return
					}
					time.Sleep(50 * time.Millisecond)
				}
			}()
		}, closed: true, within: 2 * time.Second},
		{name: "60 kB unfinished headers", act: func(t *testing.T, c net.Conn) {
			go io.WriteString(c, "OPTIONS sip:guard@127.0.0.1 SIP/2.0\r\n"+strings.Repeat("X-Big: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n", 1500))
		}, closed: true, within: 300 * time.Millisecond},
		{name: "a message every 150 ms", act: func(t *testing.T, c net.Conn) {
			for i := 0; i < 8; i++ {
				if s, err := guardAsk(c, "TCP", 2*time.Second); err != nil || !strings.Contains(s, " 200 ") {
					t.Fatalf("OPTIONS %d: %q %v", i, s, err)
				}
				time.Sleep(150 * time.Millisecond)
			}
		}, closed: false, within: 100 * time.Millisecond},
		{name: "pings every 150 ms", act: func(t *testing.T, c net.Conn) {
			for i := 0; i < 8; i++ {
				if _, err := io.WriteString(c, "\r\n\r\n"); err != nil {
					t.Fatal(err)
				}
				time.Sleep(150 * time.Millisecond)
				c.SetReadDeadline(time.Now().Add(time.Millisecond))
				c.Read(make([]byte, 16)) // the pongs
			}
		}, closed: false, within: 100 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln := newGuardedListener(guardListen(t), limits)
			startGuardServer(t, ln, false)
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			tc.act(t, c)
			if closed, after := closedWithin(c, tc.within); closed != tc.closed {
				t.Fatalf("closed %v after %v, want %v", closed, after, tc.closed)
			}
		})
	}
}

// TestGuardedListenerCap: a connection beyond MaxConnections is closed at
// once, and one is accepted again when a place frees.
func TestGuardedListenerCap(t *testing.T) {
	ln := newGuardedListener(guardListen(t), ConnLimits{MaxConnections: 2})
	startGuardServer(t, ln, false)
	dial := func() net.Conn {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	a, b := dial(), dial()
	for _, c := range []net.Conn{a, b} {
		if s, err := guardAsk(c, "TCP", 2*time.Second); err != nil || !strings.Contains(s, " 200 ") {
			t.Fatalf("OPTIONS within the cap: %q %v", s, err)
		}
	}
	if closed, after := closedWithin(dial(), time.Second); !closed || after > 500*time.Millisecond {
		t.Fatalf("third connection: closed %v after %v, want closed at once", closed, after)
	}
	a.Close()
	deadline := time.Now().Add(2 * time.Second)
	for ln.Open() > 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if s, err := guardAsk(dial(), "TCP", 2*time.Second); err != nil || !strings.Contains(s, " 200 ") {
		t.Fatalf("OPTIONS after a place freed: %q %v", s, err)
	}
}

// TestGuardedListenerTLS: wrapped around a TLS listener (as voip builds it
// with tls.Listen), the guard serves TLS clients and closes a connection
// that never completes its handshake.
func TestGuardedListenerTLS(t *testing.T) {
	cert := guardCert(t)
	inner, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	ln := newGuardedListener(inner, ConnLimits{MessageTimeout: 400 * time.Millisecond})
	startGuardServer(t, ln, true)

	c, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if s, err := guardAsk(c, "TLS", 2*time.Second); err != nil || !strings.Contains(s, " 200 ") {
		t.Fatalf("OPTIONS over TLS: %q %v", s, err)
	}

	raw, err := net.Dial("tcp", ln.Addr().String()) // no handshake
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if closed, after := closedWithin(raw, 3*time.Second); !closed {
		t.Fatalf("silent TLS connection still open after %v", after)
	}
}

func guardCert(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

package voip

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// goCert is a self-signed certificate made with crypto/x509 for the given
// names, valid from notBefore to notAfter, and its PEM file.
type goCert struct {
	tls tls.Certificate
	pem string // path of the certificate's PEM file (a CA bundle of one)
}

func makeGoCert(t *testing.T, ips []net.IP, dns []string, notBefore, notAfter time.Time) goCert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "libvoip test server"},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:           ips,
		DNSNames:              dns,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cert.pem")
	if err := writeFile(path, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))); err != nil {
		t.Fatal(err)
	}
	return goCert{tls: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pem: path}
}

// tlsServer accepts TLS connections on 127.0.0.1 with cert and completes
// their handshakes (a registrar that never gets as far as SIP); it returns
// the port.
func tlsServer(t *testing.T, cert tls.Certificate) int {
	t.Helper()
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				_ = c.(*tls.Conn).Handshake()
				_, _ = c.Read(make([]byte, 1))
			}()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

// TestTLSCertificateRejected: registering or calling over TLS to a server
// whose certificate fails verification is a rejection naming the
// certificate problem, not a registrar that "did not answer".
func TestTLSCertificateRejected(t *testing.T) {
	now := time.Now()
	localhost := []net.IP{net.ParseIP("127.0.0.1")}
	untrusted := makeGoCert(t, localhost, nil, now.Add(-time.Hour), now.Add(time.Hour))
	otherName := makeGoCert(t, []net.IP{net.ParseIP("127.0.0.2")}, []string{"sip.example.org"}, now.Add(-time.Hour), now.Add(time.Hour))
	expired := makeGoCert(t, localhost, nil, now.Add(-48*time.Hour), now.Add(-24*time.Hour))
	cases := []struct {
		name   string
		cert   goCert
		caFile string
		want   string
	}{
		{"untrusted", untrusted, "", "x509: certificate signed by unknown authority"},
		{"hostname", otherName, otherName.pem, "x509: certificate is valid for 127.0.0.2, not 127.0.0.1"},
		{"expired", expired, expired.pem, "x509: certificate has expired or is not yet valid"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			port := tlsServer(t, tc.cert.tls)
			server := "127.0.0.1:" + strconv.Itoa(port)
			opts := map[string]string{"transport": "tls", "server": server, "ca_file": tc.caFile}
			p := newTestPhone(t, 42700+50*i, opts, Handler{})
			start := time.Now()
			err := p.Start()
			if !errors.Is(err, ErrRejected) || !strings.Contains(err.Error(), "TLS certificate rejected: "+tc.want) {
				t.Errorf("Start: %v, want ErrRejected naming %q", err, tc.want)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("Start took %v: a certificate error is not a registrar that does not answer", d)
			}
			st, reason := p.Status()
			if st != PhoneFailed || !strings.HasPrefix(reason, "TLS certificate rejected: ") || !strings.Contains(reason, tc.want) {
				t.Errorf("status %v %q, want FAILED naming %q", st, reason, tc.want)
			}

			// A call over TLS to the same server fails naming it too.
			q := tlsPhone(t, 42850+50*i, map[string]string{"ca_file": tc.caFile}, Handler{})
			_, err = q.Call("sip:bob@" + server)
			if !errors.Is(err, ErrNetwork) || !strings.Contains(err.Error(), "TLS certificate rejected: "+tc.want) {
				t.Errorf("Call: %v, want a network error naming %q", err, tc.want)
			}
		})
	}
}

package rtp

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"runtime"
	"testing"
	"time"
)

// dtlsEnd is one side of a DTLS-SRTP test call: a stream on its own
// socket, its DTLS session and what the session reported.
type dtlsEnd struct {
	conn   *net.UDPConn
	stream *Stream
	dtls   *DTLS
	done   chan error
	suite  chan string
}

// dtlsGoroutines counts the goroutines running pion/dtls code or a
// session's run.
func dtlsGoroutines() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		if bytes.Contains(g, []byte("github.com/pion/dtls")) || bytes.Contains(g, []byte("rtp.(*DTLS).run")) {
			n++
		}
	}
	return n
}

// dtlsTestGrace keeps the tests' connections briefly after the handshake.
const dtlsTestGrace = 300 * time.Millisecond

// dtlsVerifier checks a certificate against the SHA-256 of want.
func dtlsVerifier(want []byte) func([]byte) error {
	sum := sha256.Sum256(want)
	return func(der []byte) error {
		if got := sha256.Sum256(der); got != sum {
			return fmt.Errorf("%w: sha-256 differs", ErrFingerprint)
		}
		return nil
	}
}

// dtlsPair starts two streams keyed by DTLS, a the client. peerOfA is the
// certificate a expects from b (b's own for a genuine call).
func dtlsPair(t *testing.T, peerOfA []byte) (a, b *dtlsEnd) {
	t.Helper()
	certA, err := NewDTLSCertificate()
	if err != nil {
		t.Fatal(err)
	}
	certB, err := NewDTLSCertificate()
	if err != nil {
		t.Fatal(err)
	}
	if peerOfA == nil {
		peerOfA = certB.Certificate[0]
	}
	a = &dtlsEnd{conn: stListen(t), done: make(chan error, 1), suite: make(chan string, 1)}
	b = &dtlsEnd{conn: stListen(t), done: make(chan error, 1), suite: make(chan string, 1)}
	start := func(e, other *dtlsEnd, client bool, cert []byte, own DTLSConfig) {
		own.Conn, own.Remote, own.Client = e.conn, stAddr(other.conn), client
		own.VerifyPeer = dtlsVerifier(cert)
		own.OnDone = func(suite string, err error) { e.suite <- suite; e.done <- err }
		d, err := StartDTLS(own)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(d.Close)
		cfg := stConfig()
		cfg.Conn, cfg.Remote, cfg.Protector = e.conn, stAddr(other.conn), d
		s, err := NewStream(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		stStartRx(s)
		e.dtls, e.stream = d, s
	}
	start(b, a, false, certA.Certificate[0], DTLSConfig{Certificate: certB, Grace: dtlsTestGrace})
	start(a, b, true, peerOfA, DTLSConfig{Certificate: certA, Grace: dtlsTestGrace})
	return a, b
}

func dtlsResult(t *testing.T, e *dtlsEnd) (string, error) {
	t.Helper()
	select {
	case err := <-e.done:
		return <-e.suite, err
	case <-time.After(2 * dtlsHandshakeTimeout):
		t.Fatal("DTLS session never finished its handshake")
	}
	return "", nil
}

// TestDTLSSRTPStreams: a handshake on the streams' own sockets keys SRTP
// both ways; nothing is sent before, and no clear payload after.
func TestDTLSSRTPStreams(t *testing.T) {
	a, b := dtlsPair(t, nil)
	if a.dtls.Keyed() {
		t.Fatal("keyed before any handshake")
	}
	for _, e := range []*dtlsEnd{a, b} {
		suite, err := dtlsResult(t, e)
		if err != nil || suite != "AEAD_AES_128_GCM" {
			t.Fatalf("handshake: suite %q, error %v", suite, err)
		}
	}
	// The session's goroutines end after the grace period; the keys stay.
	if dtlsGoroutines() == 0 {
		t.Fatal("no DTLS goroutine seen during the grace period: the count proves nothing")
	}
	stWaitFor(t, "DTLS goroutines ended", func() bool {
		return a.dtls.Ended() && b.dtls.Ended() && dtlsGoroutines() == 0
	})
	if !a.dtls.Keyed() || !b.dtls.Keyed() {
		t.Fatal("keys dropped with the DTLS connection")
	}
	for i, dir := range [][2]*dtlsEnd{{a, b}, {b, a}} {
		from, to := dir[0].stream, dir[1].stream
		pcm := stFrame(3+i, 160)
		if _, err := from.WriteAudio(stBytes(FormatS16LE, pcm), 0); err != nil {
			t.Fatal(err)
		}
		from.tick()
		stWaitFor(t, "SRTP packet opened", func() bool { return to.Stats().PacketsReceived == 1 })
		if st := to.SRTPStats(); st.AuthFailed != 0 || !st.Encrypted {
			t.Fatalf("receiver SRTP stats %+v", st)
		}
	}
}

// TestDTLSNothingBeforeKeys: until the handshake, a DTLS Protector lets
// nothing out and nothing in, and counts nothing as forged.
func TestDTLSNothingBeforeKeys(t *testing.T) {
	cert, err := NewDTLSCertificate()
	if err != nil {
		t.Fatal(err)
	}
	d, err := StartDTLS(DTLSConfig{Conn: stListen(t), Remote: stAddr(stListen(t)), Certificate: cert,
		VerifyPeer: func([]byte) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	cfg := stConfig()
	cfg.Protector = d
	s, peer := stNew(t, cfg)
	stStartRx(s)
	s.WriteAudio(make([]byte, 320), 0)
	s.tick()
	stNoMore(t, peer)
	stSend(t, peer, s.LocalAddr(), stBuild(0, false, 1, 160, 9, bytes.Repeat([]byte{0x55}, 160)))
	time.Sleep(50 * time.Millisecond)
	if st, n := s.SRTPStats(), s.Stats().PacketsReceived; st.AuthFailed != 0 || n != 0 {
		t.Fatalf("clear RTP before keys: %d received, %+v", n, st)
	}
}

// TestDTLSFingerprintMismatch: a certificate that is not the one the
// fingerprint names fails the handshake with ErrFingerprint and keys
// nothing.
func TestDTLSFingerprintMismatch(t *testing.T) {
	other, err := NewDTLSCertificate()
	if err != nil {
		t.Fatal(err)
	}
	a, b := dtlsPair(t, other.Certificate[0])
	if _, err := dtlsResult(t, a); !errors.Is(err, ErrFingerprint) {
		t.Fatalf("client: %v, want ErrFingerprint", err)
	}
	if _, err := dtlsResult(t, b); err == nil {
		t.Fatal("server keyed with a refused peer")
	}
	if a.dtls.Keyed() || b.dtls.Keyed() {
		t.Fatal("keys installed after a mismatch")
	}
}

// TestDTLSDemux: RFC 7983's first-byte ranges.
func TestDTLSDemux(t *testing.T) {
	for _, tc := range []struct {
		b    byte
		dtls bool
	}{{0, false}, {3, false}, {19, false}, {20, true}, {22, true}, {63, true}, {64, false}, {128, false}, {191, false}} {
		if got := isDTLS([]byte{tc.b, 0xfe}); got != tc.dtls {
			t.Errorf("first byte %d: DTLS %v, want %v", tc.b, got, tc.dtls)
		}
	}
	if isDTLS(nil) {
		t.Error("empty datagram taken for DTLS")
	}
}

package rtp

// DTLS-SRTP (RFC 5763, RFC 5764) on github.com/pion/dtls/v3: a DTLS
// handshake on the stream's own socket keys SRTP. DTLS is a Protector
// that refuses every packet until the handshake exported the keys, then
// seals and opens with them (an SRTP). The stream hands it the DTLS
// records it receives (first byte 20-63, RFC 7983 §7) through
// HandleDatagram; pion's connection reads them from a small virtual
// net.PacketConn (dtls_conn.go) and writes back on the same socket.
//
// Goroutines: one per DTLS session, running the handshake, plus pion's
// reader for that connection. Both end when the handshake fails, or a
// grace period (DTLSGrace) after the keys were exported, which lets the
// server answer a retransmitted final flight; nothing runs per packet and
// nothing stays for the rest of the call.

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/pion/dtls/v3"
	"github.com/pion/dtls/v3/pkg/crypto/selfsign"
)

// Errors of a DTLS session, reported to DTLSConfig.OnDone.
var (
	// ErrFingerprint is returned when the peer's certificate does not
	// match the a=fingerprint of its session description.
	ErrFingerprint = errors.New("rtp: DTLS certificate does not match the peer's fingerprint")
	// ErrDTLS wraps every other failure of the DTLS handshake.
	ErrDTLS = errors.New("rtp: DTLS-SRTP handshake failed")
	// ErrNotKeyed is what DTLS's Protector methods return until the keys
	// are exported: nothing goes out in clear, nothing clear comes in.
	ErrNotKeyed = errors.New("rtp: SRTP not keyed yet")
)

// DTLSGrace is how long a session's DTLS connection stays open after the
// handshake, to answer a peer that did not get our final flight (its
// retransmission timer starts at one second and doubles).
const DTLSGrace = 8 * time.Second

// dtlsHandshakeTimeout bounds a handshake.
const dtlsHandshakeTimeout = 15 * time.Second

// NewDTLSCertificate returns a self-signed ECDSA P-256 certificate for
// DTLS-SRTP, as RFC 5763 §5 describes: its fingerprint in the session
// description authenticates it.
func NewDTLSCertificate() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	return selfsign.SelfSign(key)
}

// DTLSConfig describes one DTLS-SRTP session.
type DTLSConfig struct {
	Conn        *net.UDPConn    // the stream's socket
	Remote      netip.AddrPort  // the peer's negotiated media address
	Certificate tls.Certificate // ours
	// Client is true when we are the DTLS client (a=setup:active).
	Client bool
	// VerifyPeer checks the DER of the peer's certificate against its
	// a=fingerprint; a non-nil error fails the handshake (wrap
	// ErrFingerprint).
	VerifyPeer func(der []byte) error
	// Grace is how long the connection stays open after the handshake;
	// 0 means DTLSGrace.
	Grace time.Duration
	// OnDone is called once from the session's goroutine: with the
	// agreed RFC 4568 suite name when SRTP is keyed, or with the error
	// that ended the handshake (ErrFingerprint, ErrDTLS). It must not
	// block.
	OnDone func(suite string, err error)
}

// DTLS is a DTLS-SRTP session: a Protector keyed by a DTLS handshake.
type DTLS struct {
	cfg    DTLSConfig
	conn   *packetConn
	srtp   atomic.Pointer[SRTP]
	cancel context.CancelFunc
	done   chan struct{}
}

// StartDTLS starts the handshake of a session in its own goroutine; the
// server side waits for the peer's ClientHello.
func StartDTLS(cfg DTLSConfig) (*DTLS, error) {
	if cfg.Conn == nil || cfg.VerifyPeer == nil || len(cfg.Certificate.Certificate) == 0 {
		return nil, errors.New("rtp: DTLS needs a socket, a certificate and a fingerprint check")
	}
	ctx, cancel := context.WithCancel(context.Background())
	d := &DTLS{cfg: cfg, conn: newPacketConn(cfg.Conn, cfg.Remote), cancel: cancel, done: make(chan struct{})}
	go d.run(ctx)
	return d, nil
}

// Close ends the session's goroutine if it still runs; the keys stay.
func (d *DTLS) Close() {
	d.cancel()
	<-d.done
}

// Keyed reports whether the handshake exported the SRTP keys.
func (d *DTLS) Keyed() bool { return d.srtp.Load() != nil }

// HandleDatagram takes a DTLS record received on the stream's socket.
// Records from another IP than the peer's are dropped, and so is
// everything once the session's connection is closed. It is called by
// the stream's receiving goroutine and never blocks.
func (d *DTLS) HandleDatagram(b []byte, from netip.AddrPort) {
	if from.Addr().Unmap() != d.cfg.Remote.Addr().Unmap() {
		return
	}
	d.conn.deliver(b, from)
}

// run is the session's goroutine.
func (d *DTLS) run(ctx context.Context) {
	defer close(d.done)
	conn, suite, err := d.handshake(ctx)
	if d.cfg.OnDone != nil {
		d.cfg.OnDone(suite, err)
	}
	if conn == nil {
		return
	}
	select {
	case <-ctx.Done():
	case <-time.After(d.grace()):
	}
	// Our packetConn first: pion's close_notify never reaches the peer,
	// whose DTLS association stays up for the call.
	_ = d.conn.Close()
	conn.Close() //nolint:errcheck,gosec // keyed: nothing to report
}

// grace is the configured grace period, DTLSGrace by default.
func (d *DTLS) grace() time.Duration {
	if d.cfg.Grace > 0 {
		return d.cfg.Grace
	}
	return DTLSGrace
}

// Ended reports whether the session's goroutine (and pion's reader) have
// ended: after the grace period, a failed handshake or Close.
func (d *DTLS) Ended() bool {
	select {
	case <-d.done:
		return true
	default:
		return false
	}
}

// handshake runs the DTLS handshake and installs the exported keys; the
// connection is returned open, or closed with an error.
func (d *DTLS) handshake(ctx context.Context) (*dtls.Conn, string, error) {
	shared := []dtls.Option{
		dtls.WithCertificates(d.cfg.Certificate),
		dtls.WithSRTPProtectionProfiles(dtls.SRTP_AEAD_AES_128_GCM, dtls.SRTP_AES128_CM_HMAC_SHA1_80),
		dtls.WithInsecureSkipVerify(true), // self-signed: the fingerprint authenticates (RFC 5763 §5)
		dtls.WithExtendedMasterSecret(dtls.RequestExtendedMasterSecret),
		dtls.WithVerifyPeerCertificate(func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) == 0 {
				return fmt.Errorf("%w: no certificate", ErrFingerprint)
			}
			return d.cfg.VerifyPeer(raw[0])
		}),
	}
	raddr := net.UDPAddrFromAddrPort(d.cfg.Remote)
	var conn *dtls.Conn
	var err error
	if d.cfg.Client {
		opts := make([]dtls.ClientOption, 0, len(shared))
		for _, o := range shared {
			opts = append(opts, o)
		}
		conn, err = dtls.ClientWithOptions(d.conn, raddr, opts...)
	} else {
		opts := []dtls.ServerOption{dtls.WithClientAuth(dtls.RequireAnyClientCert)}
		for _, o := range shared {
			opts = append(opts, o)
		}
		conn, err = dtls.ServerWithOptions(d.conn, raddr, opts...)
	}
	if err != nil {
		_ = d.conn.Close()
		return nil, "", fmt.Errorf("%w: %w", ErrDTLS, err)
	}
	hctx, cancel := context.WithTimeout(ctx, dtlsHandshakeTimeout)
	err = conn.HandshakeContext(hctx)
	cancel()
	var suite string
	if err == nil {
		suite, err = d.install(conn)
	}
	if err != nil {
		_ = d.conn.Close()
		conn.Close() //nolint:errcheck,gosec // the handshake's error is the one to report
		if errors.Is(err, ErrFingerprint) {
			return nil, "", ErrFingerprint
		}
		if !errors.Is(err, ErrDTLS) {
			err = fmt.Errorf("%w: %w", ErrDTLS, err)
		}
		return nil, "", err
	}
	return conn, suite, nil
}

// dtlsExporterLabel is RFC 5764 §4.2's exporter label.
const dtlsExporterLabel = "EXTRACTOR-dtls_srtp"

// install exports the SRTP master keys and salts of the agreed profile
// (RFC 5764 §4.2: client key, server key, client salt, server salt) and
// makes d seal and open with them.
func (d *DTLS) install(conn *dtls.Conn) (string, error) {
	profile, ok := conn.SelectedSRTPProtectionProfile()
	if !ok {
		return "", fmt.Errorf("%w: the peer agreed no SRTP profile (use_srtp)", ErrDTLS)
	}
	var suite string
	var keyLen, saltLen int
	switch profile {
	case dtls.SRTP_AES128_CM_HMAC_SHA1_80:
		suite, keyLen, saltLen = "AES_CM_128_HMAC_SHA1_80", 16, 14
	case dtls.SRTP_AEAD_AES_128_GCM:
		suite, keyLen, saltLen = "AEAD_AES_128_GCM", 16, 12
	default:
		return "", fmt.Errorf("%w: SRTP profile %#04x not offered", ErrDTLS, uint16(profile))
	}
	state, ok := conn.ConnectionState()
	if !ok {
		return "", fmt.Errorf("%w: no connection state", ErrDTLS)
	}
	m, err := state.ExportKeyingMaterial(dtlsExporterLabel, nil, 2*(keyLen+saltLen))
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrDTLS, err)
	}
	clientKey := append(append([]byte(nil), m[:keyLen]...), m[2*keyLen:2*keyLen+saltLen]...)
	serverKey := append(append([]byte(nil), m[keyLen:2*keyLen]...), m[2*keyLen+saltLen:]...)
	cfg := SRTPConfig{Suite: suite, LocalKey: serverKey, RemoteKey: clientKey}
	if d.cfg.Client {
		cfg.LocalKey, cfg.RemoteKey = clientKey, serverKey
	}
	s, err := NewSRTP(cfg)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrDTLS, err)
	}
	d.srtp.Store(s)
	return suite, nil
}

// ProtectRTP implements Protector: ErrNotKeyed until keyed.
func (d *DTLS) ProtectRTP(pkt []byte) ([]byte, error) {
	if s := d.srtp.Load(); s != nil {
		return s.ProtectRTP(pkt)
	}
	return nil, ErrNotKeyed
}

// UnprotectRTP implements Protector: ErrNotKeyed until keyed.
func (d *DTLS) UnprotectRTP(pkt []byte) ([]byte, error) {
	if s := d.srtp.Load(); s != nil {
		return s.UnprotectRTP(pkt)
	}
	return nil, ErrNotKeyed
}

// ProtectRTCP implements Protector: ErrNotKeyed until keyed.
func (d *DTLS) ProtectRTCP(pkt []byte) ([]byte, error) {
	if s := d.srtp.Load(); s != nil {
		return s.ProtectRTCP(pkt)
	}
	return nil, ErrNotKeyed
}

// UnprotectRTCP implements Protector: ErrNotKeyed until keyed.
func (d *DTLS) UnprotectRTCP(pkt []byte) ([]byte, error) {
	if s := d.srtp.Load(); s != nil {
		return s.UnprotectRTCP(pkt)
	}
	return nil, ErrNotKeyed
}

package sip

// DTLS-SRTP keying (RFC 5763, RFC 5764) in offer/answer: the
// UDP/TLS/RTP/SAVP transport, a=fingerprint (RFC 8122) and a=setup
// (RFC 4145 roles: the offerer says actpass, the answerer active or
// passive, and the active side is the DTLS client).

import (
	"crypto/sha1" //nolint:gosec // a peer may name sha-1 (RFC 8122 §5); we offer sha-256
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strings"

	"github.com/pion/sdp/v3"
)

// Keying is how our offers key SRTP (the media_keying option); answers
// accept either method.
type Keying uint8

// The media_keying values.
const (
	// KeyingSDES offers a=crypto keys (RTP/AVP or RTP/SAVP, sdp_crypto.go).
	KeyingSDES Keying = iota
	// KeyingDTLS offers UDP/TLS/RTP/SAVP with a=fingerprint and
	// a=setup:actpass.
	KeyingDTLS
)

// String returns the option value: "sdes" or "dtls".
func (k Keying) String() string {
	if k == KeyingDTLS {
		return "dtls"
	}
	return "sdes"
}

// ParseKeying parses "sdes" or "dtls".
func ParseKeying(s string) (Keying, error) {
	for _, k := range []Keying{KeyingSDES, KeyingDTLS} {
		if strings.EqualFold(s, k.String()) {
			return k, nil
		}
	}
	return KeyingSDES, fmt.Errorf("media keying %q is not sdes or dtls", s)
}

const (
	transportDTLSSAVP = "UDP/TLS/RTP/SAVP"
	attrFingerprint   = "fingerprint"
	attrSetup         = "setup"
	setupActPass      = "actpass"
	setupActive       = "active"
	setupPassive      = "passive"
	hashSHA256        = "sha-256"
)

// ErrFingerprint is returned for an a=fingerprint line that cannot be
// read; it is ErrCrypto too.
var ErrFingerprint = fmt.Errorf("%w: bad DTLS fingerprint", ErrCrypto)

// Fingerprint is a certificate's a=fingerprint (RFC 8122): a hash
// function name and the digest. It is comparable.
type Fingerprint struct {
	Hash   string // sha-1, sha-256, sha-384 or sha-512, lower case
	Digest string // the raw digest bytes (a string keeps Fingerprint comparable)
}

// NewFingerprint is the sha-256 fingerprint of a DER certificate.
func NewFingerprint(der []byte) Fingerprint {
	sum := sha256.Sum256(der)
	return Fingerprint{Hash: hashSHA256, Digest: string(sum[:])}
}

// IsZero reports whether f is unset.
func (f Fingerprint) IsZero() bool { return len(f.Digest) == 0 }

// String is the attribute value: "sha-256 AB:CD:...".
func (f Fingerprint) String() string {
	h := strings.ToUpper(hex.EncodeToString([]byte(f.Digest)))
	var b strings.Builder
	b.WriteString(f.Hash)
	b.WriteByte(' ')
	for i := 0; i < len(h); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(h[i : i+2])
	}
	return b.String()
}

// newHash returns the hash function a fingerprint names.
func newHash(name string) (hash.Hash, bool) {
	switch name {
	case "sha-1":
		return sha1.New(), true //nolint:gosec // see the import
	case hashSHA256:
		return sha256.New(), true
	case "sha-384":
		return sha512.New384(), true
	case "sha-512":
		return sha512.New(), true
	}
	return nil, false
}

// Matches reports whether der is the certificate f names.
func (f Fingerprint) Matches(der []byte) bool {
	h, ok := newHash(f.Hash)
	if !ok || f.IsZero() {
		return false
	}
	h.Write(der)
	return subtle.ConstantTimeCompare(h.Sum(nil), []byte(f.Digest)) == 1
}

// parseFingerprint reads "sha-256 AB:CD:..." (hash names are case
// insensitive).
func parseFingerprint(v string) (Fingerprint, error) {
	f := strings.Fields(v)
	if len(f) != 2 {
		return Fingerprint{}, fmt.Errorf("%w: want a hash and a digest", ErrFingerprint)
	}
	name := strings.ToLower(f[0])
	h, ok := newHash(name)
	if !ok {
		return Fingerprint{}, fmt.Errorf("%w: hash %.20q not supported", ErrFingerprint, f[0])
	}
	d, err := hex.DecodeString(strings.ReplaceAll(f[1], ":", ""))
	if err != nil || len(d) != h.Size() {
		return Fingerprint{}, fmt.Errorf("%w: digest is not %d hex bytes", ErrFingerprint, h.Size())
	}
	return Fingerprint{Hash: name, Digest: string(d)}, nil
}

// DTLS is the agreed DTLS-SRTP keying of a stream; its zero value means
// none. The SRTP keys come from the handshake, not from the SDP.
type DTLS struct {
	// Peer is the fingerprint the peer's certificate must match.
	Peer Fingerprint
	// Client is true when we are the DTLS client (our a=setup is active).
	Client bool
}

// Enabled reports whether the stream is keyed by DTLS.
func (d DTLS) Enabled() bool { return !d.Peer.IsZero() }

// isDTLSProto reports whether md's transport is UDP/TLS/RTP/SAVP, or
// UDP/TLS/RTP/SAVPF (RFC 5124), which baresip's dtls_srtp offers: we send
// no feedback messages, which an AVPF peer accepts (RFC 4585 §5), and the
// answer repeats the offered transport.
func isDTLSProto(md *sdp.MediaDescription) bool {
	p := strings.Join(md.MediaName.Protos, "/")
	return strings.EqualFold(p, transportDTLSSAVP) || strings.EqualFold(p, transportDTLSSAVP+"F")
}

// offersDTLS reports whether l's offers are DTLS-SRTP.
func (l *LocalMedia) offersDTLS() bool {
	return l.Encryption != EncryptionOff && l.Keying == KeyingDTLS
}

// validateDTLS reports configuration errors of l's DTLS settings.
func (l *LocalMedia) validateDTLS() error {
	if l.Keying > KeyingDTLS {
		return fmt.Errorf("sdp: invalid media keying %d", l.Keying)
	}
	if l.offersDTLS() && l.Fingerprint.IsZero() {
		return errors.New("sdp: DTLS keying without a certificate fingerprint")
	}
	switch l.Setup {
	case "", setupActive, setupPassive:
		return nil
	}
	return fmt.Errorf("sdp: invalid a=setup role %q", l.Setup)
}

// offerDTLS is a=fingerprint and a=setup of our offer: actpass, or the
// role of the running association on a re-offer (RFC 5763 §5).
func offerDTLS(l *LocalMedia) []sdp.Attribute {
	setup := l.Setup
	if setup == "" {
		setup = setupActPass
	}
	return []sdp.Attribute{
		sdp.NewAttribute(attrFingerprint, l.Fingerprint.String()),
		sdp.NewAttribute(attrSetup, setup),
	}
}

// answerDTLSAttributes is a=fingerprint and a=setup of our answer.
func answerDTLSAttributes(d DTLS, l *LocalMedia) []sdp.Attribute {
	if !d.Enabled() {
		return nil
	}
	setup := setupPassive
	if d.Client {
		setup = setupActive
	}
	return []sdp.Attribute{
		sdp.NewAttribute(attrFingerprint, l.Fingerprint.String()),
		sdp.NewAttribute(attrSetup, setup),
	}
}

// dtlsAttribute is the media-level value of key, else the session-level
// one (RFC 8122 §5, RFC 4145 §4 allow both for a=fingerprint).
func dtlsAttribute(s *sdp.SessionDescription, md *sdp.MediaDescription, key string) (string, bool) {
	if v, ok := md.Attribute(key); ok {
		return v, true
	}
	return s.Attribute(key)
}

// peerFingerprint is the fingerprint of s's stream md.
func peerFingerprint(s *sdp.SessionDescription, md *sdp.MediaDescription) (Fingerprint, error) {
	v, ok := dtlsAttribute(s, md, attrFingerprint)
	if !ok {
		return Fingerprint{}, fmt.Errorf("%w: UDP/TLS/RTP/SAVP without a=fingerprint", ErrCrypto)
	}
	return parseFingerprint(v)
}

// answerDTLS agrees DTLS-SRTP for the offered stream md: the offerer's
// actpass makes us active (the DTLS client, RFC 5763 §5) unless l.Setup
// keeps a running association's role; its active makes us passive.
func answerDTLS(s *sdp.SessionDescription, md *sdp.MediaDescription, l *LocalMedia) (DTLS, error) {
	if l.Fingerprint.IsZero() {
		return DTLS{}, fmt.Errorf("%w: UDP/TLS/RTP/SAVP offered and we have no DTLS certificate", ErrCrypto)
	}
	fp, err := peerFingerprint(s, md)
	if err != nil {
		return DTLS{}, err
	}
	setup, _ := dtlsAttribute(s, md, attrSetup)
	switch strings.ToLower(setup) {
	case setupActive:
		return DTLS{Peer: fp, Client: false}, nil
	case setupPassive:
		return DTLS{Peer: fp, Client: true}, nil
	case setupActPass, "": // RFC 4145 §4: no a=setup means active; RFC 5763 asks for actpass
		return DTLS{Peer: fp, Client: l.Setup != setupPassive}, nil
	}
	return DTLS{}, fmt.Errorf("%w: a=setup:%.20s not acceptable", ErrCrypto, setup)
}

// answeredDTLS reads the answer to our DTLS offer: UDP/TLS/RTP/SAVP with
// a fingerprint and the answerer's role (active makes us the server).
func answeredDTLS(s *sdp.SessionDescription, md *sdp.MediaDescription) (DTLS, error) {
	if !isDTLSProto(md) {
		return DTLS{}, fmt.Errorf("%w: the answer is not UDP/TLS/RTP/SAVP (DTLS-SRTP)", ErrCrypto)
	}
	fp, err := peerFingerprint(s, md)
	if err != nil {
		return DTLS{}, err
	}
	setup, _ := dtlsAttribute(s, md, attrSetup)
	switch strings.ToLower(setup) {
	case setupActive, "": // RFC 4145 §4: absent means active
		return DTLS{Peer: fp, Client: false}, nil
	case setupPassive:
		return DTLS{Peer: fp, Client: true}, nil
	}
	return DTLS{}, fmt.Errorf("%w: answer a=setup:%.20s (want active or passive)", ErrCrypto, setup)
}

// answerSecurity agrees the keying of the offered stream md: DTLS for
// UDP/TLS/RTP/SAVP, SDES otherwise (answerCrypto).
func answerSecurity(s *sdp.SessionDescription, md *sdp.MediaDescription, l *LocalMedia) (SRTP, DTLS, error) {
	if isDTLSProto(md) {
		if l.Encryption == EncryptionOff {
			return SRTP{}, DTLS{}, &cryptoOffError{}
		}
		d, err := answerDTLS(s, md, l)
		return SRTP{}, d, err
	}
	keys, err := answerCrypto(md, l)
	return keys, DTLS{}, err
}

// answeredSecurity reads the keying of the answer md to our offer l.
func answeredSecurity(s *sdp.SessionDescription, md *sdp.MediaDescription, l *LocalMedia) (SRTP, DTLS, error) {
	if l.offersDTLS() {
		d, err := answeredDTLS(s, md)
		return SRTP{}, d, err
	}
	keys, err := answeredCrypto(md, l)
	return keys, DTLS{}, err
}

package rtp

// SRTP and SRTCP (RFC 3711, RFC 7714) on github.com/pion/srtp/v3, behind
// the Protector seam of the stream's socket path: every RTP packet a
// stream sends goes through ProtectRTP just before sendto, and every
// datagram it receives through UnprotectRTP before anything reads it.
// RTCP goes through ProtectRTCP/UnprotectRTCP, reached from the stream by
// protectRTCPLocked and unprotectRTCP (srtp_stream.go).

import (
	"bytes"
	"errors"
	"fmt"
	"sync/atomic"

	pionrtcp "github.com/pion/rtcp"
	pionrtp "github.com/pion/rtp"
	"github.com/pion/srtp/v3"
	"github.com/pion/transport/v5/replaydetector"
)

// Errors of UnprotectRTP and UnprotectRTCP; the stream counts each kind.
var (
	// ErrReplayed is returned for a packet whose index was already
	// received, or is older than the replay window (RFC 3711 §3.3.2).
	ErrReplayed = errors.New("rtp: SRTP packet replayed")
	// ErrAuth is returned for a packet whose authentication tag does not
	// verify: forged, damaged, or sent with another key.
	ErrAuth = errors.New("rtp: SRTP authentication failed")
)

// Protector seals what a stream sends and opens what it receives. Each
// method works in place: the result aliases pkt. ProtectRTP and
// ProtectRTCP are called by one goroutine at a time (the pacer's), and so
// are UnprotectRTP and UnprotectRTCP (the receiver's), so the two
// directions need no lock between them.
type Protector interface {
	// ProtectRTP encrypts and authenticates an RTP packet; cap(pkt) must
	// leave ProtectOverhead bytes beyond len(pkt).
	ProtectRTP(pkt []byte) ([]byte, error)
	// UnprotectRTP authenticates and decrypts a received packet; errors
	// wrap ErrReplayed or ErrAuth when the packet is one of those.
	UnprotectRTP(pkt []byte) ([]byte, error)
	// ProtectRTCP encrypts and authenticates a compound RTCP packet;
	// cap(pkt) must leave ProtectOverhead bytes beyond len(pkt).
	ProtectRTCP(pkt []byte) ([]byte, error)
	// UnprotectRTCP authenticates and decrypts a received SRTCP packet.
	UnprotectRTCP(pkt []byte) ([]byte, error)
}

// ProtectOverhead is the most a Protector adds to a packet: an SRTCP
// index (4) and a 16-byte tag.
const ProtectOverhead = 20

// replayWindow is the SRTP and SRTCP replay window in packets (RFC 3711
// §3.3.2 asks for at least 64).
const replayWindow = 128

// SRTPConfig is the keying of an SRTP session: an RFC 4568 suite name and
// the master key followed by the master salt of each direction.
type SRTPConfig struct {
	Suite     string // AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32 or AEAD_AES_128_GCM
	LocalKey  []byte // protects what we send
	RemoteKey []byte // protects what the peer sends
}

// SRTP is a Protector for SDES or DTLS keyed SRTP. It never prints its
// keys.
type SRTP struct {
	cfg     SRTPConfig
	out, in *srtp.Context
	// Headers reused by the two directions' goroutines.
	outHdr, inHdr   pionrtp.Header
	outRTCP, inRTCP pionrtcp.Header
	// replayed is set by the replay detector when it refuses the packet
	// being opened.
	replayed *atomic.Bool
}

// profileOf maps an RFC 4568 suite name to pion's protection profile.
func profileOf(suite string) (srtp.ProtectionProfile, error) {
	switch suite {
	case "AES_CM_128_HMAC_SHA1_80":
		return srtp.ProtectionProfileAes128CmHmacSha1_80, nil
	case "AES_CM_128_HMAC_SHA1_32":
		return srtp.ProtectionProfileAes128CmHmacSha1_32, nil
	case "AEAD_AES_128_GCM":
		return srtp.ProtectionProfileAeadAes128Gcm, nil
	}
	return 0, fmt.Errorf("rtp: SRTP suite %q not supported", suite)
}

// NewSRTP returns a Protector for cfg.
func NewSRTP(cfg SRTPConfig) (*SRTP, error) {
	return (*SRTP)(nil).Rekey(cfg)
}

// Rekey returns a Protector for cfg that keeps the state (rollover
// counters, replay windows) of each direction of s whose suite and key
// are unchanged: a re-INVITE that changes only the peer's key starts
// only the receiving direction afresh. s may be nil.
func (s *SRTP) Rekey(cfg SRTPConfig) (*SRTP, error) {
	profile, err := profileOf(cfg.Suite)
	if err != nil {
		return nil, err
	}
	n := &SRTP{cfg: SRTPConfig{Suite: cfg.Suite, LocalKey: bytes.Clone(cfg.LocalKey),
		RemoteKey: bytes.Clone(cfg.RemoteKey)}, replayed: new(atomic.Bool)}
	same := s != nil && s.cfg.Suite == cfg.Suite
	if same && bytes.Equal(s.cfg.LocalKey, cfg.LocalKey) {
		n.out = s.out
	} else if n.out, err = newContext(profile, cfg.LocalKey, nil); err != nil {
		return nil, err
	}
	if same && bytes.Equal(s.cfg.RemoteKey, cfg.RemoteKey) {
		n.in, n.replayed = s.in, s.replayed
	} else if n.in, err = newContext(profile, cfg.RemoteKey, n.replayed); err != nil {
		return nil, err
	}
	return n, nil
}

// newContext is a pion context for one direction; replayed, when not nil,
// turns replay protection on and is set when a packet is refused.
func newContext(p srtp.ProtectionProfile, masterKey []byte, replayed *atomic.Bool) (*srtp.Context, error) {
	keyLen, err := p.KeyLen()
	if err != nil {
		return nil, err
	}
	saltLen, err := p.SaltLen()
	if err != nil {
		return nil, err
	}
	if len(masterKey) != keyLen+saltLen {
		return nil, fmt.Errorf("rtp: SRTP master key and salt of %d bytes, want %d", len(masterKey), keyLen+saltLen)
	}
	var opts []srtp.ContextOption
	if replayed != nil {
		opts = append(opts,
			srtp.SRTPReplayDetectorFactory(func() replaydetector.ReplayDetector {
				return newCountingDetector(replayWindow, 1<<48-1, replayed)
			}),
			srtp.SRTCPReplayDetectorFactory(func() replaydetector.ReplayDetector {
				return newCountingDetector(replayWindow, 1<<31-1, replayed)
			}))
	}
	c, err := srtp.CreateContext(masterKey[:keyLen], masterKey[keyLen:], p, opts...)
	if err != nil {
		return nil, fmt.Errorf("rtp: SRTP context: %w", err)
	}
	return c, nil
}

// ProtectRTP implements Protector.
func (s *SRTP) ProtectRTP(pkt []byte) ([]byte, error) {
	return s.out.EncryptRTP(pkt, pkt, &s.outHdr)
}

// UnprotectRTP implements Protector.
func (s *SRTP) UnprotectRTP(pkt []byte) ([]byte, error) {
	s.replayed.Store(false)
	out, err := s.in.DecryptRTP(pkt, pkt, &s.inHdr)
	return out, s.classify(err)
}

// ProtectRTCP implements Protector.
func (s *SRTP) ProtectRTCP(pkt []byte) ([]byte, error) {
	return s.out.EncryptRTCP(pkt, pkt, &s.outRTCP)
}

// UnprotectRTCP implements Protector.
func (s *SRTP) UnprotectRTCP(pkt []byte) ([]byte, error) {
	s.replayed.Store(false)
	out, err := s.in.DecryptRTCP(pkt, pkt, &s.inRTCP)
	return out, s.classify(err)
}

// classify wraps a decryption error in ErrReplayed or ErrAuth.
func (s *SRTP) classify(err error) error {
	switch {
	case err == nil:
		return nil
	case s.replayed.Load():
		return ErrReplayed
	case errors.Is(err, srtp.ErrFailedToVerifyAuthTag):
		return ErrAuth
	}
	return fmt.Errorf("%w: %w", ErrAuth, err) // too short, unknown MKI: not a packet of this session
}

// countingDetector is a replay detector that records the packets it
// refuses, so that replays are told apart from forgeries.
type countingDetector struct {
	checkAccepter
	replayed *atomic.Bool
}

// checkAccepter is what replaydetector.New returns: a detector that
// commits an index only once the packet authenticated.
type checkAccepter interface {
	replaydetector.ReplayDetector
	replaydetector.CheckAccepter
}

// newCountingDetector is a sliding-window replay detector that sets
// replayed when it refuses a packet.
func newCountingDetector(window uint, maxSeq uint64, replayed *atomic.Bool) replaydetector.ReplayDetector {
	d := replaydetector.New(window, maxSeq)
	ca, ok := d.(checkAccepter)
	if !ok { // not in this pion version: replays are refused, counted as forged
		return d
	}
	return &countingDetector{checkAccepter: ca, replayed: replayed}
}

// Check implements replaydetector.ReplayDetector.
func (c *countingDetector) Check(seq uint64) (func() bool, bool) {
	accept, ok := c.checkAccepter.Check(seq)
	if !ok {
		c.replayed.Store(true)
	}
	return accept, ok
}

// CheckSeq implements replaydetector.CheckAccepter.
func (c *countingDetector) CheckSeq(seq uint64) replaydetector.Token {
	tok := c.checkAccepter.CheckSeq(seq)
	if !tok.Passed() {
		c.replayed.Store(true)
	}
	return tok
}

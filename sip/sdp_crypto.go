package sip

// SDES keying for SRTP (RFC 4568): a=crypto lines offered, answered and
// checked. The keys themselves never reach an error text or a log: errors
// name the tag, the suite and what was wrong with the line.

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
)

// MediaEncryption is how a phone uses SRTP (the media_encryption option).
type MediaEncryption uint8

// The media_encryption modes.
const (
	// EncryptionOff offers plain RTP/AVP and refuses RTP/SAVP offers.
	EncryptionOff MediaEncryption = iota
	// EncryptionOptional offers RTP/AVP with a=crypto lines (best-effort
	// SRTP) and accepts plain or encrypted media.
	EncryptionOptional
	// EncryptionMandatory offers RTP/SAVP and refuses plain media (488).
	EncryptionMandatory
)

// String returns the option value: "off", "optional" or "mandatory".
func (m MediaEncryption) String() string {
	switch m {
	case EncryptionOptional:
		return "optional"
	case EncryptionMandatory:
		return "mandatory"
	}
	return "off"
}

// ParseMediaEncryption parses "off", "optional" or "mandatory".
func ParseMediaEncryption(s string) (MediaEncryption, error) {
	for _, m := range []MediaEncryption{EncryptionOff, EncryptionOptional, EncryptionMandatory} {
		if strings.EqualFold(s, m.String()) {
			return m, nil
		}
	}
	return EncryptionOff, fmt.Errorf("media encryption %q is not off, optional or mandatory", s)
}

// The SDES crypto suites libvoip offers and accepts (RFC 4568 §6.2,
// RFC 7714 §12), in its preference order.
const (
	SuiteAESCM128HMACSHA180 = "AES_CM_128_HMAC_SHA1_80"
	SuiteAESCM128HMACSHA132 = "AES_CM_128_HMAC_SHA1_32"
	SuiteAEADAES128GCM      = "AEAD_AES_128_GCM"
)

// Suites lists the supported crypto suites in preference order.
var Suites = []string{SuiteAESCM128HMACSHA180, SuiteAEADAES128GCM, SuiteAESCM128HMACSHA132}

const (
	transportRTPSAVP = "RTP/SAVP"
	attrCrypto       = "crypto"
	maxCryptoTag     = 999999999 // RFC 4568 §9.1: 1*9DIGIT
	keyMethodInline  = "inline:"
)

// ErrCrypto is returned by Answer and ParseAnswer when SRTP is required
// (an RTP/SAVP stream, or media_encryption mandatory) but no acceptable
// a=crypto line was agreed, or when RTP/SAVP is offered to a phone whose
// media_encryption is off. Answering an INVITE, it maps to 488.
var ErrCrypto = errors.New("sdp: SRTP crypto not acceptable")

// SuiteKeyLen is the master key plus master salt length of suite in
// bytes, 0 for an unknown suite.
func SuiteKeyLen(suite string) int {
	switch suite {
	case SuiteAESCM128HMACSHA180, SuiteAESCM128HMACSHA132:
		return 30 // 16-byte key, 14-byte salt
	case SuiteAEADAES128GCM:
		return 28 // 16-byte key, 12-byte salt (RFC 7714 §12)
	}
	return 0
}

// maxKeyLen is the longest master key and salt of a supported suite.
const maxKeyLen = 30

// MasterKey is an SRTP master key followed by its master salt. It is
// comparable, and prints as "[redacted]" with any fmt verb, so that a key
// cannot reach a log by accident.
type MasterKey struct {
	n uint8
	b [maxKeyLen]byte
}

// NewMasterKey copies b (at most 30 bytes, else the zero key).
func NewMasterKey(b []byte) MasterKey {
	var k MasterKey
	if len(b) <= maxKeyLen {
		k.n = uint8(len(b))
		copy(k.b[:], b)
	}
	return k
}

// Bytes returns a copy of the key and salt.
func (k MasterKey) Bytes() []byte { return append([]byte(nil), k.b[:k.n]...) }

// Len is the length of the key and salt in bytes.
func (k MasterKey) Len() int { return int(k.n) }

// String hides the key.
func (k MasterKey) String() string { return "[redacted]" }

// GoString hides the key from %#v.
func (k MasterKey) GoString() string { return "sip.MasterKey{[redacted]}" }

// SRTPKey is a crypto suite this side offers or accepts and its master
// key (key then salt, SuiteKeyLen bytes).
type SRTPKey struct {
	Suite string
	Key   MasterKey
}

// NewSRTPKeys returns a fresh random master key for each suite.
func NewSRTPKeys(suites []string) ([]SRTPKey, error) {
	keys := make([]SRTPKey, 0, len(suites))
	for _, s := range suites {
		n := SuiteKeyLen(s)
		if n == 0 {
			return nil, fmt.Errorf("sdp: unknown crypto suite %q", s)
		}
		k := make([]byte, n)
		if _, err := rand.Read(k); err != nil {
			return nil, err
		}
		keys = append(keys, SRTPKey{Suite: s, Key: NewMasterKey(k)})
	}
	return keys, nil
}

// SRTP is the agreed SDES keying of a stream; a zero Suite means plain
// RTP.
type SRTP struct {
	// Tag is the a=crypto tag both sides agreed on.
	Tag int
	// Suite is the crypto suite, such as "AES_CM_128_HMAC_SHA1_80".
	Suite string
	// LocalKey protects what we send, RemoteKey what we receive.
	LocalKey, RemoteKey MasterKey
}

// Enabled reports whether the stream is encrypted.
func (s SRTP) Enabled() bool { return s.Suite != "" }

// String names the suite without the keys.
func (s SRTP) String() string {
	if !s.Enabled() {
		return "none"
	}
	return s.Suite
}

// cryptoLine is one parsed a=crypto attribute.
type cryptoLine struct {
	tag   int
	suite string
	key   MasterKey
}

// validateCrypto reports configuration errors of l's SRTP settings.
func (l *LocalMedia) validateCrypto() error {
	if l.Encryption > EncryptionMandatory {
		return fmt.Errorf("sdp: invalid media encryption %d", l.Encryption)
	}
	if l.Encryption == EncryptionOff {
		return nil
	}
	if len(l.Keys) == 0 {
		return errors.New("sdp: media encryption without SRTP keys")
	}
	for _, k := range l.Keys {
		if n := SuiteKeyLen(k.Suite); n == 0 || k.Key.Len() != n {
			return fmt.Errorf("sdp: bad SRTP key for suite %q", k.Suite)
		}
	}
	return nil
}

// keyFor returns l's key for suite.
func (l *LocalMedia) keyFor(suite string) (MasterKey, bool) {
	for _, k := range l.Keys {
		if k.Suite == suite {
			return k.Key, true
		}
	}
	return MasterKey{}, false
}

// mediaProtos is the transport of our offer: RTP/SAVP when encryption is
// mandatory, else RTP/AVP (with a=crypto lines when optional: RFC 4568
// best-effort SRTP).
func (l *LocalMedia) mediaProtos() []string {
	if l.offersDTLS() {
		return []string{"UDP", "TLS", "RTP", "SAVP"}
	}
	if l.Encryption == EncryptionMandatory {
		return []string{"RTP", "SAVP"}
	}
	return []string{"RTP", "AVP"}
}

// offerCrypto is the a=crypto lines of our offer: one per key, tags 1, 2, ...
func offerCrypto(l *LocalMedia) []sdp.Attribute {
	if l.Encryption == EncryptionOff {
		return nil
	}
	if l.Keying == KeyingDTLS {
		return offerDTLS(l) // sdp_dtls.go
	}
	attrs := make([]sdp.Attribute, 0, len(l.Keys))
	for i, k := range l.Keys {
		attrs = append(attrs, cryptoAttribute(i+1, k.Suite, k.Key))
	}
	return attrs
}

// cryptoAttribute formats a=crypto:<tag> <suite> inline:<key>.
func cryptoAttribute(tag int, suite string, key MasterKey) sdp.Attribute {
	return sdp.NewAttribute(attrCrypto, strconv.Itoa(tag)+" "+suite+" "+keyMethodInline+
		base64.StdEncoding.EncodeToString(key.b[:key.n]))
}

// answerCryptoAttributes is the a=crypto line of our answer, if any.
func answerCryptoAttributes(s SRTP) []sdp.Attribute {
	if !s.Enabled() {
		return nil
	}
	return []sdp.Attribute{cryptoAttribute(s.Tag, s.Suite, s.LocalKey)}
}

// isSAVP reports whether md's transport is RTP/SAVP.
func isSAVP(md *sdp.MediaDescription) bool {
	return strings.EqualFold(strings.Join(md.MediaName.Protos, "/"), transportRTPSAVP)
}

// noAudioError explains why s has no audio stream we accept: ErrCrypto
// when it offers only RTP/SAVP and encryption is off, else ErrNoAudio.
func noAudioError(s *sdp.SessionDescription, l *LocalMedia) error {
	if l.Encryption != EncryptionOff {
		return ErrNoAudio
	}
	for _, md := range s.MediaDescriptions {
		if md.MediaName.Media == mediaTypeAudio && md.MediaName.Port.Value != 0 && (isSAVP(md) || isDTLSProto(md)) {
			return &cryptoOffError{}
		}
	}
	return ErrNoAudio
}

// cryptoOffError is ErrNoAudio for an RTP/SAVP offer to a phone whose
// media_encryption is off; it is ErrCrypto too.
type cryptoOffError struct{}

func (*cryptoOffError) Error() string {
	return ErrCrypto.Error() + ": the peer requires SRTP (RTP/SAVP) and media_encryption is off"
}

// Is makes the error both ErrNoAudio and ErrCrypto.
func (*cryptoOffError) Is(target error) bool { return target == ErrNoAudio || target == ErrCrypto }

// answerCrypto chooses the first offered a=crypto line of md whose suite
// we support (the offerer's preference, RFC 4568 §7.1.2) and returns the
// agreed keying. Without one, media stays plain unless md is RTP/SAVP or
// encryption is mandatory: then ErrCrypto says why.
func answerCrypto(md *sdp.MediaDescription, l *LocalMedia) (SRTP, error) {
	if l.Encryption == EncryptionOff {
		return SRTP{}, nil
	}
	var why []string
	for _, a := range md.Attributes {
		if !strings.EqualFold(a.Key, attrCrypto) {
			continue
		}
		c, err := parseCrypto(a.Value)
		if err == nil {
			local, ok := l.keyFor(c.suite)
			if ok {
				return SRTP{Tag: c.tag, Suite: c.suite, LocalKey: local, RemoteKey: c.key}, nil
			}
			err = fmt.Errorf("crypto suite %s not supported", c.suite)
		}
		if len(why) < 4 {
			why = append(why, err.Error())
		}
	}
	if !isSAVP(md) && l.Encryption != EncryptionMandatory {
		return SRTP{}, nil // best effort: plain RTP
	}
	switch {
	case len(why) > 0:
		return SRTP{}, fmt.Errorf("%w: %s", ErrCrypto, strings.Join(why, "; "))
	case isSAVP(md):
		return SRTP{}, fmt.Errorf("%w: RTP/SAVP offered without a=crypto (DTLS-SRTP is not supported)", ErrCrypto)
	}
	return SRTP{}, fmt.Errorf("%w: the peer offered plain RTP and media_encryption is mandatory", ErrCrypto)
}

// answeredCrypto reads the a=crypto line of the answer md to our offer
// made from l: it must name one of our tags with its suite.
func answeredCrypto(md *sdp.MediaDescription, l *LocalMedia) (SRTP, error) {
	if l.Encryption == EncryptionOff {
		return SRTP{}, nil
	}
	for _, a := range md.Attributes {
		if !strings.EqualFold(a.Key, attrCrypto) {
			continue
		}
		c, err := parseCrypto(a.Value)
		if err != nil {
			return SRTP{}, fmt.Errorf("%w: answer: %v", ErrCrypto, err)
		}
		if c.tag < 1 || c.tag > len(l.Keys) || l.Keys[c.tag-1].Suite != c.suite {
			return SRTP{}, fmt.Errorf("%w: answer: crypto tag %d with suite %s was not offered", ErrCrypto, c.tag, c.suite)
		}
		return SRTP{Tag: c.tag, Suite: c.suite, LocalKey: l.Keys[c.tag-1].Key, RemoteKey: c.key}, nil
	}
	if l.Encryption == EncryptionMandatory || isSAVP(md) {
		return SRTP{}, fmt.Errorf("%w: the answer has no a=crypto line and media_encryption is mandatory", ErrCrypto)
	}
	return SRTP{}, nil
}

// parseCrypto parses the value of an a=crypto attribute: "<tag> <suite>
// inline:<key||salt>[|<lifetime>]". Lines with several keys, an MKI or
// session parameters are refused: libvoip supports none of them. Errors
// never quote the key.
func parseCrypto(v string) (cryptoLine, error) {
	f := strings.Fields(v)
	if len(f) < 3 {
		return cryptoLine{}, errors.New("a=crypto line needs a tag, a suite and a key")
	}
	tag, err := strconv.Atoi(f[0])
	if err != nil || tag < 0 || tag > maxCryptoTag {
		return cryptoLine{}, fmt.Errorf("a=crypto tag %.12q is not a number", f[0])
	}
	c := cryptoLine{tag: tag, suite: f[1]}
	want := SuiteKeyLen(c.suite)
	switch {
	case want == 0:
		return c, fmt.Errorf("crypto suite %.40q not supported", c.suite)
	case len(f) > 3:
		return c, fmt.Errorf("crypto tag %d: session parameters not supported", tag)
	case strings.Contains(f[2], ";"):
		return c, fmt.Errorf("crypto tag %d: several keys not supported", tag)
	case !strings.HasPrefix(f[2], keyMethodInline):
		return c, fmt.Errorf("crypto tag %d: key method is not inline", tag)
	}
	parts := strings.Split(f[2][len(keyMethodInline):], "|")
	if len(parts) > 2 || (len(parts) == 2 && strings.Contains(parts[1], ":")) {
		return c, fmt.Errorf("crypto tag %d: MKI not supported", tag)
	}
	key, err := decodeKey(parts[0])
	if err != nil || len(key) != want {
		return c, fmt.Errorf("crypto tag %d: key is not %d bytes of base64", tag, want)
	}
	c.key = NewMasterKey(key)
	return c, nil
}

// decodeKey decodes a base64 key with or without padding.
func decodeKey(s string) ([]byte, error) {
	if k, err := base64.StdEncoding.DecodeString(s); err == nil {
		return k, nil
	}
	return base64.RawStdEncoding.DecodeString(s)
}

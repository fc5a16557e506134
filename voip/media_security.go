package voip

// Media security: the media_encryption option, our SDES keys for each
// call, and the SRTP keys agreed in each offer/answer exchange applied to
// the call's stream (rtp.SRTP behind the stream's Protector seam). A key
// never reaches a log or an error: sip.MasterKey prints as "[redacted]".

import (
	"errors"
	"fmt"

	"github.com/libvoip/libvoip/rtp"
	"github.com/libvoip/libvoip/sip"
)

// Values of the "media_encryption" call fact.
const (
	encryptionNone = "none" // plain RTP
	encryptionSDES = "sdes" // SRTP keyed by a=crypto (RFC 4568)
)

func parseMediaEncryption(c *Config, v string) error {
	m, err := sip.ParseMediaEncryption(v)
	if err != nil {
		return errBadValue(`want "off", "optional" or "mandatory"`)
	}
	c.MediaEncryption = m
	return nil
}

// srtpKeys is a fresh key for each supported suite, nil when
// media_encryption is off. A call keeps its keys for its lifetime: a
// re-offer repeats them, and its description changes only when something
// else does (RFC 3264 §8).
func srtpKeys(cfg *Config) ([]sip.SRTPKey, error) {
	if cfg.MediaEncryption == sip.EncryptionOff {
		return nil, nil
	}
	keys, err := sip.NewSRTPKeys(sip.Suites)
	if err != nil {
		return nil, fmt.Errorf("SRTP keys: %w", err)
	}
	return keys, nil
}

// protectorLocked keys the call's SRTP for neg and returns the stream's
// Protector: nil for plain RTP. A direction whose key did not change keeps
// its state (rtp.SRTP.Rekey), so a re-INVITE that changes the peer's key
// restarts only what we receive. c.mu is held.
func (c *Call) protectorLocked(neg sip.Negotiated) rtp.Protector {
	if neg.DTLS.Enabled() {
		return c.dtlsProtectorLocked(neg) // media_dtls.go
	}
	c.closeDTLSLocked()
	if !neg.SRTP.Enabled() {
		c.srtp = nil
		return nil
	}
	p, err := c.srtp.Rekey(rtp.SRTPConfig{Suite: neg.SRTP.Suite,
		LocalKey: neg.SRTP.LocalKey.Bytes(), RemoteKey: neg.SRTP.RemoteKey.Bytes()})
	if err != nil {
		// sip checked the suite and the key lengths: not reached. Never
		// fall back to clear media.
		c.phone.log.Error("SRTP not keyed; media dropped", "call_id", c.callID, "suite", neg.SRTP.Suite, "error", err)
		c.srtp = nil
		return refuseAll{}
	}
	c.srtp = p
	return p
}

// securityInfoLocked answers the call facts of media security:
// "media_encryption" (none, sdes) and "srtp" (suite and drop counters as
// JSON). ok is false for other keys. c.mu is held.
func (c *Call) securityInfoLocked(key string) (string, bool) {
	switch key {
	case "media_encryption":
		if c.neg.DTLS.Enabled() {
			return encryptionDTLS, true
		}
		if c.neg.SRTP.Enabled() {
			return encryptionSDES, true
		}
		return encryptionNone, true
	case "srtp":
		var st rtp.SRTPStats
		if c.stream != nil {
			st = c.stream.SRTPStats()
		}
		suite := ""
		if c.neg.SRTP.Enabled() {
			suite = c.neg.SRTP.Suite
		} else if c.neg.DTLS.Enabled() {
			suite = c.dtlsSuiteNow() // "" until the handshake keyed it
		}
		return fmt.Sprintf(`{"suite":%q,"replayed":%d,"auth_failed":%d}`, suite, st.Replayed, st.AuthFailed), true
	}
	return "", false
}

// errNotKeyed is what refuseAll answers.
var errNotKeyed = errors.New("voip: SRTP not keyed")

// refuseAll is the Protector of a stream whose SRTP could not be keyed:
// nothing goes out in clear and nothing comes in.
type refuseAll struct{}

func (refuseAll) ProtectRTP([]byte) ([]byte, error)    { return nil, errNotKeyed }
func (refuseAll) UnprotectRTP([]byte) ([]byte, error)  { return nil, errNotKeyed }
func (refuseAll) ProtectRTCP([]byte) ([]byte, error)   { return nil, errNotKeyed }
func (refuseAll) UnprotectRTCP([]byte) ([]byte, error) { return nil, errNotKeyed }

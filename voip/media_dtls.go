package voip

// DTLS-SRTP (RFC 5763/5764) for calls: the phone's self-signed
// certificate, the media_keying option, and a DTLS session (rtp.DTLS) per
// agreed association, whose handshake keys the stream's SRTP. A
// certificate that does not match the peer's a=fingerprint ends the call
// with ReasonDTLSFingerprint.

import (
	"crypto/tls"
	"errors"
	"sync"

	"github.com/libvoip/libvoip/rtp"
	"github.com/libvoip/libvoip/sip"
)

// End reasons of a call whose DTLS-SRTP handshake failed.
const (
	// ReasonDTLSFingerprint ends a call whose peer presented a DTLS
	// certificate other than the one its a=fingerprint names.
	ReasonDTLSFingerprint = "DTLS fingerprint mismatch"
	// ReasonDTLSFailed ends a call whose DTLS handshake failed or timed
	// out (15 s): no SRTP keys, so no media.
	ReasonDTLSFailed = "DTLS-SRTP handshake failed"
)

// encryptionDTLS is the "media_encryption" call fact of DTLS-SRTP.
const encryptionDTLS = "dtls"

func parseMediaKeying(c *Config, v string) error {
	k, err := sip.ParseKeying(v)
	if err != nil {
		return errBadValue(`want "sdes" or "dtls"`)
	}
	c.MediaKeying = k
	return nil
}

// dtlsIdentity is the phone's DTLS certificate, made once when the phone
// first starts (ECDSA P-256, self-signed: RFC 5763 §5).
type dtlsIdentity struct {
	once sync.Once
	cert tls.Certificate
	fp   sip.Fingerprint
	err  error
}

// init makes the certificate the first time.
func (d *dtlsIdentity) init() error {
	d.once.Do(func() {
		d.cert, d.err = rtp.NewDTLSCertificate()
		if d.err == nil {
			d.fp = sip.NewFingerprint(d.cert.Certificate[0])
		}
	})
	return d.err
}

// fingerprint is the certificate's a=fingerprint; zero before init or
// when media_encryption is off.
func (d *dtlsIdentity) fingerprint(cfg *Config) sip.Fingerprint {
	if cfg.MediaEncryption == sip.EncryptionOff || d.init() != nil {
		return sip.Fingerprint{}
	}
	return d.fp
}

// dtlsProtectorLocked returns the DTLS session keying the stream for neg:
// the running one when the peer's fingerprint and the roles did not
// change (a re-INVITE keeps the association, RFC 5763 §5), else a new
// one. c.mu is held.
func (c *Call) dtlsProtectorLocked(neg sip.Negotiated) rtp.Protector {
	c.srtp = nil
	if c.dtls != nil && c.dtlsNeg == neg.DTLS {
		return c.dtls
	}
	c.closeDTLSLocked()
	peer := neg.DTLS.Peer
	d, err := rtp.StartDTLS(rtp.DTLSConfig{
		Conn:        c.conn,
		Remote:      neg.Remote,
		Certificate: c.phone.dtls.cert,
		Client:      neg.DTLS.Client,
		VerifyPeer: func(der []byte) error {
			if !peer.Matches(der) {
				// Recorded before pion alerts the peer, whose BYE may
				// then come before our own ending (no lock here: Close
				// waits for this goroutine under c.mu).
				reason := ReasonDTLSFingerprint
				c.dtlsFailure.CompareAndSwap(nil, &reason)
				return rtp.ErrFingerprint
			}
			return nil
		},
		OnDone: c.onDTLSDone,
	})
	if err != nil {
		c.phone.log.Error("DTLS-SRTP not started; media dropped", "call_id", c.callID, "error", err)
		return refuseAll{}
	}
	c.dtls, c.dtlsNeg = d, neg.DTLS
	c.local.Setup = "passive"
	if neg.DTLS.Client {
		c.local.Setup = "active"
	}
	return d
}

// closeDTLSLocked ends the call's DTLS session, if any. c.mu is held; the
// session's OnDone takes no lock, so waiting for it is safe.
func (c *Call) closeDTLSLocked() {
	if c.dtls != nil {
		c.dtls.Close()
		c.dtls, c.dtlsNeg = nil, sip.DTLS{}
	}
}

// closeDTLS ends the call's DTLS session as the call ends.
func (c *Call) closeDTLS() {
	c.mu.Lock()
	d := c.dtls
	c.mu.Unlock()
	if d != nil {
		d.Close()
	}
}

// onDTLSDone is the session's report, from its goroutine: the suite the
// handshake keyed, or why it failed, which hangs the call up.
func (c *Call) onDTLSDone(suite string, err error) {
	if err == nil {
		c.phone.log.Info("DTLS-SRTP keyed", "call_id", c.callID, "suite", suite)
		c.dtlsSuite.Store(&suite)
		return
	}
	reason := ReasonDTLSFailed
	if errors.Is(err, rtp.ErrFingerprint) {
		reason = ReasonDTLSFingerprint
	}
	c.dtlsFailure.CompareAndSwap(nil, &reason)
	c.phone.log.Warn("DTLS-SRTP failed; hanging up", "call_id", c.callID, "error", err)
	go c.endDTLS(reason)
}

// endDTLS hangs up a call whose DTLS-SRTP failed: BYE when answered.
func (c *Call) endDTLS(reason string) {
	answered := c.State() == Answered
	if c.end(reason, 0) && answered {
		c.sendBye()
	}
}

// dtlsSuiteNow is the "srtp" fact's suite for DTLS-SRTP: "" until the
// handshake keyed it.
func (c *Call) dtlsSuiteNow() string {
	if s := c.dtlsSuite.Load(); s != nil {
		return *s
	}
	return ""
}

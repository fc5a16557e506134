package voip

import (
	"testing"
	"time"

	"github.com/libvoip/libvoip/sip"
)

// waitSuite waits until a call's "srtp" fact names the suite its
// DTLS handshake keyed.
func waitSuite(t *testing.T, c *Call, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for s := callSRTP(t, c); s.Suite != want; s = callSRTP(t, c) {
		if time.Now().After(deadline) {
			t.Fatalf("srtp %+v, want suite %q", s, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestDTLSSRTPCalls: DTLS-SRTP between two phones, whichever side offers
// it; an SDES offer to a DTLS phone is still SDES, and a DTLS offer to a
// phone without SRTP is refused with 488.
func TestDTLSSRTPCalls(t *testing.T) {
	dtlsMandatory := map[string]string{"media_encryption": "mandatory", "media_keying": "dtls"}
	tests := []struct {
		name           string
		caller, callee map[string]string
		want           string // media_encryption of both ends; "" = refused with 488
	}{
		{"dtls to sdes optional", dtlsMandatory, map[string]string{"media_encryption": "optional"}, "dtls"},
		{"dtls optional to dtls", map[string]string{"media_encryption": "optional", "media_keying": "dtls"}, dtlsMandatory, "dtls"},
		{"sdes to dtls", map[string]string{"media_encryption": "mandatory"}, dtlsMandatory, "sdes"},
		{"dtls to off", dtlsMandatory, map[string]string{"media_encryption": "off"}, ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rtpLow := 40000 + 100*i
			inB := newIncoming()
			b := testPhoneWith(t, rtpLow, tt.callee, inB.handler(true))
			a := testPhoneWith(t, rtpLow+50, tt.caller, Handler{})
			ca, err := a.Call(uriOf(t, b))
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" {
				waitState(t, ca, Ended, 5*time.Second)
				if reason, code := ca.EndReason(); code != 488 {
					t.Fatalf("ended %q %d, want 488", reason, code)
				}
				return
			}
			waitState(t, ca, Answered, 5*time.Second)
			cb := inB.next(t)
			waitState(t, cb, Answered, 5*time.Second)
			wantSuite := "AEAD_AES_128_GCM" // pion/dtls prefers it, and so do we
			if tt.want == "sdes" {
				wantSuite = sip.SuiteAESCM128HMACSHA180
			}
			for _, c := range []*Call{ca, cb} {
				if got := info(t, c, "media_encryption"); got != tt.want {
					t.Fatalf("media_encryption %q, want %q", got, tt.want)
				}
				waitSuite(t, c, wantSuite)
			}
			exchangeTones(t, ca, cb)
		})
	}
}

// TestDTLSKeptOnReinvite: hold and resume re-offer with the roles of the
// running association, which keeps its keys: audio flows after.
func TestDTLSKeptOnReinvite(t *testing.T) {
	opts := map[string]string{"media_encryption": "mandatory", "media_keying": "dtls"}
	inB := newIncoming()
	b := testPhoneWith(t, 40400, opts, inB.handler(true))
	a := testPhoneWith(t, 40450, opts, Handler{})
	ca, err := a.Call(uriOf(t, b))
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, ca, Answered, 5*time.Second)
	cb := inB.next(t)
	waitState(t, cb, Answered, 5*time.Second)
	waitSuite(t, ca, "AEAD_AES_128_GCM")
	ca.mu.Lock()
	before := ca.dtls
	ca.mu.Unlock()
	if err := ca.Hold(); err != nil {
		t.Fatal(err)
	}
	if err := ca.Resume(); err != nil {
		t.Fatal(err)
	}
	ca.mu.Lock()
	after := ca.dtls
	ca.mu.Unlock()
	if before != after {
		t.Fatal("a re-INVITE with the same fingerprint started a new DTLS handshake")
	}
	exchangeTones(t, ca, cb)
}

// TestDTLSFingerprintMismatch: the callee's answer names a fingerprint
// that is not its certificate's; the caller refuses the handshake and
// ends the call with ReasonDTLSFingerprint, and no audio was keyed.
func TestDTLSFingerprintMismatch(t *testing.T) {
	opts := map[string]string{"media_encryption": "mandatory", "media_keying": "dtls"}
	inB := newIncoming()
	b := newTestPhone(t, 40500, opts, inB.handler(true))
	if err := b.dtls.init(); err != nil {
		t.Fatal(err)
	}
	b.dtls.fp = sip.NewFingerprint([]byte("not the certificate b presents"))
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	a := testPhoneWith(t, 40550, opts, Handler{})
	ca, err := a.Call(uriOf(t, b))
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, ca, Ended, 10*time.Second)
	if reason, _ := ca.EndReason(); reason != ReasonDTLSFingerprint {
		t.Fatalf("caller ended %q, want %q", reason, ReasonDTLSFingerprint)
	}
	cb := inB.next(t)
	waitState(t, cb, Ended, 10*time.Second)
	if s := callSRTP(t, ca); s.Suite != "" {
		t.Fatalf("caller keyed %q with a refused peer", s.Suite)
	}
}

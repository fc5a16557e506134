package voip

import (
	"net/netip"
	"sync"
	"testing"
	"time"
)

// TestDTLSSRTPOnTheWire captures the caller's audio on loopback during a
// DTLS-SRTP call: no packet carries the 440 Hz tone in clear (the plain
// control is TestSRTPOnTheWire's), each has AEAD_AES_128_GCM's 16-byte
// tag, and the DTLS handshake happened on the RTP port itself.
func TestDTLSSRTPOnTheWire(t *testing.T) {
	opts := map[string]string{"media_encryption": "mandatory", "media_keying": "dtls"}
	inB := newIncoming()
	b := testPhoneWith(t, 40600, opts, inB.handler(true))
	a := testPhoneWith(t, 40650, opts, Handler{})
	ca, err := a.Call(uriOf(t, b))
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, ca, Answered, 5*time.Second)
	cb := inB.next(t)
	waitState(t, cb, Answered, 5*time.Second)
	waitSuite(t, cb, "AEAD_AES_128_GCM")
	dst := netip.MustParseAddrPort(info(t, cb, "local_rtp"))

	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = writeTone(ca, 440, 1500*time.Millisecond) }()
	pkts := loopCapture(t, dst.Port(), time.Second)
	wg.Wait()
	if len(pkts) < 30 {
		t.Fatalf("captured %d packets to %v", len(pkts), dst)
	}
	if tone := clearTone(pkts); tone > len(pkts)/10 {
		t.Fatalf("%d of %d DTLS-SRTP packets carry the tone in clear", tone, len(pkts))
	}
	for _, p := range pkts {
		if len(p) != 12+160+16 {
			t.Fatalf("SRTP packet of %d bytes, want 188 (GCM tag)", len(p))
		}
	}
	if s := callSRTP(t, cb); s.AuthFailed != 0 {
		t.Fatalf("callee dropped %d packets as forged", s.AuthFailed)
	}
}

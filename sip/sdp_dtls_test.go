package sip

import (
	"errors"
	"strings"
	"testing"
)

// dtlsLocal is cryptoLocal with DTLS keying and the fingerprint of cert.
func dtlsLocal(t *testing.T, m MediaEncryption, k Keying, cert string) LocalMedia {
	t.Helper()
	l := cryptoLocal(t, m)
	l.Keying = k
	l.Fingerprint = NewFingerprint([]byte(cert))
	return l
}

func TestOfferAnswerDTLS(t *testing.T) {
	offerer := dtlsLocal(t, EncryptionMandatory, KeyingDTLS, "offerer cert")
	offer, err := BuildOffer(offerer)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"m=audio 40000 UDP/TLS/RTP/SAVP 0 8 101", "a=setup:actpass\r\n",
		"a=fingerprint:" + offerer.Fingerprint.String() + "\r\n"} {
		if !strings.Contains(string(offer), want) {
			t.Fatalf("offer lacks %q:\n%s", want, offer)
		}
	}
	if strings.Contains(string(offer), "a=crypto") {
		t.Fatalf("DTLS offer carries SDES keys:\n%s", offer)
	}
	// An answerer whose own offers use SDES still answers DTLS.
	answerer := dtlsLocal(t, EncryptionOptional, KeyingSDES, "answerer cert")
	answer, n, err := Answer(offer, answerer)
	if err != nil {
		t.Fatal(err)
	}
	if !n.DTLS.Enabled() || !n.DTLS.Client || n.DTLS.Peer != offerer.Fingerprint || n.SRTP.Enabled() {
		t.Fatalf("answerer agreed %+v", n.DTLS)
	}
	for _, want := range []string{"UDP/TLS/RTP/SAVP", "a=setup:active\r\n", "a=fingerprint:" + answerer.Fingerprint.String()} {
		if !strings.Contains(string(answer), want) {
			t.Fatalf("answer lacks %q:\n%s", want, answer)
		}
	}
	got, err := ParseAnswer(answer, offerer)
	if err != nil {
		t.Fatal(err)
	}
	if !got.DTLS.Enabled() || got.DTLS.Client || got.DTLS.Peer != answerer.Fingerprint {
		t.Fatalf("offerer agreed %+v", got.DTLS)
	}
}

func TestAnswerDTLSOffers(t *testing.T) {
	fp := NewFingerprint([]byte("peer")).String()
	offer := func(proto, attrs string) []byte {
		return []byte("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
			"m=audio 4000 " + proto + " 0\r\n" + attrs)
	}
	tests := []struct {
		name       string
		enc        MediaEncryption
		offer      []byte
		wantClient bool
		wantErr    error
	}{
		{"actpass", EncryptionOptional, offer("UDP/TLS/RTP/SAVP", "a=fingerprint:"+fp+"\r\na=setup:actpass\r\n"), true, nil},
		{"active", EncryptionMandatory, offer("UDP/TLS/RTP/SAVP", "a=fingerprint:"+fp+"\r\na=setup:active\r\n"), false, nil},
		{"passive", EncryptionOptional, offer("UDP/TLS/RTP/SAVP", "a=fingerprint:"+fp+"\r\na=setup:passive\r\n"), true, nil},
		{"session-level fingerprint", EncryptionOptional,
			[]byte("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\na=fingerprint:" + fp +
				"\r\nm=audio 4000 UDP/TLS/RTP/SAVP 0\r\na=setup:actpass\r\n"), true, nil},
		{"baresip: SAVPF, session-level setup and SHA-256", EncryptionMandatory,
			[]byte("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\na=setup:actpass\r\na=fingerprint:" +
				strings.Replace(fp, "sha-256", "SHA-256", 1) + "\r\nm=audio 4000 UDP/TLS/RTP/SAVPF 0\r\na=rtcp-rsize\r\n"), true, nil},
		{"no fingerprint", EncryptionOptional, offer("UDP/TLS/RTP/SAVP", "a=setup:actpass\r\n"), false, ErrCrypto},
		{"bad fingerprint", EncryptionOptional, offer("UDP/TLS/RTP/SAVP", "a=fingerprint:sha-256 AB:CD\r\n"), false, ErrFingerprint},
		{"unknown hash", EncryptionOptional, offer("UDP/TLS/RTP/SAVP", "a=fingerprint:md5 AB:CD\r\n"), false, ErrFingerprint},
		{"bad setup", EncryptionOptional, offer("UDP/TLS/RTP/SAVP", "a=fingerprint:"+fp+"\r\na=setup:holdconn\r\n"), false, ErrCrypto},
		{"encryption off", EncryptionOff, offer("UDP/TLS/RTP/SAVP", "a=fingerprint:"+fp+"\r\na=setup:actpass\r\n"), false, ErrCrypto},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := dtlsLocal(t, tc.enc, KeyingSDES, "ours")
			if tc.enc == EncryptionOff {
				l.Keys = nil
			}
			_, n, err := Answer(tc.offer, l)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("error %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil || !n.DTLS.Enabled() || n.DTLS.Client != tc.wantClient {
				t.Fatalf("agreed %+v, error %v; want client %v", n.DTLS, err, tc.wantClient)
			}
		})
	}
}

func TestParseAnswerDTLSRefused(t *testing.T) {
	offerer := dtlsLocal(t, EncryptionOptional, KeyingDTLS, "offerer")
	offer, err := BuildOffer(offerer)
	if err != nil {
		t.Fatal(err)
	}
	plain := testLocalMedia()
	answer, _, err := Answer(offer, plain)
	if err == nil {
		t.Fatalf("a phone without SRTP answered a DTLS offer:\n%s", answer)
	}
	fp := NewFingerprint([]byte("x")).String()
	for _, tc := range []struct{ name, answer string }{
		{"plain", "m=audio 4000 RTP/AVP 0\r\n"},
		{"actpass", "m=audio 4000 UDP/TLS/RTP/SAVP 0\r\na=fingerprint:" + fp + "\r\na=setup:actpass\r\n"},
		{"no fingerprint", "m=audio 4000 UDP/TLS/RTP/SAVP 0\r\na=setup:active\r\n"},
	} {
		a := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" + tc.answer
		if _, err := ParseAnswer([]byte(a), offerer); !errors.Is(err, ErrCrypto) {
			t.Errorf("%s: error %v, want ErrCrypto", tc.name, err)
		}
	}
}

func TestFingerprint(t *testing.T) {
	f := NewFingerprint([]byte("cert"))
	p, err := parseFingerprint(strings.ToLower(strings.Replace(f.String(), "sha-256", "SHA-256", 1)))
	if err != nil || p != f {
		t.Fatalf("round trip: %v %v", p, err)
	}
	if !f.Matches([]byte("cert")) || f.Matches([]byte("other")) || (Fingerprint{}).Matches([]byte("cert")) {
		t.Fatal("Matches is wrong")
	}
	if len(strings.Split(f.String(), ":")) != 32 {
		t.Fatalf("not 32 colon-separated bytes: %s", f)
	}
	if k, err := ParseKeying("DTLS"); err != nil || k != KeyingDTLS {
		t.Fatal("ParseKeying dtls")
	}
	if _, err := ParseKeying("zrtp"); err == nil {
		t.Fatal("zrtp accepted")
	}
}

package sip

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// cryptoLocal is testLocalMedia with SRTP in mode m and fixed keys.
func cryptoLocal(t *testing.T, m MediaEncryption) LocalMedia {
	t.Helper()
	l := testLocalMedia()
	l.Encryption = m
	keys, err := NewSRTPKeys(Suites)
	if err != nil {
		t.Fatal(err)
	}
	l.Keys = keys
	return l
}

func b64(n int, fill byte) string {
	return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{fill}, n))
}

func TestOfferAnswerSRTP(t *testing.T) {
	tests := []struct {
		name           string
		offerer        MediaEncryption
		answerer       MediaEncryption
		wantSRTP       bool
		wantErr        error // from Answer
		wantOfferProto string
	}{
		{"optional to optional", EncryptionOptional, EncryptionOptional, true, nil, "RTP/AVP"},
		{"optional to off", EncryptionOptional, EncryptionOff, false, nil, "RTP/AVP"},
		{"optional to mandatory", EncryptionOptional, EncryptionMandatory, true, nil, "RTP/AVP"},
		{"mandatory to optional", EncryptionMandatory, EncryptionOptional, true, nil, "RTP/SAVP"},
		{"mandatory to mandatory", EncryptionMandatory, EncryptionMandatory, true, nil, "RTP/SAVP"},
		{"mandatory to off", EncryptionMandatory, EncryptionOff, false, ErrCrypto, "RTP/SAVP"},
		{"off to mandatory", EncryptionOff, EncryptionMandatory, false, ErrCrypto, "RTP/AVP"},
		{"off to optional", EncryptionOff, EncryptionOptional, false, nil, "RTP/AVP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			caller, callee := cryptoLocal(t, tt.offerer), cryptoLocal(t, tt.answerer)
			offer, err := BuildOffer(caller)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(offer), "m=audio 40000 "+tt.wantOfferProto+" ") {
				t.Fatalf("offer has not %s:\n%s", tt.wantOfferProto, offer)
			}
			if got := strings.Count(string(offer), "a=crypto:"); (tt.offerer == EncryptionOff) != (got == 0) {
				t.Fatalf("offer has %d crypto lines:\n%s", got, offer)
			}
			answer, an, err := Answer(offer, callee)
			if !errors.Is(err, tt.wantErr) || (err != nil) != (tt.wantErr != nil) {
				t.Fatalf("Answer error = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			on, err := ParseAnswer(answer, caller)
			if err != nil {
				t.Fatalf("ParseAnswer: %v\n%s", err, answer)
			}
			if an.SRTP.Enabled() != tt.wantSRTP || on.SRTP.Enabled() != tt.wantSRTP {
				t.Fatalf("SRTP answerer %v offerer %v, want %v", an.SRTP, on.SRTP, tt.wantSRTP)
			}
			if !tt.wantSRTP {
				return
			}
			// The offerer's first suite wins; each side's local key is
			// the other's remote key.
			if on.SRTP.Suite != Suites[0] || an.SRTP.Suite != Suites[0] || on.SRTP.Tag != 1 {
				t.Fatalf("suites %q/%q tag %d", on.SRTP.Suite, an.SRTP.Suite, on.SRTP.Tag)
			}
			if on.SRTP.LocalKey != an.SRTP.RemoteKey || on.SRTP.RemoteKey != an.SRTP.LocalKey ||
				on.SRTP.LocalKey == on.SRTP.RemoteKey {
				t.Fatal("keys do not pair up")
			}
			if strings.Count(string(answer), "a=crypto:") != 1 {
				t.Fatalf("answer must carry one crypto line:\n%s", answer)
			}
		})
	}
}

func TestAnswerCryptoLines(t *testing.T) {
	key30, key28 := b64(30, 7), b64(28, 9)
	tests := []struct {
		name      string
		mode      MediaEncryption
		media     []string
		wantSuite string
		wantTag   int
		wantErr   error
		wantText  string // in the error
	}{
		{"first supported wins", EncryptionOptional, []string{"m=audio 5004 RTP/SAVP 0",
			"a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:" + b64(46, 1),
			"a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:" + key30,
			"a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:" + key30}, SuiteAESCM128HMACSHA132, 2, nil, ""},
		{"GCM", EncryptionMandatory, []string{"m=audio 5004 RTP/SAVP 0",
			"a=crypto:5 AEAD_AES_128_GCM inline:" + key28}, SuiteAEADAES128GCM, 5, nil, ""},
		{"lifetime accepted", EncryptionMandatory, []string{"m=audio 5004 RTP/SAVP 0",
			"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "|2^31"}, SuiteAESCM128HMACSHA180, 1, nil, ""},
		{"unpadded base64", EncryptionMandatory, []string{"m=audio 5004 RTP/SAVP 0",
			"a=crypto:1 AEAD_AES_128_GCM inline:" + strings.TrimRight(key28, "=")}, SuiteAEADAES128GCM, 1, nil, ""},
		{"short key", EncryptionMandatory, []string{"m=audio 5004 RTP/SAVP 0",
			"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + b64(20, 1)}, "", 0, ErrCrypto, "key is not 30 bytes"},
		{"bad base64", EncryptionMandatory, []string{"m=audio 5004 RTP/SAVP 0",
			"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:!!!notbase64!!!"}, "", 0, ErrCrypto, "key is not 30 bytes"},
		{"MKI refused", EncryptionMandatory, []string{"m=audio 5004 RTP/SAVP 0",
			"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "|2^20|1:4"}, "", 0, ErrCrypto, "MKI not supported"},
		{"session parameter refused", EncryptionMandatory, []string{"m=audio 5004 RTP/SAVP 0",
			"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + " UNENCRYPTED_SRTP"}, "", 0, ErrCrypto, "session parameters"},
		{"unknown suite", EncryptionOptional, []string{"m=audio 5004 RTP/SAVP 0",
			"a=crypto:1 F8_128_HMAC_SHA1_80 inline:" + key30}, "", 0, ErrCrypto, "F8_128_HMAC_SHA1_80"},
		{"missing key", EncryptionOptional, []string{"m=audio 5004 RTP/SAVP 0",
			"a=crypto:1 AES_CM_128_HMAC_SHA1_80"}, "", 0, ErrCrypto, "needs a tag"},
		{"SAVP without crypto", EncryptionOptional, []string{"m=audio 5004 RTP/SAVP 0"}, "", 0, ErrCrypto, "without a=crypto"},
		{"plain offer to mandatory", EncryptionMandatory, []string{"m=audio 5004 RTP/AVP 0"}, "", 0, ErrCrypto, "mandatory"},
		{"bad crypto in best effort: plain", EncryptionOptional, []string{"m=audio 5004 RTP/AVP 0",
			"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:short"}, "", 0, nil, ""},
		{"SAVP to off", EncryptionOff, []string{"m=audio 5004 RTP/SAVP 0",
			"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + key30}, "", 0, ErrNoAudio, "media_encryption is off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := cryptoLocal(t, tt.mode)
			answer, n, err := Answer([]byte(sdpWithHeader(tt.media...)), l)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !errors.Is(err, ErrCrypto) || !strings.Contains(err.Error(), tt.wantText) {
					t.Fatalf("error = %v, want %v with %q", err, tt.wantErr, tt.wantText)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n.SRTP.Suite != tt.wantSuite || n.SRTP.Tag != tt.wantTag {
				t.Fatalf("agreed %q tag %d, want %q tag %d", n.SRTP.Suite, n.SRTP.Tag, tt.wantSuite, tt.wantTag)
			}
			want := "a=crypto:" + fmt.Sprint(tt.wantTag) + " " + tt.wantSuite + " inline:"
			if tt.wantSuite != "" && !strings.Contains(string(answer), want) {
				t.Fatalf("answer lacks %q:\n%s", want, answer)
			}
			if tt.wantSuite != "" && n.SRTP.LocalKey.Len() != SuiteKeyLen(tt.wantSuite) {
				t.Fatalf("local key of %d bytes", n.SRTP.LocalKey.Len())
			}
		})
	}
}

func TestParseAnswerCrypto(t *testing.T) {
	key30 := b64(30, 3)
	tests := []struct {
		name    string
		mode    MediaEncryption
		media   []string
		wantErr bool
		want    string
	}{
		{"tag and suite match", EncryptionMandatory, []string{"m=audio 6000 RTP/SAVP 0",
			"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + key30}, false, SuiteAESCM128HMACSHA180},
		{"third suite", EncryptionOptional, []string{"m=audio 6000 RTP/AVP 0",
			"a=crypto:3 AES_CM_128_HMAC_SHA1_32 inline:" + key30}, false, SuiteAESCM128HMACSHA132},
		{"suite of another tag", EncryptionMandatory, []string{"m=audio 6000 RTP/SAVP 0",
			"a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:" + key30}, true, "was not offered"},
		{"unknown tag", EncryptionMandatory, []string{"m=audio 6000 RTP/SAVP 0",
			"a=crypto:9 AES_CM_128_HMAC_SHA1_80 inline:" + key30}, true, "was not offered"},
		{"no crypto, mandatory", EncryptionMandatory, []string{"m=audio 6000 RTP/AVP 0"}, true, "no a=crypto"},
		{"no crypto, optional", EncryptionOptional, []string{"m=audio 6000 RTP/AVP 0"}, false, ""},
		{"bad key", EncryptionOptional, []string{"m=audio 6000 RTP/AVP 0",
			"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + b64(29, 1)}, true, "key is not 30 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := ParseAnswer([]byte(sdpWithHeader(tt.media...)), cryptoLocal(t, tt.mode))
			if tt.wantErr {
				if !errors.Is(err, ErrCrypto) || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("error = %v, want ErrCrypto with %q", err, tt.want)
				}
				return
			}
			if err != nil || n.SRTP.Suite != tt.want {
				t.Fatalf("SRTP %q, error %v; want %q", n.SRTP.Suite, err, tt.want)
			}
		})
	}
}

// TestKeysNeverPrinted checks that keys stay out of fmt output and errors.
func TestKeysNeverPrinted(t *testing.T) {
	raw := bytes.Repeat([]byte{0xab}, 30)
	k := NewMasterKey(raw)
	s := SRTP{Tag: 1, Suite: SuiteAESCM128HMACSHA180, LocalKey: k, RemoteKey: k}
	enc := base64.StdEncoding.EncodeToString(raw)
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%+v", s), fmt.Sprintf("%#v", s), fmt.Sprintf("%v", Negotiated{SRTP: s})} {
		if strings.Contains(out, enc) || strings.Contains(out, "171") || strings.Contains(strings.ToLower(out), "abab") {
			t.Fatalf("key printed: %s", out)
		}
	}
	if !bytes.Equal(k.Bytes(), raw) {
		t.Fatal("Bytes lost the key")
	}
	_, _, err := Answer([]byte(sdpWithHeader("m=audio 5004 RTP/SAVP 0",
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"+b64(29, 0xab))), cryptoLocal(t, EncryptionMandatory))
	if err == nil || strings.Contains(err.Error(), b64(29, 0xab)) {
		t.Fatalf("error quotes the key or is nil: %v", err)
	}
}

func TestParseMediaEncryption(t *testing.T) {
	for _, s := range []string{"off", "optional", "mandatory", "MANDATORY"} {
		m, err := ParseMediaEncryption(s)
		if err != nil || !strings.EqualFold(m.String(), s) {
			t.Fatalf("%q: %v %v", s, m, err)
		}
	}
	if _, err := ParseMediaEncryption("yes"); err == nil {
		t.Fatal("yes accepted")
	}
}

// FuzzParseCrypto: any a=crypto value parses or fails without a panic, a
// parsed key has its suite's length, and an error never quotes the key
// material of the line.
func FuzzParseCrypto(f *testing.F) {
	for _, s := range []string{
		"1 AES_CM_128_HMAC_SHA1_80 inline:" + b64(30, 1),
		"2 AEAD_AES_128_GCM inline:" + b64(28, 2) + "|2^31",
		"3 AES_CM_128_HMAC_SHA1_32 inline:" + b64(30, 3) + "|2^20|1:4",
		"4 AES_CM_128_HMAC_SHA1_80 inline:" + b64(30, 4) + " KDR=1",
		"x AES_CM_128_HMAC_SHA1_80 inline:", "", "1", "1 F8_128_HMAC_SHA1_80 inline:abc;inline:def",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		c, err := parseCrypto(v)
		if err != nil {
			if f := strings.Fields(v); len(f) > 2 && len(f[2]) > 24 && strings.Contains(err.Error(), f[2]) {
				t.Fatalf("error quotes the key: %v", err)
			}
			return
		}
		if c.key.Len() != SuiteKeyLen(c.suite) || c.key.Len() == 0 {
			t.Fatalf("suite %q with a key of %d bytes", c.suite, c.key.Len())
		}
	})
}

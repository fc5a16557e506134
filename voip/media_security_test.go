package voip

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/libvoip/libvoip/sip"
)

// srtpInfo is a call's "srtp" fact.
type srtpInfo struct {
	Suite      string `json:"suite"`
	Replayed   uint64 `json:"replayed"`
	AuthFailed uint64 `json:"auth_failed"`
}

func callSRTP(t *testing.T, c *Call) srtpInfo {
	t.Helper()
	s, err := c.Info("srtp")
	if err != nil {
		t.Fatal(err)
	}
	var v srtpInfo
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("srtp %q: %v", s, err)
	}
	return v
}

func info(t *testing.T, c *Call, key string) string {
	t.Helper()
	v, err := c.Info(key)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestMediaEncryptionModes: every pair of modes either agrees (SRTP or
// plain, audio both ways) or fails with 488 on both sides, never a silent
// or a clear call where SRTP is mandatory.
func TestMediaEncryptionModes(t *testing.T) {
	tests := []struct {
		caller, callee string
		want           string // media_encryption of both ends; "" = refused with 488
		audio          bool
	}{
		{"mandatory", "mandatory", "sdes", true},
		{"optional", "optional", "sdes", false},
		{"optional", "mandatory", "sdes", true},
		{"mandatory", "optional", "sdes", false},
		{"optional", "off", "none", true},
		{"off", "optional", "none", false},
		{"mandatory", "off", "", false},
		{"off", "mandatory", "", false},
	}
	for i, tt := range tests {
		t.Run(tt.caller+" to "+tt.callee, func(t *testing.T) {
			rtpLow := 38000 + 100*i
			inB := newIncoming()
			b := testPhoneWith(t, rtpLow, map[string]string{"media_encryption": tt.callee}, inB.handler(true))
			a := testPhoneWith(t, rtpLow+50, map[string]string{"media_encryption": tt.caller}, Handler{})
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
			for _, c := range []*Call{ca, cb} {
				if got := info(t, c, "media_encryption"); got != tt.want {
					t.Fatalf("media_encryption %q, want %q", got, tt.want)
				}
				wantSuite := ""
				if tt.want == "sdes" {
					wantSuite = sip.SuiteAESCM128HMACSHA180
				}
				if s := callSRTP(t, c); s.Suite != wantSuite {
					t.Fatalf("srtp %+v, want suite %q", s, wantSuite)
				}
			}
			if tt.audio {
				exchangeTones(t, ca, cb)
			}
		})
	}
}

// TestSRTPKeyChangeOnReinvite: the caller takes new keys and sends a
// re-INVITE (hold, then resume); the callee takes the new key, the caller
// its answer, and audio still flows both ways, encrypted.
func TestSRTPKeyChangeOnReinvite(t *testing.T) {
	opts := map[string]string{"media_encryption": "mandatory"}
	inB := newIncoming()
	b := testPhoneWith(t, 38800, opts, inB.handler(true))
	a := testPhoneWith(t, 38850, opts, Handler{})
	ca, err := a.Call(uriOf(t, b))
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, ca, Answered, 5*time.Second)
	cb := inB.next(t)
	waitState(t, cb, Answered, 5*time.Second)
	before := info(t, cb, "remote_sdp")

	keys, err := sip.NewSRTPKeys(sip.Suites)
	if err != nil {
		t.Fatal(err)
	}
	ca.mu.Lock()
	ca.local.Keys = keys
	ca.mu.Unlock()
	if err := ca.Hold(); err != nil {
		t.Fatal(err)
	}
	if err := ca.Resume(); err != nil {
		t.Fatal(err)
	}
	after := info(t, cb, "remote_sdp")
	if cryptoLine(before) == cryptoLine(after) || cryptoLine(after) == "" {
		t.Fatalf("the re-INVITE did not carry the new key:\n%s", after)
	}
	exchangeTones(t, ca, cb)
	if s := callSRTP(t, cb); s.AuthFailed > 2 {
		t.Errorf("callee dropped %d packets as forged after the key change", s.AuthFailed)
	}
}

// cryptoLine is the first a=crypto line of an SDP body.
func cryptoLine(sdp string) string {
	for _, l := range strings.Split(sdp, "\r\n") {
		if strings.HasPrefix(l, "a=crypto:") {
			return l
		}
	}
	return ""
}

func TestMediaEncryptionOption(t *testing.T) {
	c := DefaultConfig()
	if c.MediaEncryption != sip.EncryptionOff {
		t.Fatal("default is not off")
	}
	for _, v := range []string{"off", "optional", "mandatory"} {
		if err := c.Set("media_encryption", v); err != nil {
			t.Fatal(err)
		}
		if got, _ := c.Get("media_encryption"); got != v {
			t.Fatalf("Get = %q after Set %q", got, v)
		}
	}
	if err := c.Set("media_encryption", "sdes"); err == nil {
		t.Fatal("a bad value accepted")
	}
}

// TestSRTPOffersFromOutside: a mandatory phone answers offers written by
// hand: a good a=crypto line gets 200 with our a=crypto of the same tag and
// suite; a bad key, an unknown suite, an MKI or no crypto at all get 488.
func TestSRTPOffersFromOutside(t *testing.T) {
	in := newIncoming()
	p := testPhoneWith(t, 39400, map[string]string{"media_encryption": "mandatory"}, in.handler(true))
	r := newRawCaller(t, p)
	key := strings.Repeat("QUJD", 10) // 30 bytes of base64
	tests := []struct {
		name, crypto string
		want         int
	}{
		{"good", "a=crypto:7 AES_CM_128_HMAC_SHA1_32 inline:" + key, 200},
		{"short key", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:QUJD", 488},
		{"unknown suite", "a=crypto:1 F8_128_HMAC_SHA1_80 inline:" + key, 488},
		{"MKI", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + key + "|2^20|1:4", 488},
		{"no crypto", "a=ptime:20", 488},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			callID := "srtp-raw-" + strings.ReplaceAll(tt.name, " ", "-")
			r.invite(callID, "sendrecv\r\n"+tt.crypto)
			res := r.final(callID)
			if res == nil || res.StatusCode != tt.want {
				t.Fatalf("offer %d (%s): got %v, want %d", i, tt.name, res, tt.want)
			}
			if tt.want != 200 {
				return
			}
			r.ack(res)
			if body := string(res.Body()); !strings.Contains(body, "a=crypto:7 AES_CM_128_HMAC_SHA1_32 inline:") {
				t.Fatalf("answer lacks our crypto line:\n%s", body)
			}
			c := in.next(t)
			waitState(t, c, Answered, 5*time.Second)
			if got := info(t, c, "media_encryption"); got != "sdes" {
				t.Fatalf("media_encryption %q", got)
			}
			if err := c.Hangup(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

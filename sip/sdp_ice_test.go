package sip

import (
	"errors"
	"strings"
	"testing"
)

func TestAddAndParseICE(t *testing.T) {
	offer, err := BuildOffer(testLocalMedia())
	if err != nil {
		t.Fatal(err)
	}
	d := ICEDescription{Ufrag: "abcd", Pwd: "0123456789abcdefghijkl", Candidates: []string{
		"1 1 udp 2130706431 192.0.2.10 40000 typ host",
		"2 1 udp 1694498815 198.51.100.7 40000 typ srflx raddr 192.0.2.10 rport 40000",
	}}
	withICE, err := AddICE(offer, d)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"a=ice-ufrag:abcd\r\n", "a=ice-pwd:0123456789abcdefghijkl\r\n",
		"a=candidate:1 1 udp 2130706431 192.0.2.10 40000 typ host\r\n",
		"a=candidate:2 1 udp 1694498815 198.51.100.7 40000 typ srflx raddr 192.0.2.10 rport 40000\r\n",
		"a=end-of-candidates\r\n", "m=audio 40000 RTP/AVP 0 8 101\r\n",
	} {
		if !strings.Contains(string(withICE), want) {
			t.Errorf("offer lacks %q:\n%s", want, withICE)
		}
	}
	got, err := ParseICE(withICE)
	if err != nil {
		t.Fatal(err)
	}
	if got.Ufrag != d.Ufrag || got.Pwd != d.Pwd || strings.Join(got.Candidates, "|") != strings.Join(d.Candidates, "|") {
		t.Errorf("round trip: %+v", got)
	}
	// The answer side still negotiates the offer with ICE attributes.
	if _, _, err := Answer(withICE, testLocalMedia()); err != nil {
		t.Errorf("Answer of an offer with ICE: %v", err)
	}
}

func TestParseICE(t *testing.T) {
	long := strings.Repeat("x", maxICEValue+1)
	many := make([]string, 0, maxICECandidates+5)
	for i := 0; i < maxICECandidates+5; i++ {
		many = append(many, "a=candidate:1 1 udp 1 192.0.2.1 1000 typ host")
	}
	tests := []struct {
		name      string
		lines     []string
		wantErr   error
		wantUfrag string
		wantCands int
		wantLite  bool
	}{
		{"no ICE", nil, ErrNoICE, "", 0, false},
		{"ufrag without pwd", []string{"a=ice-ufrag:u"}, ErrNoICE, "", 0, false},
		{"media level", []string{"a=ice-ufrag:u", "a=ice-pwd:p", "a=candidate:1 1 udp 1 192.0.2.1 1000 typ host"}, nil, "u", 1, false},
		{"over-long ufrag ignored", []string{"a=ice-ufrag:" + long, "a=ice-pwd:p"}, ErrNoICE, "", 0, false},
		{"candidates bounded", append([]string{"a=ice-ufrag:u", "a=ice-pwd:p"}, many...), nil, "u", maxICECandidates, false},
		{"lite", []string{"a=ice-ufrag:u", "a=ice-pwd:p", "a=ice-lite"}, nil, "u", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := append([]string{"m=audio 6000 RTP/AVP 0"}, tt.lines...)
			got, err := ParseICE([]byte(sdpWithHeader(lines...)))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err %v, want %v", err, tt.wantErr)
			}
			if got.Ufrag != tt.wantUfrag || len(got.Candidates) != tt.wantCands || got.Lite != tt.wantLite {
				t.Errorf("got %+v", got)
			}
		})
	}
	session := sdpText("v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0",
		"a=ice-ufrag:su", "a=ice-pwd:sp", "m=audio 6000 RTP/AVP 0", "a=ice-pwd:mp")
	got, err := ParseICE([]byte(session))
	if err != nil || got.Ufrag != "su" || got.Pwd != "mp" {
		t.Errorf("session-level ufrag, media-level pwd: %+v %v", got, err)
	}
	if _, err := ParseICE([]byte("junk")); !errors.Is(err, ErrMalformed) {
		t.Errorf("junk: %v", err)
	}
}

// FuzzParseICE: any input gives bounded ICE descriptions or an error, and
// what ParseICE returns survives AddICE onto one of our offers.
func FuzzParseICE(f *testing.F) {
	for _, s := range sdpFuzzSeeds() {
		f.Add([]byte(s))
	}
	f.Add([]byte(sdpWithHeader("m=audio 6000 RTP/AVP 0", "a=ice-ufrag:u", "a=ice-pwd:p",
		"a=candidate:1 1 udp 2130706431 192.0.2.1 5000 typ host")))
	offer, err := BuildOffer(testLocalMedia())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseICE(b)
		if err != nil {
			return
		}
		if d.Ufrag == "" || d.Pwd == "" || len(d.Candidates) > maxICECandidates {
			t.Fatalf("unbounded or empty: %+v", d)
		}
		for _, v := range append([]string{d.Ufrag, d.Pwd}, d.Candidates...) {
			if len(v) > maxICEValue {
				t.Fatalf("value of %d bytes", len(v))
			}
		}
		if _, err := AddICE(offer, d); err != nil {
			t.Fatalf("AddICE of a parsed description: %v", err)
		}
	})
}

// TestICEMismatchAndRTCPMux: an answer with a=ice-mismatch means the peer
// will not do ICE (ErrNoICE: plain RTP); AddICE offers RTCP multiplexing
// (one component) once.
func TestICEMismatchAndRTCPMux(t *testing.T) {
	ans := sdpWithHeader("m=audio 6000 RTP/AVP 0", "a=ice-ufrag:u", "a=ice-pwd:p",
		"a=candidate:1 1 udp 1 192.0.2.1 6000 typ host", "a=ice-mismatch")
	if _, err := ParseICE([]byte(ans)); !errors.Is(err, ErrNoICE) {
		t.Errorf("a=ice-mismatch: %v, want ErrNoICE", err)
	}
	offer, err := BuildOffer(testLocalMedia())
	if err != nil {
		t.Fatal(err)
	}
	d := ICEDescription{Ufrag: "u", Pwd: "p"}
	once, err := AddICE(offer, d)
	if err != nil {
		t.Fatal(err)
	}
	twice, err := AddICE(once, d)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(twice), "a=rtcp-mux\r\n"); n != 1 || !strings.Contains(string(once), "a=rtcp-mux\r\n") {
		t.Errorf("a=rtcp-mux %d times:\n%s", n, twice)
	}
}

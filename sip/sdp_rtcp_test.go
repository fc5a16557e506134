package sip

import (
	"net/netip"
	"strings"
	"testing"
)

// qualityLocal is testLocalMedia with RTCP on port 4001, rtcp-mux and CN.
func qualityLocal() LocalMedia {
	l := testLocalMedia()
	l.RTCPPort, l.RTCPMux, l.ComfortNoise = 4001, true, true
	return l
}

func TestOfferQualityAttributes(t *testing.T) {
	b, err := BuildOffer(qualityLocal())
	if err != nil {
		t.Fatal(err)
	}
	offer := string(b)
	for _, want := range []string{" 101 13\r\n", "a=rtpmap:13 CN/8000\r\n", "a=rtcp:4001\r\n", "a=rtcp-mux\r\n"} {
		if !strings.Contains(offer, want) {
			t.Errorf("offer lacks %q:\n%s", want, offer)
		}
	}
	plain, _ := BuildOffer(testLocalMedia())
	for _, not := range []string{"CN/8000", "a=rtcp"} {
		if strings.Contains(string(plain), not) {
			t.Errorf("plain offer has %q", not)
		}
	}
}

func TestAnswerQuality(t *testing.T) {
	const head = "v=0\r\no=- 1 1 IN IP4 192.0.2.7\r\ns=-\r\nc=IN IP4 192.0.2.7\r\nt=0 0\r\n"
	for _, tc := range []struct {
		name  string
		media string
		local func(*LocalMedia)
		rtcp  string
		mux   bool
		cn    uint8
		has   []string
		lacks []string
	}{
		{"mux and CN offered", "m=audio 5000 RTP/AVP 0 13\r\na=rtcp-mux\r\na=rtpmap:13 CN/8000\r\n",
			nil, "192.0.2.7:5001", true, 13, []string{"a=rtcp-mux", "a=rtpmap:13 CN/8000", "a=rtcp:4001"}, nil},
		{"a=rtcp with an address", "m=audio 5000 RTP/AVP 0\r\na=rtcp:6000 IN IP4 192.0.2.9\r\n",
			nil, "192.0.2.9:6000", false, 0, []string{"a=rtcp:4001"}, []string{"rtcp-mux", "CN"}},
		{"a=rtcp port only, dynamic CN", "m=audio 5000 RTP/AVP 0 100\r\na=rtcp:7001\r\na=rtpmap:100 CN/8000\r\n",
			nil, "192.0.2.7:7001", false, 100, []string{"a=rtpmap:100 CN/8000"}, []string{"rtcp-mux"}},
		{"mux offered, we do not want it", "m=audio 5000 RTP/AVP 0\r\na=rtcp-mux\r\n",
			func(l *LocalMedia) { l.RTCPMux = false }, "192.0.2.7:5001", false, 0, nil, []string{"rtcp-mux"}},
		{"CN offered, we do not want it", "m=audio 5000 RTP/AVP 0 13\r\n",
			func(l *LocalMedia) { l.ComfortNoise = false }, "192.0.2.7:5001", false, 0, nil, []string{"CN", " 13"}},
		{"CN at 16 kHz is not ours", "m=audio 5000 RTP/AVP 0 105\r\na=rtpmap:105 CN/16000\r\n",
			nil, "192.0.2.7:5001", false, 0, nil, []string{"CN/"}},
		{"no RTCP on our side", "m=audio 5000 RTP/AVP 0\r\na=rtcp-mux\r\n",
			func(l *LocalMedia) { l.RTCPMux, l.RTCPPort = false, 0 }, "invalid AddrPort", false, 0, nil, []string{"rtcp"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := qualityLocal()
			if tc.local != nil {
				tc.local(&l)
			}
			ans, n, err := Answer([]byte(head+tc.media), l)
			if err != nil {
				t.Fatal(err)
			}
			if n.RTCP.String() != tc.rtcp || n.RTCPMux != tc.mux || n.CNPayloadType != tc.cn {
				t.Errorf("RTCP %v mux %v CN %d, want %s %v %d", n.RTCP, n.RTCPMux, n.CNPayloadType, tc.rtcp, tc.mux, tc.cn)
			}
			mline := string(ans)[strings.Index(string(ans), "m=audio"):]
			for _, s := range tc.has {
				if !strings.Contains(mline, s) {
					t.Errorf("answer lacks %q:\n%s", s, ans)
				}
			}
			for _, s := range tc.lacks {
				if strings.Contains(mline, s) {
					t.Errorf("answer has %q:\n%s", s, ans)
				}
			}
		})
	}
}

// Both ways: our offer with mux and CN, answered by a peer that accepts
// both (or neither).
func TestParseAnswerQuality(t *testing.T) {
	l := qualityLocal()
	const head = "v=0\r\no=- 1 1 IN IP4 192.0.2.7\r\ns=-\r\nc=IN IP4 192.0.2.7\r\nt=0 0\r\n"
	n, err := ParseAnswer([]byte(head+"m=audio 5000 RTP/AVP 0 13\r\na=rtcp-mux\r\n"), l)
	if err != nil || !n.RTCPMux || n.CNPayloadType != 13 || n.RTCP != netip.MustParseAddrPort("192.0.2.7:5001") {
		t.Errorf("accepting peer: %+v %v", n, err)
	}
	n, err = ParseAnswer([]byte(head+"m=audio 5000 RTP/AVP 0\r\na=rtcp:5003\r\n"), l)
	if err != nil || n.RTCPMux || n.CNPayloadType != 0 || n.RTCP != netip.MustParseAddrPort("192.0.2.7:5003") {
		t.Errorf("refusing peer: %+v %v", n, err)
	}
	// Our own answer, read back as an answer: mux and CN survive.
	_, n1, err := Answer([]byte(head+"m=audio 5000 RTP/AVP 0 13\r\na=rtcp-mux\r\n"), l)
	if err != nil || !n1.RTCPMux {
		t.Fatalf("%+v %v", n1, err)
	}
}

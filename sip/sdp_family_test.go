package sip

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

// familyOffer is an offer of PCMU with the connection line c.
func familyOffer(c string) []byte {
	return []byte(sdpText("v=0", "o=- 1 1 "+strings.TrimPrefix(c, "c="), "s=-", c, "t=0 0",
		"m=audio 6000 RTP/AVP 0", "a=rtpmap:0 PCMU/8000"))
}

func TestAnswerAddressFamily(t *testing.T) {
	tests := []struct {
		name, offer, local string
		wantErr            error
		wantC              string
	}{
		{"v4 offer, v4 local", "c=IN IP4 192.0.2.1", "198.51.100.7", nil, "c=IN IP4 198.51.100.7"},
		{"v6 offer, v6 local", "c=IN IP6 2001:db8::1", "2001:db8::7", nil, "c=IN IP6 2001:db8::7"},
		{"v6 loopback offer, v6 local", "c=IN IP6 ::1", "::1", nil, "c=IN IP6 ::1"},
		{"v6 offer, v4 local", "c=IN IP6 2001:db8::1", "198.51.100.7", ErrAddressFamily, ""},
		{"v4 offer, v6 local", "c=IN IP4 192.0.2.1", "2001:db8::7", ErrAddressFamily, ""},
		{"v4 hold on a v6 call", "c=IN IP4 0.0.0.0", "2001:db8::7", nil, "c=IN IP6 2001:db8::7"},
		{"v6 hold on a v4 call", "c=IN IP6 ::", "198.51.100.7", nil, "c=IN IP4 198.51.100.7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := testLocalMedia()
			l.IP = netip.MustParseAddr(tt.local)
			ans, n, err := Answer(familyOffer(tt.offer), l)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr != nil {
				return
			}
			if !strings.Contains(string(ans), tt.wantC+"\r\n") {
				t.Errorf("answer lacks %q:\n%s", tt.wantC, ans)
			}
			if n.Remote.Port() != 6000 {
				t.Errorf("remote %v", n.Remote)
			}
		})
	}
}

func TestOfferAddress(t *testing.T) {
	tests := []struct {
		name    string
		offer   []byte
		want    string
		wantErr error
	}{
		{"v4", familyOffer("c=IN IP4 192.0.2.1"), "192.0.2.1", nil},
		{"v6", familyOffer("c=IN IP6 2001:db8::1"), "2001:db8::1", nil},
		{"host name", familyOffer("c=IN IP4 pbx.example.com"), "", ErrNoAudio},
		{"no audio", []byte(sdpText("v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0",
			"m=video 6000 RTP/AVP 96")), "", ErrNoAudio},
		{"not SDP", []byte("hello"), "", ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := OfferAddress(tt.offer)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr == nil && got != netip.MustParseAddr(tt.want) {
				t.Errorf("got %v, want %s", got, tt.want)
			}
		})
	}
}

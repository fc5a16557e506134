package sip

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/pion/sdp/v3"
)

// sippOffer is the offer of SIPp's built-in uac scenario with DTMF.
const sippOffer = "v=0\r\n" +
	"o=user1 53655765 2353687637 IN IP4 127.0.0.1\r\n" +
	"s=-\r\n" +
	"c=IN IP4 127.0.0.1\r\n" +
	"t=0 0\r\n" +
	"m=audio 6000 RTP/AVP 0 101\r\n" +
	"a=rtpmap:0 PCMU/8000\r\n" +
	"a=rtpmap:101 telephone-event/8000\r\n" +
	"a=fmtp:101 0-15\r\n"

// baresipOffer is a typical baresip offer.
const baresipOffer = "v=0\r\n" +
	"o=- 1871404386 4119497463 IN IP4 192.168.1.100\r\n" +
	"s=-\r\n" +
	"c=IN IP4 192.168.1.100\r\n" +
	"t=0 0\r\n" +
	"a=tool:baresip 3.10.1\r\n" +
	"m=audio 10312 RTP/AVP 111 9 0 8 101\r\n" +
	"b=AS:117\r\n" +
	"a=rtpmap:111 opus/48000/2\r\n" +
	"a=fmtp:111 stereo=1;sprop-stereo=1\r\n" +
	"a=rtpmap:9 G722/8000\r\n" +
	"a=rtpmap:0 PCMU/8000\r\n" +
	"a=rtpmap:8 PCMA/8000\r\n" +
	"a=rtpmap:101 telephone-event/8000\r\n" +
	"a=fmtp:101 0-15\r\n" +
	"a=rtcp-mux\r\n" +
	"a=rtcp:10313\r\n" +
	"a=sendrecv\r\n" +
	"a=label:1\r\n" +
	"a=ssrc:2869291316 cname:ba3e8a7c-3ac8-4c9f-8a0c-1d0e4bd1ec17\r\n" +
	"a=ptime:20\r\n"

// sdpOfferHeader is a session header from 198.51.100.1 for offers in tests.
const sdpOfferHeader = "v=0\r\n" +
	"o=- 1 1 IN IP4 198.51.100.1\r\n" +
	"s=-\r\n" +
	"c=IN IP4 198.51.100.1\r\n" +
	"t=0 0\r\n"

// sdpText joins lines with CRLF, adding the final CRLF.
func sdpText(lines ...string) string {
	return strings.Join(lines, "\r\n") + "\r\n"
}

// sdpWithHeader returns sdpOfferHeader followed by lines.
func sdpWithHeader(lines ...string) string {
	return sdpOfferHeader + sdpText(lines...)
}

var (
	codecPCMU = Codec{PayloadType: 0, Name: "PCMU", ClockRate: 8000}
	codecPCMA = Codec{PayloadType: 8, Name: "PCMA", ClockRate: 8000}
)

// testLocalMedia returns the local media used by most tests.
func testLocalMedia() LocalMedia {
	return LocalMedia{
		SessionID:       1234,
		SessionVersion:  1,
		IP:              netip.MustParseAddr("192.0.2.10"),
		Port:            40000,
		Codecs:          []Codec{codecPCMU, codecPCMA},
		DTMFPayloadType: 101,
	}
}

func addrPort(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

func TestDirection(t *testing.T) {
	tests := []struct {
		d        Direction
		str      string
		reverse  Direction
		sends    bool
		receives bool
	}{
		{SendRecv, "sendrecv", SendRecv, true, true},
		{SendOnly, "sendonly", RecvOnly, true, false},
		{RecvOnly, "recvonly", SendOnly, false, true},
		{Inactive, "inactive", Inactive, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.str, func(t *testing.T) {
			if got := tt.d.String(); got != tt.str {
				t.Errorf("String() = %q, want %q", got, tt.str)
			}
			if got := tt.d.Reverse(); got != tt.reverse {
				t.Errorf("Reverse() = %v, want %v", got, tt.reverse)
			}
			if got := tt.d.Sends(); got != tt.sends {
				t.Errorf("Sends() = %v, want %v", got, tt.sends)
			}
			if got := tt.d.Receives(); got != tt.receives {
				t.Errorf("Receives() = %v, want %v", got, tt.receives)
			}
			for _, s := range []string{tt.str, strings.ToUpper(tt.str)} {
				got, err := ParseDirection(s)
				if err != nil || got != tt.d {
					t.Errorf("ParseDirection(%q) = %v, %v; want %v", s, got, err, tt.d)
				}
			}
		})
	}

	if got := Direction(7).String(); got != "Direction(7)" {
		t.Errorf("Direction(7).String() = %q", got)
	}
	for _, s := range []string{"", "sendrecv ", "send", "a=sendrecv"} {
		if _, err := ParseDirection(s); err == nil {
			t.Errorf("ParseDirection(%q): no error", s)
		}
	}
}

func TestDirectionIntersect(t *testing.T) {
	all := []Direction{SendRecv, SendOnly, RecvOnly, Inactive}
	for _, a := range all {
		for _, b := range all {
			got := a.intersect(b)
			if got.Sends() != (a.Sends() && b.Sends()) || got.Receives() != (a.Receives() && b.Receives()) {
				t.Errorf("%v.intersect(%v) = %v", a, b, got)
			}
		}
	}
}

func TestBuildOffer(t *testing.T) {
	tests := []struct {
		name  string
		local func(*LocalMedia)
		want  string
	}{
		{
			name: "default",
			want: sdpText(
				"v=0",
				"o=- 1234 1 IN IP4 192.0.2.10",
				"s=libvoip",
				"c=IN IP4 192.0.2.10",
				"t=0 0",
				"m=audio 40000 RTP/AVP 0 8 101",
				"a=rtpmap:0 PCMU/8000",
				"a=rtpmap:8 PCMA/8000",
				"a=rtpmap:101 telephone-event/8000",
				"a=fmtp:101 0-16",
				"a=ptime:20",
				"a=sendrecv",
			),
		},
		{
			name: "IPv6 no DTMF sendonly",
			local: func(l *LocalMedia) {
				l.IP = netip.MustParseAddr("2001:db8::10")
				l.Username = "alice"
				l.DTMFPayloadType = 0
				l.Direction = SendOnly
				l.Ptime = 30
				l.Codecs = []Codec{codecPCMA}
			},
			want: sdpText(
				"v=0",
				"o=alice 1234 1 IN IP6 2001:db8::10",
				"s=libvoip",
				"c=IN IP6 2001:db8::10",
				"t=0 0",
				"m=audio 40000 RTP/AVP 8",
				"a=rtpmap:8 PCMA/8000",
				"a=ptime:30",
				"a=sendonly",
			),
		},
		{
			name: "IPv4-mapped IPv6 and dynamic codec",
			local: func(l *LocalMedia) {
				l.IP = netip.MustParseAddr("::ffff:192.0.2.10")
				l.Codecs = []Codec{{PayloadType: 96, Name: "L16", ClockRate: 8000}, codecPCMU}
				l.DTMFPayloadType = 97
				l.Direction = Inactive
			},
			want: sdpText(
				"v=0",
				"o=- 1234 1 IN IP4 192.0.2.10",
				"s=libvoip",
				"c=IN IP4 192.0.2.10",
				"t=0 0",
				"m=audio 40000 RTP/AVP 96 0 97",
				"a=rtpmap:96 L16/8000",
				"a=rtpmap:0 PCMU/8000",
				"a=rtpmap:97 telephone-event/8000",
				"a=fmtp:97 0-16",
				"a=ptime:20",
				"a=inactive",
			),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := testLocalMedia()
			if tt.local != nil {
				tt.local(&l)
			}
			got, err := BuildOffer(l)
			if err != nil {
				t.Fatalf("BuildOffer: %v", err)
			}
			if string(got) != tt.want {
				t.Errorf("BuildOffer =\n%s\nwant\n%s", got, tt.want)
			}

			// Round trip through pion.
			var s sdp.SessionDescription
			if err := s.Unmarshal(got); err != nil {
				t.Fatalf("pion Unmarshal: %v", err)
			}
			if len(s.MediaDescriptions) != 1 {
				t.Fatalf("%d m= lines, want 1", len(s.MediaDescriptions))
			}
			md := s.MediaDescriptions[0]
			if md.MediaName.Port.Value != l.Port {
				t.Errorf("port = %d, want %d", md.MediaName.Port.Value, l.Port)
			}
			if dir, ok := md.Attribute(l.Direction.String()); !ok || dir != "" {
				t.Errorf("a=%v missing", l.Direction)
			}
			for _, c := range l.Codecs {
				pc, err := s.GetCodecForPayloadType(c.PayloadType)
				if err != nil {
					t.Fatalf("codec %d: %v", c.PayloadType, err)
				}
				if pc.Name != c.Name || pc.ClockRate != c.ClockRate {
					t.Errorf("codec %d = %s/%d, want %v", c.PayloadType, pc.Name, pc.ClockRate, c)
				}
			}
			back, err := s.Marshal()
			if err != nil || string(back) != string(got) {
				t.Errorf("pion re-marshal = %q, %v", back, err)
			}
		})
	}
}

func TestBuildOfferErrors(t *testing.T) {
	tests := []struct {
		name  string
		local func(*LocalMedia)
	}{
		{"no codecs", func(l *LocalMedia) { l.Codecs = nil }},
		{"invalid IP", func(l *LocalMedia) { l.IP = netip.Addr{} }},
		{"port 0", func(l *LocalMedia) { l.Port = 0 }},
		{"port 65536", func(l *LocalMedia) { l.Port = 65536 }},
		{"negative port", func(l *LocalMedia) { l.Port = -1 }},
		{"bad direction", func(l *LocalMedia) { l.Direction = 4 }},
		{"negative ptime", func(l *LocalMedia) { l.Ptime = -20 }},
		{"username with space", func(l *LocalMedia) { l.Username = "a b" }},
		{"username with newline", func(l *LocalMedia) { l.Username = "a\r\nm=video" }},
		{"payload type 128", func(l *LocalMedia) { l.Codecs = []Codec{{PayloadType: 128, Name: "X", ClockRate: 8000}} }},
		{"DTMF payload type 200", func(l *LocalMedia) { l.DTMFPayloadType = 200 }},
		{"duplicate payload type", func(l *LocalMedia) { l.Codecs = []Codec{codecPCMU, {PayloadType: 0, Name: "PCMA", ClockRate: 8000}} }},
		{"DTMF collides", func(l *LocalMedia) { l.DTMFPayloadType = 8 }},
		{"empty name", func(l *LocalMedia) { l.Codecs = []Codec{{PayloadType: 0, ClockRate: 8000}} }},
		{"name with slash", func(l *LocalMedia) { l.Codecs = []Codec{{PayloadType: 96, Name: "opus/48000", ClockRate: 48000}} }},
		{"zero clock rate", func(l *LocalMedia) { l.Codecs = []Codec{{PayloadType: 0, Name: "PCMU"}} }},
		{"telephone-event codec", func(l *LocalMedia) {
			l.Codecs = []Codec{codecPCMU, {PayloadType: 101, Name: "telephone-event", ClockRate: 8000}}
			l.DTMFPayloadType = 0
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := testLocalMedia()
			tt.local(&l)
			if b, err := BuildOffer(l); err == nil {
				t.Errorf("BuildOffer = %q, want error", b)
			}
			// The same validation applies when answering and parsing.
			if _, _, err := Answer([]byte(sippOffer), l); err == nil || isSDPError(err) {
				t.Errorf("Answer error = %v, want a configuration error", err)
			}
			if _, err := ParseAnswer([]byte(sippOffer), l); err == nil || isSDPError(err) {
				t.Errorf("ParseAnswer error = %v, want a configuration error", err)
			}
		})
	}
}

func isSDPError(err error) bool {
	return errors.Is(err, ErrMalformed) || errors.Is(err, ErrNoAudio) || errors.Is(err, ErrNoCommonCodec) ||
		errors.Is(err, ErrCrypto) || errors.Is(err, ErrAddressFamily)
}

func TestAnswer(t *testing.T) {
	tests := []struct {
		name  string
		offer string
		local func(*LocalMedia)
		// wantMedia are the m= lines of the answer, without "m=".
		wantMedia []string
		want      Negotiated
		wantErr   error
	}{
		{
			name:      "SIPp",
			offer:     sippOffer,
			wantMedia: []string{"audio 40000 RTP/AVP 0 101"},
			want:      Negotiated{Remote: addrPort("127.0.0.1:6000"), Codec: codecPCMU, DTMFPayloadType: 101, Ptime: 20},
		},
		{
			name:      "baresip",
			offer:     baresipOffer,
			wantMedia: []string{"audio 40000 RTP/AVP 0 101"},
			want:      Negotiated{Remote: addrPort("192.168.1.100:10312"), Codec: codecPCMU, DTMFPayloadType: 101, Ptime: 20},
		},
		{
			name:  "baresip with G722 locally",
			offer: baresipOffer,
			local: func(l *LocalMedia) {
				l.Codecs = []Codec{codecPCMA, {PayloadType: 9, Name: "G722", ClockRate: 8000}}
			},
			wantMedia: []string{"audio 40000 RTP/AVP 9 101"},
			want: Negotiated{Remote: addrPort("192.168.1.100:10312"),
				Codec: Codec{PayloadType: 9, Name: "G722", ClockRate: 8000}, DTMFPayloadType: 101, Ptime: 20},
		},
		{
			name:      "PCMU first",
			offer:     sdpWithHeader("m=audio 5004 RTP/AVP 0 8", "a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000"),
			wantMedia: []string{"audio 40000 RTP/AVP 0"},
			want:      Negotiated{Remote: addrPort("198.51.100.1:5004"), Codec: codecPCMU, Ptime: 20},
		},
		{
			name:      "PCMA first",
			offer:     sdpWithHeader("m=audio 5004 RTP/AVP 8 0", "a=rtpmap:8 PCMA/8000", "a=rtpmap:0 PCMU/8000"),
			wantMedia: []string{"audio 40000 RTP/AVP 8"},
			want:      Negotiated{Remote: addrPort("198.51.100.1:5004"), Codec: codecPCMA, Ptime: 20},
		},
		{
			name:      "PCMA only",
			offer:     sdpWithHeader("m=audio 5004 RTP/AVP 8", "a=rtpmap:8 PCMA/8000"),
			wantMedia: []string{"audio 40000 RTP/AVP 8"},
			want:      Negotiated{Remote: addrPort("198.51.100.1:5004"), Codec: codecPCMA, Ptime: 20},
		},
		{
			name:      "PCMA only, we prefer PCMU",
			offer:     sdpWithHeader("m=audio 5004 RTP/AVP 8"),
			local:     func(l *LocalMedia) { l.Codecs = []Codec{codecPCMU, codecPCMA} },
			wantMedia: []string{"audio 40000 RTP/AVP 8"},
			want:      Negotiated{Remote: addrPort("198.51.100.1:5004"), Codec: codecPCMA, Ptime: 20},
		},
		{
			name:      "static payload types without rtpmap",
			offer:     sdpWithHeader("m=audio 5004 RTP/AVP 18 0 8"),
			wantMedia: []string{"audio 40000 RTP/AVP 0"},
			want:      Negotiated{Remote: addrPort("198.51.100.1:5004"), Codec: codecPCMU, Ptime: 20},
		},
		{
			name:      "dynamic payload type with rtpmap",
			offer:     sdpWithHeader("m=audio 5004 RTP/AVP 96 97", "a=rtpmap:96 opus/48000/2", "a=rtpmap:97 pcma/8000"),
			wantMedia: []string{"audio 40000 RTP/AVP 97"},
			want: Negotiated{Remote: addrPort("198.51.100.1:5004"),
				Codec: Codec{PayloadType: 97, Name: "PCMA", ClockRate: 8000}, Ptime: 20},
		},
		{
			name:      "dynamic payload type with channel count",
			offer:     sdpWithHeader("m=audio 5004 RTP/AVP 98", "a=rtpmap:98 PCMU/8000/1"),
			wantMedia: []string{"audio 40000 RTP/AVP 98"},
			want: Negotiated{Remote: addrPort("198.51.100.1:5004"),
				Codec: Codec{PayloadType: 98, Name: "PCMU", ClockRate: 8000}, Ptime: 20},
		},
		{
			name:    "dynamic payload type with other clock rate",
			offer:   sdpWithHeader("m=audio 5004 RTP/AVP 97", "a=rtpmap:97 PCMU/16000"),
			wantErr: ErrNoCommonCodec,
		},
		{
			name:    "dynamic payload type without rtpmap",
			offer:   sdpWithHeader("m=audio 5004 RTP/AVP 97"),
			wantErr: ErrNoCommonCodec,
		},
		{
			name:    "stereo",
			offer:   sdpWithHeader("m=audio 5004 RTP/AVP 97", "a=rtpmap:97 PCMU/8000/2"),
			wantErr: ErrNoCommonCodec,
		},
		{
			name:      "rtpmap overrides static table",
			offer:     sdpWithHeader("m=audio 5004 RTP/AVP 0 8", "a=rtpmap:0 G729/8000"),
			wantMedia: []string{"audio 40000 RTP/AVP 8"},
			want:      Negotiated{Remote: addrPort("198.51.100.1:5004"), Codec: codecPCMA, Ptime: 20},
		},
		{
			name:    "G729 and opus only",
			offer:   sdpWithHeader("m=audio 5004 RTP/AVP 18 111", "a=rtpmap:18 G729/8000", "a=rtpmap:111 opus/48000/2"),
			wantErr: ErrNoCommonCodec,
		},
		{
			name:    "telephone-event only",
			offer:   sdpWithHeader("m=audio 5004 RTP/AVP 101", "a=rtpmap:101 telephone-event/8000"),
			wantErr: ErrNoCommonCodec,
		},
		{
			name:      "telephone-event 96",
			offer:     sdpWithHeader("m=audio 5004 RTP/AVP 8 96", "a=rtpmap:96 telephone-event/8000", "a=fmtp:96 0-15"),
			wantMedia: []string{"audio 40000 RTP/AVP 8 96"},
			want:      Negotiated{Remote: addrPort("198.51.100.1:5004"), Codec: codecPCMA, DTMFPayloadType: 96, Ptime: 20},
		},
		{
			name:      "telephone-event 101 listed first",
			offer:     sdpWithHeader("m=audio 5004 RTP/AVP 101 0", "a=rtpmap:101 Telephone-Event/8000"),
			wantMedia: []string{"audio 40000 RTP/AVP 0 101"},
			want:      Negotiated{Remote: addrPort("198.51.100.1:5004"), Codec: codecPCMU, DTMFPayloadType: 101, Ptime: 20},
		},
		{
			name: "telephone-event at 48000 and 8000",
			offer: sdpWithHeader("m=audio 5004 RTP/AVP 0 100 101",
				"a=rtpmap:100 telephone-event/48000", "a=rtpmap:101 telephone-event/8000"),
			wantMedia: []string{"audio 40000 RTP/AVP 0 101"},
			want:      Negotiated{Remote: addrPort("198.51.100.1:5004"), Codec: codecPCMU, DTMFPayloadType: 101, Ptime: 20},
		},
		{
			name:      "telephone-event at 48000 only",
			offer:     sdpWithHeader("m=audio 5004 RTP/AVP 0 100", "a=rtpmap:100 telephone-event/48000"),
			wantMedia: []string{"audio 40000 RTP/AVP 0"},
			want:      Negotiated{Remote: addrPort("198.51.100.1:5004"), Codec: codecPCMU, Ptime: 20},
		},
		{
			name:      "telephone-event absent",
			offer:     sdpWithHeader("m=audio 5004 RTP/AVP 0"),
			wantMedia: []string{"audio 40000 RTP/AVP 0"},
			want:      Negotiated{Remote: addrPort("198.51.100.1:5004"), Codec: codecPCMU, Ptime: 20},
		},
		{
			name:      "telephone-event not wanted",
			offer:     sippOffer,
			local:     func(l *LocalMedia) { l.DTMFPayloadType = 0 },
			wantMedia: []string{"audio 40000 RTP/AVP 0"},
			want:      Negotiated{Remote: addrPort("127.0.0.1:6000"), Codec: codecPCMU, Ptime: 20},
		},
		{
			name:      "telephone-event under our other payload type",
			offer:     sdpWithHeader("m=audio 5004 RTP/AVP 0 96", "a=rtpmap:96 telephone-event/8000"),
			local:     func(l *LocalMedia) { l.DTMFPayloadType = 101 },
			wantMedia: []string{"audio 40000 RTP/AVP 0 96"},
			want:      Negotiated{Remote: addrPort("198.51.100.1:5004"), Codec: codecPCMU, DTMFPayloadType: 96, Ptime: 20},
		},
		{
			name:      "offer sendrecv, local recvonly",
			offer:     sdpWithHeader("m=audio 5004 RTP/AVP 0", "a=sendrecv"),
			local:     func(l *LocalMedia) { l.Direction = RecvOnly },
			wantMedia: []string{"audio 40000 RTP/AVP 0"},
			want:      Negotiated{Remote: addrPort("198.51.100.1:5004"), Codec: codecPCMU, Direction: RecvOnly, Ptime: 20},
		},
		{
			name:      "offer sendonly",
			offer:     sdpWithHeader("m=audio 5004 RTP/AVP 0", "a=sendonly"),
			wantMedia: []string{"audio 40000 RTP/AVP 0"},
			want:      Negotiated{Remote: addrPort("198.51.100.1:5004"), Codec: codecPCMU, Direction: RecvOnly, Ptime: 20, Hold: true},
		},
		{
			name:      "offer sendonly, local sendonly",
			offer:     sdpWithHeader("m=audio 5004 RTP/AVP 0", "a=sendonly"),
			local:     func(l *LocalMedia) { l.Direction = SendOnly },
			wantMedia: []string{"audio 40000 RTP/AVP 0"},
			want:      Negotiated{Remote: addrPort("198.51.100.1:5004"), Codec: codecPCMU, Direction: Inactive, Ptime: 20, Hold: true},
		},
		{
			name:      "offer recvonly",
			offer:     sdpWithHeader("m=audio 5004 RTP/AVP 0", "a=recvonly"),
			wantMedia: []string{"audio 40000 RTP/AVP 0"},
			want:      Negotiated{Remote: addrPort("198.51.100.1:5004"), Codec: codecPCMU, Direction: SendOnly, Ptime: 20},
		},
		{
			name:      "offer recvonly, local recvonly",
			offer:     sdpWithHeader("m=audio 5004 RTP/AVP 0", "a=recvonly"),
			local:     func(l *LocalMedia) { l.Direction = RecvOnly },
			wantMedia: []string{"audio 40000 RTP/AVP 0"},
			want:      Negotiated{Remote: addrPort("198.51.100.1:5004"), Codec: codecPCMU, Direction: Inactive, Ptime: 20},
		},
		{
			name:      "offer inactive",
			offer:     sdpWithHeader("m=audio 5004 RTP/AVP 0", "a=inactive"),
			wantMedia: []string{"audio 40000 RTP/AVP 0"},
			want:      Negotiated{Remote: addrPort("198.51.100.1:5004"), Codec: codecPCMU, Direction: Inactive, Ptime: 20, Hold: true},
		},
		{
			name: "session-level direction",
			offer: sdpText("v=0", "o=- 1 1 IN IP4 198.51.100.1", "s=-", "c=IN IP4 198.51.100.1", "t=0 0",
				"a=sendonly", "m=audio 5004 RTP/AVP 0"),
			wantMedia: []string{"audio 40000 RTP/AVP 0"},
			want:      Negotiated{Remote: addrPort("198.51.100.1:5004"), Codec: codecPCMU, Direction: RecvOnly, Ptime: 20, Hold: true},
		},
		{
			name: "media-level direction overrides session-level",
			offer: sdpText("v=0", "o=- 1 1 IN IP4 198.51.100.1", "s=-", "c=IN IP4 198.51.100.1", "t=0 0",
				"a=sendonly", "m=audio 5004 RTP/AVP 0", "a=recvonly"),
			wantMedia: []string{"audio 40000 RTP/AVP 0"},
			want:      Negotiated{Remote: addrPort("198.51.100.1:5004"), Codec: codecPCMU, Direction: SendOnly, Ptime: 20},
		},
		{
			name: "media-level c= overrides session-level",
			offer: sdpText("v=0", "o=- 1 1 IN IP4 198.51.100.1", "s=-", "c=IN IP4 198.51.100.1", "t=0 0",
				"m=audio 5004 RTP/AVP 0", "c=IN IP4 203.0.113.7"),
			wantMedia: []string{"audio 40000 RTP/AVP 0"},
			want:      Negotiated{Remote: addrPort("203.0.113.7:5004"), Codec: codecPCMU, Ptime: 20},
		},
		{
			name: "media-level c= only",
			offer: sdpText("v=0", "o=- 1 1 IN IP4 198.51.100.1", "s=-", "t=0 0",
				"m=audio 5004 RTP/AVP 0", "c=IN IP4 203.0.113.7"),
			wantMedia: []string{"audio 40000 RTP/AVP 0"},
			want:      Negotiated{Remote: addrPort("203.0.113.7:5004"), Codec: codecPCMU, Ptime: 20},
		},
		{
			name: "c=0.0.0.0 hold",
			offer: sdpText("v=0", "o=- 1 2 IN IP4 198.51.100.1", "s=-", "c=IN IP4 0.0.0.0", "t=0 0",
				"m=audio 5004 RTP/AVP 0"),
			wantMedia: []string{"audio 40000 RTP/AVP 0"},
			want:      Negotiated{Remote: addrPort("0.0.0.0:5004"), Codec: codecPCMU, Direction: RecvOnly, Ptime: 20, Hold: true},
		},
		{
			name: "IPv6",
			offer: sdpText("v=0", "o=- 1 1 IN IP6 2001:db8::1", "s=-", "c=IN IP6 2001:db8::1", "t=0 0",
				"m=audio 5004 RTP/AVP 8 0"),
			local:     func(l *LocalMedia) { l.IP = netip.MustParseAddr("2001:db8::10") },
			wantMedia: []string{"audio 40000 RTP/AVP 8"},
			want:      Negotiated{Remote: addrPort("[2001:db8::1]:5004"), Codec: codecPCMA, Ptime: 20},
		},
		{
			name:      "ptime",
			offer:     sdpWithHeader("m=audio 5004 RTP/AVP 0", "a=ptime:30"),
			local:     func(l *LocalMedia) { l.Ptime = 40 },
			wantMedia: []string{"audio 40000 RTP/AVP 0"},
			want:      Negotiated{Remote: addrPort("198.51.100.1:5004"), Codec: codecPCMU, Ptime: 30},
		},
		{
			name:      "fractional ptime",
			offer:     sdpWithHeader("m=audio 5004 RTP/AVP 0", "a=ptime:20.0"),
			wantMedia: []string{"audio 40000 RTP/AVP 0"},
			want:      Negotiated{Remote: addrPort("198.51.100.1:5004"), Codec: codecPCMU, Ptime: 20},
		},
		{
			name:      "absurd ptime",
			offer:     sdpWithHeader("m=audio 5004 RTP/AVP 0", "a=ptime:99999999999999999999"),
			wantMedia: []string{"audio 40000 RTP/AVP 0"},
			want:      Negotiated{Remote: addrPort("198.51.100.1:5004"), Codec: codecPCMU, Ptime: 20},
		},
		{
			name:      "LF line ends and no final newline",
			offer:     strings.TrimSuffix(strings.ReplaceAll(sdpWithHeader("m=audio 5004 RTP/AVP 0", "a=sendrecv"), "\r\n", "\n"), "\n"),
			wantMedia: []string{"audio 40000 RTP/AVP 0"},
			want:      Negotiated{Remote: addrPort("198.51.100.1:5004"), Codec: codecPCMU, Ptime: 20},
		},
		{
			name:      "video first, audio second",
			offer:     sdpWithHeader("m=video 5006 RTP/AVP 96 97", "a=rtpmap:96 H264/90000", "m=audio 5004 RTP/AVP 0"),
			wantMedia: []string{"video 0 RTP/AVP 96 97", "audio 40000 RTP/AVP 0"},
			want:      Negotiated{Remote: addrPort("198.51.100.1:5004"), Codec: codecPCMU, Ptime: 20},
		},
		{
			name: "disabled audio, then audio",
			offer: sdpWithHeader("m=audio 0 RTP/AVP 8", "c=IN IP4 203.0.113.9",
				"m=audio 5004 RTP/AVP 0 101", "a=rtpmap:101 telephone-event/8000"),
			wantMedia: []string{"audio 0 RTP/AVP 8", "audio 40000 RTP/AVP 0 101"},
			want:      Negotiated{Remote: addrPort("198.51.100.1:5004"), Codec: codecPCMU, DTMFPayloadType: 101, Ptime: 20},
		},
		{
			name:      "two audio streams",
			offer:     sdpWithHeader("m=audio 5004 RTP/AVP 8", "m=audio 5006 RTP/AVP 0"),
			wantMedia: []string{"audio 40000 RTP/AVP 8", "audio 0 RTP/AVP 0"},
			want:      Negotiated{Remote: addrPort("198.51.100.1:5004"), Codec: codecPCMA, Ptime: 20},
		},
		{
			name:    "first audio stream decides",
			offer:   sdpWithHeader("m=audio 5004 RTP/AVP 18", "m=audio 5006 RTP/AVP 0"),
			wantErr: ErrNoCommonCodec,
		},
		{
			name:      "SAVP, then AVP",
			offer:     sdpWithHeader("m=audio 5004 RTP/SAVP 0", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz", "m=audio 5006 RTP/AVP 0"),
			wantMedia: []string{"audio 0 RTP/SAVP 0", "audio 40000 RTP/AVP 0"},
			want:      Negotiated{Remote: addrPort("198.51.100.1:5006"), Codec: codecPCMU, Ptime: 20},
		},
		{
			name:      "port range",
			offer:     sdpWithHeader("m=audio 5004/2 RTP/AVP 0"),
			wantMedia: []string{"audio 40000 RTP/AVP 0"},
			want:      Negotiated{Remote: addrPort("198.51.100.1:5004"), Codec: codecPCMU, Ptime: 20},
		},
		{
			name:    "RTP/SAVP only",
			offer:   sdpWithHeader("m=audio 5004 RTP/SAVP 0"),
			wantErr: ErrNoAudio,
		},
		{
			name:    "RTP/SAVPF only",
			offer:   sdpWithHeader("m=audio 5004 RTP/SAVPF 0"),
			wantErr: ErrNoAudio,
		},
		{
			name:    "UDP/TLS/RTP/SAVPF only",
			offer:   sdpWithHeader("m=audio 9 UDP/TLS/RTP/SAVPF 111"),
			wantErr: ErrNoAudio,
		},
		{
			name:    "disabled audio only",
			offer:   sdpWithHeader("m=audio 0 RTP/AVP 0"),
			wantErr: ErrNoAudio,
		},
		{
			name:    "video only",
			offer:   sdpWithHeader("m=video 5006 RTP/AVP 96"),
			wantErr: ErrNoAudio,
		},
		{
			name:    "no media",
			offer:   sdpOfferHeader,
			wantErr: ErrNoAudio,
		},
		{
			name:    "host name connection address",
			offer:   sdpText("v=0", "o=- 1 1 IN IP4 pbx.example.com", "s=-", "c=IN IP4 pbx.example.com", "t=0 0", "m=audio 5004 RTP/AVP 0"),
			wantErr: ErrNoAudio,
		},
		{
			name:    "multicast connection address",
			offer:   sdpText("v=0", "o=- 1 1 IN IP4 198.51.100.1", "s=-", "c=IN IP4 224.2.1.1/127", "t=0 0", "m=audio 5004 RTP/AVP 0"),
			wantErr: ErrNoAudio,
		},
		{
			name:    "no connection address",
			offer:   sdpText("v=0", "o=- 1 1 IN IP4 198.51.100.1", "s=-", "t=0 0", "m=audio 5004 RTP/AVP 0"),
			wantErr: ErrMalformed,
		},
		{
			name:    "garbage",
			offer:   "INVITE sip:bob@example.com SIP/2.0\r\n",
			wantErr: ErrMalformed,
		},
		{
			name:    "binary",
			offer:   "\x00\xff\x13",
			wantErr: ErrMalformed,
		},
		{
			name:    "empty",
			offer:   "",
			wantErr: ErrMalformed,
		},
		{
			name:    "truncated",
			offer:   "v=0\r\no=- 1 1 IN IP4 198.51.100.1\r\n",
			wantErr: ErrMalformed,
		},
		{
			name:    "version 1",
			offer:   strings.Replace(sdpWithHeader("m=audio 5004 RTP/AVP 0"), "v=0", "v=1", 1),
			wantErr: ErrMalformed,
		},
		{
			name:    "lower-case transport",
			offer:   sdpWithHeader("m=audio 5004 rtp/avp 0"),
			wantErr: ErrMalformed, // rejected by the parser
		},
		{
			name:    "too many m= lines",
			offer:   sdpWithHeader(strings.Repeat("m=video 0 RTP/AVP 96\r\n", maxMediaDescriptions) + "m=audio 5004 RTP/AVP 0"),
			wantErr: ErrMalformed,
		},
		{
			name:    "too large",
			offer:   sdpWithHeader("m=audio 5004 RTP/AVP 0", strings.Repeat("a=x\r\n", maxSDPSize/5)),
			wantErr: ErrMalformed,
		},
		{
			name:    "codec beyond the format limit",
			offer:   sdpWithHeader("m=audio 5004 RTP/AVP " + strings.Repeat("96 ", maxFormats) + "0"),
			wantErr: ErrNoCommonCodec,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := testLocalMedia()
			if tt.local != nil {
				tt.local(&l)
			}
			answer, n, err := Answer([]byte(tt.offer), l)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Answer error = %v, want %v", err, tt.wantErr)
				}
				if answer != nil || n != (Negotiated{}) {
					t.Errorf("Answer returned %q, %+v with an error", answer, n)
				}

				return
			}
			if err != nil {
				t.Fatalf("Answer: %v", err)
			}
			if n != tt.want {
				t.Errorf("Negotiated = %+v\nwant         %+v", n, tt.want)
			}
			checkSDPAnswer(t, []byte(tt.offer), answer, l, n, tt.wantMedia)
		})
	}
}

// checkSDPAnswer checks the structure of an answer produced by Answer.
func checkSDPAnswer(t *testing.T, offer, answer []byte, l LocalMedia, n Negotiated, wantMedia []string) {
	t.Helper()

	off, err := parseSDP(offer)
	if err != nil {
		t.Fatalf("offer does not parse: %v", err)
	}
	var ans sdp.SessionDescription
	if err := ans.Unmarshal(answer); err != nil {
		t.Fatalf("answer does not parse: %v\n%s", err, answer)
	}
	if !strings.HasSuffix(string(answer), "\r\n") || strings.Contains(strings.ReplaceAll(string(answer), "\r\n", ""), "\n") {
		t.Errorf("answer line ends are not CRLF:\n%q", answer)
	}
	if ans.SessionName != "libvoip" {
		t.Errorf("s=%s", ans.SessionName)
	}
	ip := l.IP.Unmap().String()
	if ans.Origin.UnicastAddress != ip || ans.ConnectionInformation == nil ||
		ans.ConnectionInformation.Address == nil || ans.ConnectionInformation.Address.Address != ip {
		t.Errorf("o= %v, c= %v; want address %s", ans.Origin, ans.ConnectionInformation, ip)
	}
	if len(ans.TimeDescriptions) != 1 || len(off.TimeDescriptions) == 0 ||
		ans.TimeDescriptions[0].Timing != off.TimeDescriptions[0].Timing {
		t.Errorf("t= lines %v, want %v", ans.TimeDescriptions, off.TimeDescriptions)
	}
	if len(ans.MediaDescriptions) != len(off.MediaDescriptions) {
		t.Fatalf("answer has %d m= lines, offer %d", len(ans.MediaDescriptions), len(off.MediaDescriptions))
	}
	if wantMedia != nil && len(ans.MediaDescriptions) != len(wantMedia) {
		t.Fatalf("answer has %d m= lines, want %d", len(ans.MediaDescriptions), len(wantMedia))
	}

	accepted := 0
	for i, md := range ans.MediaDescriptions {
		if wantMedia != nil {
			if got := md.MediaName.String(); got != wantMedia[i] {
				t.Errorf("m=%s, want m=%s", got, wantMedia[i])
			}
		}
		if md.MediaName.Port.Value == 0 {
			if len(md.Attributes) != 0 {
				t.Errorf("rejected m=%s has attributes %v", md.MediaName, md.Attributes)
			}

			continue
		}
		accepted++
		want := []string{"rtpmap:" + n.Codec.String()}
		if n.DTMFPayloadType != 0 {
			pt := strconv.Itoa(int(n.DTMFPayloadType))
			want = append(want, "rtpmap:"+pt+" telephone-event/8000", "fmtp:"+pt+" 0-16")
		}
		want = append(want, "ptime:"+strconv.Itoa(l.ptime()), n.Direction.String())
		var got []string
		for _, a := range md.Attributes {
			got = append(got, a.String())
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("answer attributes %q, want %q", got, want)
		}
	}
	if accepted != 1 {
		t.Errorf("%d accepted streams, want 1", accepted)
	}
}

func TestAnswerGolden(t *testing.T) {
	answer, _, err := Answer([]byte(sippOffer), testLocalMedia())
	if err != nil {
		t.Fatal(err)
	}
	want := sdpText(
		"v=0",
		"o=- 1234 1 IN IP4 192.0.2.10",
		"s=libvoip",
		"c=IN IP4 192.0.2.10",
		"t=0 0",
		"m=audio 40000 RTP/AVP 0 101",
		"a=rtpmap:0 PCMU/8000",
		"a=rtpmap:101 telephone-event/8000",
		"a=fmtp:101 0-16",
		"a=ptime:20",
		"a=sendrecv",
	)
	if string(answer) != want {
		t.Errorf("Answer =\n%s\nwant\n%s", answer, want)
	}
}

func TestParseAnswer(t *testing.T) {
	tests := []struct {
		name    string
		answer  string
		offered func(*LocalMedia)
		want    Negotiated
		wantErr error
	}{
		{
			name: "PCMU and telephone-event",
			answer: sdpWithHeader("m=audio 5004 RTP/AVP 0 101", "a=rtpmap:0 PCMU/8000",
				"a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-15", "a=sendrecv"),
			want: Negotiated{Remote: addrPort("198.51.100.1:5004"), Codec: codecPCMU, DTMFPayloadType: 101, Ptime: 20},
		},
		{
			name:   "PCMA without rtpmap",
			answer: sdpWithHeader("m=audio 5004 RTP/AVP 8"),
			want:   Negotiated{Remote: addrPort("198.51.100.1:5004"), Codec: codecPCMA, Ptime: 20},
		},
		{
			name:   "several codecs in the answer",
			answer: sdpWithHeader("m=audio 5004 RTP/AVP 9 8 0", "a=ptime:30"),
			want:   Negotiated{Remote: addrPort("198.51.100.1:5004"), Codec: codecPCMA, Ptime: 30},
		},
		{
			name:   "renumbered by name",
			answer: sdpWithHeader("m=audio 5004 RTP/AVP 97", "a=rtpmap:97 PCMU/8000"),
			want: Negotiated{Remote: addrPort("198.51.100.1:5004"),
				Codec: Codec{PayloadType: 97, Name: "PCMU", ClockRate: 8000}, Ptime: 20},
		},
		{
			name:    "dynamic payload type without rtpmap",
			answer:  sdpWithHeader("m=audio 5004 RTP/AVP 96"),
			offered: func(l *LocalMedia) { l.Codecs = []Codec{{PayloadType: 96, Name: "L16", ClockRate: 8000}} },
			want: Negotiated{Remote: addrPort("198.51.100.1:5004"),
				Codec: Codec{PayloadType: 96, Name: "L16", ClockRate: 8000}, Ptime: 20},
		},
		{
			name:   "telephone-event without rtpmap",
			answer: sdpWithHeader("m=audio 5004 RTP/AVP 0 101"),
			want:   Negotiated{Remote: addrPort("198.51.100.1:5004"), Codec: codecPCMU, DTMFPayloadType: 101, Ptime: 20},
		},
		{
			name:    "telephone-event not offered",
			answer:  sdpWithHeader("m=audio 5004 RTP/AVP 0 101", "a=rtpmap:101 telephone-event/8000"),
			offered: func(l *LocalMedia) { l.DTMFPayloadType = 0 },
			want:    Negotiated{Remote: addrPort("198.51.100.1:5004"), Codec: codecPCMU, Ptime: 20},
		},
		{
			name:    "codec not offered",
			answer:  sdpWithHeader("m=audio 5004 RTP/AVP 18", "a=rtpmap:18 G729/8000"),
			wantErr: ErrNoCommonCodec,
		},
		{
			name:    "PCMA answered, PCMU offered",
			answer:  sdpWithHeader("m=audio 5004 RTP/AVP 8"),
			offered: func(l *LocalMedia) { l.Codecs = []Codec{codecPCMU} },
			wantErr: ErrNoCommonCodec,
		},
		{
			name:    "opus not offered",
			answer:  sdpWithHeader("m=audio 5004 RTP/AVP 111", "a=rtpmap:111 opus/48000/2"),
			wantErr: ErrNoCommonCodec,
		},
		{
			name:    "only telephone-event",
			answer:  sdpWithHeader("m=audio 5004 RTP/AVP 101", "a=rtpmap:101 telephone-event/8000"),
			wantErr: ErrNoCommonCodec,
		},
		{
			name:    "rejected",
			answer:  sdpWithHeader("m=audio 0 RTP/AVP 0 8 101"),
			wantErr: ErrNoAudio,
		},
		{
			name:    "no media",
			answer:  sdpOfferHeader,
			wantErr: ErrNoAudio,
		},
		{
			name:    "transport changed",
			answer:  sdpWithHeader("m=audio 5004 RTP/SAVP 0"),
			wantErr: ErrNoAudio,
		},
		{
			name:   "answer sendonly",
			answer: sdpWithHeader("m=audio 5004 RTP/AVP 0", "a=sendonly"),
			want:   Negotiated{Remote: addrPort("198.51.100.1:5004"), Codec: codecPCMU, Direction: RecvOnly, Ptime: 20, Hold: true},
		},
		{
			name:   "answer recvonly",
			answer: sdpWithHeader("m=audio 5004 RTP/AVP 0", "a=recvonly"),
			want:   Negotiated{Remote: addrPort("198.51.100.1:5004"), Codec: codecPCMU, Direction: SendOnly, Ptime: 20},
		},
		{
			name:   "answer inactive",
			answer: sdpWithHeader("m=audio 5004 RTP/AVP 0", "a=inactive"),
			want:   Negotiated{Remote: addrPort("198.51.100.1:5004"), Codec: codecPCMU, Direction: Inactive, Ptime: 20, Hold: true},
		},
		{
			name:    "recvonly to our sendonly",
			answer:  sdpWithHeader("m=audio 5004 RTP/AVP 0", "a=recvonly"),
			offered: func(l *LocalMedia) { l.Direction = SendOnly },
			want:    Negotiated{Remote: addrPort("198.51.100.1:5004"), Codec: codecPCMU, Direction: SendOnly, Ptime: 20},
		},
		{
			name:    "inactive to our inactive",
			answer:  sdpWithHeader("m=audio 5004 RTP/AVP 0", "a=inactive"),
			offered: func(l *LocalMedia) { l.Direction = Inactive },
			want:    Negotiated{Remote: addrPort("198.51.100.1:5004"), Codec: codecPCMU, Direction: Inactive, Ptime: 20},
		},
		{
			name:    "sendrecv to our recvonly",
			answer:  sdpWithHeader("m=audio 5004 RTP/AVP 0", "a=sendrecv"),
			offered: func(l *LocalMedia) { l.Direction = RecvOnly },
			want:    Negotiated{Remote: addrPort("198.51.100.1:5004"), Codec: codecPCMU, Direction: RecvOnly, Ptime: 20},
		},
		{
			name: "c=0.0.0.0",
			answer: sdpText("v=0", "o=- 1 1 IN IP4 198.51.100.1", "s=-", "c=IN IP4 0.0.0.0", "t=0 0",
				"m=audio 5004 RTP/AVP 0"),
			want: Negotiated{Remote: addrPort("0.0.0.0:5004"), Codec: codecPCMU, Direction: RecvOnly, Ptime: 20, Hold: true},
		},
		{
			name: "media-level c= and IPv6",
			answer: sdpText("v=0", "o=- 1 1 IN IP6 2001:db8::1", "s=-", "c=IN IP6 2001:db8::1", "t=0 0",
				"m=audio 5004 RTP/AVP 0", "c=IN IP6 2001:db8::2"),
			want: Negotiated{Remote: addrPort("[2001:db8::2]:5004"), Codec: codecPCMU, Ptime: 20},
		},
		{
			name:    "garbage",
			answer:  "SIP/2.0 200 OK\r\n",
			wantErr: ErrMalformed,
		},
		{
			name:    "empty",
			answer:  "",
			wantErr: ErrMalformed,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := testLocalMedia()
			if tt.offered != nil {
				tt.offered(&l)
			}
			n, err := ParseAnswer([]byte(tt.answer), l)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("ParseAnswer error = %v, want %v", err, tt.wantErr)
				}

				return
			}
			if err != nil {
				t.Fatalf("ParseAnswer: %v", err)
			}
			if n != tt.want {
				t.Errorf("Negotiated = %+v\nwant         %+v", n, tt.want)
			}
		})
	}
}

// TestOfferAnswer runs a whole exchange between two LocalMedia.
func TestOfferAnswer(t *testing.T) {
	tests := []struct {
		name          string
		offerer       func(*LocalMedia)
		answerer      func(*LocalMedia)
		wantCodec     Codec
		wantDTMF      uint8
		wantOfferer   Direction
		wantAnswerer  Direction
		wantHoldOffer bool // Hold seen by the offerer
		wantHoldAns   bool // Hold seen by the answerer
	}{
		{
			name:      "same codecs",
			wantCodec: codecPCMU,
			wantDTMF:  101,
		},
		{
			name:      "answerer has PCMA only, other DTMF type",
			answerer:  func(l *LocalMedia) { l.Codecs = []Codec{codecPCMA}; l.DTMFPayloadType = 96 },
			wantCodec: codecPCMA,
			wantDTMF:  101,
		},
		{
			name:      "no DTMF at the answerer",
			answerer:  func(l *LocalMedia) { l.DTMFPayloadType = 0 },
			wantCodec: codecPCMU,
		},
		{
			name:      "dynamic codec",
			offerer:   func(l *LocalMedia) { l.Codecs = []Codec{{PayloadType: 98, Name: "PCMA", ClockRate: 8000}} },
			wantCodec: Codec{PayloadType: 98, Name: "PCMA", ClockRate: 8000},
			wantDTMF:  101,
		},
		{
			name:         "offerer holds",
			offerer:      func(l *LocalMedia) { l.Direction = SendOnly },
			wantCodec:    codecPCMU,
			wantDTMF:     101,
			wantOfferer:  SendOnly,
			wantAnswerer: RecvOnly,
			wantHoldAns:  true,
		},
		{
			name:          "answerer only listens",
			answerer:      func(l *LocalMedia) { l.Direction = RecvOnly },
			wantCodec:     codecPCMU,
			wantDTMF:      101,
			wantOfferer:   SendOnly,
			wantAnswerer:  RecvOnly,
			wantHoldOffer: false,
		},
		{
			name:          "answerer holds",
			answerer:      func(l *LocalMedia) { l.Direction = SendOnly },
			wantCodec:     codecPCMU,
			wantDTMF:      101,
			wantOfferer:   RecvOnly,
			wantAnswerer:  SendOnly,
			wantHoldOffer: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := testLocalMedia()
			// Both sides IPv6: an answer keeps the offered family
			// (TestAnswerAddressFamily).
			a.IP = netip.MustParseAddr("2001:db8::a")
			if tt.offerer != nil {
				tt.offerer(&a)
			}
			b := LocalMedia{
				SessionID:       99,
				IP:              netip.MustParseAddr("2001:db8::b"),
				Port:            50000,
				Codecs:          []Codec{codecPCMU, codecPCMA},
				DTMFPayloadType: 101,
			}
			if tt.answerer != nil {
				tt.answerer(&b)
			}

			offer, err := BuildOffer(a)
			if err != nil {
				t.Fatalf("BuildOffer: %v", err)
			}
			answer, nb, err := Answer(offer, b)
			if err != nil {
				t.Fatalf("Answer: %v", err)
			}
			na, err := ParseAnswer(answer, a)
			if err != nil {
				t.Fatalf("ParseAnswer: %v", err)
			}

			if na.Codec != tt.wantCodec || nb.Codec != tt.wantCodec {
				t.Errorf("codecs %v / %v, want %v", na.Codec, nb.Codec, tt.wantCodec)
			}
			if na.DTMFPayloadType != tt.wantDTMF || nb.DTMFPayloadType != tt.wantDTMF {
				t.Errorf("DTMF %d / %d, want %d", na.DTMFPayloadType, nb.DTMFPayloadType, tt.wantDTMF)
			}
			if na.Direction != tt.wantOfferer || nb.Direction != tt.wantAnswerer {
				t.Errorf("directions %v / %v, want %v / %v", na.Direction, nb.Direction, tt.wantOfferer, tt.wantAnswerer)
			}
			if na.Hold != tt.wantHoldOffer || nb.Hold != tt.wantHoldAns {
				t.Errorf("hold %v / %v, want %v / %v", na.Hold, nb.Hold, tt.wantHoldOffer, tt.wantHoldAns)
			}
			if want := netip.AddrPortFrom(b.IP, uint16(b.Port)); na.Remote != want {
				t.Errorf("offerer sends to %v, want %v", na.Remote, want)
			}
			if want := netip.AddrPortFrom(a.IP, uint16(a.Port)); nb.Remote != want {
				t.Errorf("answerer sends to %v, want %v", nb.Remote, want)
			}
		})
	}
}

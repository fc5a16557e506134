package sip

import (
	"errors"
	"strings"
	"testing"
)

var (
	codecG722 = Codec{PayloadType: 9, Name: "G722", ClockRate: 8000}
	codecOpus = Codec{PayloadType: 111, Name: "opus", ClockRate: 48000, Channels: 2, Fmtp: "useinbandfec=1"}
	dtmf48k   = Codec{PayloadType: 102, Name: "telephone-event", ClockRate: 48000}
)

// widebandLocal offers Opus, G.722 and PCMU with telephone-event at 8 and
// 48 kHz.
func widebandLocal(l *LocalMedia) {
	l.Codecs = []Codec{codecOpus, codecG722, codecPCMU}
	l.DTMFFormats = []Codec{dtmf48k}
}

func TestBuildOfferWideband(t *testing.T) {
	l := testLocalMedia()
	widebandLocal(&l)
	got, err := BuildOffer(l)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"m=audio 40000 RTP/AVP 111 9 0 101 102\r\n",
		"a=rtpmap:111 opus/48000/2\r\na=fmtp:111 useinbandfec=1\r\n",
		"a=rtpmap:9 G722/8000\r\n",
		"a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n",
		"a=rtpmap:102 telephone-event/48000\r\na=fmtp:102 0-16\r\n",
	} {
		if !strings.Contains(string(got), line) {
			t.Errorf("offer lacks %q:\n%s", line, got)
		}
	}
	// Without a 48 kHz codec, no telephone-event/48000.
	l.Codecs = []Codec{codecG722, codecPCMU}
	got, err = BuildOffer(l)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(got), "48000") || !strings.Contains(string(got), "RTP/AVP 9 0 101\r\n") {
		t.Errorf("narrowband-clock offer:\n%s", got)
	}
}

func TestBuildOfferDTMFFormatErrors(t *testing.T) {
	tests := []struct {
		name string
		d    []Codec
	}{
		{"not telephone-event", []Codec{{PayloadType: 102, Name: "CN", ClockRate: 48000}}},
		{"8000 belongs to DTMFPayloadType", []Codec{{PayloadType: 102, Name: "telephone-event", ClockRate: 8000}}},
		{"clashes with the 8 kHz event", []Codec{{PayloadType: 101, Name: "telephone-event", ClockRate: 48000}}},
		{"clashes with a codec", []Codec{{PayloadType: 111, Name: "telephone-event", ClockRate: 48000}}},
		{"two at one rate", []Codec{dtmf48k, {PayloadType: 103, Name: "telephone-event", ClockRate: 48000}}},
		{"payload type 0", []Codec{{PayloadType: 0, Name: "telephone-event", ClockRate: 16000}}},
	}
	for _, tt := range tests {
		l := testLocalMedia()
		l.Codecs = []Codec{codecOpus, codecPCMU}
		l.DTMFFormats = tt.d
		if _, err := BuildOffer(l); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
}

func TestAnswerWideband(t *testing.T) {
	tests := []struct {
		name      string
		offer     string
		local     func(*LocalMedia)
		wantMedia []string // lines of the answer's media section
		want      Negotiated
	}{
		{
			name:  "baresip's opus with telephone-event/8000 only: no DTMF at 48 kHz",
			offer: baresipOffer,
			local: widebandLocal,
			wantMedia: []string{"m=audio 40000 RTP/AVP 111\r\n",
				"a=rtpmap:111 opus/48000/2\r\na=fmtp:111 useinbandfec=1\r\n"},
			want: Negotiated{Remote: addrPort("192.168.1.100:10312"), Codec: codecOpus, Ptime: 20},
		},
		{
			name: "opus with telephone-event/48000",
			offer: sdpWithHeader("m=audio 5004 RTP/AVP 96 0 97 98", "a=rtpmap:96 OPUS/48000/2",
				"a=rtpmap:97 telephone-event/8000", "a=rtpmap:98 telephone-event/48000"),
			local:     widebandLocal,
			wantMedia: []string{"m=audio 40000 RTP/AVP 96 98\r\n", "a=rtpmap:96 opus/48000/2\r\n", "a=rtpmap:98 telephone-event/48000\r\n"},
			want: Negotiated{Remote: addrPort("198.51.100.1:5004"),
				Codec: Codec{PayloadType: 96, Name: "opus", ClockRate: 48000, Channels: 2, Fmtp: "useinbandfec=1"}, DTMFPayloadType: 98, Ptime: 20},
		},
		{
			name:      "G.722 takes telephone-event/8000",
			offer:     sdpWithHeader("m=audio 5004 RTP/AVP 9 101 102", "a=rtpmap:101 telephone-event/8000", "a=rtpmap:102 telephone-event/48000"),
			local:     widebandLocal,
			wantMedia: []string{"m=audio 40000 RTP/AVP 9 101\r\n", "a=rtpmap:9 G722/8000\r\n"},
			want:      Negotiated{Remote: addrPort("198.51.100.1:5004"), Codec: codecG722, DTMFPayloadType: 101, Ptime: 20},
		},
		{
			name:      "opus/48000/1 is not opus/48000/2",
			offer:     sdpWithHeader("m=audio 5004 RTP/AVP 96 0", "a=rtpmap:96 opus/48000/1"),
			local:     widebandLocal,
			wantMedia: []string{"m=audio 40000 RTP/AVP 0\r\n"},
			want:      Negotiated{Remote: addrPort("198.51.100.1:5004"), Codec: codecPCMU, Ptime: 20},
		},
		{
			name:      "no telephone-event at 48 kHz configured",
			offer:     sdpWithHeader("m=audio 5004 RTP/AVP 96 98", "a=rtpmap:96 opus/48000/2", "a=rtpmap:98 telephone-event/48000"),
			local:     func(l *LocalMedia) { l.Codecs = []Codec{codecOpus} },
			wantMedia: []string{"m=audio 40000 RTP/AVP 96\r\n"},
			want: Negotiated{Remote: addrPort("198.51.100.1:5004"),
				Codec: Codec{PayloadType: 96, Name: "opus", ClockRate: 48000, Channels: 2, Fmtp: "useinbandfec=1"}, Ptime: 20},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := testLocalMedia()
			tt.local(&l)
			ans, n, err := Answer([]byte(tt.offer), l)
			if err != nil {
				t.Fatal(err)
			}
			n.Direction = 0
			if n != tt.want {
				t.Errorf("negotiated %+v, want %+v", n, tt.want)
			}
			for _, line := range tt.wantMedia {
				if !strings.Contains(string(ans), line) {
					t.Errorf("answer lacks %q:\n%s", line, ans)
				}
			}
		})
	}
}

func TestParseAnswerWideband(t *testing.T) {
	l := testLocalMedia()
	widebandLocal(&l)
	tests := []struct {
		name   string
		answer string
		want   Codec
		dtmf   uint8
		err    error
	}{
		{"opus with its event", sdpWithHeader("m=audio 5004 RTP/AVP 111 102", "a=rtpmap:111 opus/48000/2", "a=rtpmap:102 telephone-event/48000"), codecOpus, 102, nil},
		{"opus, event at 8 kHz ignored", sdpWithHeader("m=audio 5004 RTP/AVP 111 101", "a=rtpmap:111 opus/48000/2", "a=rtpmap:101 telephone-event/8000"), codecOpus, 0, nil},
		{"opus event without rtpmap", sdpWithHeader("m=audio 5004 RTP/AVP 111 102", "a=rtpmap:111 opus/48000/2"), codecOpus, 102, nil},
		{"G.722 static", sdpWithHeader("m=audio 5004 RTP/AVP 9 101", "a=rtpmap:101 telephone-event/8000"), codecG722, 101, nil},
		{"opus mono is not ours", sdpWithHeader("m=audio 5004 RTP/AVP 111", "a=rtpmap:111 opus/48000"), Codec{}, 0, ErrNoCommonCodec},
	}
	for _, tt := range tests {
		n, err := ParseAnswer([]byte(tt.answer), l)
		if !errors.Is(err, tt.err) {
			t.Errorf("%s: error %v, want %v", tt.name, err, tt.err)
			continue
		}
		if err == nil && (n.Codec != tt.want || n.DTMFPayloadType != tt.dtmf) {
			t.Errorf("%s: codec %+v dtmf %d, want %+v dtmf %d", tt.name, n.Codec, n.DTMFPayloadType, tt.want, tt.dtmf)
		}
	}
}

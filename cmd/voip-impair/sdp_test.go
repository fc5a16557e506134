package main

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

const offer = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
	"m=audio 29100 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n"

func TestSDPAudio(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string // "" = ErrNoMedia
	}{
		{"session c=", offer, "127.0.0.1:29100"},
		{"media c= wins", "v=0\r\nc=IN IP4 127.0.0.2\r\nm=audio 4000 RTP/AVP 0\r\nc=IN IP4 127.0.0.3\r\n", "127.0.0.3:4000"},
		{"LF only", "v=0\nc=IN IP4 127.0.0.1\nm=audio 4000 RTP/AVP 0\n", "127.0.0.1:4000"},
		{"IPv6", "v=0\r\nc=IN IP6 ::1\r\nm=audio 4002 RTP/AVP 0\r\n", "[::1]:4002"},
		{"first audio only", "v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP 0\r\nm=audio 5000 RTP/AVP 0\r\nc=IN IP4 10.0.0.1\r\n", "127.0.0.1:4000"},
		{"video only", "v=0\r\nc=IN IP4 127.0.0.1\r\nm=video 4000 RTP/AVP 96\r\n", ""},
		{"no address", "v=0\r\nm=audio 4000 RTP/AVP 0\r\n", ""},
		{"bad port", "v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 70000 RTP/AVP 0\r\n", ""},
		{"bad c=", "v=0\r\nc=IN IP4 host.example\r\nm=audio 4000 RTP/AVP 0\r\n", ""},
	}
	for _, tt := range tests {
		got, err := sdpAudio([]byte(tt.body))
		switch {
		case tt.want == "" && !errors.Is(err, ErrNoMedia):
			t.Errorf("%s: sdpAudio = %v, %v; want ErrNoMedia", tt.name, got, err)
		case tt.want != "" && (err != nil || got != netip.MustParseAddrPort(tt.want)):
			t.Errorf("%s: sdpAudio = %v, %v; want %s", tt.name, got, err, tt.want)
		}
	}
}

func TestRewriteSDP(t *testing.T) {
	tests := []struct {
		name, body, ep, want string
	}{
		{"offer", offer, "127.0.0.1:40000",
			strings.Replace(offer, "m=audio 29100", "m=audio 40000", 1)},
		{"every c= line", "v=0\r\nc=IN IP4 127.0.0.2\r\nm=audio 4000 RTP/AVP 0\r\nc=IN IP4 127.0.0.3\r\n", "127.0.0.1:5",
			"v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 5 RTP/AVP 0\r\nc=IN IP4 127.0.0.1\r\n"},
		{"IPv6 relay", "v=0\nc=IN IP4 127.0.0.1\nm=audio 4000 RTP/AVP 0 8\n", "[::1]:6",
			"v=0\r\nc=IN IP6 ::1\r\nm=audio 6 RTP/AVP 0 8\r\n"},
		{"first audio only", "v=0\r\nm=audio 1 RTP/AVP 0\r\nm=audio 2 RTP/AVP 0\r\n", "127.0.0.1:7",
			"v=0\r\nm=audio 7 RTP/AVP 0\r\nm=audio 2 RTP/AVP 0\r\n"},
	}
	for _, tt := range tests {
		got := string(rewriteSDP([]byte(tt.body), netip.MustParseAddrPort(tt.ep)))
		if got != tt.want {
			t.Errorf("%s: rewriteSDP =\n%q\nwant\n%q", tt.name, got, tt.want)
		}
		if ep, err := sdpAudio([]byte(got)); err == nil && ep != netip.MustParseAddrPort(tt.ep) {
			t.Errorf("%s: the rewritten SDP names %v, want %s", tt.name, ep, tt.ep)
		}
	}
}

func TestSIPMessage(t *testing.T) {
	tests := []struct {
		name, in, callID, body, want string
	}{
		{"Content-Length", "INVITE sip:a@127.0.0.1 SIP/2.0\r\nCall-ID: abc\r\nContent-Length: 3\r\n\r\nxyz",
			"abc", "hello", "INVITE sip:a@127.0.0.1 SIP/2.0\r\nCall-ID: abc\r\nContent-Length: 5\r\n\r\nhello"},
		{"compact forms", "SIP/2.0 200 OK\r\ni: q1\r\nl: 3\r\n\r\nxyz",
			"q1", "", "SIP/2.0 200 OK\r\ni: q1\r\nl: 0\r\n\r\n"},
		{"case and spaces", "SIP/2.0 200 OK\r\ncall-id:  k \r\ncontent-length:3\r\n\r\nxyz",
			"k", "ab", "SIP/2.0 200 OK\r\ncall-id:  k \r\ncontent-length: 2\r\n\r\nab"},
	}
	for _, tt := range tests {
		m, ok := splitSIP([]byte(tt.in))
		if !ok || m.callID != tt.callID {
			t.Errorf("%s: splitSIP = %v, Call-ID %q; want %q", tt.name, ok, m.callID, tt.callID)
			continue
		}
		m.body = []byte(tt.body)
		if got := string(m.bytes()); got != tt.want {
			t.Errorf("%s: bytes() =\n%q\nwant\n%q", tt.name, got, tt.want)
		}
	}
	if _, ok := splitSIP([]byte("INVITE sip:a@b SIP/2.0\r\nCall-ID: x\r\n")); ok {
		t.Error("splitSIP accepted a message without the blank line after its headers")
	}
}

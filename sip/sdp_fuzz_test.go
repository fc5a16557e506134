package sip

import (
	"net/netip"
	"testing"

	"github.com/pion/sdp/v3"
)

// sdpFuzzSeeds returns the seed corpus shared by the SDP fuzz tests.
func sdpFuzzSeeds() []string {
	return []string{
		sippOffer,
		baresipOffer,
		sdpWithHeader("m=audio 5004 RTP/AVP 8 0 96", "a=rtpmap:96 telephone-event/8000", "a=sendonly"),
		sdpWithHeader("m=audio 5004 RTP/AVP 96 97 9", "a=rtpmap:96 opus/48000/2", "a=rtpmap:97 telephone-event/48000", "a=fmtp:96 useinbandfec=1"),
		sdpWithHeader("m=video 5006 RTP/AVP 96", "a=rtpmap:96 H264/90000", "m=audio 5004 RTP/AVP 97", "a=rtpmap:97 PCMU/8000"),
		sdpWithHeader("m=audio 0 RTP/AVP 0", "m=audio 5004 RTP/AVP 0", "c=IN IP4 0.0.0.0"),
		sdpWithHeader("m=audio 5004 RTP/SAVP 0"),
		sdpWithHeader("m=audio 5004 RTP/SAVP 0", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4"),
		sdpWithHeader("m=audio 5004 RTP/AVP 0", "a=crypto:1 AEAD_AES_128_GCM inline:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="),
		sdpText("v=0", "o=- 1 1 IN IP6 2001:db8::1", "s=-", "c=IN IP6 2001:db8::1", "t=0 0",
			"a=inactive", "m=audio 5004 RTP/AVP 0", "a=ptime:30"),
		sdpWithHeader("m=audio 5004 RTP/AVP"),
		"",
		"v=0\r\n",
	}
}

// fuzzLocal returns the local media used by the fuzz tests.
func fuzzLocal() LocalMedia {
	return LocalMedia{
		SessionID:       1,
		SessionVersion:  1,
		IP:              netip.MustParseAddr("192.0.2.10"),
		Port:            40000,
		Codecs:          []Codec{codecPCMU, codecPCMA, {PayloadType: 9, Name: "G722", ClockRate: 8000}, codecOpus},
		DTMFPayloadType: 101,
		DTMFFormats:     []Codec{dtmf48k},
	}
}

func FuzzAnswer(f *testing.F) {
	for _, s := range sdpFuzzSeeds() {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, offer []byte) {
		l := fuzzLocal()
		answer, n, err := Answer(offer, l)
		if err != nil {
			if answer != nil {
				t.Fatalf("answer %q returned with error %v", answer, err)
			}
			if !isSDPError(err) {
				t.Fatalf("unexpected error class: %v", err)
			}

			return
		}

		off, err := parseSDP(offer)
		if err != nil {
			t.Fatalf("Answer accepted an offer that does not parse: %v", err)
		}
		var ans sdp.SessionDescription
		if err := ans.Unmarshal(answer); err != nil {
			t.Fatalf("answer does not parse: %v\n%q", err, answer)
		}
		if len(ans.MediaDescriptions) != len(off.MediaDescriptions) {
			t.Fatalf("answer has %d m= lines, offer %d", len(ans.MediaDescriptions), len(off.MediaDescriptions))
		}
		if !n.Direction.valid() || n.Ptime < 1 || n.Ptime > maxPtime {
			t.Fatalf("bad Negotiated %+v", n)
		}

		back, err := ParseAnswer(answer, l)
		if err != nil {
			t.Fatalf("ParseAnswer rejects our answer: %v\n%q", err, answer)
		}
		if back.Codec != n.Codec || back.DTMFPayloadType != n.DTMFPayloadType {
			t.Fatalf("ParseAnswer = %v/%d, Answer = %v/%d", back.Codec, back.DTMFPayloadType, n.Codec, n.DTMFPayloadType)
		}
		if want := netip.AddrPortFrom(l.IP, uint16(l.Port)); back.Remote != want {
			t.Fatalf("ParseAnswer remote = %v, want %v", back.Remote, want)
		}
		if back.Direction != n.Direction.Reverse() {
			t.Fatalf("ParseAnswer direction = %v, answer direction %v", back.Direction, n.Direction)
		}
	})
}

func FuzzParseAnswer(f *testing.F) {
	for _, s := range sdpFuzzSeeds() {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, answer []byte) {
		l := fuzzLocal()
		n, err := ParseAnswer(answer, l)
		if err != nil {
			if !isSDPError(err) {
				t.Fatalf("unexpected error class: %v", err)
			}

			return
		}
		if !n.Remote.IsValid() || n.Remote.Port() == 0 {
			t.Fatalf("bad remote %v", n.Remote)
		}
		if !n.Direction.valid() || n.Ptime < 1 || n.Ptime > maxPtime {
			t.Fatalf("bad Negotiated %+v", n)
		}
		if n.Codec.PayloadType > maxPayloadType || n.DTMFPayloadType > maxPayloadType {
			t.Fatalf("bad payload types %+v", n)
		}
		offered := false
		for _, c := range l.Codecs {
			if c.Name == n.Codec.Name && c.ClockRate == n.Codec.ClockRate {
				offered = true
			}
		}
		if !offered {
			t.Fatalf("codec %v was not offered", n.Codec)
		}
	})
}

package voip

import (
	"github.com/libvoip/libvoip/rtp"
	"github.com/libvoip/libvoip/sip"
)

// sdpCodecs returns the SDP formats of cfg's codecs, in its order, and the
// telephone-event formats at their clock rates other than 8000 (RFC 4733
// §2.1: Opus's events run at 48 kHz). Dynamic payload types are the
// codec's default (opus 111) unless taken, then the next free one from 96;
// a telephone-event/48000 takes the first free one after
// cfg.DTMFPayloadType.
func sdpCodecs(cfg *Config) (codecs, dtmf []sip.Codec) {
	var used [128]bool
	if cfg.DTMFPayloadType != 0 {
		used[cfg.DTMFPayloadType] = true
	}
	for _, n := range cfg.Codecs {
		if c := rtp.CodecByName(n); c != nil && c.PayloadType < 96 {
			used[c.PayloadType] = true
		}
	}
	codecs = make([]sip.Codec, 0, len(cfg.Codecs))
	for _, n := range cfg.Codecs {
		c := rtp.CodecByName(n)
		if c == nil {
			continue // parseCodecs admits none
		}
		pt := c.PayloadType
		if pt >= 96 {
			pt = freePayloadType(&used, pt)
		}
		codecs = append(codecs, sip.Codec{PayloadType: pt, Name: c.Name, ClockRate: c.ClockRate,
			Channels: c.Channels, Fmtp: c.Fmtp})
		if cfg.DTMFPayloadType != 0 && c.ClockRate != 8000 && !hasRate(dtmf, c.ClockRate) {
			dtmf = append(dtmf, sip.Codec{Name: "telephone-event", ClockRate: c.ClockRate})
		}
	}
	for i := range dtmf {
		dtmf[i].PayloadType = freePayloadType(&used, cfg.DTMFPayloadType+1)
	}
	return codecs, dtmf
}

// freePayloadType marks and returns the first dynamic payload type not in
// used, starting at from (wrapping within 96..127); 96..127 hold 32, more
// than Codecs() and their events need.
func freePayloadType(used *[128]bool, from uint8) uint8 {
	for i := 0; i < 32; i++ {
		pt := 96 + (int(from)-96+i+32)%32
		if !used[pt] {
			used[pt] = true
			return uint8(pt)
		}
	}
	return from
}

func hasRate(cs []sip.Codec, rate uint32) bool {
	for _, c := range cs {
		if c.ClockRate == rate {
			return true
		}
	}
	return false
}

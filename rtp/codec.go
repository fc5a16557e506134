package rtp

import (
	"strings"

	"github.com/zaf/g711"
)

// Codec is a G.711 narrowband codec: 8 kHz, one byte per sample.
//
// The two instances PCMU and PCMA are the only values of this type; they are
// immutable and safe for concurrent use.
type Codec struct {
	Name        string // "PCMU" or "PCMA"
	PayloadType uint8  // static RTP payload type: 0 or 8
	ClockRate   uint32 // 8000

	alaw bool // A-law rather than µ-law companding
}

// PCMU is G.711 µ-law, static RTP payload type 0 (RFC 3551).
var PCMU = &Codec{
	Name:        "PCMU",
	PayloadType: 0,
	ClockRate:   8000,
}

// PCMA is G.711 A-law, static RTP payload type 8 (RFC 3551).
var PCMA = &Codec{
	Name:        "PCMA",
	PayloadType: 8,
	ClockRate:   8000,
	alaw:        true,
}

// Encode compresses the linear 16-bit samples pcm into dst, one byte per
// sample, and returns dst[:len(pcm)]. dst is reused when its capacity is at
// least len(pcm); otherwise a new slice is allocated.
func (c *Codec) Encode(dst []byte, pcm []int16) []byte {
	dst = grow(dst, len(pcm))
	if c.alaw {
		for i, s := range pcm {
			dst[i] = g711.EncodeAlawFrame(s)
		}
	} else {
		for i, s := range pcm {
			dst[i] = g711.EncodeUlawFrame(s)
		}
	}
	return dst
}

// Decode expands the G.711 payload into linear 16-bit samples in dst and
// returns dst[:len(payload)]. dst is reused when its capacity is at least
// len(payload); otherwise a new slice is allocated.
func (c *Codec) Decode(dst []int16, payload []byte) []int16 {
	dst = grow(dst, len(payload))
	if c.alaw {
		for i, b := range payload {
			dst[i] = g711.DecodeAlawFrame(b)
		}
	} else {
		for i, b := range payload {
			dst[i] = g711.DecodeUlawFrame(b)
		}
	}
	return dst
}

// String returns the codec's encoding name, e.g. "PCMU".
func (c *Codec) String() string {
	if c == nil {
		return "<nil>"
	}
	return c.Name
}

// CodecByName returns the codec whose encoding name (as used in SDP rtpmap
// attributes) matches name case-insensitively, or nil if there is none.
func CodecByName(name string) *Codec {
	switch {
	case strings.EqualFold(name, PCMU.Name):
		return PCMU
	case strings.EqualFold(name, PCMA.Name):
		return PCMA
	}
	return nil
}

// CodecByPayloadType returns the codec for a static RTP payload type
// (0 for PCMU, 8 for PCMA), or nil if there is none.
func CodecByPayloadType(pt uint8) *Codec {
	switch pt {
	case PCMU.PayloadType:
		return PCMU
	case PCMA.PayloadType:
		return PCMA
	}
	return nil
}

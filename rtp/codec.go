package rtp

import (
	"errors"
	"strings"

	"github.com/zaf/g711"
)

// Codec describes an audio codec as RTP and SDP see it: its encoding name,
// its payload type, its RTP clock and the rate of the audio it carries.
//
// The values PCMU, PCMA, G722 and Opus are the only ones; they are
// immutable and safe for concurrent use. A codec that keeps state between
// frames (G.722, Opus) encodes and decodes through NewEncoder and
// NewDecoder; G.711 can also use the stateless Encode and Decode.
type Codec struct {
	Name        string // encoding name in SDP: "PCMU", "PCMA", "G722", "opus"
	PayloadType uint8  // static RTP payload type, or the default dynamic one
	ClockRate   uint32 // RTP timestamp clock (RFC 3551; G.722 keeps 8000)
	SampleRate  int    // rate of the audio the codec carries
	Channels    uint8  // channel count in a=rtpmap (Opus: 2, RFC 7587); 0 = 1
	Fmtp        string // format parameters offered in a=fmtp, "" for none

	kind codecKind
}

type codecKind uint8

const (
	kindULaw codecKind = iota
	kindALaw
	kindG722
	kindOpus
)

// FrameMs is the packetisation time of every stream: 20 ms per packet.
const FrameMs = 20

// MaxFrameSamples is the largest number of samples of one 20 ms mono frame
// (48 kHz).
const MaxFrameSamples = 48000 * FrameMs / 1000

// ErrCodec is returned when an encoder or decoder cannot be made or a
// frame cannot be coded (wrapped with the detail).
var ErrCodec = errors.New("rtp: codec error")

// PCMU is G.711 µ-law, static RTP payload type 0 (RFC 3551).
var PCMU = &Codec{Name: "PCMU", PayloadType: 0, ClockRate: 8000, SampleRate: 8000}

// PCMA is G.711 A-law, static RTP payload type 8 (RFC 3551).
var PCMA = &Codec{Name: "PCMA", PayloadType: 8, ClockRate: 8000, SampleRate: 8000, kind: kindALaw}

// G722 is ITU-T G.722 at 64 kbit/s: 16 kHz audio, static payload type 9,
// with an RTP clock of 8000 Hz for historical reasons (RFC 3551 §4.5.2).
var G722 = &Codec{Name: "G722", PayloadType: 9, ClockRate: 8000, SampleRate: 16000, kind: kindG722}

// Opus is RFC 6716 audio carried as RFC 7587 says: opus/48000/2 in SDP
// whatever is really sent, dynamic payload type 111 by default. libvoip
// sends mono.
var Opus = &Codec{
	Name: "opus", PayloadType: 111, ClockRate: 48000, SampleRate: 48000, Channels: 2,
	Fmtp: "minptime=10;useinbandfec=1;stereo=0;sprop-stereo=0",
	kind: kindOpus,
}

// Codecs lists every codec libvoip speaks, in its default preference order.
func Codecs() []*Codec { return []*Codec{PCMU, PCMA, G722, Opus} }

// Wideband reports whether the codec carries audio above 4 kHz.
func (c *Codec) Wideband() bool { return c.SampleRate > 8000 }

// ClockSamples is the number of RTP timestamp units in one 20 ms packet.
func (c *Codec) ClockSamples() int { return int(c.ClockRate) * FrameMs / 1000 }

// Encode compresses the linear 16-bit samples pcm into dst with G.711, one
// byte per sample, and returns dst[:len(pcm)]. dst is reused when its
// capacity is at least len(pcm); otherwise a new slice is allocated.
// Codecs with state (G.722, Opus) return dst[:0]: use NewEncoder.
func (c *Codec) Encode(dst []byte, pcm []int16) []byte {
	switch c.kind {
	case kindULaw:
		dst = grow(dst, len(pcm))
		encodeG711(dst, pcm, ulawTable, 2) // g711_table.go
	case kindALaw:
		dst = grow(dst, len(pcm))
		encodeG711(dst, pcm, alawTable, 3)
	default:
		return dst[:0]
	}
	return dst
}

// Decode expands the G.711 payload into linear 16-bit samples in dst and
// returns dst[:len(payload)]. dst is reused when its capacity is at least
// len(payload); otherwise a new slice is allocated. Codecs with state
// (G.722, Opus) return dst[:0]: use NewDecoder.
func (c *Codec) Decode(dst []int16, payload []byte) []int16 {
	switch c.kind {
	case kindULaw:
		dst = grow(dst, len(payload))
		for i, b := range payload {
			dst[i] = g711.DecodeUlawFrame(b)
		}
	case kindALaw:
		dst = grow(dst, len(payload))
		for i, b := range payload {
			dst[i] = g711.DecodeAlawFrame(b)
		}
	default:
		return dst[:0]
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
	for _, c := range Codecs() {
		if strings.EqualFold(name, c.Name) {
			return c
		}
	}
	return nil
}

// CodecByPayloadType returns the codec for a static RTP payload type
// (0 PCMU, 8 PCMA, 9 G722), or nil if there is none.
func CodecByPayloadType(pt uint8) *Codec {
	switch pt {
	case PCMU.PayloadType:
		return PCMU
	case PCMA.PayloadType:
		return PCMA
	case G722.PayloadType:
		return G722
	}
	return nil
}

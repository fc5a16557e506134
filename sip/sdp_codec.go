package sip

// Codec matching: static payload types, the codec of an answer, and
// telephone-event (RFC 4733) formats.

import (
	"fmt"
	"strings"
)

// staticCodec returns the RFC 3551 §6 audio encoding of a static payload
// type. Multi-channel encodings are omitted.
func staticCodec(pt uint8) (Codec, bool) {
	var name string
	rate := uint32(8000)
	switch pt {
	case 0:
		name = "PCMU"
	case 3:
		name = "GSM"
	case 4:
		name = "G723"
	case 5:
		name = "DVI4"
	case 6:
		name, rate = "DVI4", 16000
	case 7:
		name = "LPC"
	case 8:
		name = "PCMA"
	case 9:
		name = "G722"
	case 11:
		name, rate = "L16", 44100
	case 12:
		name = "QCELP"
	case 13:
		name = "CN"
	case 15:
		name = "G728"
	case 16:
		name, rate = "DVI4", 11025
	case 17:
		name, rate = "DVI4", 22050
	case 18:
		name = "G729"
	default:
		return Codec{}, false
	}

	return Codec{PayloadType: pt, Name: name, ClockRate: rate}, true
}

// findCodec returns the codec of local with the name and clock rate of c.
func findCodec(local []Codec, c Codec) (Codec, bool) {
	if c.Name == "" {
		return Codec{}, false
	}
	for _, l := range local {
		if strings.EqualFold(l.Name, c.Name) && l.ClockRate == c.ClockRate && l.channels() == c.channels() {
			return l, true
		}
	}

	return Codec{}, false
}

// answerCodec returns the first offered format that matches a local codec,
// with the offerer's payload type.
func answerCodec(offered []sdpFormat, local []Codec) (Codec, bool) {
	for _, f := range offered {
		if l, ok := findCodec(local, f.codec); ok {
			l.PayloadType = f.pt
			return l, true
		}
	}

	return Codec{}, false
}

// answeredCodec returns the first answered format that matches an offered
// codec, with the answerer's payload type. Formats without a known encoding
// match by payload type number.
func answeredCodec(answered []sdpFormat, offered []Codec) (Codec, bool) {
	for _, f := range answered {
		if f.codec.Name != "" {
			if l, ok := findCodec(offered, f.codec); ok {
				l.PayloadType = f.pt
				return l, true
			}

			continue
		}
		if f.mapped {
			continue // an unusable a=rtpmap, such as a stereo format
		}
		for _, l := range offered {
			if l.PayloadType == f.pt {
				return l, true
			}
		}
	}

	return Codec{}, false
}

// isDTMF reports whether c is telephone-event at clock rate.
func isDTMF(c Codec, rate uint32) bool {
	return strings.EqualFold(c.Name, telephoneEvent) && c.ClockRate == rate && c.channels() == 1
}

// offeredDTMF returns the payload type of telephone-event at clock rate
// (the chosen codec's, RFC 4733 §2.1) in offered, or 0.
func offeredDTMF(offered []sdpFormat, rate uint32) uint8 {
	for _, f := range offered {
		if isDTMF(f.codec, rate) {
			return f.pt
		}
	}

	return 0
}

// answeredDTMF returns the payload type of telephone-event at the clock
// rate of codec in answered, or 0. A format without a=rtpmap is accepted
// when it is the payload type we offered for telephone-event at that rate.
func answeredDTMF(answered []sdpFormat, offeredPT uint8, codec Codec) uint8 {
	for _, f := range answered {
		if f.pt == codec.PayloadType {
			continue
		}
		if isDTMF(f.codec, codec.ClockRate) || (!f.mapped && f.codec.Name == "" && f.pt == offeredPT) {
			return f.pt
		}
	}

	return 0
}

// dtmfPayloadType is our telephone-event payload type at clock rate, or 0.
func (l *LocalMedia) dtmfPayloadType(rate uint32) uint8 {
	if rate == dtmfClockRate {
		return l.DTMFPayloadType
	}
	for _, d := range l.DTMFFormats {
		if d.ClockRate == rate {
			return d.PayloadType
		}
	}

	return 0
}

// offersRate reports whether one of l.Codecs has clock rate.
func (l *LocalMedia) offersRate(rate uint32) bool {
	for _, c := range l.Codecs {
		if c.ClockRate == rate {
			return true
		}
	}

	return false
}

// validateDTMFFormats checks l.DTMFFormats: telephone-event at distinct
// clock rates other than 8000, with payload types no codec uses.
func (l *LocalMedia) validateDTMFFormats() error {
	for i, d := range l.DTMFFormats {
		switch {
		case !strings.EqualFold(d.Name, telephoneEvent):
			return fmt.Errorf("sdp: DTMF format %q is not telephone-event", d.Name)
		case d.PayloadType == 0 || d.PayloadType > maxPayloadType:
			return fmt.Errorf("sdp: DTMF payload type %d out of range", d.PayloadType)
		case d.ClockRate == 0 || d.ClockRate == dtmfClockRate:
			return fmt.Errorf("sdp: DTMF format at clock rate %d (8000 is DTMFPayloadType's)", d.ClockRate)
		case d.PayloadType == l.DTMFPayloadType:
			return fmt.Errorf("sdp: duplicate payload type %d", d.PayloadType)
		}
		for _, o := range l.DTMFFormats[:i] {
			if o.ClockRate == d.ClockRate || o.PayloadType == d.PayloadType {
				return fmt.Errorf("sdp: duplicate DTMF format %v", d)
			}
		}
		for _, c := range l.Codecs {
			if c.PayloadType == d.PayloadType {
				return fmt.Errorf("sdp: codec %q uses the DTMF payload type %d", c.Name, d.PayloadType)
			}
		}
	}

	return nil
}

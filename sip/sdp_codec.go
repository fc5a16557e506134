package sip

// Codec matching: static payload types, the codec of an answer, and
// telephone-event (RFC 4733) formats.

import "strings"

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
		if strings.EqualFold(l.Name, c.Name) && l.ClockRate == c.ClockRate {
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

func isDTMF(c Codec) bool {
	return strings.EqualFold(c.Name, telephoneEvent) && c.ClockRate == dtmfClockRate
}

// offeredDTMF returns the payload type of telephone-event/8000 in offered,
// or 0.
func offeredDTMF(offered []sdpFormat) uint8 {
	for _, f := range offered {
		if isDTMF(f.codec) {
			return f.pt
		}
	}

	return 0
}

// answeredDTMF returns the payload type of telephone-event/8000 in
// answered, or 0. A format without a=rtpmap is accepted when it is the
// payload type we offered for telephone-event.
func answeredDTMF(answered []sdpFormat, offeredPT, codecPT uint8) uint8 {
	for _, f := range answered {
		if f.pt == codecPT {
			continue
		}
		if isDTMF(f.codec) || (!f.mapped && f.codec.Name == "" && f.pt == offeredPT) {
			return f.pt
		}
	}

	return 0
}

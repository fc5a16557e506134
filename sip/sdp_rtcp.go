package sip

// The call-quality attributes of the audio stream: where RTCP goes
// (a=rtcp, RFC 3605; RTP port + 1 without it, RFC 3550 §11), RTCP on the
// RTP port (a=rtcp-mux, RFC 5761 §5.1: offered, and accepted when offered)
// and comfort noise (CN/8000, RFC 3389; static payload type 13).

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
)

const (
	attrRTCP         = "rtcp"
	comfortNoise     = "CN"
	cnPayloadType    = 13
	comfortNoiseRate = 8000
)

// addQualityOffer adds to our offer md the CN format and the RTCP
// attributes that l asks for.
func addQualityOffer(md *sdp.MediaDescription, l *LocalMedia) {
	if l.ComfortNoise && !l.usesPayloadType(cnPayloadType) {
		addCN(md, cnPayloadType)
	}
	addRTCPAttrs(md, l.RTCPPort, l.RTCPMux)
}

// addQualityAnswer adds to our answer a what n agreed.
func addQualityAnswer(a *sdp.MediaDescription, l *LocalMedia, n Negotiated) {
	if n.CNPayloadType != 0 {
		addCN(a, n.CNPayloadType)
	}
	addRTCPAttrs(a, l.RTCPPort, n.RTCPMux)
}

// usesPayloadType reports whether a codec or telephone-event of l has pt.
func (l *LocalMedia) usesPayloadType(pt uint8) bool {
	if l.DTMFPayloadType == pt {
		return true
	}
	for _, c := range l.Codecs {
		if c.PayloadType == pt {
			return true
		}
	}
	for _, d := range l.DTMFFormats {
		if d.PayloadType == pt {
			return true
		}
	}
	return false
}

func addCN(md *sdp.MediaDescription, pt uint8) {
	c := Codec{PayloadType: pt, Name: comfortNoise, ClockRate: comfortNoiseRate}
	md.MediaName.Formats = append(md.MediaName.Formats, strconv.Itoa(int(pt)))
	md.Attributes = append(md.Attributes, sdp.NewAttribute(attrRTPMap, c.String()))
}

func addRTCPAttrs(md *sdp.MediaDescription, port int, mux bool) {
	if port > 0 && port <= 65535 {
		md.Attributes = append(md.Attributes, sdp.NewAttribute(attrRTCP, strconv.Itoa(port)))
	}
	if mux {
		md.Attributes = append(md.Attributes, sdp.NewPropertyAttribute(attrRTCPMux))
	}
}

// negotiateQuality fills n's RTCP address, rtcp-mux and CN payload type
// (only with a codec at an 8 kHz RTP clock, as CN/8000 is)
// from the peer's stream md (an offer or an answer) and what we want (l):
// nothing about RTCP unless l has an RTCP port or rtcp-mux, mux when both
// sides list a=rtcp-mux, CN when we want it and md carries CN/8000.
func negotiateQuality(n *Negotiated, md *sdp.MediaDescription, formats []sdpFormat, l *LocalMedia) {
	if l.RTCPPort > 0 || l.RTCPMux { // we do RTCP
		n.RTCPMux = l.RTCPMux && hasAttr(md.Attributes, attrRTCPMux) // sdp_ice.go
		n.RTCP = peerRTCP(md, n.Remote)
	}
	if l.ComfortNoise && n.Codec.ClockRate == comfortNoiseRate { // CN/8000 goes with an 8 kHz clock
		for _, f := range formats {
			if strings.EqualFold(f.codec.Name, comfortNoise) && f.codec.ClockRate == comfortNoiseRate &&
				f.pt != n.Codec.PayloadType && f.pt != n.DTMFPayloadType {
				n.CNPayloadType = f.pt
				break
			}
		}
	}
}

// peerRTCP is where the peer wants RTCP: its a=rtcp port (and address, if
// it names one), else its RTP port + 1.
func peerRTCP(md *sdp.MediaDescription, rtp netip.AddrPort) netip.AddrPort {
	addr := rtp.Addr()
	for _, a := range md.Attributes {
		if !strings.EqualFold(a.Key, attrRTCP) {
			continue
		}
		// "port [IN IP4 addr]"
		f := strings.Fields(a.Value)
		if len(f) == 0 {
			break
		}
		port, err := strconv.ParseUint(f[0], 10, 16)
		if err != nil || port == 0 {
			break
		}
		if len(f) == 4 && strings.EqualFold(f[1], networkTypeIN) {
			if ip, err := netip.ParseAddr(f[3]); err == nil && !ip.IsMulticast() {
				addr = ip.Unmap().WithZone("")
			}
		}
		return netip.AddrPortFrom(addr, uint16(port))
	}
	if rtp.Port() == 0 || rtp.Port() == 65535 {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(addr, rtp.Port()+1)
}

package sip

// Reading a parsed session description: the m= line to use, its formats,
// its address and its ptime.

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
)

// parseSDP parses b and checks that it is a complete session description
// of bounded size.
func parseSDP(b []byte) (s *sdp.SessionDescription, err error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: empty", ErrMalformed)
	}
	if len(b) > maxSDPSize {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrMalformed, maxSDPSize)
	}
	text := string(b)
	if !strings.HasSuffix(text, "\n") {
		// The last line of many real-world bodies lacks its CRLF; the
		// parser would report io.EOF.
		text += "\r\n"
	}

	defer func() {
		// The parser is not ours; turn a panic on hostile input into an
		// error rather than taking the process down.
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("%w: parser panic: %v", ErrMalformed, r)
		}
	}()
	s = new(sdp.SessionDescription)
	if err := s.UnmarshalString(text); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	// The parser accepts any prefix of a description, even an empty one.
	if s.Origin.NetworkType == "" || len(s.TimeDescriptions) == 0 {
		return nil, fmt.Errorf("%w: missing o=, s= or t= line", ErrMalformed)
	}
	if s.Version != 0 {
		return nil, fmt.Errorf("%w: unsupported version %d", ErrMalformed, s.Version)
	}
	if len(s.MediaDescriptions) > maxMediaDescriptions {
		return nil, fmt.Errorf("%w: more than %d m= lines", ErrMalformed, maxMediaDescriptions)
	}

	return s, nil
}

// firstAudio returns the index of the first m=audio line with a non-zero
// port and the RTP/AVP transport (or RTP/SAVP when savp), or -1.
func firstAudio(s *sdp.SessionDescription, savp bool) int {
	for i, md := range s.MediaDescriptions {
		if md.MediaName.Media == mediaTypeAudio && md.MediaName.Port.Value != 0 &&
			(strings.EqualFold(strings.Join(md.MediaName.Protos, "/"), transportRTPAVP) || savp && (isSAVP(md) || isDTLSProto(md))) {
			return i
		}
	}

	return -1
}

// sdpFormat is one payload type of an m= line with what its a=rtpmap, or the
// static payload type table, says about it.
type sdpFormat struct {
	pt    uint8
	codec Codec // Name is empty when unknown
	// mapped reports whether an a=rtpmap line exists for pt, even an
	// unusable one.
	mapped bool
}

// formatsOf returns the first maxFormats valid payload types of md.
func formatsOf(md *sdp.MediaDescription) []sdpFormat {
	var fs []sdpFormat
	for _, f := range md.MediaName.Formats {
		if len(fs) == maxFormats {
			break
		}
		pt, err := strconv.ParseUint(f, 10, 8)
		if err != nil || pt > maxPayloadType {
			continue
		}
		fs = append(fs, sdpFormat{pt: uint8(pt)})
	}

	// At most one pass over the attributes; the first a=rtpmap of a
	// payload type wins.
	for _, a := range md.Attributes {
		if !strings.EqualFold(a.Key, attrRTPMap) {
			continue
		}
		c, ok := parseRTPMap(a.Value)
		for i := range fs {
			if fs[i].pt == c.PayloadType && !fs[i].mapped {
				fs[i].mapped = true
				if ok {
					fs[i].codec = c
				}
			}
		}
	}
	for i := range fs {
		if !fs[i].mapped {
			fs[i].codec, _ = staticCodec(fs[i].pt)
		}
	}

	return fs
}

// parseRTPMap parses the value of an a=rtpmap attribute,
// "<payload type> <encoding name>/<clock rate>[/<channels>]". ok is false
// when the value is malformed or has more than one channel, except for
// opus/48000/2 (RFC 7587 §7: always declared with two channels, whatever
// is sent); the payload type is still returned when it could be parsed.
func parseRTPMap(v string) (c Codec, ok bool) {
	fields := strings.Fields(v)
	if len(fields) == 0 {
		return Codec{}, false
	}
	pt, err := strconv.ParseUint(fields[0], 10, 8)
	if err != nil || pt > maxPayloadType {
		// 255 is never a valid payload type, so it matches no format.
		return Codec{PayloadType: 255}, false
	}
	c.PayloadType = uint8(pt)
	if len(fields) != 2 {
		return c, false
	}
	parts := strings.Split(fields[1], "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" {
		return c, false
	}
	rate, err := strconv.ParseUint(parts[1], 10, 32)
	if err != nil || rate == 0 {
		return c, false
	}
	if len(parts) == 3 && parts[2] != "1" {
		if parts[2] != "2" || !strings.EqualFold(parts[0], "opus") {
			return c, false
		}
		c.Channels = 2
	}
	c.Name, c.ClockRate = parts[0], uint32(rate)

	return c, true
}

// remoteAddr returns the RTP destination of md: the media-level connection
// address if present, else the session-level one, and the m= port.
func remoteAddr(s *sdp.SessionDescription, md *sdp.MediaDescription) (netip.AddrPort, error) {
	ci := md.ConnectionInformation
	if ci == nil {
		ci = s.ConnectionInformation
	}
	if ci == nil || ci.Address == nil {
		return netip.AddrPort{}, fmt.Errorf("%w: no connection address for the audio stream", ErrMalformed)
	}
	ip, err := netip.ParseAddr(ci.Address.Address)
	if err != nil {
		// A host name, or a multicast address with a TTL.
		return netip.AddrPort{}, fmt.Errorf("%w: unsupported connection address %q", ErrNoAudio, ci.Address.Address)
	}
	ip = ip.Unmap().WithZone("")
	if ip.IsMulticast() {
		return netip.AddrPort{}, fmt.Errorf("%w: multicast connection address %v", ErrNoAudio, ip)
	}

	return netip.AddrPortFrom(ip, uint16(md.MediaName.Port.Value)), nil // the parser checks 0-65535
}

// remotePtime returns the a=ptime of md, else the session-level one, else
// 20. Fractional values are rounded down; values out of 1-1000 are ignored.
func remotePtime(s *sdp.SessionDescription, md *sdp.MediaDescription) int {
	for _, attrs := range [][]sdp.Attribute{md.Attributes, s.Attributes} {
		for _, a := range attrs {
			if !strings.EqualFold(a.Key, attrPtime) {
				continue
			}
			v := strings.TrimSpace(a.Value)
			if i := strings.IndexByte(v, '.'); i >= 0 {
				v = v[:i]
			}
			if p, err := strconv.Atoi(v); err == nil && p >= 1 && p <= maxPtime {
				return p
			}

			return defaultPtime
		}
	}

	return defaultPtime
}

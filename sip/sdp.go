package sip

// SDP offer/answer (RFC 3264) for a single audio stream.
//
// Parsing and marshalling are done by github.com/pion/sdp/v3; everything
// about negotiation (which stream, which codec, which direction) lives here.

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
)

// Limits that bound the work done on untrusted input.
const (
	// maxSDPSize is the largest session description Answer and
	// ParseAnswer accept.
	maxSDPSize = 64 << 10
	// maxMediaDescriptions is the largest number of m= lines accepted in a
	// session description.
	maxMediaDescriptions = 64
	// maxFormats is the number of payload types of an m= line that are
	// considered during negotiation; further formats are ignored.
	maxFormats = 64
	// maxPtime is the largest packetization time, in milliseconds, that is
	// accepted from either side.
	maxPtime = 1000
)

const (
	sdpSessionName  = "libvoip"
	defaultPtime    = 20
	telephoneEvent  = "telephone-event"
	dtmfClockRate   = 8000
	dtmfEvents      = "0-16"
	maxPayloadType  = 127
	attrRTPMap      = "rtpmap"
	attrFmtp        = "fmtp"
	attrPtime       = "ptime"
	networkTypeIN   = "IN"
	addressTypeIPv4 = "IP4"
	addressTypeIPv6 = "IP6"
	mediaTypeAudio  = "audio"
	transportRTPAVP = "RTP/AVP"
	defaultUsername = "-"
)

// Errors returned by Answer and ParseAnswer. Callers answering an INVITE
// typically map ErrNoCommonCodec and ErrNoAudio to 488 Not Acceptable Here
// and ErrMalformed to 400 Bad Request (or 488).
var (
	// ErrNoCommonCodec is returned when the audio stream has no payload
	// format in common with the local codecs.
	ErrNoCommonCodec = errors.New("sdp: no common codec")
	// ErrNoAudio is returned when the session description has no usable
	// audio stream: no m=audio line, only disabled ones (port 0), only
	// unsupported transports (anything but RTP/AVP) or a connection
	// address that cannot be used (host name, multicast).
	ErrNoAudio = errors.New("sdp: no usable audio stream")
	// ErrMalformed is returned when the input is not a valid session
	// description. The parser's error, if any, is wrapped as well.
	ErrMalformed = errors.New("sdp: malformed session description")
)

// Direction is an SDP media direction attribute (RFC 3264 §5.1).
// The zero value is SendRecv.
type Direction int

// Media directions.
const (
	// SendRecv sends and receives media (a=sendrecv).
	SendRecv Direction = iota
	// SendOnly only sends media (a=sendonly).
	SendOnly
	// RecvOnly only receives media (a=recvonly).
	RecvOnly
	// Inactive neither sends nor receives media (a=inactive).
	Inactive
)

// String returns the SDP attribute name of d, such as "sendrecv".
func (d Direction) String() string {
	switch d {
	case SendRecv:
		return "sendrecv"
	case SendOnly:
		return "sendonly"
	case RecvOnly:
		return "recvonly"
	case Inactive:
		return "inactive"
	default:
		return "Direction(" + strconv.Itoa(int(d)) + ")"
	}
}

// Reverse returns the direction seen from the other side of the stream:
// SendOnly and RecvOnly are swapped, the other directions are unchanged.
// For example, a peer's a=sendonly means we only receive.
func (d Direction) Reverse() Direction {
	switch d {
	case SendOnly:
		return RecvOnly
	case RecvOnly:
		return SendOnly
	default:
		return d
	}
}

// Sends reports whether d includes sending media.
func (d Direction) Sends() bool { return d == SendRecv || d == SendOnly }

// Receives reports whether d includes receiving media.
func (d Direction) Receives() bool { return d == SendRecv || d == RecvOnly }

// valid reports whether d is one of the defined directions.
func (d Direction) valid() bool { return d >= SendRecv && d <= Inactive }

// intersect returns the direction that allows only what both d and o allow.
func (d Direction) intersect(o Direction) Direction {
	return directionOf(d.Sends() && o.Sends(), d.Receives() && o.Receives())
}

// withoutSend returns d with sending removed.
func (d Direction) withoutSend() Direction {
	return directionOf(false, d.Receives())
}

func directionOf(send, recv bool) Direction {
	switch {
	case send && recv:
		return SendRecv
	case send:
		return SendOnly
	case recv:
		return RecvOnly
	default:
		return Inactive
	}
}

// ParseDirection parses an SDP direction attribute name ("sendrecv",
// "sendonly", "recvonly" or "inactive"). Case is ignored.
func ParseDirection(s string) (Direction, error) {
	for d := SendRecv; d <= Inactive; d++ {
		if strings.EqualFold(s, d.String()) {
			return d, nil
		}
	}

	return 0, fmt.Errorf("sdp: unknown direction %q", s)
}

// Codec is an audio payload format as SDP describes it (a=rtpmap).
// Only single-channel formats are supported.
type Codec struct {
	// PayloadType is the RTP payload type number, 0 to 127.
	PayloadType uint8
	// Name is the encoding name, such as "PCMU", "PCMA" or
	// "telephone-event". It is compared case-insensitively.
	Name string
	// ClockRate is the RTP clock rate in Hz, such as 8000.
	ClockRate uint32
}

// String returns c in rtpmap form, such as "0 PCMU/8000".
func (c Codec) String() string {
	return strconv.Itoa(int(c.PayloadType)) + " " + c.Name + "/" + strconv.FormatUint(uint64(c.ClockRate), 10)
}

// LocalMedia is what this side offers or accepts.
type LocalMedia struct {
	// SessionID and SessionVersion go into the o= line. The version must
	// be incremented by the caller for every new offer or answer within a
	// session (RFC 3264 §8).
	SessionID, SessionVersion uint64
	// Username is the o= username; "-" when empty. It must not contain
	// white space.
	Username string
	// IP is the o= and c= address, IPv4 or IPv6.
	IP netip.Addr
	// Port is the local RTP port, 1 to 65535.
	Port int
	// Codecs are the audio codecs in preference order, such as
	// {0, "PCMU", 8000} and {8, "PCMA", 8000}. Telephone-event must not be
	// listed here; use DTMFPayloadType.
	Codecs []Codec
	// DTMFPayloadType is the payload type of telephone-event/8000
	// (RFC 4733) to offer, such as 101; 0 means no telephone-event.
	DTMFPayloadType uint8
	// Direction is the direction this side wants.
	Direction Direction
	// Ptime is the packetization time in milliseconds; 0 means 20.
	Ptime int
}

// Negotiated is the agreed audio stream.
type Negotiated struct {
	// Remote is where to send RTP: the media-level c= address if present,
	// else the session-level one, with the port of the m= line.
	Remote netip.AddrPort
	// Codec is the one audio codec both sides use, with the payload type
	// used on the wire and the local name of the codec.
	Codec Codec
	// DTMFPayloadType is the telephone-event payload type, 0 when
	// telephone-event was not agreed.
	DTMFPayloadType uint8
	// Direction is our direction after negotiation: the reverse of the
	// peer's direction intersected with LocalMedia.Direction. Sending is
	// removed when the peer's connection address is unspecified
	// (RFC 3264 §8.4).
	Direction Direction
	// Ptime is the peer's a=ptime in milliseconds, 20 when absent.
	Ptime int
	// Hold reports whether the peer put the stream on hold: its connection
	// address is unspecified (0.0.0.0, RFC 2543 hold) or its direction does
	// not let it receive (sendonly or inactive). For an answer, a direction
	// that merely mirrors what we offered (for example inactive in reply to
	// our inactive offer) is not a hold.
	Hold bool
}

func (l *LocalMedia) ptime() int {
	if l.Ptime == 0 {
		return defaultPtime
	}

	return l.Ptime
}

func (l *LocalMedia) username() string {
	if l.Username == "" {
		return defaultUsername
	}

	return l.Username
}

// validate reports configuration errors of l.
func (l *LocalMedia) validate() error {
	if !l.IP.IsValid() {
		return errors.New("sdp: invalid local IP address")
	}
	if l.Port < 1 || l.Port > 65535 {
		return fmt.Errorf("sdp: local port %d out of range 1-65535", l.Port)
	}
	if len(l.Codecs) == 0 {
		return errors.New("sdp: no local codecs")
	}
	if len(l.Codecs) > maxFormats {
		return fmt.Errorf("sdp: more than %d local codecs", maxFormats)
	}
	if !isSDPToken(l.username()) {
		return fmt.Errorf("sdp: invalid o= username %q", l.Username)
	}
	if !l.Direction.valid() {
		return fmt.Errorf("sdp: invalid direction %v", l.Direction)
	}
	if l.Ptime < 0 || l.Ptime > maxPtime {
		return fmt.Errorf("sdp: ptime %d out of range 0-%d", l.Ptime, maxPtime)
	}
	if l.DTMFPayloadType > maxPayloadType {
		return fmt.Errorf("sdp: DTMF payload type %d out of range", l.DTMFPayloadType)
	}
	for i, c := range l.Codecs {
		switch {
		case c.PayloadType > maxPayloadType:
			return fmt.Errorf("sdp: codec %q: payload type %d out of range", c.Name, c.PayloadType)
		case !isSDPToken(c.Name) || strings.Contains(c.Name, "/"):
			return fmt.Errorf("sdp: invalid codec name %q", c.Name)
		case strings.EqualFold(c.Name, telephoneEvent):
			return errors.New("sdp: telephone-event must be configured with DTMFPayloadType")
		case c.ClockRate == 0:
			return fmt.Errorf("sdp: codec %q: zero clock rate", c.Name)
		case l.DTMFPayloadType != 0 && c.PayloadType == l.DTMFPayloadType:
			return fmt.Errorf("sdp: codec %q uses the DTMF payload type %d", c.Name, c.PayloadType)
		}
		for _, o := range l.Codecs[:i] {
			if o.PayloadType == c.PayloadType {
				return fmt.Errorf("sdp: duplicate payload type %d", c.PayloadType)
			}
		}
	}

	return nil
}

// isSDPToken reports whether s is non-empty printable ASCII without spaces.
func isSDPToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}

	return true
}

// BuildOffer returns an SDP offer with one RTP/AVP audio stream carrying
// l.Codecs in preference order, followed by telephone-event/8000 when
// l.DTMFPayloadType is not zero. Every payload type gets an a=rtpmap, static
// ones included. Lines end with CRLF.
func BuildOffer(l LocalMedia) ([]byte, error) {
	if err := l.validate(); err != nil {
		return nil, err
	}

	s := newSession(&l, sdp.Timing{})
	md := &sdp.MediaDescription{
		MediaName: sdp.MediaName{
			Media:  mediaTypeAudio,
			Port:   sdp.RangedPort{Value: l.Port},
			Protos: []string{"RTP", "AVP"},
		},
	}
	for _, c := range l.Codecs {
		md.MediaName.Formats = append(md.MediaName.Formats, strconv.Itoa(int(c.PayloadType)))
		md.Attributes = append(md.Attributes, sdp.NewAttribute(attrRTPMap, c.String()))
	}
	if l.DTMFPayloadType != 0 {
		addDTMF(md, l.DTMFPayloadType)
	}
	md.Attributes = append(md.Attributes,
		sdp.NewAttribute(attrPtime, strconv.Itoa(l.ptime())),
		sdp.NewPropertyAttribute(l.Direction.String()),
	)
	s.MediaDescriptions = []*sdp.MediaDescription{md}

	return s.Marshal()
}

// Answer negotiates an SDP offer against l and returns the answer together
// with the agreed stream.
//
// The first m=audio line with a non-zero port and the RTP/AVP transport is
// accepted; every other m= line is rejected with port 0, keeping its media
// type, transport and formats, so that the answer has as many m= lines as
// the offer (RFC 3264 §6). The codec is the first payload type of the
// offered list that matches one of l.Codecs, either through a=rtpmap or, for
// static payload types without a=rtpmap, through the RFC 3551 table.
// Telephone-event/8000 is accepted when offered and l.DTMFPayloadType is not
// zero. The offerer's payload type numbers are kept (RFC 3264 §6.1).
//
// The answer direction is the reverse of the offered one intersected with
// l.Direction, without sending when the offer's connection address is
// unspecified.
//
// Errors: ErrMalformed for input that is not SDP, ErrNoAudio when no audio
// stream can be accepted, ErrNoCommonCodec when the accepted stream has no
// codec in common with l; other errors report an invalid l.
func Answer(offer []byte, l LocalMedia) (answer []byte, n Negotiated, err error) {
	if err := l.validate(); err != nil {
		return nil, Negotiated{}, err
	}
	off, err := parseSDP(offer)
	if err != nil {
		return nil, Negotiated{}, err
	}

	idx := firstAudio(off)
	if idx < 0 {
		return nil, Negotiated{}, ErrNoAudio
	}
	md := off.MediaDescriptions[idx]
	formats := formatsOf(md)

	codec, ok := answerCodec(formats, l.Codecs)
	if !ok {
		return nil, Negotiated{}, ErrNoCommonCodec
	}
	var dtmf uint8
	if l.DTMFPayloadType != 0 {
		dtmf = offeredDTMF(formats)
	}

	remote, err := remoteAddr(off, md)
	if err != nil {
		return nil, Negotiated{}, err
	}
	offered := mediaDirection(off, md)
	dir := offered.Reverse().intersect(l.Direction)
	if remote.Addr().IsUnspecified() {
		dir = dir.withoutSend()
	}
	n = Negotiated{
		Remote:          remote,
		Codec:           codec,
		DTMFPayloadType: dtmf,
		Direction:       dir,
		Ptime:           remotePtime(off, md),
		Hold:            remote.Addr().IsUnspecified() || !offered.Receives(),
	}

	var timing sdp.Timing
	if len(off.TimeDescriptions) > 0 {
		timing = off.TimeDescriptions[0].Timing // RFC 3264 §6: t= equals the offer's.
	}
	s := newSession(&l, timing)
	s.MediaDescriptions = make([]*sdp.MediaDescription, 0, len(off.MediaDescriptions))
	for i, m := range off.MediaDescriptions {
		if i != idx {
			s.MediaDescriptions = append(s.MediaDescriptions, rejectedMedia(m))

			continue
		}
		s.MediaDescriptions = append(s.MediaDescriptions, answerMedia(m, &l, n))
	}

	answer, err = s.Marshal()
	if err != nil {
		return nil, Negotiated{}, err
	}

	return answer, n, nil
}

// answerMedia is our answer to the offered audio stream m.
func answerMedia(m *sdp.MediaDescription, l *LocalMedia, n Negotiated) *sdp.MediaDescription {
	a := &sdp.MediaDescription{
		MediaName: sdp.MediaName{
			Media:   m.MediaName.Media,
			Port:    sdp.RangedPort{Value: l.Port},
			Protos:  append([]string(nil), m.MediaName.Protos...),
			Formats: []string{strconv.Itoa(int(n.Codec.PayloadType))},
		},
		Attributes: []sdp.Attribute{sdp.NewAttribute(attrRTPMap, n.Codec.String())},
	}
	if n.DTMFPayloadType != 0 {
		addDTMF(a, n.DTMFPayloadType)
	}
	a.Attributes = append(a.Attributes,
		sdp.NewAttribute(attrPtime, strconv.Itoa(l.ptime())),
		sdp.NewPropertyAttribute(n.Direction.String()),
	)
	return a
}

// ParseAnswer negotiates the answer to an offer built by BuildOffer from
// offered.
//
// The answer's stream is its first m=audio line with a non-zero port and the
// RTP/AVP transport; ErrNoAudio is returned when there is none, in particular
// when our stream was rejected with port 0. Its codec is the first payload
// type that matches an offered codec by a=rtpmap encoding name (or the
// RFC 3551 static table) or, for a dynamic payload type without a=rtpmap, by
// the offered payload type number; ErrNoCommonCodec is returned when there is
// none. The payload type numbers are taken from the answer.
func ParseAnswer(answer []byte, offered LocalMedia) (Negotiated, error) {
	if err := offered.validate(); err != nil {
		return Negotiated{}, err
	}
	ans, err := parseSDP(answer)
	if err != nil {
		return Negotiated{}, err
	}

	idx := firstAudio(ans)
	if idx < 0 {
		return Negotiated{}, ErrNoAudio
	}
	md := ans.MediaDescriptions[idx]
	formats := formatsOf(md)

	codec, ok := answeredCodec(formats, offered.Codecs)
	if !ok {
		return Negotiated{}, ErrNoCommonCodec
	}
	var dtmf uint8
	if offered.DTMFPayloadType != 0 {
		dtmf = answeredDTMF(formats, offered.DTMFPayloadType, codec.PayloadType)
	}

	remote, err := remoteAddr(ans, md)
	if err != nil {
		return Negotiated{}, err
	}
	answered := mediaDirection(ans, md)
	dir := answered.Reverse().intersect(offered.Direction)
	if remote.Addr().IsUnspecified() {
		dir = dir.withoutSend()
	}

	return Negotiated{
		Remote:          remote,
		Codec:           codec,
		DTMFPayloadType: dtmf,
		Direction:       dir,
		Ptime:           remotePtime(ans, md),
		Hold:            remote.Addr().IsUnspecified() || (!answered.Receives() && offered.Direction.Sends()),
	}, nil
}

// newSession returns a session description with the v=, o=, s=, c= and t=
// lines of l.
func newSession(l *LocalMedia, timing sdp.Timing) *sdp.SessionDescription {
	ip := l.IP.Unmap().WithZone("")
	addrType := addressTypeIPv4
	if ip.Is6() {
		addrType = addressTypeIPv6
	}

	return &sdp.SessionDescription{
		Origin: sdp.Origin{
			Username:       l.username(),
			SessionID:      l.SessionID,
			SessionVersion: l.SessionVersion,
			NetworkType:    networkTypeIN,
			AddressType:    addrType,
			UnicastAddress: ip.String(),
		},
		SessionName: sdpSessionName,
		ConnectionInformation: &sdp.ConnectionInformation{
			NetworkType: networkTypeIN,
			AddressType: addrType,
			Address:     &sdp.Address{Address: ip.String()},
		},
		TimeDescriptions: []sdp.TimeDescription{{Timing: timing}},
	}
}

// addDTMF adds telephone-event/8000 with payload type pt to md.
func addDTMF(md *sdp.MediaDescription, pt uint8) {
	c := Codec{PayloadType: pt, Name: telephoneEvent, ClockRate: dtmfClockRate}
	md.MediaName.Formats = append(md.MediaName.Formats, strconv.Itoa(int(pt)))
	md.Attributes = append(md.Attributes,
		sdp.NewAttribute(attrRTPMap, c.String()),
		sdp.NewAttribute(attrFmtp, strconv.Itoa(int(pt))+" "+dtmfEvents),
	)
}

// rejectedMedia returns the answer to an m= line that is not accepted: the
// same media type, transport and formats with port 0 (RFC 3264 §6).
func rejectedMedia(m *sdp.MediaDescription) *sdp.MediaDescription {
	return &sdp.MediaDescription{
		MediaName: sdp.MediaName{
			Media:   m.MediaName.Media,
			Port:    sdp.RangedPort{Value: 0},
			Protos:  append([]string(nil), m.MediaName.Protos...),
			Formats: append([]string(nil), m.MediaName.Formats...),
		},
	}
}

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
// port and the RTP/AVP transport, or -1.
func firstAudio(s *sdp.SessionDescription) int {
	for i, md := range s.MediaDescriptions {
		if md.MediaName.Media == mediaTypeAudio && md.MediaName.Port.Value != 0 &&
			strings.EqualFold(strings.Join(md.MediaName.Protos, "/"), transportRTPAVP) {
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
// when the value is malformed or not a single-channel format; the payload
// type is still returned when it could be parsed.
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
		return c, false
	}
	c.Name, c.ClockRate = parts[0], uint32(rate)

	return c, true
}

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

// mediaDirection returns the direction attribute of md, else the
// session-level one, else SendRecv (RFC 3264 §5.1).
func mediaDirection(s *sdp.SessionDescription, md *sdp.MediaDescription) Direction {
	if d, ok := directionAttr(md.Attributes); ok {
		return d
	}
	if d, ok := directionAttr(s.Attributes); ok {
		return d
	}

	return SendRecv
}

func directionAttr(attrs []sdp.Attribute) (Direction, bool) {
	for _, a := range attrs {
		if a.Value != "" {
			continue
		}
		if d, err := ParseDirection(a.Key); err == nil {
			return d, true
		}
	}

	return 0, false
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

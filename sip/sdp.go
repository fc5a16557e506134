package sip

// SDP offer/answer (RFC 3264) for a single audio stream.
//
// Parsing and marshalling are done by github.com/pion/sdp/v3; everything
// about negotiation (which stream, which codec, which direction) lives in
// the sdp*.go files: this one builds offers and answers and reads answers,
// sdp_parse.go reads a parsed description, sdp_codec.go matches codecs and
// telephone-event formats, sdp_direction.go handles a=sendrecv and its kin.

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

// Codec is an audio payload format as SDP describes it (a=rtpmap, and
// a=fmtp for the parameters we send). Formats match by name, clock rate
// and channel count; besides mono ones, only a format that declares two
// channels by definition (opus/48000/2, RFC 7587) is usable.
type Codec struct {
	// PayloadType is the RTP payload type number, 0 to 127.
	PayloadType uint8
	// Name is the encoding name, such as "PCMU", "PCMA" or
	// "telephone-event". It is compared case-insensitively.
	Name string
	// ClockRate is the RTP clock rate in Hz, such as 8000.
	ClockRate uint32
	// Channels is the channel count of a=rtpmap; 0 means 1 (left out).
	Channels uint8
	// Fmtp is the value of our a=fmtp for this format, after the
	// payload type (such as "useinbandfec=1"); "" sends none. It is not
	// used for matching.
	Fmtp string
}

// String returns c in rtpmap form, such as "0 PCMU/8000" or
// "111 opus/48000/2".
func (c Codec) String() string {
	s := strconv.Itoa(int(c.PayloadType)) + " " + c.Name + "/" + strconv.FormatUint(uint64(c.ClockRate), 10)
	if c.Channels > 1 {
		s += "/" + strconv.Itoa(int(c.Channels))
	}
	return s
}

// channels is c's channel count, 1 when left out.
func (c Codec) channels() uint8 { return max(c.Channels, 1) }

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
	// DTMFFormats are telephone-event formats at clock rates other than
	// 8000, such as {102, "telephone-event", 48000} for Opus: RFC 4733
	// §2.1 has events use the clock of the audio codec. Each is offered
	// when a codec of its clock rate is, and accepted for such a codec.
	DTMFFormats []Codec
	// Direction is the direction this side wants.
	Direction Direction
	// Ptime is the packetization time in milliseconds; 0 means 20.
	Ptime int
	// Encryption is how SRTP is used (sdp_crypto.go); Keys are our SDES
	// suites in preference order with their master keys, needed unless
	// Encryption is EncryptionOff.
	Encryption MediaEncryption
	Keys       []SRTPKey
	// Keying is how our offers key SRTP (sdp_dtls.go); Fingerprint is
	// our DTLS certificate's, needed to offer or accept DTLS-SRTP; Setup
	// is our a=setup role to keep on re-offers and answers ("" offers
	// actpass).
	Keying      Keying
	Fingerprint Fingerprint
	Setup       string
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
	// telephone-event was not agreed. Its clock rate is the codec's.
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
	// SRTP is the agreed SDES keying; its zero value means plain RTP.
	SRTP SRTP
	// DTLS is the agreed DTLS-SRTP keying (sdp_dtls.go), if any.
	DTLS DTLS
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
	if err := l.validateCrypto(); err != nil {
		return err
	}
	if err := l.validateDTLS(); err != nil {
		return err
	}
	if l.DTMFPayloadType > maxPayloadType {
		return fmt.Errorf("sdp: DTMF payload type %d out of range", l.DTMFPayloadType)
	}
	if err := l.validateDTMFFormats(); err != nil {
		return err
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
			Protos: l.mediaProtos(),
		},
	}
	for _, c := range l.Codecs {
		md.MediaName.Formats = append(md.MediaName.Formats, strconv.Itoa(int(c.PayloadType)))
		addFormat(md, c)
	}
	if l.DTMFPayloadType != 0 {
		addDTMF(md, l.DTMFPayloadType, dtmfClockRate)
	}
	for _, d := range l.DTMFFormats {
		if l.offersRate(d.ClockRate) {
			addDTMF(md, d.PayloadType, d.ClockRate)
		}
	}
	md.Attributes = append(md.Attributes,
		sdp.NewAttribute(attrPtime, strconv.Itoa(l.ptime())),
		sdp.NewPropertyAttribute(l.Direction.String()),
	)
	md.Attributes = append(md.Attributes, offerCrypto(&l)...)
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
// codec in common with l, ErrAddressFamily when the offered address is
// IPv6 and l.IP IPv4 or the reverse; other errors report an invalid l.
func Answer(offer []byte, l LocalMedia) (answer []byte, n Negotiated, err error) {
	if err := l.validate(); err != nil {
		return nil, Negotiated{}, err
	}
	off, err := parseSDP(offer)
	if err != nil {
		return nil, Negotiated{}, err
	}

	idx := firstAudio(off, l.Encryption != EncryptionOff)
	if idx < 0 {
		return nil, Negotiated{}, noAudioError(off, &l)
	}
	md := off.MediaDescriptions[idx]
	formats := formatsOf(md)

	codec, ok := answerCodec(formats, l.Codecs)
	if !ok {
		return nil, Negotiated{}, ErrNoCommonCodec
	}
	var dtmf uint8
	if l.dtmfPayloadType(codec.ClockRate) != 0 {
		dtmf = offeredDTMF(formats, codec.ClockRate)
	}

	remote, err := remoteAddr(off, md)
	if err != nil {
		return nil, Negotiated{}, err
	}
	if !sameFamily(l.IP, remote.Addr()) {
		return nil, Negotiated{}, fmt.Errorf("%w: offer %v, ours %v", ErrAddressFamily, remote.Addr(), l.IP)
	}
	keys, dtls, err := answerSecurity(off, md, &l)
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
		SRTP:            keys,
		DTLS:            dtls,
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
	}
	addFormat(a, n.Codec)
	if n.DTMFPayloadType != 0 {
		addDTMF(a, n.DTMFPayloadType, n.Codec.ClockRate)
	}
	a.Attributes = append(a.Attributes,
		sdp.NewAttribute(attrPtime, strconv.Itoa(l.ptime())),
		sdp.NewPropertyAttribute(n.Direction.String()),
	)
	a.Attributes = append(a.Attributes, answerCryptoAttributes(n.SRTP)...)
	a.Attributes = append(a.Attributes, answerDTLSAttributes(n.DTLS, l)...)
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

	idx := firstAudio(ans, offered.Encryption != EncryptionOff)
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
	if pt := offered.dtmfPayloadType(codec.ClockRate); pt != 0 {
		dtmf = answeredDTMF(formats, pt, codec)
	}

	remote, err := remoteAddr(ans, md)
	if err != nil {
		return Negotiated{}, err
	}
	keys, dtls, err := answeredSecurity(ans, md, &offered)
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
		SRTP:            keys,
		DTLS:            dtls,
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

// addFormat adds the a=rtpmap of c, and its a=fmtp if it has one, to md.
func addFormat(md *sdp.MediaDescription, c Codec) {
	md.Attributes = append(md.Attributes, sdp.NewAttribute(attrRTPMap, c.String()))
	if c.Fmtp != "" {
		md.Attributes = append(md.Attributes, sdp.NewAttribute(attrFmtp, strconv.Itoa(int(c.PayloadType))+" "+c.Fmtp))
	}
}

// addDTMF adds telephone-event at clock rate with payload type pt to md.
func addDTMF(md *sdp.MediaDescription, pt uint8, rate uint32) {
	c := Codec{PayloadType: pt, Name: telephoneEvent, ClockRate: rate}
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

package sip

// ICE in SDP (RFC 8839): a=ice-ufrag, a=ice-pwd and a=candidate on the
// audio stream, trickle off. The candidates themselves are opaque here
// (the ICE agent marshals and parses them); this file only moves them in
// and out of a session description.

import (
	"errors"
	"strings"

	"github.com/pion/sdp/v3"
)

// Limits on what ParseICE takes from a peer.
const (
	maxICECandidates = 32
	maxICEValue      = 256
)

const (
	attrICEUfrag    = "ice-ufrag"
	attrICEPwd      = "ice-pwd"
	attrICELite     = "ice-lite"
	attrCandidate   = "candidate"
	attrEndOfCands  = "end-of-candidates"
	attrICEMismatch = "ice-mismatch"
	attrRTCPMux     = "rtcp-mux"
)

// ErrNoICE is returned by ParseICE when the session description has no
// usable ICE credentials for its audio stream: the peer does not do ICE.
var ErrNoICE = errors.New("sdp: no ICE credentials")

// ICEDescription is the ICE part of an audio stream (RFC 8839 §5).
type ICEDescription struct {
	// Ufrag and Pwd are the ICE credentials (a=ice-ufrag, a=ice-pwd).
	Ufrag, Pwd string
	// Candidates are a=candidate values without the "candidate:" key,
	// such as "1 1 udp 2130706431 192.0.2.1 5000 typ host".
	Candidates []string
	// Lite reports a=ice-lite (read only).
	Lite bool

	mismatch bool // a=ice-mismatch: the answerer will not do ICE
}

// AddICE returns desc (an offer or answer built by this package) with d's
// credentials and candidates on its first accepted audio stream, followed
// by a=end-of-candidates (no trickle) and a=rtcp-mux (one component).
func AddICE(desc []byte, d ICEDescription) ([]byte, error) {
	s, err := parseSDP(desc)
	if err != nil {
		return nil, err
	}
	idx := firstAudio(s, true)
	if idx < 0 {
		return nil, ErrNoAudio
	}
	md := s.MediaDescriptions[idx]
	md.Attributes = append(md.Attributes,
		sdp.NewAttribute(attrICEUfrag, d.Ufrag),
		sdp.NewAttribute(attrICEPwd, d.Pwd),
	)
	for _, c := range d.Candidates {
		md.Attributes = append(md.Attributes, sdp.NewAttribute(attrCandidate, c))
	}
	md.Attributes = append(md.Attributes, sdp.NewPropertyAttribute(attrEndOfCands))
	if !hasAttr(md.Attributes, attrRTCPMux) {
		// RTCP on the RTP port (RFC 5761): one ICE component, so a peer
		// does not look for an RTCP candidate we do not have (and answer
		// a=ice-mismatch).
		md.Attributes = append(md.Attributes, sdp.NewPropertyAttribute(attrRTCPMux))
	}
	return s.Marshal()
}

// ParseICE reads the ICE credentials and candidates of the audio stream
// that Answer or ParseAnswer would take (media-level attributes, else
// session-level ones). It returns ErrNoICE when the stream has no
// ufrag/pwd or has a=ice-mismatch, and the errors of Answer for input that
// is not usable SDP.
// At most maxICECandidates candidates are taken; over-long values are
// ignored.
func ParseICE(desc []byte) (ICEDescription, error) {
	s, err := parseSDP(desc)
	if err != nil {
		return ICEDescription{}, err
	}
	idx := firstAudio(s, true)
	if idx < 0 {
		return ICEDescription{}, ErrNoAudio
	}
	var d ICEDescription
	for _, attrs := range [][]sdp.Attribute{s.Attributes, s.MediaDescriptions[idx].Attributes} {
		readICE(&d, attrs)
	}
	if d.Ufrag == "" || d.Pwd == "" || d.mismatch {
		return ICEDescription{}, ErrNoICE
	}
	return d, nil
}

// hasAttr reports whether attrs has an attribute named key.
func hasAttr(attrs []sdp.Attribute, key string) bool {
	for _, a := range attrs {
		if strings.EqualFold(a.Key, key) {
			return true
		}
	}
	return false
}

// readICE takes the ICE attributes of attrs into d; later ones (the
// media level) override earlier ones (the session level).
func readICE(d *ICEDescription, attrs []sdp.Attribute) {
	for _, a := range attrs {
		v := strings.TrimSpace(a.Value)
		if len(v) > maxICEValue {
			continue
		}
		switch strings.ToLower(a.Key) {
		case attrICEUfrag:
			d.Ufrag = v
		case attrICEPwd:
			d.Pwd = v
		case attrICELite:
			d.Lite = true
		case attrICEMismatch:
			d.mismatch = true // RFC 8839 §5.4: the peer cannot do ICE with us
		case attrCandidate:
			if len(d.Candidates) < maxICECandidates && v != "" {
				d.Candidates = append(d.Candidates, v)
			}
		}
	}
}

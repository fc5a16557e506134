package sip

// SDP media directions (RFC 3264 §5.1, §6.1): the attribute values and
// how an answer's direction follows from an offer's.

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
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

package sip

import (
	"strconv"
	"strings"

	gosip "github.com/emiago/sipgo/sip"
)

// This file holds the header syntax of the SIP-specific event framework
// (RFC 6665 §8.2): Event, Subscription-State and Allow-Events, as pure
// functions shared by every event package, refer included.

// Subscription states (RFC 6665 §4.1.3, sipsimple's Subscription.state).
const (
	SubPending    = "pending"
	SubActive     = "active"
	SubTerminated = "terminated"
)

// SubState is a Subscription-State value: "active;expires=600",
// "terminated;reason=timeout;retry-after=30".
type SubState struct {
	State      string // SubPending, SubActive, SubTerminated or another token
	Reason     string // the reason of a terminated state, "" when none
	Expires    int    // seconds left, -1 when absent
	RetryAfter int    // seconds before a new subscription, -1 when absent
}

// maxEventValue bounds the header values these functions read.
const maxEventValue = 1024

// ParseSubState reads a Subscription-State value; ok is false when it has
// no state token or is too long.
func ParseSubState(v string) (SubState, bool) {
	s := SubState{Expires: -1, RetryAfter: -1}
	if len(v) > maxEventValue {
		return s, false
	}
	parts := strings.Split(v, ";")
	s.State = strings.ToLower(strings.TrimSpace(parts[0]))
	if !isToken(s.State) {
		return s, false
	}
	for _, p := range parts[1:] {
		name, val, _ := strings.Cut(p, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		val = strings.TrimSpace(val)
		switch name {
		case "reason":
			s.Reason = strings.ToLower(val)
		case "expires":
			s.Expires = parseDelta(val)
		case "retry-after":
			s.RetryAfter = parseDelta(val)
		}
	}
	return s, true
}

// String formats the state as a Subscription-State value.
func (s SubState) String() string {
	var b strings.Builder
	b.WriteString(s.State)
	if s.Reason != "" {
		b.WriteString(";reason=" + s.Reason)
	}
	if s.Expires >= 0 && s.State != SubTerminated {
		b.WriteString(";expires=" + strconv.Itoa(s.Expires))
	}
	if s.RetryAfter >= 0 {
		b.WriteString(";retry-after=" + strconv.Itoa(s.RetryAfter))
	}
	return b.String()
}

// parseDelta reads delta-seconds, capped at a day; -1 when not a number.
func parseDelta(v string) int {
	n, err := strconv.Atoi(v)
	switch {
	case err != nil || n < 0:
		return -1
	case n > 86400:
		return 86400
	}
	return n
}

// ParseEvent reads an Event value ("presence", "refer;id=93809824") into
// its package, lower-cased, and its id parameter; ok is false when the
// package is not a token.
func ParseEvent(v string) (pkg, id string, ok bool) {
	if len(v) > maxEventValue {
		return "", "", false
	}
	parts := strings.Split(v, ";")
	pkg = strings.ToLower(strings.TrimSpace(parts[0]))
	if !isToken(pkg) {
		return "", "", false
	}
	for _, p := range parts[1:] {
		name, val, _ := strings.Cut(p, "=")
		if strings.EqualFold(strings.TrimSpace(name), "id") {
			id = strings.TrimSpace(val)
		}
	}
	return pkg, id, true
}

// eventOf is the Event header of req (or its compact form "o"), "" when
// absent.
func eventOf(req *gosip.Request) string {
	for _, n := range []string{"Event", "o"} {
		if h := req.GetHeader(n); h != nil {
			return h.Value()
		}
	}
	return ""
}

// expiresOf is the Expires header of a message, def when absent or bad.
func headerExpires(m interface{ GetHeader(string) gosip.Header }, def int) int {
	if h := m.GetHeader("Expires"); h != nil {
		if n := parseDelta(strings.TrimSpace(h.Value())); n >= 0 {
			return n
		}
	}
	return def
}

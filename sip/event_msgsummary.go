package sip

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// This file is the message-summary event package's body (RFC 3842,
// application/simple-message-summary): message-waiting indications, read
// by a pure, bounded function.

// MessageSummaryType is the content type of a message-summary body.
const MessageSummaryType = "application/simple-message-summary"

// MessageCounts are the counts of one message class: "new/old
// (new-urgent/old-urgent)".
type MessageCounts struct {
	New, Old, NewUrgent, OldUrgent int
}

// MessageSummary is a parsed message-summary body.
type MessageSummary struct {
	Waiting bool   // Messages-Waiting: yes
	Account string // Message-Account, "" when absent
	// Voice are the Voice-Message counts; Total sums every class
	// (voice, fax, pager, multimedia, text, none).
	Voice, Total MessageCounts
}

// ErrBadBody is what every body parser's error wraps.
var ErrBadBody = errors.New("sip: malformed event body")

// maxEventBody bounds the bodies the event parsers read.
const maxEventBody = 64 << 10

// messageClasses are RFC 3458's message-context classes.
var messageClasses = map[string]bool{"voice-message": true, "fax-message": true,
	"pager-message": true, "multimedia-message": true, "text-message": true, "none": true}

// ParseMessageSummary reads a message-summary body. Messages-Waiting is
// required; unknown headers and the optional message headers after a blank
// line are ignored.
func ParseMessageSummary(body []byte) (MessageSummary, error) {
	var ms MessageSummary
	if len(body) > maxEventBody {
		return ms, fmt.Errorf("%w: message-summary of %d bytes", ErrBadBody, len(body))
	}
	seen := false
	for _, line := range strings.Split(strings.ReplaceAll(string(body), "\r\n", "\n"), "\n") {
		if strings.TrimSpace(line) == "" {
			if seen {
				break // the optional message headers follow
			}
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return ms, fmt.Errorf("%w: message-summary line %q", ErrBadBody, clip(line))
		}
		name, value = strings.ToLower(strings.TrimSpace(name)), strings.TrimSpace(value)
		switch {
		case name == "messages-waiting":
			switch strings.ToLower(value) {
			case "yes":
				ms.Waiting = true
			case "no":
			default:
				return ms, fmt.Errorf("%w: Messages-Waiting %q", ErrBadBody, clip(value))
			}
			seen = true
		case name == "message-account":
			ms.Account = value
		case messageClasses[name]:
			c, err := parseCounts(value)
			if err != nil {
				return ms, err
			}
			if name == "voice-message" {
				ms.Voice = c
			}
			ms.Total = addCounts(ms.Total, c)
		}
	}
	if !seen {
		return ms, fmt.Errorf("%w: no Messages-Waiting", ErrBadBody)
	}
	return ms, nil
}

// parseCounts reads "2/8" or "2/8 (0/2)".
func parseCounts(v string) (MessageCounts, error) {
	var c MessageCounts
	main, urgent, hasUrgent := strings.Cut(v, "(")
	var err error
	if c.New, c.Old, err = parsePair(main); err != nil {
		return c, err
	}
	if hasUrgent {
		u, rest, ok := strings.Cut(urgent, ")")
		if !ok || strings.TrimSpace(rest) != "" {
			return c, fmt.Errorf("%w: message counts %q", ErrBadBody, clip(v))
		}
		if c.NewUrgent, c.OldUrgent, err = parsePair(u); err != nil {
			return c, err
		}
	}
	return c, nil
}

// parsePair reads "new/old", each a count up to a million.
func parsePair(s string) (int, int, error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), "/")
	x, err1 := strconv.Atoi(strings.TrimSpace(a))
	y, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil || x < 0 || y < 0 || x > 1e6 || y > 1e6 {
		return 0, 0, fmt.Errorf("%w: message counts %q", ErrBadBody, clip(s))
	}
	return x, y, nil
}

func addCounts(a, b MessageCounts) MessageCounts {
	return MessageCounts{a.New + b.New, a.Old + b.Old, a.NewUrgent + b.NewUrgent, a.OldUrgent + b.OldUrgent}
}

// FormatMessageSummary writes ms as a message-summary body (voice counts).
func FormatMessageSummary(ms MessageSummary) []byte {
	var b strings.Builder
	w := "no"
	if ms.Waiting {
		w = "yes"
	}
	b.WriteString("Messages-Waiting: " + w + "\r\n")
	if ms.Account != "" {
		b.WriteString("Message-Account: " + ms.Account + "\r\n")
	}
	v := ms.Voice
	fmt.Fprintf(&b, "Voice-Message: %d/%d (%d/%d)\r\n", v.New, v.Old, v.NewUrgent, v.OldUrgent)
	return []byte(b.String())
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

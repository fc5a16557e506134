package sip

import (
	"bytes"
	"strconv"
)

// framerLineMax is how much of a header line the framer keeps to read a
// Content-Length from; a longer line cannot be one it needs.
const framerLineMax = 128

type framerState uint8

const (
	framerIdle    framerState = iota // between messages
	framerCR                         // between messages, after a CR
	framerHeaders                    // in the start line or headers
	framerBody                       // in the body
)

// framer finds where SIP messages end in a stream (RFC 3261 §7.5), as
// sipgo's stream parser does: CRLFs before a start line are skipped, lines
// end with CRLF, an empty line ends the headers, and Content-Length (or l)
// gives the body's length. It keeps no message bytes, only the header line
// in progress up to framerLineMax, so it bounds a connection's messages
// without buffering them.
type framer struct {
	state   framerState
	size    int    // bytes of the message in progress
	body    int    // body bytes still to come
	length  int    // Content-Length seen in this message
	line    []byte // header line in progress (truncated)
	long    bool   // line longer than framerLineMax
	crlfs   int    // CRLFs in a row between messages
	lastCR  bool   // previous byte in headers was CR
	started bool   // the line in progress has bytes
}

// inMessage reports whether a message has started and not ended.
func (f *framer) inMessage() bool { return f.state >= framerHeaders }

// feed consumes p and returns how many messages it completed and how many
// double-CRLF keep-alive pings (RFC 5626 §3.5.1) it saw between messages.
func (f *framer) feed(p []byte) (done, pings int) {
	for len(p) > 0 {
		switch f.state {
		case framerIdle, framerCR:
			p, pings = f.idle(p, pings)
		case framerHeaders:
			var end bool
			p, end = f.headers(p)
			if end && f.length == 0 {
				f.reset()
				done++
			} else if end {
				f.state, f.body = framerBody, f.length
			}
		case framerBody:
			n := min(f.body, len(p))
			f.body -= n
			f.size += n
			p = p[n:]
			if f.body == 0 {
				f.reset()
				done++
			}
		}
	}
	return done, pings
}

// idle skips CRLFs between messages, counting each second one of a row as
// a ping, until a message's first byte.
func (f *framer) idle(p []byte, pings int) ([]byte, int) {
	for i, b := range p {
		switch {
		case f.state == framerIdle && b == '\r':
			f.state = framerCR
		case f.state == framerCR && b == '\n':
			f.state = framerIdle
			if f.crlfs++; f.crlfs%2 == 0 {
				pings++
			}
		default:
			if f.state == framerCR { // a lone CR starts the start line
				f.lastCR = true
				f.size++
			}
			f.state, f.crlfs = framerHeaders, 0
			return p[i:], pings
		}
	}
	return nil, pings
}

// headers consumes header bytes up to the end of the headers, reporting
// whether it reached it.
func (f *framer) headers(p []byte) ([]byte, bool) {
	for i, b := range p {
		f.size++
		if b == '\n' && f.lastCR {
			empty := !f.started
			f.endLine()
			if empty {
				return p[i+1:], true
			}
			continue
		}
		if f.lastCR {
			f.addLine('\r')
		}
		f.lastCR = b == '\r'
		if !f.lastCR {
			f.addLine(b)
		}
	}
	return nil, false
}

func (f *framer) addLine(b byte) {
	f.started = true
	if len(f.line) < framerLineMax {
		f.line = append(f.line, b)
	} else {
		f.long = true
	}
}

// endLine reads a Content-Length from the line that just ended.
func (f *framer) endLine() {
	if !f.long {
		if name, value, ok := bytes.Cut(f.line, []byte(":")); ok {
			name = bytes.TrimSpace(name)
			if bytes.EqualFold(name, []byte("Content-Length")) || bytes.EqualFold(name, []byte("l")) {
				if n, err := strconv.Atoi(string(bytes.TrimSpace(value))); err == nil && n >= 0 {
					f.length = n
				}
			}
		}
	}
	f.line, f.long, f.lastCR, f.started = f.line[:0], false, false, false
}

func (f *framer) reset() {
	line := f.line[:0]
	*f = framer{line: line}
}

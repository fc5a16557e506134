package sip

import (
	"bytes"
	"strconv"
	"strings"
	"sync"

	gosip "github.com/emiago/sipgo/sip"
)

const (
	// maxStreamMessage bounds the bytes held for one unfinished message of
	// a TCP or TLS connection; beyond it the held bytes are dropped.
	maxStreamMessage = 64 << 10
	// maxStreamsHeld bounds the connections with an unfinished message
	// held at once; a new one beyond it is dropped.
	maxStreamsHeld = 4096
)

// streamFramers cut the byte streams of TCP and TLS connections into
// messages (RFC 3261 §18.3: the Content-Length header frames a message on
// a stream), so that each can be screened whole like a UDP datagram. Only
// a connection in the middle of a message holds state. Its zero value is
// ready to use.
type streamFramers struct {
	mu   sync.Mutex
	held map[string][]byte // by local and remote address
}

// filter appends data to the connection's unfinished bytes and returns
// the messages it completes that accept lets through, concatenated, for
// sipgo's stream parser (which then only ever sees whole messages).
func (f *streamFramers) filter(props gosip.TransportReadProps, data []byte, accept func(gosip.TransportReadProps, []byte) bool) []byte {
	key := addrString(props.LocalAddr) + "|" + addrString(props.RemoteAddr)
	f.mu.Lock()
	buf := f.held[key]
	delete(f.held, key)
	f.mu.Unlock()
	if len(buf) == 0 && len(bytes.Trim(data, "\r\n")) == 0 {
		return data // a keep-alive (RFC 5626 §3.5.1): sipgo answers it
	}
	buf = append(buf, data...)
	var out []byte
	for {
		buf = bytes.TrimLeft(buf, "\r\n")
		n, ok := messageLength(buf)
		if !ok {
			buf = nil // unframeable: the rest of the stream is lost
			break
		}
		if n == 0 || n > len(buf) {
			break
		}
		if accept(props, buf[:n]) {
			out = append(out, buf[:n]...)
		}
		buf = buf[n:]
	}
	if len(buf) > 0 && len(buf) <= maxStreamMessage {
		f.mu.Lock()
		if f.held == nil {
			f.held = map[string][]byte{}
		}
		if len(f.held) < maxStreamsHeld {
			f.held[key] = bytes.Clone(buf)
		}
		f.mu.Unlock()
	}
	return out
}

// messageLength is the length of the message at the start of b: its head,
// the empty line and Content-Length bytes of body (none without one). It
// returns 0 while the head is incomplete, and false when the head has a
// Content-Length that is not a number.
func messageLength(b []byte) (int, bool) {
	end, sep := bytes.Index(b, []byte("\r\n\r\n")), 4
	if i := bytes.Index(b, []byte("\n\n")); i >= 0 && (end < 0 || i < end) {
		end, sep = i, 2
	}
	if end < 0 {
		return 0, true
	}
	body := 0
	for _, l := range strings.Split(string(b[:end]), "\n") {
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "content-length", "l":
			n, err := strconv.Atoi(strings.TrimSpace(value))
			if err != nil || n < 0 || n > maxStreamMessage {
				return 0, false
			}
			body = n
		}
	}
	return end + sep + body, true
}

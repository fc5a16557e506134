package main

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
)

// ErrNoMedia reports an SDP body without a usable m=audio line and address.
var ErrNoMedia = errors.New("voip-impair: SDP has no audio stream with an address")

// sipMessage is the little of a SIP message the relay needs: the head
// (start line and headers, without the blank line), the body and its
// Call-ID.
type sipMessage struct {
	head   []byte
	body   []byte
	callID string
}

// splitSIP splits a datagram into head and body. It reports false when the
// datagram has no blank line after its headers.
func splitSIP(b []byte) (sipMessage, bool) {
	i := bytes.Index(b, []byte("\r\n\r\n"))
	if i < 0 {
		return sipMessage{}, false
	}
	m := sipMessage{head: b[:i], body: b[i+4:]}
	for _, line := range bytes.Split(m.head, []byte("\r\n")) {
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		name = bytes.TrimSpace(name)
		if bytes.EqualFold(name, []byte("Call-ID")) || bytes.EqualFold(name, []byte("i")) {
			m.callID = string(bytes.TrimSpace(value))
		}
	}
	return m, true
}

// hasSDP reports whether the body is an SDP session description.
func (m sipMessage) hasSDP() bool { return bytes.HasPrefix(m.body, []byte("v=0")) }

// bytes returns the message with its Content-Length (or compact l:) set to
// the body's length.
func (m sipMessage) bytes() []byte {
	var out bytes.Buffer
	lines := bytes.Split(m.head, []byte("\r\n"))
	for i, line := range lines {
		name, _, ok := bytes.Cut(line, []byte(":"))
		n := bytes.TrimSpace(name)
		if ok && i > 0 && (bytes.EqualFold(n, []byte("Content-Length")) || bytes.EqualFold(n, []byte("l"))) {
			line = []byte(fmt.Sprintf("%s: %d", n, len(m.body)))
		}
		out.Write(line)
		out.WriteString("\r\n")
	}
	out.WriteString("\r\n")
	out.Write(m.body)
	return out.Bytes()
}

// sdpAudio finds the audio stream of an SDP body: its address (the
// media-level c= of the first m=audio, else the session-level one) and port.
func sdpAudio(body []byte) (netip.AddrPort, error) {
	var sessionAddr, mediaAddr netip.Addr
	port, inAudio, seenAudio := 0, false, false
	for _, line := range sdpLines(body) {
		switch {
		case bytes.HasPrefix(line, []byte("m=")):
			if seenAudio {
				inAudio = false
				continue
			}
			f := bytes.Fields(line[2:])
			if len(f) >= 2 && string(f[0]) == "audio" {
				p, err := strconv.Atoi(string(f[1]))
				if err != nil || p < 0 || p > 65535 {
					return netip.AddrPort{}, fmt.Errorf("%w: bad port in %q", ErrNoMedia, line)
				}
				port, inAudio, seenAudio = p, true, true
			}
		case bytes.HasPrefix(line, []byte("c=")):
			a, ok := connAddr(line)
			if !ok {
				return netip.AddrPort{}, fmt.Errorf("%w: bad %q", ErrNoMedia, line)
			}
			if inAudio {
				mediaAddr = a
			} else if !seenAudio {
				sessionAddr = a
			}
		}
	}
	addr := mediaAddr
	if !addr.IsValid() {
		addr = sessionAddr
	}
	if !seenAudio || !addr.IsValid() {
		return netip.AddrPort{}, ErrNoMedia
	}
	return netip.AddrPortFrom(addr, uint16(port)), nil
}

// rewriteSDP points the audio stream of body at ep: every c= line gets ep's
// address and the first m=audio line ep's port. Other lines are unchanged.
func rewriteSDP(body []byte, ep netip.AddrPort) []byte {
	var out bytes.Buffer
	seenAudio := false
	for _, line := range sdpLines(body) {
		switch {
		case bytes.HasPrefix(line, []byte("c=")):
			line = []byte("c=IN " + ipVersion(ep.Addr()) + " " + ep.Addr().String())
		case bytes.HasPrefix(line, []byte("m=audio ")) && !seenAudio:
			seenAudio = true
			f := bytes.Fields(line[2:])
			f[1] = []byte(strconv.Itoa(int(ep.Port())))
			line = append([]byte("m="), bytes.Join(f, []byte(" "))...)
		}
		out.Write(line)
		out.WriteString("\r\n")
	}
	return out.Bytes()
}

// sdpLines splits an SDP body into lines without their CRLF or LF.
func sdpLines(body []byte) [][]byte {
	var lines [][]byte
	for _, l := range bytes.Split(body, []byte("\n")) {
		l = bytes.TrimSuffix(l, []byte("\r"))
		if len(l) > 0 {
			lines = append(lines, l)
		}
	}
	return lines
}

// connAddr parses "c=IN IP4 127.0.0.1" (a multicast TTL suffix is ignored).
func connAddr(line []byte) (netip.Addr, bool) {
	f := bytes.Fields(line[2:])
	if len(f) != 3 || string(f[0]) != "IN" {
		return netip.Addr{}, false
	}
	host, _, _ := bytes.Cut(f[2], []byte("/"))
	a, err := netip.ParseAddr(string(host))
	return a.Unmap(), err == nil
}

// ipVersion is "IP4" or "IP6" for a.
func ipVersion(a netip.Addr) string {
	if a.Is4() {
		return "IP4"
	}
	return "IP6"
}

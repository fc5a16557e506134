package sip

import (
	"strconv"
	"strings"
	"testing"
)

const framerOptions = "OPTIONS sip:a@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK1\r\nContent-Length: 0\r\n\r\n"

func framerWithBody(body string, header string) string {
	return "MESSAGE sip:a@127.0.0.1 SIP/2.0\r\n" + header + ": " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
}

func TestFramer(t *testing.T) {
	long := strings.Repeat("x", 3*framerLineMax)
	for _, tc := range []struct {
		name      string
		stream    string
		chunk     int // feed size; 0 = whole stream at once
		done      int
		pings     int
		inMessage bool
		size      int // bytes of the message in progress
	}{
		{name: "one message", stream: framerOptions, done: 1},
		{name: "byte by byte", stream: framerOptions, chunk: 1, done: 1},
		{name: "two messages in one read", stream: framerOptions + framerOptions, done: 2},
		{name: "body", stream: framerWithBody("hello\r\n\r\nworld", "Content-Length"), chunk: 3, done: 1},
		{name: "compact length", stream: framerWithBody("0123456789", "l"), done: 1},
		{name: "lower-case length", stream: framerWithBody("0123456789", "content-length"), chunk: 2, done: 1},
		{name: "body incomplete", stream: framerWithBody("0123456789", "Content-Length")[:len(framerWithBody("0123456789", "Content-Length"))-4], inMessage: true, size: 61},
		{name: "headers incomplete", stream: "OPTIONS sip:a SIP/2.0\r\nVia: x\r\n", inMessage: true, size: 31},
		{name: "line split at CR", stream: "OPTIONS sip:a SIP/2.0\r", chunk: 1, inMessage: true, size: 22},
		{name: "long header line", stream: "OPTIONS sip:a SIP/2.0\r\nX: " + long + "\r\nContent-Length: 0\r\n\r\n", chunk: 7, done: 1},
		{name: "keep-alive ping", stream: "\r\n\r\n", pings: 1},
		{name: "single CRLF", stream: "\r\n"},
		{name: "pings around a message", stream: "\r\n\r\n" + framerOptions + "\r\n\r\n\r\n\r\n", chunk: 1, done: 1, pings: 3},
		{name: "CRLF before start line", stream: "\r\n" + framerOptions, done: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f framer
			chunk := tc.chunk
			if chunk == 0 {
				chunk = len(tc.stream)
			}
			var done, pings int
			for s := tc.stream; len(s) > 0; {
				n := min(chunk, len(s))
				d, p := f.feed([]byte(s[:n]))
				done, pings, s = done+d, pings+p, s[n:]
			}
			if done != tc.done || pings != tc.pings || f.inMessage() != tc.inMessage || f.size != tc.size {
				t.Errorf("done %d pings %d inMessage %v size %d, want %d %d %v %d",
					done, pings, f.inMessage(), f.size, tc.done, tc.pings, tc.inMessage, tc.size)
			}
		})
	}
}

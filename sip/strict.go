package sip

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	gosip "github.com/emiago/sipgo/sip"
)

// errMalformedResponse is wrapped by every reason strictResponse gives.
var errMalformedResponse = errors.New("sip: malformed response")

// mandatoryHeaders are the headers every response carries, copied from its
// request (RFC 3261 §8.2.6.2).
var mandatoryHeaders = []string{"Via", "From", "To", "Call-ID", "CSeq"}

// strictResponse checks b, a response we are about to send, the way a
// strict peer would read it: it starts with "SIP/2.0 ", holds no NUL and
// no bare CR or LF in its head, no control character in a header value,
// has Via, From, To, Call-ID and a valid CSeq (a 31-bit number and a
// method token), and sipgo parses it into a response that prints back to
// a message that parses the same. It returns the parsed response.
func strictResponse(b []byte) (*gosip.Response, error) {
	bad := func(format string, a ...any) (*gosip.Response, error) {
		return nil, fmt.Errorf("%w: "+format, append([]any{errMalformedResponse}, a...)...)
	}
	if !bytes.HasPrefix(b, []byte("SIP/2.0 ")) {
		return bad("status line %q", firstLine(b))
	}
	head, _, ok := bytes.Cut(b, []byte("\r\n\r\n"))
	if !ok {
		return bad("no empty line after the headers")
	}
	if bytes.IndexByte(b, 0) >= 0 {
		return bad("NUL")
	}
	for i, c := range head {
		if c == '\n' && (i == 0 || head[i-1] != '\r') || c == '\r' && (i+1 >= len(head) || head[i+1] != '\n') {
			return bad("bare CR or LF at %d", i)
		}
	}
	m, err := gosip.NewParser().ParseSIP(b)
	if err != nil {
		return bad("does not parse: %v", err)
	}
	res, ok := m.(*gosip.Response)
	if !ok || res.SipVersion != "SIP/2.0" || res.StatusCode < 100 || res.StatusCode > 699 {
		return bad("not a SIP/2.0 response: %q", firstLine(b))
	}
	if err := headersSafe(res); err != nil {
		return bad("%v", err)
	}
	for _, name := range mandatoryHeaders {
		if res.GetHeader(name) == nil {
			return bad("no %s", name)
		}
	}
	if c := res.CSeq(); c.SeqNo >= 1<<31 || !isToken(string(c.MethodName)) {
		return bad("CSeq %q", c.Value())
	}
	printed := res.String()
	again, err := gosip.NewParser().ParseSIP([]byte(printed))
	if err != nil {
		return bad("does not parse once printed: %v", err)
	}
	if again.String() != printed {
		return bad("prints differently once reparsed")
	}
	return res, nil
}

// headersSafe reports a header value holding a control character (other
// than HTAB): echoed, it would break or smuggle lines.
func headersSafe(m interface{ Headers() []gosip.Header }) error {
	for _, h := range m.Headers() {
		v := h.Value()
		for i := 0; i < len(v); i++ {
			if c := v[i]; c < 0x20 && c != '\t' || c == 0x7f {
				return fmt.Errorf("control character %#x in %s", c, h.Name())
			}
		}
	}
	return nil
}

// echoesRequest reports whether res copies req's Via (top), From, To
// (apart from the tag we add), Call-ID and CSeq.
func echoesRequest(res *gosip.Response, req *gosip.Request) error {
	if res.Via() == nil || req.Via() == nil || !strings.HasPrefix(res.Via().Value(), viaSentBy(req.Via())) {
		return fmt.Errorf("%w: Via %v does not copy %v", errMalformedResponse, res.Via(), req.Via())
	}
	pairs := [][2]gosip.Header{
		{res.From(), req.From()}, {res.CallID(), req.CallID()}, {res.CSeq(), req.CSeq()},
	}
	for _, p := range pairs {
		if p[0] == nil || p[1] == nil || p[0].Value() != p[1].Value() {
			return fmt.Errorf("%w: %v does not copy %v", errMalformedResponse, p[0], p[1])
		}
	}
	if res.To() == nil || req.To() == nil || res.To().Address.String() != req.To().Address.String() {
		return fmt.Errorf("%w: To %v does not copy %v", errMalformedResponse, res.To(), req.To())
	}
	return nil
}

// viaSentBy is the protocol and sent-by of a Via: what a response keeps
// when it adds received and rport.
func viaSentBy(v *gosip.ViaHeader) string {
	s, _, _ := strings.Cut(v.Value(), ";")
	return s
}

func firstLine(b []byte) string {
	l, _, _ := bytes.Cut(b, []byte("\n"))
	return strings.TrimRight(string(l), "\r")
}

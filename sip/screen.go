package sip

import (
	"bytes"
	"fmt"
	"net"
	"strings"

	gosip "github.com/emiago/sipgo/sip"
)

// This file holds the one check every message we read passes before sipgo
// sees it, whatever its transport: readFilter applies it to each UDP
// datagram, the stream framer (stream_filter.go) to each whole message of a
// TCP or TLS connection.

// verdict is what screen decided about a message: pass it on to sipgo, or
// drop it, after sending reply when there is one.
type verdict struct {
	pass  bool
	reply []byte // a response built from the raw lines (strict), or nil
	why   string // why it was not passed
}

// screen decides about one whole message from source. It passes:
// responses in SIP/2.0; requests in SIP/2.0 that sipgo can key a
// transaction for (RFC 3261 branch, or a From tag), that carry Via, From,
// To, Call-ID and CSeq, no control character in a header value, and whose
// responses, copying those headers, would pass strictResponse. A request
// that fails gets 400 (505 for another version, 416 for another URI scheme)
// from its raw lines when that answer is itself strict (rawErrorResponse),
// or nothing. An ACK is never answered, and passes only when sipgo can
// match it to a transaction.
func screen(source string, data []byte) verdict {
	if len(bytes.Trim(data, "\r\n\x00 ")) == 0 {
		return verdict{why: "keep-alive"}
	}
	msg, err := gosip.NewParser().ParseSIP(data)
	if err != nil {
		return reject(data, err)
	}
	switch m := msg.(type) {
	case *gosip.Response:
		if m.SipVersion != "SIP/2.0" {
			return verdict{why: "response version " + m.SipVersion}
		}
		return verdict{pass: true}
	case *gosip.Request:
		m.SetSource(source)
		err := screenRequest(m)
		switch {
		case err == nil:
			return verdict{pass: true}
		case m.IsAck():
			return verdict{why: "ACK: " + err.Error()}
		}
		return reject(data, err)
	}
	return verdict{why: "neither request nor response"}
}

// screenRequest reports what makes req unfit for sipgo and our handlers.
func screenRequest(req *gosip.Request) error {
	if req.SipVersion != "SIP/2.0" {
		return fmt.Errorf("unsupported version %q", req.SipVersion)
	}
	for _, name := range mandatoryHeaders {
		if req.GetHeader(name) == nil {
			return fmt.Errorf("no %s", name)
		}
	}
	if !transactionKeyable(req) {
		return fmt.Errorf("no RFC 3261 branch and no From tag")
	}
	if err := headersSafe(req); err != nil {
		return err
	}
	// What any answer copies must come out strict: a 2xx copies the most
	// (Record-Route, a new To tag); the 100 Trying copies a subset of it,
	// and Timestamp, so it is checked only when there is one (one
	// response built and parsed per request, not two).
	codes := []int{200}
	if req.GetHeader("Timestamp") != nil {
		codes = append(codes, 100)
	}
	for _, code := range codes {
		res := gosip.NewResponseFromRequest(req, code, "OK", nil)
		parsed, err := strictResponse([]byte(res.String()))
		if err != nil {
			return err
		}
		if err := echoesRequest(parsed, req); err != nil {
			return err
		}
	}
	return nil
}

// reject is the verdict on a request that cannot be passed: its raw
// rejection when one can be built, else nothing.
func reject(data []byte, err error) verdict {
	return verdict{reply: rawErrorResponse(data), why: err.Error()}
}

// transactionKeyable reports whether sipgo can build a server transaction
// key for req: an RFC 3261 branch, or else (RFC 2543 matching) a From tag.
func transactionKeyable(req *gosip.Request) bool {
	via := req.Via()
	if via == nil || req.CSeq() == nil || req.CallID() == nil {
		return false
	}
	if b, _ := via.Params.Get("branch"); len(b) > len(gosip.RFC3261BranchMagicCookie) &&
		strings.HasPrefix(b, gosip.RFC3261BranchMagicCookie) {
		return true
	}
	from := req.From()
	return from != nil && from.Params.Has("tag")
}

// readFilter sees every datagram (UDP) or read (TCP, TLS) before sipgo
// parses it. A datagram is screened at once; a stream is cut into
// messages first (stream_filter.go). What screen refuses never reaches
// sipgo, which would otherwise answer some of it itself (a stateless 400
// without the mandatory headers, a response in the request's SIP version).
func (u *UA) readFilter(props gosip.TransportReadProps, data []byte) ([]byte, error) {
	switch strings.ToLower(props.Transport) {
	case "tcp", "tls":
		return u.streams.filter(props, data, u.apply), nil
	}
	if u.apply(props, data) {
		return data, nil
	}
	return nil, nil
}

// apply screens one whole message, sends the raw rejection if any, and
// reports whether the message goes on to sipgo.
func (u *UA) apply(props gosip.TransportReadProps, data []byte) bool {
	u.traceReceived(props, data)
	from := addrString(props.RemoteAddr)
	v := screen(from, data)
	if v.pass {
		return true
	}
	if v.reply == nil {
		if v.why != "keep-alive" {
			u.log.Info("sip: malformed message dropped", "from", from, "error", v.why)
		}
		return false
	}
	u.log.Info("sip: malformed request rejected", "from", from, "error", v.why)
	if err := u.writeRaw(props, v.reply); err != nil {
		u.log.Debug("sip: cannot answer malformed request", "error", err)
	}
	return false
}

// writeRaw sends a raw response back where the request came from: on the
// UDP socket, or on the request's TCP or TLS connection.
func (u *UA) writeRaw(props gosip.TransportReadProps, b []byte) error {
	if !strings.EqualFold(props.Transport, "tcp") && !strings.EqualFold(props.Transport, "tls") {
		if u.cfg.Conn == nil {
			return fmt.Errorf("no UDP socket")
		}
		_, err := u.cfg.Conn.WriteTo(b, props.RemoteAddr)
		return err
	}
	res, err := strictResponse(b)
	if err != nil {
		return err
	}
	c, err := u.ua.TransportLayer().GetConnection(props.Transport, addrString(props.RemoteAddr))
	if err != nil {
		return err
	}
	return c.WriteMsg(res)
}

func addrString(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}

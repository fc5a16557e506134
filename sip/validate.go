package sip

import (
	"bytes"
	"fmt"
	"net"
	"strconv"
	"strings"

	gosip "github.com/emiago/sipgo/sip"
)

// readFilter sees every datagram before sipgo parses it. A request that
// cannot be parsed gets 400 Bad Request (505 for another SIP version) built
// from its raw header lines, when those lines are there to build one;
// anything else unparsable is dropped. Nothing reaches sipgo that it would
// only log and drop.
func (u *UA) readFilter(props gosip.TransportReadProps, data []byte) ([]byte, error) {
	if len(bytes.Trim(data, "\r\n\x00 ")) == 0 {
		return nil, nil // keep-alive
	}
	if _, err := gosip.NewParser().ParseSIP(data); err == nil {
		return data, nil
	} else if res := rawErrorResponse(data, err); res != nil {
		if _, werr := u.cfg.Conn.WriteTo(res, props.RemoteAddr); werr != nil {
			u.log.Debug("sip: cannot answer malformed request", "error", werr)
		}
		u.log.Info("sip: malformed request rejected", "from", addrString(props.RemoteAddr), "error", err)
	} else {
		u.log.Info("sip: malformed message dropped", "from", addrString(props.RemoteAddr), "error", err)
	}
	return nil, nil
}

func addrString(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}

// rawErrorResponse builds a 400 (or 505) for an unparsable request from its
// raw text: the request line must look like METHOD SP URI SP SIP/x.y and the
// Via, From, To, Call-ID and CSeq lines must exist. It returns nil when no
// response can be built (a response, or a request without those headers).
func rawErrorResponse(data []byte, cause error) []byte {
	head := data
	if i := bytes.Index(data, []byte("\r\n\r\n")); i >= 0 {
		head = data[:i]
	}
	lines := strings.Split(strings.ReplaceAll(string(head), "\r\n", "\n"), "\n")
	if len(lines) < 2 {
		return nil
	}
	parts := strings.Fields(lines[0])
	if len(parts) < 3 || strings.HasPrefix(strings.ToUpper(parts[0]), "SIP/") {
		return nil // a response, or garbage
	}
	code, reason := 400, "Bad Request"
	version := parts[len(parts)-1]
	if !strings.EqualFold(version, "SIP/2.0") {
		if !strings.HasPrefix(strings.ToUpper(version), "SIP/") {
			return nil
		}
		code, reason = 505, "Version Not Supported"
	}
	want := map[string]string{"via": "Via", "v": "Via", "from": "From", "f": "From",
		"to": "To", "t": "To", "call-id": "Call-ID", "i": "Call-ID", "cseq": "CSeq"}
	var vias []string
	found := map[string]string{}
	for _, l := range lines[1:] {
		name, value, ok := strings.Cut(l, ":")
		if !ok || strings.ContainsAny(value, "\x00") {
			continue
		}
		canon, ok := want[strings.ToLower(strings.TrimSpace(name))]
		if !ok {
			continue
		}
		value = strings.TrimSpace(value)
		if canon == "Via" {
			vias = append(vias, value)
		} else if _, dup := found[canon]; !dup {
			found[canon] = value
		}
	}
	if len(vias) == 0 || len(found) < 4 {
		return nil
	}
	if code == 400 && cause != nil {
		reason = "Bad Request"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "SIP/2.0 %d %s\r\n", code, reason)
	for _, v := range vias {
		fmt.Fprintf(&b, "Via: %s\r\n", v)
	}
	to := found["To"]
	if !strings.Contains(strings.ToLower(to), ";tag=") {
		to += ";tag=" + gosip.GenerateTagN(10)
	}
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %s\r\nContent-Length: 0\r\n\r\n",
		found["From"], to, found["Call-ID"], found["CSeq"])
	return []byte(b.String())
}

// validate applies the checks RFC 3261 §8.2 asks of a UAS before it
// processes a request that parsed. It returns 0 when the request may be
// processed, or the status code, reason and extra headers of the rejection.
func validate(req *gosip.Request) (int, string, []gosip.Header) {
	for _, name := range []string{"Via", "From", "To", "Call-ID", "CSeq"} {
		if req.GetHeader(name) == nil {
			return 400, "Missing " + name, nil
		}
	}
	if n := len(req.GetHeaders("From")); n > 1 {
		return 400, "Multiple From", nil
	}
	if n := len(req.GetHeaders("To")); n > 1 {
		return 400, "Multiple To", nil
	}
	if n := len(req.GetHeaders("Call-ID")); n > 1 {
		return 400, "Multiple Call-ID", nil
	}
	if n := len(req.GetHeaders("CSeq")); n > 1 {
		return 400, "Multiple CSeq", nil
	}
	if cls := req.GetHeaders("Content-Length"); len(cls) > 1 {
		return 400, "Multiple Content-Length", nil
	} else if len(cls) == 1 {
		n, err := strconv.Atoi(strings.TrimSpace(cls[0].Value()))
		if err != nil || n != len(req.Body()) {
			return 400, "Bad Content-Length", nil
		}
	}
	cseq := req.CSeq()
	if cseq == nil || !strings.EqualFold(string(cseq.MethodName), string(req.Method)) {
		return 400, "CSeq Method Mismatch", nil
	}
	switch strings.ToLower(req.Recipient.Scheme) {
	case "sip", "sips":
	default:
		return 416, "Unsupported URI Scheme", nil
	}
	if req.IsAck() || req.IsCancel() {
		return 0, "", nil
	}
	for _, h := range req.GetHeaders("Require") {
		if strings.TrimSpace(h.Value()) != "" {
			return 420, "Bad Extension", []gosip.Header{gosip.NewHeader("Unsupported", strings.TrimSpace(h.Value()))}
		}
	}
	if req.IsInvite() {
		if len(req.Body()) > 0 {
			ct := req.ContentType()
			if ct == nil || !strings.EqualFold(mediaType(ct.Value()), "application/sdp") {
				return 415, "Unsupported Media Type", []gosip.Header{gosip.NewHeader("Accept", "application/sdp")}
			}
		}
		if acc := req.GetHeaders("Accept"); len(acc) > 0 && !acceptsSDP(acc) {
			return 406, "Not Acceptable", []gosip.Header{gosip.NewHeader("Accept", "application/sdp")}
		}
	}
	return 0, "", nil
}

func mediaType(v string) string {
	t, _, _ := strings.Cut(v, ";")
	return strings.TrimSpace(t)
}

func acceptsSDP(hs []gosip.Header) bool {
	for _, h := range hs {
		for _, t := range strings.Split(h.Value(), ",") {
			switch strings.ToLower(mediaType(t)) {
			case "application/sdp", "application/*", "*/*", "":
				return true
			}
		}
	}
	return false
}

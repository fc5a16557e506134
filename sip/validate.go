package sip

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	gosip "github.com/emiago/sipgo/sip"
)

// rawErrorResponse builds the rejection of a request that sipgo cannot
// parse (or that is not SIP/2.0) from its raw text: 505 when its version is
// not SIP/2.0, 416 when its Request-URI has a well-formed scheme other than
// sip or sips (RFC 3261 §8.2.2.1, checked before the headers), 400 otherwise.
// The request line must look like METHOD SP URI SP SIP/x.y, and the Via,
// From, To, Call-ID and CSeq lines must exist; their values are echoed as
// they came (folded lines unfolded, empty Via elements and parameters left
// out). It returns nil when no response can be built: for a response, an
// ACK, a request without those headers, and when the response would not itself
// parse (e.g. a To with an unbalanced quote, a CSeq beyond 32 bits): we do
// not answer with a malformed message.
func rawErrorResponse(data []byte) []byte {
	head := data
	if i := bytes.Index(data, []byte("\r\n\r\n")); i >= 0 {
		head = data[:i]
	} else if i := bytes.Index(data, []byte("\n\n")); i >= 0 {
		head = data[:i]
	}
	lines := unfoldLines(strings.Split(strings.ReplaceAll(string(head), "\r\n", "\n"), "\n"))
	if len(lines) < 2 {
		return nil
	}
	parts := strings.Fields(lines[0])
	if len(parts) < 3 || !isToken(parts[0]) || strings.HasPrefix(strings.ToUpper(parts[0]), "SIP/") {
		return nil // a response, or garbage
	}
	if strings.EqualFold(parts[0], "ACK") {
		return nil // never answered
	}
	code, reason := 400, "Bad Request"
	version := parts[len(parts)-1]
	if !strings.HasPrefix(strings.ToUpper(version), "SIP/") {
		return nil
	}
	if !strings.EqualFold(version, "SIP/2.0") {
		code, reason = 505, "Version Not Supported"
	} else if scheme, _, ok := strings.Cut(parts[1], ":"); ok && isScheme(scheme) &&
		!strings.EqualFold(scheme, "sip") && !strings.EqualFold(scheme, "sips") {
		code, reason = 416, "Unsupported URI Scheme"
	}
	want := map[string]string{"via": "Via", "v": "Via", "from": "From", "f": "From",
		"to": "To", "t": "To", "call-id": "Call-ID", "i": "Call-ID", "cseq": "CSeq"}
	var vias []string
	found := map[string]string{}
	for _, l := range lines[1:] {
		name, value, ok := strings.Cut(l, ":")
		if !ok || strings.ContainsFunc(value, isCTL) {
			continue
		}
		canon, ok := want[strings.ToLower(strings.TrimSpace(name))]
		if !ok {
			continue
		}
		value = strings.TrimSpace(value)
		if canon == "Via" {
			vias = append(vias, viaElements(value)...)
		} else if _, dup := found[canon]; !dup {
			found[canon] = value
		}
	}
	if len(vias) == 0 || len(found) < 4 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "SIP/2.0 %d %s\r\n", code, reason)
	for _, v := range vias {
		fmt.Fprintf(&b, "Via: %s\r\n", v)
	}
	to := found["To"]
	if !hasTag(to) {
		to += ";tag=" + gosip.GenerateTagN(10)
	}
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %s\r\nContent-Length: 0\r\n\r\n",
		found["From"], to, found["Call-ID"], found["CSeq"])
	res := []byte(b.String())
	if _, err := strictResponse(res); err != nil {
		return nil
	}
	return res
}

// unfoldLines joins continuation lines (starting with SP or HTAB) to the
// header line they continue, as RFC 3261 §7.3.1 allows.
func unfoldLines(lines []string) []string {
	out := lines[:0:0]
	for _, l := range lines {
		if len(out) > 1 && l != "" && (l[0] == ' ' || l[0] == '\t') {
			// Only SP and HTAB fold (RFC 3261 §7.3.1, LWS): a CR or
			// another control character stays, for the caller to reject.
			out[len(out)-1] += " " + strings.Trim(l, " \t")
			continue
		}
		out = append(out, l)
	}
	return out
}

// viaElements splits a Via value into its comma-separated via-parms and
// drops empty ones and empty parameters ("192.0.2.15;;,;,," of RFC 4475
// badinv01 becomes "192.0.2.15").
func viaElements(v string) []string {
	var out []string
	for _, e := range strings.Split(v, ",") {
		var params []string
		for _, p := range strings.Split(e, ";") {
			if p = strings.TrimSpace(p); p != "" {
				params = append(params, p)
			}
		}
		if len(params) > 0 {
			out = append(out, strings.Join(params, ";"))
		}
	}
	return out
}

func hasTag(v string) bool {
	for _, p := range strings.Split(v, ";")[1:] {
		name, _, _ := strings.Cut(p, "=")
		if strings.EqualFold(strings.TrimSpace(name), "tag") {
			return true
		}
	}
	return false
}

// isToken reports whether s is an RFC 3261 token (as a method must be).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && !strings.ContainsRune("-.!%*_+`'~", rune(c)) {
			return false
		}
	}
	return true
}

// isScheme reports whether s is a URI scheme: ALPHA *(ALPHA / DIGIT / "+" /
// "-" / ".") (RFC 3986 §3.1).
func isScheme(s string) bool {
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isAlnum(c) && c != '+' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isAlnum(c byte) bool { return isAlpha(c) || '0' <= c && c <= '9' }

// knownMethods are the SIP methods of RFC 3261 and its common extensions:
// one of them we do not implement gets 405, any other 501 (RFC 3261
// §8.2.1, §21.4.6, §21.5.2).
var knownMethods = map[string]bool{
	"REGISTER": true, "PRACK": true, "SUBSCRIBE": true, "NOTIFY": true, "PUBLISH": true,
	"INFO": true, "REFER": true, "MESSAGE": true, "UPDATE": true,
}

func implemented(method string) bool {
	for _, m := range strings.Split(AllowedMethods, ",") {
		if strings.TrimSpace(m) == method {
			return true
		}
	}
	return false
}

// validate applies the checks RFC 3261 §8.2 asks of a UAS before it
// processes a request that parsed. It returns 0 when the request may be
// processed, or the status code, reason and extra headers of the rejection.
//
// The order: first what makes the request malformed (400: a mandatory
// header missing or repeated, a CSeq method that is not the request's, a
// wrong Content-Length, headers in the Request-URI), as a parse error would;
// then §8.2.1 method (405 or 501, with Allow), §8.2.2.1 URI scheme (416),
// §8.2.2.3 Require (420 with Unsupported), §8.2.3 content (415 with Accept
// for an INVITE body that is not application/sdp, 406 when the INVITE's
// Accept excludes application/sdp).
func validate(req *gosip.Request) (int, string, []gosip.Header) {
	if reason := malformed(req); reason != "" {
		return 400, reason, nil
	}
	if m := string(req.Method); !implemented(m) {
		if knownMethods[m] {
			return 405, "Method Not Allowed", []gosip.Header{allowHeader()}
		}
		return 501, "Not Implemented", []gosip.Header{allowHeader()}
	}
	switch strings.ToLower(req.Recipient.Scheme) {
	case "sip", "sips":
	default:
		return 416, "Unsupported URI Scheme", nil
	}
	if req.IsAck() || req.IsCancel() {
		return 0, "", nil
	}
	if bad := unsupportedRequire(req); bad != "" {
		return 420, "Bad Extension", []gosip.Header{gosip.NewHeader("Unsupported", bad)}
	}
	if req.IsInvite() {
		return validateInviteContent(req)
	}
	return 0, "", nil
}

// validateInviteContent applies RFC 3261 §8.2.3 to an INVITE: its body must
// be bare SDP (415) and its Accept must allow SDP (406).
func validateInviteContent(req *gosip.Request) (int, string, []gosip.Header) {
	if len(req.Body()) > 0 {
		// Only a bare SDP body: multipart/mixed (even with an SDP part)
		// and anything else get 415.
		ct := req.ContentType()
		if ct == nil || !strings.EqualFold(mediaType(ct.Value()), "application/sdp") {
			return 415, "Unsupported Media Type", []gosip.Header{gosip.NewHeader("Accept", "application/sdp")}
		}
	}
	if acc := req.GetHeaders("Accept"); len(acc) > 0 && !acceptsSDP(acc) {
		return 406, "Not Acceptable", []gosip.Header{gosip.NewHeader("Accept", "application/sdp")}
	}
	return 0, "", nil
}

// malformed returns why req is malformed (RFC 3261 §7.3, §8.1.1, §20: a
// mandatory header missing or repeated, a wrong Content-Length, a CSeq
// method that is not the request's, headers in the Request-URI), or "".
func malformed(req *gosip.Request) string {
	for _, name := range []string{"Via", "From", "To", "Call-ID", "CSeq"} {
		if req.GetHeader(name) == nil {
			return "Missing " + name
		}
	}
	for _, name := range []string{"From", "To", "Call-ID", "CSeq"} {
		if len(req.GetHeaders(name)) > 1 {
			return "Multiple " + name
		}
	}
	if cls := req.GetHeaders("Content-Length"); len(cls) > 1 {
		return "Multiple Content-Length"
	} else if len(cls) == 1 {
		n, err := strconv.Atoi(strings.TrimSpace(cls[0].Value()))
		if err != nil || n != len(req.Body()) {
			return "Bad Content-Length"
		}
	}
	cseq := req.CSeq()
	if cseq == nil || !strings.EqualFold(string(cseq.MethodName), string(req.Method)) {
		return "CSeq Method Mismatch"
	}
	// RFC 3261 §19.1.1, table 1: headers are not allowed in a Request-URI
	// (RFC 4475 escruri; the RFC lets an element ignore them instead).
	if len(req.Recipient.Headers) > 0 {
		return "Headers Not Allowed in Request-URI"
	}
	return ""
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

// isCTL reports an ASCII control character other than HTAB.
func isCTL(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }

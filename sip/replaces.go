package sip

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	gosip "github.com/emiago/sipgo/sip"
)

// This file is the syntax of transfers: the Replaces header (RFC 3891)
// naming a dialog, a Refer-To (RFC 3515) carrying one as a URI header,
// and the lookup of the dialog an INVITE with Replaces takes over.

// DialogRef names a dialog as a Replaces header does: its Call-ID, the
// to-tag (the local tag of the UA that receives the Replaces) and the
// from-tag (that UA's remote tag).
type DialogRef struct {
	CallID  string
	ToTag   string
	FromTag string
}

// String is the Replaces header value: "callid;to-tag=T;from-tag=F".
func (r DialogRef) String() string {
	return r.CallID + ";to-tag=" + r.ToTag + ";from-tag=" + r.FromTag
}

var errBadReplaces = errors.New("sip: malformed Replaces")

// ParseReplaces reads a Replaces header value (RFC 3891 §6.1). Unknown
// parameters (early-only) are ignored.
func ParseReplaces(v string) (DialogRef, error) {
	parts := strings.Split(strings.TrimSpace(v), ";")
	r := DialogRef{CallID: strings.TrimSpace(parts[0])}
	for _, p := range parts[1:] {
		k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "to-tag":
			r.ToTag = strings.TrimSpace(val)
		case "from-tag":
			r.FromTag = strings.TrimSpace(val)
		}
	}
	if r.CallID == "" || r.ToTag == "" || r.FromTag == "" {
		return DialogRef{}, fmt.Errorf("%w: %q", errBadReplaces, v)
	}
	return r, nil
}

// ReferTarget is a Refer-To's URI split into the URI to call and the
// Replaces it carries as a URI header ("" when none).
type ReferTarget struct {
	URI      string
	Replaces string
}

// ParseReferTo reads a Refer-To header value: a name-addr or addr-spec
// whose URI may carry headers after "?" (RFC 3261 §19.1.1, escaped); of
// them only Replaces is kept (RFC 3515 §2.1 lets us ignore the others).
func ParseReferTo(v string) (ReferTarget, error) {
	s := strings.TrimSpace(v)
	if i := strings.IndexByte(s, '<'); i >= 0 {
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			return ReferTarget{}, fmt.Errorf("sip: Refer-To %q: no closing >", v)
		}
		s = s[i+1 : i+j]
	} else if k := strings.IndexByte(s, ';'); k >= 0 && !strings.Contains(s[:k], "?") {
		s = s[:k] // addr-spec: what follows ';' are header parameters
	}
	uri, headers, _ := strings.Cut(s, "?")
	t := ReferTarget{URI: uri}
	if _, err := ParseURI(uri); err != nil {
		return ReferTarget{}, fmt.Errorf("sip: Refer-To %q: %v", v, err)
	}
	for _, h := range strings.Split(headers, "&") {
		name, val, _ := strings.Cut(h, "=")
		if !strings.EqualFold(name, "Replaces") {
			continue
		}
		raw, err := url.PathUnescape(val)
		if err != nil {
			return ReferTarget{}, fmt.Errorf("sip: Refer-To %q: bad escape in Replaces", v)
		}
		if _, err := ParseReplaces(raw); err != nil {
			return ReferTarget{}, err
		}
		t.Replaces = raw
	}
	return t, nil
}

// String is the Refer-To value: "<uri>" or "<uri?Replaces=escaped>".
func (t ReferTarget) String() string {
	if t.Replaces == "" {
		return "<" + t.URI + ">"
	}
	return "<" + t.URI + "?Replaces=" + escapeHeaderValue(t.Replaces) + ">"
}

// escapeHeaderValue escapes a URI header value (RFC 3261 §25.1 hvalue):
// everything but unreserved characters is %-escaped, so ';', '=', '@' and
// '%' of a Call-ID or tag cannot end the value.
func escapeHeaderValue(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		if isAlnum(c) || strings.IndexByte("-_.!~*'()", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// tagOf is the tag parameter of a From or To header.
func tagOf(params gosip.HeaderParams) string {
	t, _ := params.Get("tag")
	return t
}

// Replaces names the answered incoming call's dialog as its peer sees it:
// the caller is the one to receive it, so its to-tag is the caller's
// (our remote) tag.
func (ic *IncomingCall) Replaces() DialogRef {
	r := ic.ds.InviteRequest
	return DialogRef{CallID: r.CallID().Value(), ToTag: tagOf(r.From().Params), FromTag: tagOf(r.To().Params)}
}

// RemoteTarget is the caller's Contact URI.
func (ic *IncomingCall) RemoteTarget() string { return ic.ds.InviteRequest.Contact().Address.String() }

// Replaces names the answered outgoing call's dialog as the callee sees
// it (see IncomingCall.Replaces); the zero DialogRef before the answer.
func (oc *OutgoingCall) Replaces() DialogRef {
	res := oc.ds.InviteResponse
	if res == nil {
		return DialogRef{}
	}
	req := oc.ds.InviteRequest
	return DialogRef{CallID: req.CallID().Value(), ToTag: tagOf(res.To().Params), FromTag: tagOf(req.From().Params)}
}

// RemoteTarget is the callee's Contact URI (its address before the
// answer).
func (oc *OutgoingCall) RemoteTarget() string {
	if res := oc.ds.InviteResponse; res != nil {
		if c := res.Contact(); c != nil {
			return c.Address.String()
		}
	}
	return oc.ds.InviteRequest.Recipient.String()
}

// replacedDialog finds the established dialog an INVITE's Replaces names
// (RFC 3891 §3: its Call-ID, our local tag as to-tag, our remote tag as
// from-tag); nil when the header is malformed or names none.
func (u *UA) replacedDialog(v string) *Dialog {
	ref, err := ParseReplaces(v)
	if err != nil {
		return nil
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	// A dialog's id is (Call-ID, the INVITE's To tag, its From tag).
	if ic := u.servers[gosip.DialogIDMake(ref.CallID, ref.ToTag, ref.FromTag)]; ic != nil {
		return ic.Dialog()
	}
	if oc := u.clients[gosip.DialogIDMake(ref.CallID, ref.FromTag, ref.ToTag)]; oc != nil {
		return oc.Dialog()
	}
	return nil
}

// Replacing is the dialog this INVITE's Replaces header takes over, nil
// when it has none. (An INVITE whose Replaces names no dialog was
// answered 481 and never reaches the application.)
func (ic *IncomingCall) Replacing() *Dialog {
	h := ic.req.GetHeader("Replaces")
	if h == nil {
		return nil
	}
	return ic.u.replacedDialog(h.Value())
}

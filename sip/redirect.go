package sip

import (
	"context"
	"strings"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"
)

// This file is redirection (RFC 3261 §8.1.3.4, §21.3): following the
// Contacts of a 3xx to an INVITE we sent, and answering an incoming INVITE
// with 302 Moved Temporarily.

// maxRedirects bounds the 3xx responses one outgoing call follows.
const maxRedirects = 5

// OnRedirect registers what to call when the INVITE is redirected, before
// the new INVITE goes out: target is the Contact it goes to. Set it before
// WaitAnswer.
func (oc *OutgoingCall) OnRedirect(f func(target string)) {
	oc.mu.Lock()
	oc.onRedir = f
	oc.mu.Unlock()
}

// uriKey is how URIs are compared for loop detection: scheme, user, host
// and port, case-insensitive, without parameters.
func uriKey(u gosip.Uri) string {
	v := gosip.Uri{Scheme: u.Scheme, User: u.User, Host: u.Host, Port: u.Port}
	return strings.ToLower(v.String())
}

// redirectTarget is the first Contact of a 300, 301 or 302 response that
// was not tried yet (tried then holds it); ok is false for any other
// response, or when every Contact was tried (a redirect loop).
func redirectTarget(res *gosip.Response, tried map[string]bool) (gosip.Uri, bool) {
	if res.StatusCode < 300 || res.StatusCode > 302 {
		return gosip.Uri{}, false
	}
	for _, h := range res.GetHeaders("Contact") {
		var c gosip.ContactHeader
		for _, v := range splitContacts(h.Value()) {
			if _, err := gosip.ParseAddressValue(v, &c.Address, &c.Params); err != nil {
				continue
			}
			s := strings.ToLower(c.Address.Scheme)
			if s != "sip" && s != "sips" {
				continue
			}
			if k := uriKey(c.Address); !tried[k] {
				tried[k] = true
				return c.Address, true
			}
		}
	}
	return gosip.Uri{}, false
}

// redirect sends our INVITE again to target (same Call-ID, From and To, a
// new CSeq and branch; credentials for the old target dropped) and waits
// for its final response.
func (oc *OutgoingCall) redirect(ctx context.Context, target gosip.Uri, opts sipgo.AnswerOptions) (*gosip.Response, error) {
	oc.mu.Lock()
	f := oc.onRedir
	oc.mu.Unlock()
	if f != nil {
		f(target.String())
	}
	req := oc.ds.InviteRequest.Clone()
	req.Recipient = target
	req.RemoveHeader("Authorization")
	req.RemoveHeader("Proxy-Authorization")
	req.SetDestination(oc.u.cfg.OutboundProxy) // "" = the new Request-URI
	return oc.reinvite(ctx, req, opts)
}

// Redirect answers the INVITE with 302 Moved Temporarily and a Contact of
// target (the call goes there instead).
func (ic *IncomingCall) Redirect(target URI) error {
	t := target.sipgo()
	return ic.send(decision{code: 302, reason: "Moved Temporarily", contact: &gosip.ContactHeader{Address: t}})
}

package sip

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// Registration is our binding at one registrar (RFC 3261 §10). It keeps
// one Call-ID and increasing CSeq numbers across refreshes, as §10.2.4
// asks. Its owner decides when to refresh.
type Registration struct {
	u         *UA
	registrar gosip.Uri
	timeout   time.Duration

	mu         sync.Mutex
	callID     string
	cseq       uint32
	natChecked bool
}

// NewRegistration prepares REGISTERs for registrar (host and port only).
// timeout bounds each REGISTER sent, 0 leaving it to the caller's context.
func (u *UA) NewRegistration(registrar URI, timeout time.Duration) *Registration {
	return &Registration{
		u:         u,
		registrar: gosip.Uri{Scheme: "sip", Host: registrar.Host, Port: registrar.Port},
		timeout:   timeout,
		callID:    gosip.GenerateTagN(24),
		cseq:      1,
	}
}

// Registrar is the registrar's "host:port" (or "host").
func (r *Registration) Registrar() string { return r.registrar.HostPort() }

// RegisterResult is what the registrar answered.
type RegisterResult struct {
	Code    int    // final status code
	Reason  string // reason phrase
	Expires int    // lifetime granted (seconds) on 2xx
	// Received and RPort are our address as the registrar saw it
	// (RFC 3581), "" and 0 when it did not say.
	Received string
	RPort    int
}

// OK reports a 2xx answer.
func (r RegisterResult) OK() bool { return r.Code >= 200 && r.Code < 300 }

// Status is "200 OK", "403 Forbidden", ...
func (r RegisterResult) Status() string { return strconv.Itoa(r.Code) + " " + r.Reason }

// Register asks the registrar to bind our Contact for expires seconds (0
// removes our binding), answering digest challenges, and returns its final
// answer, or an error when none came (ctx done, transport failure, no
// answer within the Registration's timeout).
//
// The first time a UDP registrar answers 2xx showing our address as
// another one (received and rport, RFC 3581: we are behind NAT), Register
// removes the binding of our private address, moves our Contact to the
// public one (UA.SetContact) and registers that, returning the answer to
// this last REGISTER. Over TCP and TLS, rport is our connection's own port
// and requests come back on that connection: nothing changes.
func (r *Registration) Register(ctx context.Context, expires int) (RegisterResult, error) {
	res, err := r.send(ctx, expires)
	if err != nil || expires == 0 || !res.OK() || !r.behindNAT(res) {
		return res, err
	}
	r.u.log.Info("registrar sees another address; updating Contact", "received", res.Received, "rport", res.RPort)
	_, _ = r.send(ctx, 0)
	r.u.SetContact(res.Received, res.RPort)
	return r.send(ctx, expires)
}

// behindNAT reports, the first time a UDP registrar tells our address,
// whether it differs from our Contact.
func (r *Registration) behindNAT(res RegisterResult) bool {
	if r.u.Transport() != "udp" || res.Received == "" || res.RPort == 0 {
		return false
	}
	r.mu.Lock()
	checked := r.natChecked
	r.natChecked = true
	r.mu.Unlock()
	if checked {
		return false
	}
	h, port := r.u.ContactAddr()
	return h != res.Received || port != res.RPort
}

// send sends one REGISTER (with its challenge retries) for our current
// Contact.
func (r *Registration) send(ctx context.Context, expires int) (RegisterResult, error) {
	if r.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.timeout)
		defer cancel()
	}
	req, contact := r.request(expires)
	res, err := r.u.do(ctx, req)
	r.mu.Lock()
	if cs := req.CSeq(); cs != nil && cs.SeqNo > r.cseq {
		r.cseq = cs.SeqNo
	}
	r.mu.Unlock()
	if err != nil {
		return RegisterResult{}, err
	}
	out := RegisterResult{Code: res.StatusCode, Reason: res.Reason}
	if v := res.Via(); v != nil {
		if rec, ok := v.Params.Get("received"); ok {
			out.Received = rec
		}
		if rp, ok := v.Params.Get("rport"); ok {
			out.RPort, _ = strconv.Atoi(rp)
		}
	}
	if out.OK() {
		out.Expires = grantedExpires(res, contact, expires)
	}
	return out, nil
}

// request builds a REGISTER with the next CSeq; it returns it and our
// Contact in it.
func (r *Registration) request(expires int) (*gosip.Request, *gosip.ContactHeader) {
	u := r.u
	req := gosip.NewRequest(gosip.REGISTER, r.registrar)
	aor := u.aor()
	if u.cfg.Domain == "" {
		aor = gosip.Uri{Scheme: "sip", User: u.cfg.User, Host: r.registrar.Host, Port: r.registrar.Port}
	}
	from := u.fromHeader()
	from.Address = aor
	req.AppendHeader(from)
	req.AppendHeader(&gosip.ToHeader{Address: aor, Params: gosip.NewParams()})
	callID := gosip.CallIDHeader(r.callID)
	req.AppendHeader(&callID)
	r.mu.Lock()
	r.cseq++
	req.AppendHeader(&gosip.CSeqHeader{SeqNo: r.cseq, MethodName: gosip.REGISTER})
	r.mu.Unlock()
	contact := u.contactHeader()
	req.AppendHeader(contact)
	req.AppendHeader(gosip.NewHeader("Expires", strconv.Itoa(expires)))
	req.AppendHeader(allowHeader())
	u.commonHeaders(req)
	u.route(req)
	return req, contact
}

// grantedExpires reads the lifetime the registrar granted our contact: its
// expires parameter in the 200's Contact list, else the Expires header,
// else what we asked for.
func grantedExpires(res *gosip.Response, ours *gosip.ContactHeader, asked int) int {
	for _, h := range res.GetHeaders("Contact") {
		for _, one := range splitContacts(h.Value()) {
			var c gosip.ContactHeader
			c.Params = gosip.NewParams()
			if _, err := gosip.ParseAddressValue(one, &c.Address, &c.Params); err != nil {
				continue
			}
			if !strings.EqualFold(c.Address.Host, ours.Address.Host) || c.Address.Port != ours.Address.Port || c.Address.User != ours.Address.User {
				continue
			}
			if e, ok := c.Params.Get("expires"); ok {
				if n, err := strconv.Atoi(e); err == nil && n >= 0 {
					return n
				}
			}
		}
	}
	if h := res.GetHeader("Expires"); h != nil {
		if n, err := strconv.Atoi(strings.TrimSpace(h.Value())); err == nil && n >= 0 {
			return n
		}
	}
	return asked
}

// splitContacts splits a Contact header value at commas outside quotes and
// angle brackets.
func splitContacts(v string) []string {
	var out []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '"':
			quoted = !quoted
		case '<':
			if !quoted {
				depth++
			}
		case '>':
			if !quoted && depth > 0 {
				depth--
			}
		case ',':
			if !quoted && depth == 0 {
				out = append(out, strings.TrimSpace(v[start:i]))
				start = i + 1
			}
		}
	}
	return append(out, strings.TrimSpace(v[start:]))
}

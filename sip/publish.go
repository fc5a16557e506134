package sip

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"

	gosip "github.com/emiago/sipgo/sip"
)

// This file is event state publication (RFC 3903, sipsimple's
// Publication): PUBLISH with a body creates state at the server, which
// answers with an entity tag (SIP-ETag); later PUBLISHes name it in
// SIP-If-Match to refresh (no body), modify (a new body) or remove it
// (Expires: 0). Its owner decides when to refresh.

// ErrNotPublished is returned by Refresh and Remove when nothing is
// published.
var ErrNotPublished = errors.New("sip: nothing published")

// PublishResult is the answer to a PUBLISH.
type PublishResult struct {
	Code    int
	Reason  string
	Expires int    // the lifetime granted on 2xx
	ETag    string // the entity tag on 2xx
}

// Publication is our event state at one presence agent. Its methods may
// be called from any goroutine; PUBLISHes go out one at a time.
type Publication struct {
	u           *UA
	target      gosip.Uri
	event       string
	contentType string

	mu   sync.Mutex // held for a whole PUBLISH exchange
	etag string
}

// NewPublication prepares PUBLISHes of event (e.g. "presence") with
// bodies of contentType to target (the address-of-record whose state it
// is).
func (u *UA) NewPublication(target URI, event, contentType string) *Publication {
	return &Publication{u: u, target: target.sipgo(), event: event, contentType: contentType}
}

// Published reports whether the server holds our state (an entity tag).
func (p *Publication) Published() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.etag != ""
}

// Publish sends body for expires seconds: the initial publication, or a
// modification of the published one. A 412 (the server lost our entity)
// is answered with an initial PUBLISH of body.
func (p *Publication) Publish(ctx context.Context, body []byte, expires int) (PublishResult, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	res, err := p.sendLocked(ctx, body, expires)
	if err == nil && res.Code == 412 && p.etag != "" {
		p.etag = ""
		res, err = p.sendLocked(ctx, body, expires)
	}
	return res, err
}

// Refresh extends the published state by expires seconds, with no body.
func (p *Publication) Refresh(ctx context.Context, expires int) (PublishResult, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.etag == "" {
		return PublishResult{}, ErrNotPublished
	}
	return p.sendLocked(ctx, nil, expires)
}

// Remove removes the published state (Expires: 0).
func (p *Publication) Remove(ctx context.Context) (PublishResult, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.etag == "" {
		return PublishResult{}, ErrNotPublished
	}
	res, err := p.sendLocked(ctx, nil, 0)
	p.etag = ""
	return res, err
}

// sendLocked sends one PUBLISH (with its challenge retries, and once more
// with the Min-Expires of a 423) and keeps the entity tag of a 2xx; p.mu
// is held.
func (p *Publication) sendLocked(ctx context.Context, body []byte, expires int) (PublishResult, error) {
	res, err := p.u.do(ctx, p.request(body, expires))
	if err == nil && res.StatusCode == 423 {
		if min := expiresHeader(res, "Min-Expires"); min > expires {
			expires = min
			res, err = p.u.do(ctx, p.request(body, expires))
		}
	}
	if err != nil {
		return PublishResult{}, err
	}
	out := PublishResult{Code: res.StatusCode, Reason: res.Reason}
	if res.IsSuccess() {
		out.Expires = headerExpires(res, expires)
		if h := res.GetHeader("SIP-ETag"); h != nil {
			out.ETag = strings.TrimSpace(h.Value())
			p.etag = out.ETag
		}
	}
	return out, nil
}

// request builds a PUBLISH: with body as the new state, or none to
// refresh; SIP-If-Match names the state we hold.
func (p *Publication) request(body []byte, expires int) *gosip.Request {
	u := p.u
	t := p.target
	req := gosip.NewRequest(gosip.PUBLISH, t)
	from := u.fromHeader()
	from.Address = gosip.Uri{Scheme: t.Scheme, User: t.User, Host: t.Host, Port: t.Port}
	req.AppendHeader(from)
	req.AppendHeader(&gosip.ToHeader{Address: from.Address, Params: gosip.NewParams()})
	req.AppendHeader(gosip.NewHeader("Event", p.event))
	req.AppendHeader(gosip.NewHeader("Expires", strconv.Itoa(expires)))
	if p.etag != "" {
		req.AppendHeader(gosip.NewHeader("SIP-If-Match", p.etag))
	}
	if body != nil {
		req.AppendHeader(gosip.NewHeader("Content-Type", p.contentType))
		req.SetBody(body)
	}
	u.commonHeaders(req)
	u.route(req)
	return req
}

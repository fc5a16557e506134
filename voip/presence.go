package voip

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/libvoip/libvoip/sip"
)

// This file is our own event state: the presence we show (RFC 3856, PIDF)
// to our presence subscribers, and publications (RFC 3903) at the
// registrar, refreshed until the phone stops.

// publication is one event package's PUBLISH state at the server.
type publication struct {
	pub     *sip.Publication
	expires int
	mu      sync.Mutex
	timer   *time.Timer
	stopped bool
}

// SetPresence sets the presence we show: basic "open" or "closed", a
// note, RPID activities ("busy", "away", "on-the-phone", ...). Our
// presence subscribers are notified; with a server it is also published
// there (PUBLISH to our address-of-record), and that PUBLISH's failure is
// returned.
func (p *Phone) SetPresence(ctx context.Context, basic, note string, activities ...string) error {
	basic = strings.ToLower(strings.TrimSpace(basic))
	if basic != "open" && basic != "closed" {
		return fmt.Errorf("%w: basic status %q: want open or closed", ErrInvalidArgument, basic)
	}
	for _, a := range activities {
		if !isActivity(a) {
			return fmt.Errorf("%w: activity %q", ErrInvalidArgument, a)
		}
	}
	env := p.env()
	if env.err != nil {
		return env.err
	}
	pres := sip.Presence{Entity: env.ua.URI(), Basic: basic, Note: note, Activities: append([]string(nil), activities...)}
	p.ev.mu.Lock()
	p.ev.presence = pres
	p.ev.mu.Unlock()
	for _, s := range p.ev.servingOf("presence") {
		go func() {
			nctx, cancel := context.WithTimeout(context.Background(), 32*time.Second)
			defer cancel()
			_ = s.ss.Notify(nctx, sip.PIDFType, sip.FormatPIDF(p.presenceFor(s.To)))
		}()
	}
	if env.cfg.Server == "" {
		return nil
	}
	return p.Publish(ctx, "presence", sip.PIDFType, sip.FormatPIDF(pres))
}

// isActivity reports whether a is an RPID activity name.
func isActivity(a string) bool {
	for i, c := range a {
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		other := c >= '0' && c <= '9' || c == '-'
		if !letter && (i == 0 || !other) {
			return false
		}
	}
	return a != ""
}

// presenceFor is our presence as a PIDF for entity (the URI subscribed
// to); closed until SetPresence.
func (p *Phone) presenceFor(entity string) sip.Presence {
	p.ev.mu.Lock()
	pres := p.ev.presence
	p.ev.mu.Unlock()
	if pres.Basic == "" {
		pres.Basic = "closed"
	}
	pres.Entity = entity
	return pres
}

// Publish publishes body (of content type ct) as our state of event at
// the server (RFC 3903): PUBLISH to our address-of-record, refreshed
// before it expires until the phone stops; a later Publish modifies it and
// a nil body removes it. It needs a server (ErrInvalidState without one);
// a refusal is ErrRejected.
func (p *Phone) Publish(ctx context.Context, event, ct string, body []byte) error {
	env := p.env()
	if env.err != nil {
		return env.err
	}
	if env.cfg.Server == "" {
		return fmt.Errorf("%w: publish needs a server", ErrInvalidState)
	}
	if _, _, ok := sip.ParseEvent(event); !ok || (body != nil && (!strings.Contains(ct, "/") || strings.ContainsAny(ct, "\r\n"))) {
		return fmt.Errorf("%w: event %q, content type %q", ErrInvalidArgument, event, ct)
	}
	aor, err := sip.ParseURI(env.ua.URI())
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidState, err)
	}
	p.ev.mu.Lock()
	if p.ev.pubs == nil {
		p.ev.pubs = map[string]*publication{}
	}
	pb := p.ev.pubs[event]
	if pb == nil {
		pb = &publication{pub: env.ua.NewPublication(aor, event, ct), expires: env.cfg.EventExpires}
		p.ev.pubs[event] = pb
	}
	if body == nil {
		delete(p.ev.pubs, event)
	}
	p.ev.mu.Unlock()
	if body == nil {
		pb.remove(ctx)
		return nil
	}
	return pb.publish(ctx, body)
}

// publish sends body and schedules the refresh.
func (pb *publication) publish(ctx context.Context, body []byte) error {
	res, err := pb.pub.Publish(ctx, body, pb.expires)
	switch {
	case err != nil && ctx.Err() != nil:
		return fmt.Errorf("%w: PUBLISH: no answer", ErrTimeout)
	case err != nil:
		return fmt.Errorf("%w: PUBLISH: %v", ErrNetwork, err)
	case res.Code < 200 || res.Code >= 300:
		return fmt.Errorf("%w: PUBLISH: %d %s", ErrRejected, res.Code, res.Reason)
	}
	pb.schedule(res.Expires, body)
	return nil
}

// schedule arms the refresh of a publication granted for expires seconds.
func (pb *publication) schedule(expires int, body []byte) {
	pb.mu.Lock()
	defer pb.mu.Unlock()
	if pb.stopped || expires <= 0 {
		return
	}
	if pb.timer != nil {
		pb.timer.Stop()
	}
	pb.timer = time.AfterFunc(sipRefreshDelay(expires), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 32*time.Second)
		defer cancel()
		res, err := pb.pub.Refresh(ctx, pb.expires)
		if err == nil && res.Code >= 200 && res.Code < 300 {
			pb.schedule(res.Expires, body)
			return
		}
		if err == nil || !errors.Is(err, sip.ErrNotPublished) {
			_ = pb.publish(ctx, body) // the server lost it: publish anew
		}
	})
}

// remove stops refreshing and removes the published state.
func (pb *publication) remove(ctx context.Context) {
	pb.mu.Lock()
	pb.stopped = true
	if pb.timer != nil {
		pb.timer.Stop()
	}
	pb.mu.Unlock()
	if pb.pub.Published() {
		_, _ = pb.pub.Remove(ctx)
	}
}

// sipRefreshDelay is when to refresh state granted for expires seconds:
// half-way for short lifetimes, a minute early for long ones.
func sipRefreshDelay(expires int) time.Duration {
	if expires < 120 {
		return time.Duration(expires) * time.Second / 2
	}
	return time.Duration(expires-60) * time.Second
}

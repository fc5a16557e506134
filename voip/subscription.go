package voip

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/libvoip/libvoip/sip"
)

// This file is a phone's outgoing subscriptions (RFC 6665 on sip's event
// framework): Phone.NewSubscription, Start, Stop, and every NOTIFY handed
// to Handler.Notify with its body parsed (summary.go). Incoming ones are
// subscription_in.go; presence and busy lamps presence.go and blf.go.

// Subscription states as Handler.SubscriptionState reports them.
const (
	SubscriptionSent       = "sent"       // SUBSCRIBE sent, no NOTIFY yet
	SubscriptionPending    = "pending"    // accepted, not authorized yet
	SubscriptionActive     = "active"     // NOTIFYs flow
	SubscriptionTerminated = "terminated" // over: see the reason
)

// Notification is one NOTIFY: of a Subscription, or an unsolicited one
// (a voicemail server's message-summary) with no Subscription.
type Notification struct {
	Event string // the package: "presence", "message-summary", "dialog", ...
	// State and Reason are the Subscription-State ("active", "pending",
	// "terminated") and the reason of a termination.
	State, Reason string
	// Dialog names the notifier's dialog: forks of one SUBSCRIBE differ.
	Dialog      string
	From        string
	ContentType string
	Body        []byte
	// Summary is the body parsed, as JSON (Summarize); "" when the
	// package is not one we parse or there is no body. Err is why a body
	// of a known package did not parse (Summary is then "").
	Summary string
	Err     error
}

// phoneEvents is a phone's event state: its subscriptions both ways, its
// presence and its publication. Its mutex is a leaf taken after p.mu.
type phoneEvents struct {
	mu       sync.Mutex
	subs     map[*Subscription]struct{}
	serving  map[*IncomingSubscription]struct{}
	packages []string // served packages (ServeEvents)
	presence sip.Presence
	pubs     map[string]*publication // by event package (presence.go)
	watchers watcherTable            // our presence watchers (winfo.go)
}

// Subscription is an outgoing subscription (sipsimple's Subscription).
// Its methods may be called from any goroutine.
type Subscription struct {
	phone  *Phone
	uri    string
	event  string
	accept []string

	mu      sync.Mutex
	sub     *sip.Subscription
	state   string
	reason  string
	stopped bool
}

// NewSubscription prepares a subscription to uri's event package (e.g.
// "presence", "message-summary", "dialog"), accepting the given body
// types (none: the package's usual one). Start sends it.
func (p *Phone) NewSubscription(uri, event string, accept ...string) (*Subscription, error) {
	event = strings.ToLower(strings.TrimSpace(event))
	if _, _, ok := sip.ParseEvent(event); !ok {
		return nil, fmt.Errorf("%w: event package %q", ErrInvalidArgument, event)
	}
	if _, err := p.target(uri); err != nil {
		return nil, err
	}
	for _, a := range accept {
		if !strings.Contains(a, "/") || strings.ContainsAny(a, "\r\n,") {
			return nil, fmt.Errorf("%w: accept type %q", ErrInvalidArgument, a)
		}
	}
	return &Subscription{phone: p, uri: uri, event: event, accept: accept}, nil
}

// URI is the subscribed resource, Event the package.
func (s *Subscription) URI() string { return s.uri }

// Event is the subscription's package.
func (s *Subscription) Event() string { return s.event }

// State is the subscription's state ("" before Start) and its reason.
func (s *Subscription) State() (string, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state, s.reason
}

// Start sends the SUBSCRIBE and returns once it was answered: nil when
// accepted (NOTIFYs then reach Handler.Notify, and the subscription is
// refreshed until Stop or the phone stops), ErrRejected with the status
// when refused, ErrTimeout without an answer. A subscription starts once.
func (s *Subscription) Start(ctx context.Context) error {
	env := s.phone.env()
	if env.err != nil {
		return env.err
	}
	target, err := s.phone.target(s.uri)
	if err != nil {
		return err
	}
	s.mu.Lock()
	if s.sub != nil || s.stopped {
		s.mu.Unlock()
		return fmt.Errorf("%w: the subscription was started already", ErrInvalidState)
	}
	s.sub = env.ua.NewSubscription(sip.SubscribeOptions{Target: target, Event: s.event,
		Accept: s.accept, Expires: env.cfg.EventExpires, OnNotify: s.onNotify, OnState: s.onState})
	sub := s.sub
	s.mu.Unlock()
	s.phone.ev.add(s)
	err = sub.Start(ctx)
	var se *sip.StatusError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se):
		s.phone.ev.remove(s)
		return fmt.Errorf("%w: SUBSCRIBE %s to %s: %s", ErrRejected, s.event, s.uri, se.Error())
	case ctx.Err() != nil || errors.Is(err, sip.ErrNoResponse):
		s.phone.ev.remove(s)
		return fmt.Errorf("%w: SUBSCRIBE %s to %s: no answer", ErrTimeout, s.event, s.uri)
	}
	s.phone.ev.remove(s)
	return fmt.Errorf("%w: SUBSCRIBE %s to %s: %v", ErrNetwork, s.event, s.uri, err)
}

// Stop ends the subscription (a SUBSCRIBE with Expires: 0); a stopped one
// cannot be started again.
func (s *Subscription) Stop(ctx context.Context) error {
	s.mu.Lock()
	s.stopped = true
	sub := s.sub
	s.mu.Unlock()
	s.phone.ev.remove(s)
	if sub == nil {
		return nil
	}
	if err := sub.Stop(ctx); err != nil {
		return fmt.Errorf("%w: unsubscribe %s: %v", ErrNetwork, s.uri, err)
	}
	return nil
}

// onNotify reports a NOTIFY, parsed, on the dispatcher.
func (s *Subscription) onNotify(n sip.EventNotify) {
	out := Notification{Event: n.Event, State: n.State.State, Reason: n.State.Reason, Dialog: n.Dialog,
		From: n.From, ContentType: n.ContentType, Body: n.Body}
	out.Summary, out.Err = Summarize(n.Event, n.Body)
	p := s.phone
	p.events.post(func() {
		if f := p.handlers().Notify; f != nil {
			f(s, out)
		}
	})
}

// onState records and reports a state change.
func (s *Subscription) onState(st sip.SubStatus) {
	reason := st.Reason
	if st.Code != 0 {
		reason = fmt.Sprintf("%d %s", st.Code, st.Reason)
	}
	s.mu.Lock()
	s.state, s.reason = st.State, reason
	s.mu.Unlock()
	if st.State == sip.SubTerminated {
		s.phone.ev.remove(s)
	}
	p := s.phone
	p.events.post(func() {
		if f := p.handlers().SubscriptionState; f != nil {
			f(s, st.State, reason)
		}
	})
}

func (e *phoneEvents) add(s *Subscription) {
	e.mu.Lock()
	if e.subs == nil {
		e.subs = map[*Subscription]struct{}{}
	}
	e.subs[s] = struct{}{}
	e.mu.Unlock()
}

func (e *phoneEvents) remove(s *Subscription) {
	e.mu.Lock()
	delete(e.subs, s)
	e.mu.Unlock()
}

// stopEvents ends every subscription of a stopping phone, both ways, and
// removes its publication; ctx bounds it.
func (p *Phone) stopEvents(ctx context.Context) {
	e := &p.ev
	e.mu.Lock()
	subs := make([]*Subscription, 0, len(e.subs))
	for s := range e.subs {
		subs = append(subs, s)
	}
	serving := make([]*IncomingSubscription, 0, len(e.serving))
	for s := range e.serving {
		serving = append(serving, s)
	}
	pubs := e.pubs
	e.pubs = nil
	e.mu.Unlock()
	var wg sync.WaitGroup
	for _, s := range subs {
		wg.Add(1)
		go func() { defer wg.Done(); _ = s.Stop(ctx) }()
	}
	for _, s := range serving {
		wg.Add(1)
		go func() { defer wg.Done(); _ = s.End(ctx, "noresource") }()
	}
	for _, pb := range pubs {
		wg.Add(1)
		go func() { defer wg.Done(); pb.remove(ctx) }()
	}
	wg.Wait()
}

// unsolicitedNotify reports an out-of-dialog message-summary NOTIFY (as
// Asterisk sends by default) to Handler.Notify, with no Subscription.
func (p *Phone) unsolicitedNotify(r sip.Request) {
	if r.Method != "NOTIFY" || !strings.HasPrefix(strings.ToLower(r.ContentType), sip.MessageSummaryType) {
		return
	}
	n := Notification{Event: "message-summary", State: SubscriptionActive, From: r.From,
		ContentType: r.ContentType, Body: r.Body}
	n.Summary, n.Err = Summarize(n.Event, r.Body)
	p.events.post(func() {
		if f := p.handlers().Notify; f != nil {
			f(nil, n)
		}
	})
}

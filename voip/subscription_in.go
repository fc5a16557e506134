package voip

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/libvoip/libvoip/sip"
)

// This file is a phone's incoming subscriptions (sipsimple's
// IncomingSubscription): SUBSCRIBEs for the packages the application
// serves (ServeEvents) reach Handler.IncomingSubscription, which accepts
// or rejects them; presence, dialog and presence.winfo subscriptions then
// get our presence (presence.go), our calls' state (blf.go) and our
// presence watchers (winfo.go) by themselves.

// IncomingSubscription is a peer's subscription to us. Its methods may be
// called from any goroutine.
type IncomingSubscription struct {
	phone *Phone
	ss    *sip.ServerSubscription
	// Event is the package; From the subscriber's URI; To the URI it
	// subscribed to.
	Event, From, To string

	mu      sync.Mutex
	version int // of our dialog-info and watcherinfo documents

	winfoQueue   [][]byte // watcherinfo documents to send, in order (winfo.go)
	winfoSending bool
}

// ServeEvents sets the event packages whose SUBSCRIBEs reach
// Handler.IncomingSubscription (e.g. "presence", "dialog"); others get 489
// Bad Event with Allow-Events. None (the default) refuses every
// SUBSCRIBE. It applies at once and across restarts.
func (p *Phone) ServeEvents(packages ...string) error {
	list := make([]string, 0, len(packages))
	for _, pk := range packages {
		pk = strings.ToLower(strings.TrimSpace(pk))
		if pk == "" {
			continue
		}
		if _, _, ok := sip.ParseEvent(pk); !ok || pk == "refer" {
			return fmt.Errorf("%w: event package %q cannot be served", ErrInvalidArgument, pk)
		}
		list = append(list, pk)
	}
	p.ev.mu.Lock()
	p.ev.packages = list
	p.ev.mu.Unlock()
	if ua := p.env().ua; ua != nil {
		p.installEvents(ua)
	}
	return nil
}

// installEvents gives ua the served packages.
func (p *Phone) installEvents(ua *sip.UA) {
	p.ev.mu.Lock()
	list := append([]string(nil), p.ev.packages...)
	p.ev.mu.Unlock()
	if len(list) == 0 {
		ua.OnSubscribe(nil, nil)
		return
	}
	ua.OnSubscribe(list, p.onSubscribe)
}

// onSubscribe hands a new subscription to the application (489 without a
// handler).
func (p *Phone) onSubscribe(ss *sip.ServerSubscription) {
	s := &IncomingSubscription{phone: p, ss: ss, Event: ss.Event, From: ss.From, To: ss.To}
	ss.OnEnd(func(reason string) {
		p.ev.dropServing(s)
		p.watcherChanged(s, sip.WatcherTerminated, watcherEvent(reason))
	})
	p.watcherChanged(s, sip.WatcherPending, sip.WatcherSubscribe)
	p.events.post(func() {
		f := p.handlers().IncomingSubscription
		if f == nil {
			_ = s.Reject(489)
			return
		}
		f(s)
	})
}

// State is the subscription's state: "incoming", "pending", "active" or
// "terminated".
func (s *IncomingSubscription) State() string { return s.ss.State() }

// Accept accepts the subscription (200, or a pending one made active) and
// sends its first NOTIFY: our presence for "presence", our calls' dialog
// state for "dialog", no body for others until Notify.
func (s *IncomingSubscription) Accept() error {
	ct, body := s.autoContent()
	if err := s.ss.Accept(ct, body); err != nil {
		return fmt.Errorf("%w: accept: subscription is %s", ErrInvalidState, s.ss.State())
	}
	s.phone.ev.addServing(s)
	s.phone.watcherChanged(s, sip.WatcherActive, sip.WatcherApproved)
	return nil
}

// AcceptPending accepts the subscription as pending (202): a NOTIFY
// without a body, until Accept.
func (s *IncomingSubscription) AcceptPending() error {
	if err := s.ss.AcceptPending(); err != nil {
		return fmt.Errorf("%w: accept: subscription is %s", ErrInvalidState, s.ss.State())
	}
	return nil
}

// Reject refuses the subscription with code (300..699, e.g. 403 or 603).
func (s *IncomingSubscription) Reject(code int) error {
	if code < 300 || code > 699 {
		return fmt.Errorf("%w: reject code %d: want 300..699", ErrInvalidArgument, code)
	}
	if err := s.ss.Reject(code); err != nil {
		return fmt.Errorf("%w: reject: subscription is %s", ErrInvalidState, s.ss.State())
	}
	return nil
}

// Notify sends a NOTIFY with body of content type ct (the new state).
func (s *IncomingSubscription) Notify(ctx context.Context, ct string, body []byte) error {
	if !strings.Contains(ct, "/") || strings.ContainsAny(ct, "\r\n") {
		return fmt.Errorf("%w: content type %q", ErrInvalidArgument, ct)
	}
	return s.mapError(s.ss.Notify(ctx, ct, body))
}

// End terminates the subscription with a NOTIFY giving reason
// ("noresource", "deactivated", "rejected", "timeout", "giveup",
// "probation"; "" = "noresource").
func (s *IncomingSubscription) End(ctx context.Context, reason string) error {
	if reason == "" {
		reason = "noresource"
	}
	if !isReasonToken(reason) {
		return fmt.Errorf("%w: reason %q", ErrInvalidArgument, reason)
	}
	return s.mapError(s.ss.End(ctx, reason))
}

// mapError maps a NOTIFY's failure to this package's errors.
func (s *IncomingSubscription) mapError(err error) error {
	var se *sip.StatusError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sip.ErrSubscriptionState):
		return fmt.Errorf("%w: subscription is %s", ErrInvalidState, s.ss.State())
	case errors.As(err, &se):
		return fmt.Errorf("%w: NOTIFY: %s", ErrRejected, se.Error())
	}
	return fmt.Errorf("%w: NOTIFY: %v", ErrTimeout, err)
}

// isReasonToken reports whether r is a lower-case token.
func isReasonToken(r string) bool {
	for _, c := range r {
		if (c < 'a' || c > 'z') && c != '-' {
			return false
		}
	}
	return r != ""
}

// autoContent is what a subscription of a package we fill ourselves
// carries: our presence, our calls' dialog state; nothing for others.
func (s *IncomingSubscription) autoContent() (string, []byte) {
	switch s.Event {
	case "presence":
		return sip.PIDFType, sip.FormatPIDF(s.phone.presenceFor(s.To))
	case "dialog":
		return sip.DialogInfoType, s.dialogInfo()
	case "presence.winfo":
		return sip.WatcherInfoType, s.fullWinfo()
	}
	return "", nil
}

func (e *phoneEvents) addServing(s *IncomingSubscription) {
	e.mu.Lock()
	if e.serving == nil {
		e.serving = map[*IncomingSubscription]struct{}{}
	}
	if s.ss.State() != sip.SubTerminated {
		e.serving[s] = struct{}{}
	}
	e.mu.Unlock()
}

func (e *phoneEvents) dropServing(s *IncomingSubscription) {
	e.mu.Lock()
	delete(e.serving, s)
	e.mu.Unlock()
}

// servingOf lists the active subscriptions to package event.
func (e *phoneEvents) servingOf(event string) []*IncomingSubscription {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []*IncomingSubscription
	for s := range e.serving {
		if s.Event == event {
			out = append(out, s)
		}
	}
	return out
}

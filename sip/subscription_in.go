package sip

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// This file is the notifier's side of RFC 6665 (sipsimple's
// IncomingSubscription): a SUBSCRIBE for a package the owner declared is
// accepted (200), accepted pending (202) or rejected by the owner, then
// served with NOTIFYs; refreshes, unsubscriptions and expiry end it as the
// RFC says.

// SubIncoming is the state of an incoming subscription not decided on
// yet (the others are SubPending, SubActive and SubTerminated).
const SubIncoming = "incoming"

// Errors of ServerSubscription's methods.
var (
	// ErrSubscriptionState: the method does not apply in the
	// subscription's state (e.g. Notify before Accept).
	ErrSubscriptionState = errors.New("sip: not allowed in the subscription's state")
)

// Bounds of incoming subscriptions.
const (
	maxServerSubExpires  = 3600             // longest lifetime we grant
	maxServerSubs        = 256              // subscriptions served at once
	maxDeciding          = 64               // new ones awaiting their owner's decision
	subscribeDecideWait  = 8 * time.Second  // the owner's time to decide
	notifyTimeout        = 32 * time.Second // one NOTIFY transaction
	serverSubDefaultLife = 3600
)

// ServerSubscription is a subscription a peer made to us. Its methods may
// be called from any goroutine.
type ServerSubscription struct {
	// Event is the package and ID the Event header's id parameter.
	Event, ID string
	// From is the subscriber's URI, To the resource it subscribed to.
	From, To string
	// Accepts is the subscriber's Accept header, "" when absent.
	Accepts string

	u   *UA
	d   *evDialog
	key string

	decided chan int // the answer to the initial SUBSCRIBE

	first     chan struct{} // closed once the first NOTIFY went (or never will)
	firstOnce sync.Once

	mu      sync.Mutex
	state   string
	ct      string
	body    []byte
	expires time.Time
	timer   *time.Timer
	onEnd   func(reason string)

	sendMu sync.Mutex // NOTIFYs go out one at a time, in order
}

// State is the subscription's state: SubIncoming, SubPending, SubActive or
// SubTerminated.
func (ss *ServerSubscription) State() string {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.state
}

// OnEnd sets what is told when the subscription terminates, whoever ends
// it: "unsubscribed", "timeout", "rejected" (refused by Reject), "giveup"
// (no decision in time), a NOTIFY's failure, or End's reason. It must not
// block.
func (ss *ServerSubscription) OnEnd(f func(reason string)) {
	ss.mu.Lock()
	ss.onEnd = f
	ss.mu.Unlock()
}

// Accept accepts an incoming subscription (200) or makes a pending one
// active; a NOTIFY follows, with ct and body when ct is not "" (else the
// last content set).
func (ss *ServerSubscription) Accept(ct string, body []byte) error {
	return ss.decide(200, SubActive, ct, body)
}

// AcceptPending accepts an incoming subscription in the pending state
// (202); a NOTIFY with no body follows.
func (ss *ServerSubscription) AcceptPending() error {
	return ss.decide(202, SubPending, "", nil)
}

// Reject refuses an incoming subscription with code (a 3xx-6xx status).
func (ss *ServerSubscription) Reject(code int) error {
	if code < 300 || code > 699 {
		return errors.New("sip: a rejection needs a 3xx-6xx status")
	}
	return ss.decide(code, SubTerminated, "", nil)
}

// decide records the owner's answer to the initial SUBSCRIBE, or makes a
// pending subscription active.
func (ss *ServerSubscription) decide(code int, state, ct string, body []byte) error {
	ss.mu.Lock()
	switch {
	case ss.state == SubIncoming:
		if ct != "" {
			ss.ct, ss.body = ct, body
		}
		ss.state = state
		ss.mu.Unlock()
		select {
		case ss.decided <- code:
		default:
		}
		return nil
	case ss.state == SubPending && state == SubActive:
		if ct != "" {
			ss.ct, ss.body = ct, body
		}
		ss.state = SubActive
		ss.mu.Unlock()
		go ss.notifyNow("")
		return nil
	}
	ss.mu.Unlock()
	return ErrSubscriptionState
}

// Notify sets the subscription's content and sends it in a NOTIFY; on a
// pending subscription it only sets it. The NOTIFY's failure is returned
// (a 481 or no answer also ends the subscription).
func (ss *ServerSubscription) Notify(ctx context.Context, ct string, body []byte) error {
	ss.mu.Lock()
	if ss.state != SubActive && ss.state != SubPending {
		ss.mu.Unlock()
		return ErrSubscriptionState
	}
	ss.ct, ss.body = ct, body
	active := ss.state == SubActive
	ss.mu.Unlock()
	if !active {
		return nil
	}
	return ss.send(ctx, "")
}

// End terminates the subscription with a NOTIFY whose reason is reason
// ("noresource", "deactivated", "rejected", "timeout", "giveup", ...).
func (ss *ServerSubscription) End(ctx context.Context, reason string) error {
	if !ss.terminate(reason) {
		return nil
	}
	return ss.send(ctx, reason)
}

// terminate moves the subscription to terminated once: it leaves the
// table and its owner is told. It reports whether it did.
func (ss *ServerSubscription) terminate(reason string) bool {
	ss.mu.Lock()
	if ss.state == SubTerminated {
		ss.mu.Unlock()
		return false
	}
	ss.state = SubTerminated
	if ss.timer != nil {
		ss.timer.Stop()
	}
	f := ss.onEnd
	ss.mu.Unlock()
	ss.u.events.dropServer(ss.key)
	if f != nil {
		f(reason)
	}
	return true
}

// FirstNotified is closed once the subscription's first NOTIFY was sent
// (answered or not), or when there will be none (refused). Content given
// to Notify before then replaces what the first NOTIFY carries.
func (ss *ServerSubscription) FirstNotified() <-chan struct{} {
	if ss.first == nil {
		closed := make(chan struct{})
		close(closed)
		return closed
	}
	return ss.first
}

// firstSent closes FirstNotified's channel, once.
func (ss *ServerSubscription) firstSent() {
	ss.firstOnce.Do(func() {
		if ss.first != nil {
			close(ss.first)
		}
	})
}

// refused tells the owner that the initial SUBSCRIBE was refused: by
// Reject ("rejected") or for want of a decision ("giveup"). The state is
// terminated already and the subscription never entered the table.
func (ss *ServerSubscription) refused(reason string) {
	ss.mu.Lock()
	ss.state = SubTerminated
	f := ss.onEnd
	ss.mu.Unlock()
	if f != nil {
		f(reason)
	}
}

// notifyNow sends the current state in a NOTIFY, bounded in time.
func (ss *ServerSubscription) notifyNow(reason string) {
	ctx, cancel := context.WithTimeout(context.Background(), notifyTimeout)
	defer cancel()
	_ = ss.send(ctx, reason)
}

// send sends one NOTIFY with the current state and content; reason is the
// reason of a terminated state. A 481 or no answer ends the subscription.
func (ss *ServerSubscription) send(ctx context.Context, reason string) error {
	ss.sendMu.Lock()
	defer ss.sendMu.Unlock()
	ss.mu.Lock()
	st := SubState{State: ss.state, Reason: reason, Expires: -1, RetryAfter: -1}
	if st.State != SubTerminated {
		st.Expires = max(0, int(time.Until(ss.expires).Round(time.Second)/time.Second))
	}
	ct, body := ss.ct, ss.body
	if st.State == SubPending {
		ct, body = "", nil
	}
	ss.mu.Unlock()
	res, err := ss.d.send(ctx, func() *gosip.Request {
		req := ss.d.newRequest(gosip.NOTIFY)
		event := ss.Event
		if ss.ID != "" {
			event += ";id=" + ss.ID
		}
		addNotifyHeaders(req, event, st, ct, body)
		return req
	})
	switch {
	case err != nil:
		ss.terminate("no answer to NOTIFY")
		return err
	case res.StatusCode == 481 || res.StatusCode == 408:
		ss.terminate(strconv.Itoa(res.StatusCode) + " " + res.Reason)
		return &StatusError{Code: res.StatusCode, Reason: res.Reason}
	case !res.IsSuccess():
		return &StatusError{Code: res.StatusCode, Reason: res.Reason}
	}
	return nil
}

// addNotifyHeaders writes the headers and body of a NOTIFY: Event,
// Subscription-State and, with ct, the body. Every NOTIFY we send, refer's
// included, is built here.
func addNotifyHeaders(req *gosip.Request, event string, st SubState, ct string, body []byte) {
	req.AppendHeader(gosip.NewHeader("Event", event))
	req.AppendHeader(gosip.NewHeader("Subscription-State", st.String()))
	if ct != "" {
		req.AppendHeader(gosip.NewHeader("Content-Type", ct))
		req.SetBody(body)
	}
}

// arm sets the subscription's lifetime to expires seconds from now; at
// its end a NOTIFY terminates it (reason timeout).
func (ss *ServerSubscription) arm(expires int) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.expires = time.Now().Add(time.Duration(expires) * time.Second)
	if ss.timer != nil {
		ss.timer.Stop()
	}
	ss.timer = time.AfterFunc(time.Duration(expires)*time.Second, func() {
		if ss.terminate("timeout") {
			ss.notifyNow("timeout")
		}
	})
}

// grantedLife is the lifetime we grant a SUBSCRIBE: what it asks for, at
// most maxServerSubExpires, serverSubDefaultLife when it does not say.
func grantedLife(req *gosip.Request) int {
	return min(headerExpires(req, serverSubDefaultLife), maxServerSubExpires)
}

package sip

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// This file is the subscriber's side of RFC 6665 (sipsimple's
// Subscription): SUBSCRIBE sent with an Event package and Accept, digest
// auth, refreshed before it expires, ended by Stop. Its NOTIFYs, forks and
// re-subscriptions are subscription_notify.go.

// SubscribeOptions describe one subscription.
type SubscribeOptions struct {
	Target URI    // the resource subscribed to (Request-URI and To)
	Event  string // the event package: "presence", "message-summary", "dialog", ...
	// Accept lists the body types we take (Accept header); empty sends
	// the package's default (EventAccept).
	Accept []string
	// Expires is the lifetime asked for, in seconds; 0 means 600.
	Expires int
	// OnNotify is told each NOTIFY of the subscription, on the goroutine
	// serving it, before it is answered; it must not block.
	OnNotify func(EventNotify)
	// OnState is told each change of the subscription's state; it must
	// not block.
	OnState func(SubStatus)
}

// EventNotify is one NOTIFY of a subscription.
type EventNotify struct {
	Event string // the package
	// Dialog names the notifier's dialog (its tag): NOTIFYs of forks of
	// one SUBSCRIBE carry different ones.
	Dialog      string
	From        string
	State       SubState
	ContentType string
	Body        []byte
}

// SubStatus is a subscription's state: SubPending, SubActive or
// SubTerminated (or "sent" before the first answer), with the reason of a
// termination and the status code of a refused SUBSCRIBE (0 otherwise).
type SubStatus struct {
	State  string
	Reason string
	Code   int
}

// ErrSubscriptionEnded is returned by Start on a subscription that was
// stopped or has terminated.
var ErrSubscriptionEnded = errors.New("sip: subscription ended")

// Subscription is one outgoing subscription; its methods may be called
// from any goroutine.
type Subscription struct {
	u    *UA
	opts SubscribeOptions

	mu       sync.Mutex
	callID   string
	localTag string
	dialogs  map[string]*evDialog // by the notifier's tag
	state    SubStatus
	expires  int // granted lifetime of the last 2xx
	timer    *time.Timer
	stopped  bool
	lastNew  time.Time // when the last initial SUBSCRIBE went out
	initCSeq uint32    // the CSeq of the last initial SUBSCRIBE
}

// defaultSubExpires is the lifetime asked for when none is given.
const defaultSubExpires = 600

// maxRetryAfter caps how long a retry-after may delay a re-subscription.
const maxRetryAfter = 3600

// NewSubscription prepares a subscription; Start sends it.
func (u *UA) NewSubscription(opts SubscribeOptions) *Subscription {
	opts.Event = strings.ToLower(strings.TrimSpace(opts.Event))
	if opts.Expires <= 0 {
		opts.Expires = defaultSubExpires
	}
	if len(opts.Accept) == 0 {
		opts.Accept = EventAccept(opts.Event)
	}
	return &Subscription{u: u, opts: opts, dialogs: map[string]*evDialog{}}
}

// EventAccept is the Accept list of a package's SUBSCRIBE by default.
func EventAccept(pkg string) []string {
	switch pkg {
	case "presence":
		return []string{"application/pidf+xml"}
	case "message-summary":
		return []string{"application/simple-message-summary"}
	case "dialog":
		return []string{"application/dialog-info+xml"}
	case "presence.winfo":
		return []string{WatcherInfoType}
	}
	return nil
}

// Event is the subscription's package.
func (s *Subscription) Event() string { return s.opts.Event }

// Status is the subscription's current state.
func (s *Subscription) Status() SubStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

// Start sends the initial SUBSCRIBE and returns once it has a final
// answer: nil on 2xx (the subscription then refreshes itself until Stop),
// a *StatusError when refused (the subscription is then terminated).
func (s *Subscription) Start(ctx context.Context) error {
	s.mu.Lock()
	if s.stopped || s.state.State == SubTerminated {
		s.mu.Unlock()
		return ErrSubscriptionEnded
	}
	s.mu.Unlock()
	return s.subscribeNew(ctx)
}

// subscribeNew sends an initial SUBSCRIBE with a new Call-ID and tag
// (a first subscription, or a re-subscription) and handles its answer.
func (s *Subscription) subscribeNew(ctx context.Context) error {
	s.mu.Lock()
	old := s.callID + "|" + s.localTag
	s.callID, s.localTag = gosip.GenerateTagN(24), gosip.GenerateTagN(16)
	s.dialogs = map[string]*evDialog{}
	s.lastNew = time.Now()
	s.initCSeq = 0
	key := s.callID + "|" + s.localTag
	s.mu.Unlock()
	s.u.events.dropSub(old)
	// In the table first: the first NOTIFY may overtake the 2xx.
	s.u.events.addSub(key, s)
	s.setState(SubStatus{State: "sent"})
	req := s.initialRequest()
	res, err := s.u.do(ctx, req)
	if err == nil && res.StatusCode == 423 {
		if min := expiresHeader(res, "Min-Expires"); min > 0 {
			s.mu.Lock()
			s.opts.Expires = min
			s.mu.Unlock()
			req = s.initialRequest()
			res, err = s.u.do(ctx, req)
		}
	}
	switch {
	case err != nil:
		s.terminate(SubStatus{State: SubTerminated, Reason: "no answer"})
		return err
	case !res.IsSuccess():
		s.terminate(SubStatus{State: SubTerminated, Reason: res.Reason, Code: res.StatusCode})
		return &StatusError{Code: res.StatusCode, Reason: res.Reason}
	}
	s.accepted(req, res)
	return nil
}

// initialRequest builds the initial SUBSCRIBE of the current Call-ID.
func (s *Subscription) initialRequest() *gosip.Request {
	u := s.u
	t := s.opts.Target.sipgo()
	req := gosip.NewRequest(gosip.SUBSCRIBE, t)
	from := u.fromHeader()
	s.mu.Lock()
	from.Params.Remove("tag")
	from.Params.Add("tag", s.localTag)
	callID := gosip.CallIDHeader(s.callID)
	s.initCSeq++
	cseq, expires := s.initCSeq, s.opts.Expires
	s.mu.Unlock()
	req.AppendHeader(from)
	req.AppendHeader(&gosip.ToHeader{Address: gosip.Uri{Scheme: t.Scheme, User: t.User, Host: t.Host, Port: t.Port}, Params: gosip.NewParams()})
	req.AppendHeader(&callID)
	req.AppendHeader(&gosip.CSeqHeader{SeqNo: cseq, MethodName: gosip.SUBSCRIBE})
	req.AppendHeader(u.contactHeader())
	s.subscribeHeaders(req, expires)
	u.commonHeaders(req)
	u.route(req)
	return req
}

// subscribeHeaders adds Event, Accept, Expires and Allow-Events.
func (s *Subscription) subscribeHeaders(req *gosip.Request, expires int) {
	req.AppendHeader(gosip.NewHeader("Event", s.opts.Event))
	if len(s.opts.Accept) > 0 {
		req.AppendHeader(gosip.NewHeader("Accept", strings.Join(s.opts.Accept, ", ")))
	}
	req.AppendHeader(gosip.NewHeader("Expires", strconv.Itoa(expires)))
	req.AppendHeader(allowHeader())
}

// accepted records the dialog a 2xx to an initial SUBSCRIBE set up and
// schedules the refresh.
func (s *Subscription) accepted(req *gosip.Request, res *gosip.Response) {
	tag := ""
	if to := res.To(); to != nil {
		tag, _ = to.Params.Get("tag")
	}
	s.mu.Lock()
	granted := headerExpires(res, s.opts.Expires)
	if s.stopped {
		s.mu.Unlock()
		return
	}
	if s.initCSeq < req.CSeq().SeqNo {
		s.initCSeq = req.CSeq().SeqNo // raised by challenges
	}
	d := s.dialogs[tag]
	if d == nil && tag != "" {
		d = s.newDialogLocked(req.From().Address, req.To().Address, req.Recipient, tag)
		d.setTarget(res.Contact())
		d.setRoutes(res, true)
	}
	if d != nil {
		d.mu.Lock()
		d.cseq = max(d.cseq, s.initCSeq)
		d.mu.Unlock()
	}
	s.expires = granted
	if s.state.State == "sent" {
		s.state = SubStatus{State: SubPending, Reason: "accepted"}
	}
	s.scheduleLocked(refreshDelay(granted), s.refresh)
	s.mu.Unlock()
}

// newDialogLocked adds the dialog of a notifier with tag: local and
// remote are the URIs of our From and To, target the remote target until
// a Contact says otherwise; s.mu is held.
func (s *Subscription) newDialogLocked(local, remote, target gosip.Uri, tag string) *evDialog {
	d := newEvDialog(s.u)
	d.callID, d.localTag, d.remoteTag = s.callID, s.localTag, tag
	d.local, d.remote, d.target = local, remote, target
	d.cseq = s.initCSeq
	s.dialogs[tag] = d
	return d
}

// refreshDelay is when to refresh a subscription granted for expires
// seconds: half-way for short ones, a minute before the end otherwise.
func refreshDelay(expires int) time.Duration {
	if expires < 120 {
		return time.Duration(expires) * time.Second / 2
	}
	return time.Duration(expires-60) * time.Second
}

// scheduleLocked arms the subscription's one timer; s.mu is held.
func (s *Subscription) scheduleLocked(after time.Duration, f func()) {
	if s.timer != nil {
		s.timer.Stop()
	}
	if after < 0 {
		after = 0
	}
	s.timer = time.AfterFunc(after, f)
}

// refresh sends a refreshing SUBSCRIBE in each of the subscription's
// dialogs; with none left, a new subscription.
func (s *Subscription) refresh() {
	ctx, cancel := context.WithTimeout(context.Background(), 32*time.Second)
	defer cancel()
	s.mu.Lock()
	if s.stopped || s.state.State == SubTerminated {
		s.mu.Unlock()
		return
	}
	dialogs := s.dialogList()
	expires := s.opts.Expires
	s.mu.Unlock()
	if len(dialogs) == 0 {
		_ = s.subscribeNew(ctx)
		return
	}
	ok := false
	for _, d := range dialogs {
		res, err := d.send(ctx, func() *gosip.Request {
			r := d.newRequest(gosip.SUBSCRIBE)
			s.subscribeHeaders(r, expires)
			return r
		})
		switch {
		case err == nil && res.IsSuccess():
			ok = true
			s.mu.Lock()
			s.expires = headerExpires(res, expires)
			s.mu.Unlock()
		default:
			s.dropDialog(d.remoteTag)
		}
	}
	if !ok {
		_ = s.subscribeNew(ctx)
		return
	}
	s.mu.Lock()
	if !s.stopped {
		s.scheduleLocked(refreshDelay(s.expires), s.refresh)
	}
	s.mu.Unlock()
}

// dialogList copies the dialogs; s.mu is held.
func (s *Subscription) dialogList() []*evDialog {
	out := make([]*evDialog, 0, len(s.dialogs))
	for _, d := range s.dialogs {
		out = append(out, d)
	}
	return out
}

// dropDialog forgets the dialog of the notifier with tag.
func (s *Subscription) dropDialog(tag string) {
	s.mu.Lock()
	delete(s.dialogs, tag)
	s.mu.Unlock()
}

// Stop ends the subscription: a SUBSCRIBE with Expires: 0 in each of its
// dialogs. The final NOTIFYs that follow are still answered; nothing more
// is reported after the terminated state.
func (s *Subscription) Stop(ctx context.Context) error {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return nil
	}
	s.stopped = true
	if s.timer != nil {
		s.timer.Stop()
	}
	dialogs := s.dialogList()
	key := s.callID + "|" + s.localTag
	s.mu.Unlock()
	var first error
	for _, d := range dialogs {
		_, err := d.send(ctx, func() *gosip.Request {
			r := d.newRequest(gosip.SUBSCRIBE)
			s.subscribeHeaders(r, 0)
			return r
		})
		if err != nil && first == nil {
			first = err
		}
	}
	s.setState(SubStatus{State: SubTerminated, Reason: "unsubscribed"})
	// The notifier's final NOTIFYs are answered 200 for a while yet.
	time.AfterFunc(5*time.Second, func() { s.u.events.dropSub(key) })
	return first
}

// setState records and reports a new state.
func (s *Subscription) setState(st SubStatus) {
	s.mu.Lock()
	same := s.state == st
	s.state = st
	s.mu.Unlock()
	if !same && s.opts.OnState != nil {
		s.opts.OnState(st)
	}
}

// terminate ends the subscription for good (no re-subscription).
func (s *Subscription) terminate(st SubStatus) {
	s.mu.Lock()
	if s.timer != nil {
		s.timer.Stop()
	}
	key := s.callID + "|" + s.localTag
	s.mu.Unlock()
	s.u.events.dropSub(key)
	s.setState(st)
}

// expiresHeader reads a delta-seconds header of a response, 0 when absent.
func expiresHeader(res *gosip.Response, name string) int {
	if h := res.GetHeader(name); h != nil {
		if n := parseDelta(strings.TrimSpace(h.Value())); n > 0 {
			return n
		}
	}
	return 0
}

package sip

import (
	"context"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// This file is what a subscriber does with the NOTIFYs of its subscription
// (RFC 6665 §4.1.3): each notifier's tag is a dialog of its own (a forked
// SUBSCRIBE gets several, §4.1.2.4), states and bodies go to the owner, and
// a terminated subscription is re-subscribed or given up as its reason
// says.

// minResubscribeGap is the least time between two initial SUBSCRIBEs of
// one subscription, so that a notifier terminating each at once cannot
// make us flood it.
const minResubscribeGap = 2 * time.Second

// maxForks bounds the notifiers (dialogs) of one subscription; a NOTIFY
// from one more gets 481.
const maxForks = 16

// notify serves a NOTIFY of the subscription whose package is pkg and
// state st; it returns the status to answer.
func (s *Subscription) notify(req *gosip.Request, pkg string, st SubState) (int, string) {
	if pkg != s.opts.Event {
		return 489, "Bad Event"
	}
	tag := fromTag(req)
	s.mu.Lock()
	d := s.dialogs[tag]
	if d == nil && len(s.dialogs) >= maxForks {
		s.mu.Unlock()
		return 481, "Subscription Does Not Exist"
	}
	if d == nil {
		// A first NOTIFY overtaking the 2xx, or one from a fork.
		d = s.newDialogLocked(req.To().Address, req.From().Address, req.From().Address, tag)
		d.setRoutes(req, false)
	}
	stopped := s.stopped
	s.mu.Unlock()
	if !d.readCSeq(req) {
		return 500, "Out of Order"
	}
	d.setTarget(req.Contact())
	if stopped {
		if st.State == SubTerminated {
			s.dropDialog(tag)
		}
		return 200, "OK"
	}
	if st.State != SubTerminated {
		s.setState(SubStatus{State: st.State, Reason: st.Reason}) // before the NOTIFY that tells it
	}
	if f := s.opts.OnNotify; f != nil {
		ct := ""
		if h := req.ContentType(); h != nil {
			ct = h.Value()
		}
		f(EventNotify{Event: pkg, Dialog: tag, From: req.From().Address.String(),
			State: st, ContentType: ct, Body: req.Body()})
	}
	if st.State == SubTerminated {
		s.dialogEnded(tag, st)
	}
	return 200, "OK"
}

// dialogEnded forgets a terminated dialog; when it was the last, the
// subscription is re-subscribed or ends, as the reason says.
func (s *Subscription) dialogEnded(tag string, st SubState) {
	s.mu.Lock()
	delete(s.dialogs, tag)
	left := len(s.dialogs)
	s.mu.Unlock()
	if left > 0 {
		return
	}
	delay, again := retryPlan(st)
	if !again {
		s.terminate(SubStatus{State: SubTerminated, Reason: st.Reason})
		return
	}
	s.setState(SubStatus{State: "sent", Reason: "resubscribing after " + st.Reason})
	s.mu.Lock()
	if gap := minResubscribeGap - time.Since(s.lastNew); delay < gap {
		delay = gap
	}
	if !s.stopped {
		s.scheduleLocked(delay, s.resubscribe)
	}
	s.mu.Unlock()
}

// resubscribe sends a new subscription in place of a terminated one.
func (s *Subscription) resubscribe() {
	ctx, cancel := context.WithTimeout(context.Background(), 32*time.Second)
	defer cancel()
	s.mu.Lock()
	stopped := s.stopped
	s.mu.Unlock()
	if !stopped {
		_ = s.subscribeNew(ctx)
	}
}

// retryPlan is RFC 6665 §4.1.3's answer to a terminated subscription:
// whether to subscribe again, and after how long. deactivated and timeout
// ask for a new subscription at once; probation and giveup after the
// retry-after (probation without one: after a minute); rejected,
// noresource and invariant never. An unknown or absent reason retries
// only when a retry-after is given.
func retryPlan(st SubState) (time.Duration, bool) {
	after := time.Duration(min(st.RetryAfter, maxRetryAfter)) * time.Second
	switch st.Reason {
	case "deactivated", "timeout":
		return max(after, 0), true
	case "probation":
		if st.RetryAfter < 0 {
			return time.Minute, true
		}
		return after, true
	case "rejected", "noresource", "invariant":
		return 0, false
	}
	return after, st.RetryAfter >= 0
}

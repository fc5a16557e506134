package voip

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/libvoip/libvoip/sip"
)

// This file is the call's side of RFC 4028 session timers (negotiated by
// the sip package): one timer per answered call, re-armed by every refresh
// of either side (sip.Session.Refreshed). When we are the refresher it
// fires at half the interval and refreshes (sip.Dialog.Refresh: an UPDATE,
// or a re-INVITE with our unchanged description); when the peer is, it
// fires at the interval less min(32 s, a third of it) (RFC 4028 §10) and
// ends the call with a BYE. A refresh of ours that fails leaves the
// session to expire at its end.

// ReasonSessionExpired is the end reason of a call whose session timer
// ran out: the peer did not refresh it, or our refresh failed.
const ReasonSessionExpired = "session expired"

// sessionClock is a call's session timer; Call.mu guards it.
type sessionClock struct {
	st      sip.SessionTimer
	timer   *time.Timer
	gen     uint64    // the armed timer's generation: older ones do nothing
	expires time.Time // when the session expires unless refreshed
}

// startSessionTimerLocked arms the timer the call's set-up negotiated; the
// end of the call stops it. c.mu is held.
func (c *Call) startSessionTimerLocked(d *sip.Dialog) {
	c.armSessionTimerLocked(d.SessionTimer())
	context.AfterFunc(c.life, c.stopSessionTimer)
}

// onSessionRefreshed is sip.Session.Refreshed: a re-INVITE or UPDATE of
// either side refreshed the session.
func (c *Call) onSessionRefreshed(st sip.SessionTimer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state == Answered {
		c.phone.log.Debug("session refreshed", "call_id", c.callID, "session_expires", st.Expires, "local", st.Local)
		c.armSessionTimerLocked(st)
	}
}

// armSessionTimerLocked starts a session interval of st.
func (c *Call) armSessionTimerLocked(st sip.SessionTimer) {
	interval := time.Duration(st.Expires) * time.Second
	c.sclock.st, c.sclock.expires = st, time.Now().Add(interval)
	switch {
	case st.Expires == 0:
		c.setSessionTimerLocked(0, nil)
	case st.Local:
		c.setSessionTimerLocked(interval/2, c.refreshSession)
	default:
		c.setSessionTimerLocked(interval-min(32*time.Second, interval/3), c.sessionExpired)
	}
}

// setSessionTimerLocked replaces the call's one session timer by f(gen)
// after d; by none when f is nil or the call is over.
func (c *Call) setSessionTimerLocked(d time.Duration, f func(gen uint64)) {
	k := &c.sclock
	if k.timer != nil {
		k.timer.Stop()
		k.timer = nil
	}
	k.gen++
	if f == nil || c.life.Err() != nil {
		return
	}
	gen := k.gen
	k.timer = time.AfterFunc(d, func() { f(gen) })
}

func (c *Call) stopSessionTimer() {
	c.mu.Lock()
	c.setSessionTimerLocked(0, nil)
	c.mu.Unlock()
}

// refreshSession refreshes the session as its refresher. On success the
// dialog re-arms the timer (onSessionRefreshed); on failure the event
// EventSessionRefreshFailed is emitted and the session left to expire.
func (c *Call) refreshSession(gen uint64) {
	c.mu.Lock()
	if gen != c.sclock.gen || c.state != Answered {
		c.mu.Unlock()
		return
	}
	d, expires := c.dialog(), c.sclock.expires
	c.mu.Unlock()
	ctx, cancel := context.WithDeadline(c.life, expires)
	defer cancel()
	answer, err := d.Refresh(ctx, c.refreshOffer)
	if err == nil && answer != nil {
		if aerr := c.takeAnswer(answer); aerr != nil {
			c.phone.log.Info("session refresh: answer not applied", "call_id", c.callID, "error", aerr)
		}
	}
	if err == nil || c.life.Err() != nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.sclock.gen {
		return // refreshed meanwhile (by the peer)
	}
	if errors.Is(err, sip.ErrOfferPending) && time.Until(expires) > 2*time.Second {
		// A hold or resume of ours is under way: it refreshes the
		// session when it succeeds; else try again shortly.
		c.setSessionTimerLocked(time.Second, c.refreshSession)
		return
	}
	c.phone.log.Info("session refresh failed", "call_id", c.callID, "error", err)
	c.emitEvent(EventSessionRefreshFailed, err.Error())
	c.setSessionTimerLocked(time.Until(expires), c.sessionExpired)
}

// refreshOffer is the offer of a refresh by re-INVITE: the description we
// sent last, unchanged, its version kept (RFC 3264 §8: no change, no new
// version); the peer's answer is read against our codecs and the
// direction we want.
func (c *Call) refreshOffer() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	local := c.local
	local.Direction = c.wantedLocked()
	c.sess.offered = local
	return c.sess.sdp
}

// sessionExpired ends the call whose session was not refreshed in time
// with a BYE.
func (c *Call) sessionExpired(gen uint64) {
	c.mu.Lock()
	if gen != c.sclock.gen || c.state != Answered {
		c.mu.Unlock()
		return
	}
	peer := !c.sclock.st.Local
	secs := c.sclock.st.Expires
	c.mu.Unlock()
	if peer {
		c.emitEvent(EventSessionRefreshFailed, "no session refresh from the peer within "+strconv.Itoa(secs)+" s")
	}
	c.phone.log.Info("session expired; hanging up", "call_id", c.callID, "session_expires", secs)
	if c.end(ReasonSessionExpired, 0) {
		c.sendBye()
	}
}

// sessionExpiresInfoLocked is the "session_expires" fact: the interval and
// who refreshes, "uac" (the caller) or "uas" (the callee); "" when the
// session does not expire.
func (c *Call) sessionExpiresInfoLocked() string {
	st := c.sclock.st
	if st.Expires == 0 {
		return ""
	}
	who := "uas"
	if st.Local == c.outgoing {
		who = "uac"
	}
	return strconv.Itoa(st.Expires) + " " + who
}

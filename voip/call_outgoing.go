package voip

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/libvoip/libvoip/sip"
)

// runOutgoing waits for the INVITE's outcome.
func (c *Call) runOutgoing(ctx context.Context, timeout time.Duration) {
	if timeout > 0 {
		t := time.AfterFunc(timeout, c.inviteTimedOut)
		defer t.Stop()
	}
	c.out.OnBye(func() { c.end("remote hangup", 0) })
	c.out.OnEarlyMedia(c.onEarlyMedia)
	c.out.OnRedirect(c.onRedirected)
	body, err := c.out.WaitAnswer(ctx, c.onProvisional)
	cause := context.Cause(ctx)
	c.mu.Lock()
	timedOut := c.timedOut
	canceling := c.state == Canceling
	local := c.local
	c.mu.Unlock()
	if err != nil {
		if c.out.AnsweredAfterCancel() {
			// Our CANCEL crossed the callee's 200 OK: confirm and
			// hang up at once (RFC 3261 §9.1).
			c.phone.log.Info("200 OK crossed CANCEL; hanging up", "call_id", c.callID)
			_ = c.out.Ack(context.Background())
			c.sendBye()
		}
		c.end(inviteFailure(err, cause, timedOut, canceling))
		return
	}
	if err := c.out.Ack(context.Background()); err != nil {
		c.phone.log.Info("ACK failed", "call_id", c.callID, "error", err)
	}
	if canceling || errors.Is(cause, errUserCancel) {
		c.sendBye()
		c.end("canceled", 487)
		return
	}
	neg, err := sip.ParseAnswer(body, local)
	if err != nil {
		c.sendBye()
		c.end("bad answer: "+err.Error(), 488)
		return
	}
	if err := c.startMedia(neg, c.offer, body); err != nil {
		c.sendBye()
		c.end("media failed: "+err.Error(), 0)
	}
}

// inviteTimedOut ends the wait for an answer when invite_timeout runs out.
func (c *Call) inviteTimedOut() {
	c.mu.Lock()
	c.timedOut = true
	prov := c.gotProvisional
	c.mu.Unlock()
	if prov {
		c.cancelInvite(errInviteTimeout)
	} else {
		// RFC 3261 §9.1: no CANCEL before a provisional response;
		// just abandon the transaction.
		c.cancelInvite(sip.ErrAbandoned)
	}
}

// onProvisional moves the call to Progress on a 1xx other than 100.
func (c *Call) onProvisional(code int, reason string) {
	if code <= 100 {
		return
	}
	c.mu.Lock()
	c.gotProvisional = true
	if c.state == Dialing || c.state == Progress {
		c.setStateLocked(Progress, fmt.Sprintf("%d %s", code, reason))
	}
	c.mu.Unlock()
}

// inviteFailure is the end reason and code of an INVITE whose wait for an
// answer failed with err; cause is the INVITE context's cause, timedOut
// tells that invite_timeout ran out, canceling that the application
// canceled.
func inviteFailure(err, cause error, timedOut, canceling bool) (string, int) {
	var se *sip.StatusError
	switch {
	case timedOut:
		return "timeout: no answer", 408
	case errors.Is(cause, errUserCancel) || canceling:
		return "canceled", 487
	case errors.As(err, &se):
		return se.Error(), se.Code
	case errors.Is(cause, errStopped):
		return "phone stopped", 0
	case errors.Is(err, sip.ErrNoResponse):
		return "timeout: no response", 408
	}
	return err.Error(), 0
}

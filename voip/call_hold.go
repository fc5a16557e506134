package voip

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/libvoip/libvoip/sip"
)

// holdTimeout bounds a hold or resume: the re-INVITE's own transaction
// ends sooner (Timer B, 32 s), glare retries included.
const holdTimeout = 45 * time.Second

// Hold puts the call on hold from our side: a re-INVITE offers a=sendonly
// (a=inactive when the peer holds us too). Once the peer accepted, no
// audio is sent and reads return silence, on time. A refused or unanswered
// re-INVITE leaves the call up as it was and returns an error
// (ErrRejected with the status, ErrTimeout). Holding a held call does
// nothing.
func (c *Call) Hold() error { return c.setHold(true) }

// Resume takes the call off our hold with a re-INVITE offering a=sendrecv;
// errors as for Hold. Resuming a call we do not hold does nothing.
func (c *Call) Resume() error { return c.setHold(false) }

func (c *Call) setHold(hold bool) error {
	action := map[bool]string{true: EventHold, false: EventResume}[hold]
	c.mu.Lock()
	if c.state != Answered || c.stream == nil {
		defer c.mu.Unlock()
		return stateError(action, c.state)
	}
	if c.holdBusy {
		defer c.mu.Unlock()
		return fmt.Errorf("%w: %s: a hold or resume is in progress", ErrInvalidState, action)
	}
	if c.sess.holdLocal == hold {
		c.mu.Unlock()
		return nil
	}
	c.holdBusy, c.sess.holdLocal = true, hold
	d := c.dialog()
	c.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), holdTimeout)
	defer cancel()
	answer, err := d.Reinvite(ctx, c.lateOffer)
	c.mu.Lock()
	c.holdBusy = false
	var neg sip.Negotiated
	if err == nil {
		neg, err = sip.ParseAnswer(answer, c.sess.offered)
	}
	if err == nil && c.state != Answered {
		err = ErrCallEnded
	}
	if err != nil {
		c.sess.holdLocal = !hold
		c.mu.Unlock()
		return holdError(action, err)
	}
	events := c.applyLocked(neg, answer, false)
	c.mu.Unlock()
	c.emit(append(events, callEvent{action, "local"}))
	return nil
}

// holdError maps what a hold's re-INVITE met to the package's errors.
func holdError(action string, err error) error {
	var se *sip.StatusError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("%w: %s: %d %s", ErrRejected, action, se.Code, se.Reason)
	case errors.Is(err, sip.ErrNoResponse), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%w: %s: %v", ErrTimeout, action, err)
	case errors.Is(err, sip.ErrOfferPending), errors.Is(err, ErrCallEnded):
		return fmt.Errorf("%w: %s: %v", ErrInvalidState, action, err)
	}
	return fmt.Errorf("%w: %s: %v", ErrNetwork, action, err)
}

package voip

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/libvoip/libvoip/sip"
)

// This file is the transferor's side of a transfer (RFC 3515, RFC 3891,
// RFC 3892): we ask the peer, by REFER, to call someone else. The
// transferee's side (a REFER we follow, an INVITE with Replaces) is
// transfer_in.go.

// Transfer asks the peer to call uri instead (REFER with Referred-By),
// with pyVoIP 2's semantics. Blind: once the peer accepted the REFER
// (202), the call ends with a BYE (end reason "transferred"). Not blind:
// it waits, reporting each NOTIFY as an EventTransferProgress, for the
// outcome of the peer's call to uri: on success the call ends as for
// blind; on a failure the call stays up and the error is ErrRejected
// with the status ("486 Busy Here"). A refused REFER is ErrRejected too
// (the call stays up); ctx bounds the wait (ErrTimeout).
//
// uri is as for Phone.Call; a bare user without a server is taken to the
// peer's host.
func (c *Call) Transfer(ctx context.Context, uri string, blind bool) error {
	target, err := c.transferTarget(uri)
	if err != nil {
		return err
	}
	return c.refer(ctx, sip.ReferTarget{URI: target.String()}, blind)
}

// TransferAttended transfers the peer to other's peer, replacing other
// (an attended transfer, RFC 3891): a REFER whose Refer-To carries a
// Replaces header naming other's dialog. It waits for the outcome as a
// non-blind Transfer does; on success this call ends ("transferred") and
// other is ended by its peer (replaced) — or by us, if still up.
func (c *Call) TransferAttended(ctx context.Context, other *Call) error {
	if other == nil || other == c || other.phone != c.phone {
		return fmt.Errorf("%w: the other call must be another call of the same phone", ErrInvalidArgument)
	}
	other.mu.Lock()
	state := other.state
	other.mu.Unlock()
	if state != Answered {
		return stateError("transfer to the other call", state)
	}
	var t sip.ReferTarget
	if other.outgoing {
		t = sip.ReferTarget{URI: other.out.RemoteTarget(), Replaces: other.out.Replaces().String()}
	} else {
		t = sip.ReferTarget{URI: other.in.RemoteTarget(), Replaces: other.in.Replaces().String()}
	}
	if err := c.refer(ctx, t, false); err != nil {
		return err
	}
	// other's peer ends the replaced call with its BYE; ours follows
	// only when that does not come.
	go func() {
		wctx, cancel := context.WithTimeout(context.Background(), replacedByeWait)
		defer cancel()
		_, _ = other.Wait(wctx, 0)
		other.hangupWith("transferred")
	}()
	return nil
}

// replacedByeWait is how long the transferor of an attended transfer waits
// for the target's BYE of the replaced call before sending its own.
const replacedByeWait = 2 * time.Second

// transferTarget is the URI a transfer sends the peer to.
func (c *Call) transferTarget(uri string) (sip.URI, error) {
	s := strings.TrimSpace(uri)
	if s != "" && !strings.ContainsAny(s, "@:;<>") && c.phone.Config().Server == "" {
		if peer, err := sip.ParseURI(c.remoteURI); err == nil {
			peer.User = s
			return peer, nil
		}
	}
	return c.phone.target(uri)
}

// refer sends the REFER and, unless blind, follows its subscription.
func (c *Call) refer(ctx context.Context, t sip.ReferTarget, blind bool) error {
	c.mu.Lock()
	state := c.state
	c.mu.Unlock()
	if state != Answered {
		return stateError("transfer", state)
	}
	d := c.dialog()
	if d == nil {
		return stateError("transfer", state)
	}
	sub, err := d.Refer(ctx, t)
	if err != nil {
		return referError(ctx, err)
	}
	defer sub.Close()
	if blind {
		c.hangupWith("transferred")
		return nil
	}
	return c.awaitTransfer(ctx, sub)
}

// awaitTransfer reads the REFER's NOTIFYs until the final one, the end
// of the call or of ctx.
func (c *Call) awaitTransfer(ctx context.Context, sub *sip.ReferSub) error {
	stop := make(chan struct{})
	defer close(stop)
	ended := c.endedChan(stop)
	for {
		select {
		case p := <-sub.Progress():
			if done, err := c.transferProgress(p); done {
				return err
			}
		case <-ended:
			// A final NOTIFY handled before the BYE counts.
			for {
				select {
				case p := <-sub.Progress():
					if done, err := c.transferProgress(p); done {
						return err
					}
					continue
				default:
				}
				return fmt.Errorf("%w: the call ended before the transfer's outcome (%s)", ErrCallEnded, c.endReasonText())
			}
		case <-ctx.Done():
			return fmt.Errorf("%w: no outcome of the transfer in time", ErrTimeout)
		}
	}
}

// transferProgress reports one NOTIFY of our REFER; on the final one it
// ends the call (success) and says the transfer is done, with its error.
func (c *Call) transferProgress(p sip.ReferProgress) (bool, error) {
	status := strings.TrimSpace(fmt.Sprintf("%d %s", p.Code, p.Reason))
	c.phone.log.Info("transfer progress", "call_id", c.callID, "status", status, "hops", p.Hops)
	c.emitEvent(EventTransferProgress, status)
	switch {
	case !p.Final:
		return false, nil
	case p.Code/100 == 2:
		c.hangupWith("transferred")
		return true, nil
	}
	return true, fmt.Errorf("%w: transfer failed: %s", ErrRejected, status)
}

// endedChan is closed when the call ends; its goroutine ends with stop.
func (c *Call) endedChan(stop <-chan struct{}) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		for {
			c.mu.Lock()
			s, changed := c.state, c.changed
			c.mu.Unlock()
			if s == Ended {
				close(ch)
				return
			}
			select {
			case <-changed:
			case <-stop:
				return
			}
		}
	}()
	return ch
}

// referError maps what Dialog.Refer returned to this package's errors.
func referError(ctx context.Context, err error) error {
	var se *sip.StatusError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("%w: transfer refused: %s", ErrRejected, se.Error())
	case errors.Is(err, sip.ErrReferPending):
		return fmt.Errorf("%w: transfer: another transfer is in progress", ErrInvalidState)
	case ctx.Err() != nil:
		return fmt.Errorf("%w: no answer to the REFER in time", ErrTimeout)
	case errors.Is(err, sip.ErrNoResponse):
		return fmt.Errorf("%w: transfer: %v", ErrTimeout, err)
	}
	return fmt.Errorf("%w: transfer: %v", ErrNetwork, err)
}

// hangupWith ends an answered call with a BYE and reason; a call in any
// other state is left as it is.
func (c *Call) hangupWith(reason string) {
	if c.State() != Answered {
		return
	}
	c.end(reason, 0)
	c.sendBye()
}

// Successor is the call that took this one over: the call placed to
// follow the peer's REFER (EventTransferred), or the incoming call whose
// Replaces named this one (EventReplaced); nil when none did.
func (c *Call) Successor() *Call {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.successor
}

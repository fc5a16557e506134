package voip

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/libvoip/libvoip/sip"
)

// Answer accepts an incoming call in Ringing. After Progress, the 200 OK
// carries the same session description and the early media stream goes on;
// when the 183 was sent reliably, the 200 waits for its PRACK (RFC 3262).
func (c *Call) Answer() error {
	c.mu.Lock()
	if err := c.claimRingingLocked("answer"); err != nil {
		c.mu.Unlock()
		return err
	}
	early, neg := c.earlySDP, c.neg
	c.mu.Unlock()
	defer c.setBusy(false)
	answer := early
	if answer == nil {
		var err error
		if answer, neg, err = c.prepareAnswer(); err != nil {
			return err
		}
	}
	if err := c.in.Answer(answer, c.host); err != nil {
		if early == nil {
			c.releasePort()
		}
		return fmt.Errorf("%w: answer: %v", ErrInvalidState, err)
	}
	if err := c.startMedia(neg, answer, c.in.Offer()); err != nil {
		if errors.Is(err, ErrCallEnded) {
			return fmt.Errorf("%w: answer: the call ended meanwhile (%s)", ErrInvalidState, c.endReasonText())
		}
		_ = c.in.Bye(context.Background())
		c.end("media failed: "+err.Error(), 0)
		return err
	}
	return nil
}

// setBusy sets or clears the flag of an answer, progress or redirect in
// progress.
// claimRingingLocked marks an incoming call in Ringing as being decided on
// (busy) for action: answer, deny, progress or redirect. Another of them
// meanwhile, or on a call that is not a ringing incoming one, gets
// ErrInvalidState. c.mu is held; setBusy(false) releases the claim.
func (c *Call) claimRingingLocked(action string) error {
	if c.outgoing || c.state != Ringing || c.busy {
		return stateError(action, c.state)
	}
	c.busy = true
	return nil
}

func (c *Call) setBusy(b bool) {
	c.mu.Lock()
	c.busy = b
	c.mu.Unlock()
}

// prepareAnswer takes an RTP port and answers the caller's offer with it.
func (c *Call) prepareAnswer() ([]byte, sip.Negotiated, error) {
	env := c.phone.env()
	if env.err != nil {
		return nil, sip.Negotiated{}, env.err
	}
	conn, err := env.ports.get()
	if err != nil {
		_ = c.in.Reject(503, "Service Unavailable")
		c.end("503 Service Unavailable (no RTP port)", 503)
		return nil, sip.Negotiated{}, err
	}
	port := conn.LocalAddr().(*net.UDPAddr).Port
	c.mu.Lock()
	c.conn, c.port = conn, port
	c.mu.Unlock()
	local, err := c.phone.localMedia(&env.cfg, port, c.host)
	if err != nil {
		c.releasePort()
		return nil, sip.Negotiated{}, err
	}
	c.phone.publicMedia(conn, c.host, &local) // nat.go
	answer, neg, err := sip.Answer(c.in.Offer(), local)
	if err != nil { // checked on arrival; only a changed config gets here
		c.releasePort()
		return nil, sip.Negotiated{}, fmt.Errorf("%w: %v", ErrInvalidArgument, err)
	}
	if env.cfg.ICE {
		if answer, err = c.answerICE(conn, local, answer); err != nil { // ice.go
			c.releasePort()
			return nil, sip.Negotiated{}, err
		}
	}
	c.mu.Lock()
	c.local = local
	c.mu.Unlock()
	return answer, neg, nil
}

// Deny rejects an incoming call in Ringing with code (0 = 486 Busy Here).
func (c *Call) Deny(code int) error {
	if code == 0 {
		code = 486
	}
	if code < 400 || code > 699 {
		return fmt.Errorf("%w: deny status %d is not 400..699", ErrInvalidArgument, code)
	}
	c.mu.Lock()
	err := c.claimRingingLocked("deny")
	c.mu.Unlock()
	if err != nil {
		return err
	}
	reason := sip.ReasonPhrase(code)
	err = c.in.Reject(code, reason)
	c.mu.Lock()
	c.busy = false
	c.mu.Unlock()
	if err != nil {
		return fmt.Errorf("%w: deny: %v", ErrInvalidState, err)
	}
	c.end(fmt.Sprintf("%d %s", code, reason), code)
	return nil
}

// Hangup ends an answered call with BYE. The call is Ended when Hangup
// returns; the BYE completes in the background.
func (c *Call) Hangup() error {
	c.mu.Lock()
	if c.state != Answered {
		defer c.mu.Unlock()
		return stateError("hangup", c.state)
	}
	c.mu.Unlock()
	c.end("local hangup", 0)
	c.sendBye()
	return nil
}

// sendBye sends BYE in the background; the phone waits for it on Stop.
func (c *Call) sendBye() {
	c.phone.background.Add(1)
	go func() {
		defer c.phone.background.Done()
		c.bye()
	}()
}

func (c *Call) bye() {
	ctx, cancel := context.WithTimeout(context.Background(), byeTimeout)
	defer cancel()
	var err error
	if c.outgoing {
		err = c.out.Bye(ctx)
	} else {
		err = c.in.Bye(ctx)
	}
	if err != nil {
		c.phone.log.Info("BYE failed", "call_id", c.callID, "error", err)
	}
}

// Cancel abandons an outgoing call in Dialing or Progress (CANCEL).
func (c *Call) Cancel() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.outgoing || (c.state != Dialing && c.state != Progress) {
		return stateError("cancel", c.state)
	}
	c.setStateLocked(Canceling, "CANCEL sent")
	c.cancelInvite(errUserCancel)
	return nil
}

// terminate ends the call by whatever its state calls for. An action can
// lose a race with another transition (an answer in progress, a CANCEL
// arriving): it looks again a few times, then ends the call locally.
func (c *Call) terminate(reason string) {
	for try := 0; try < 50; try++ {
		var err error
		switch c.State() {
		case Answered:
			err = c.Hangup()
		case Ringing:
			err = c.Deny(480)
		case Dialing, Progress:
			err = c.Cancel()
		case Ended, Canceling:
			return
		}
		if err == nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	c.end(reason, 0)
}

// Release ends the call if it is still active. It is what handle release in
// the C API does.
func (c *Call) Release() { c.terminate("released") }

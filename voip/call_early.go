package voip

import (
	"fmt"

	"github.com/libvoip/libvoip/rtp"
	"github.com/libvoip/libvoip/sip"
)

// This file is early media and redirection: Progress (183 Session
// Progress with our answer, media before the answer), an outgoing call's
// early media (a 183 with SDP), and Redirect (302 Moved Temporarily).

// Call events of this file.
const (
	// EventRedirected: the call was redirected; detail is the new
	// target (an outgoing call following a 3xx, or an incoming call we
	// redirected with Redirect).
	EventRedirected = "redirected"
	// EventEarlyMedia: media flows before the answer; detail "local"
	// (we sent 183 with our answer: Progress) or "remote" (the callee's
	// 18x carried its answer).
	EventEarlyMedia = "early_media"
)

// Progress answers an incoming call in Ringing with 183 Session Progress
// carrying our session description, and starts its media: the
// application can write an announcement or a ringback tone, and read the
// caller, before (or instead of) answering. The call stays Ringing: a
// later Answer sends 200 OK with the same description and keeps the
// stream; Deny still refuses the call. The early stream is exempt from
// the limit on media to an unconfirmed address (rtp.StreamConfig's
// Unconfirmed): the application asked for it. When the caller wanted
// reliable provisional responses (RFC 3262), the 183 is sent once the
// 180's PRACK came, so Progress may wait for it.
func (c *Call) Progress() error {
	c.mu.Lock()
	var err error
	if c.earlySDP != nil {
		err = fmt.Errorf("%w: progress: early media already started", ErrInvalidState)
	} else {
		err = c.claimRingingLocked("progress")
	}
	c.mu.Unlock()
	if err != nil {
		return err
	}
	defer c.setBusy(false)
	answer, neg, err := c.prepareAnswer()
	if err != nil {
		return err
	}
	if err := c.in.Progress(answer, c.host); err != nil {
		c.releasePort()
		return fmt.Errorf("%w: progress: %v", ErrInvalidState, err)
	}
	if err := c.startEarlyMedia(neg, false); err != nil {
		return err
	}
	c.mu.Lock()
	c.earlySDP = answer
	c.mu.Unlock()
	c.emitEvent(EventEarlyMedia, "local")
	return nil
}

// startEarlyMedia starts the stream of early media without changing the
// call's state; a second early answer (another 18x) updates it.
func (c *Call) startEarlyMedia(neg sip.Negotiated, unconfirmed bool) error {
	codec := rtp.CodecByName(neg.Codec.Name)
	if codec == nil {
		return fmt.Errorf("%w: codec %s not supported", ErrInvalidArgument, neg.Codec.Name)
	}
	env := c.phone.env()
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.state == Ended:
		return ErrCallEnded
	case c.stream != nil:
		c.neg = neg
		c.stream.Update(rtp.StreamUpdate{
			Remote: neg.Remote, Codec: codec, PayloadType: neg.Codec.PayloadType,
			DTMFPayloadType: neg.DTMFPayloadType,
			Send:            neg.Direction.Sends(), Receive: neg.Direction.Receives(),
			Protector: c.protectorLocked(neg),
		})
		return nil
	}
	return c.openStreamLocked(env, neg, codec, unconfirmed)
}

// onEarlyMedia takes the callee's answer in a provisional response: the
// media starts in Progress, so the application can read it (a ringback
// tone, an announcement). The 200 OK's answer replaces it.
func (c *Call) onEarlyMedia(sdp []byte) {
	c.mu.Lock()
	local, started := c.local, c.stream != nil
	c.mu.Unlock()
	neg, err := sip.ParseAnswer(sdp, local)
	if err != nil {
		c.phone.log.Info("early media ignored: bad answer", "call_id", c.callID, "error", err)
		return
	}
	if err := c.startEarlyMedia(neg, false); err != nil {
		c.phone.log.Info("early media not started", "call_id", c.callID, "error", err)
		return
	}
	if !started {
		c.emitEvent(EventEarlyMedia, "remote")
	}
}

// onRedirected reports that the INVITE follows a 3xx to target.
func (c *Call) onRedirected(target string) {
	c.phone.log.Info("call redirected", "call_id", c.callID, "target", target)
	c.emitEvent(EventRedirected, target)
}

// Redirect answers an incoming call in Ringing with 302 Moved Temporarily
// and a Contact of uri (a SIP URI, or a user or number at the server), and
// ends it with that reason and code 302.
func (c *Call) Redirect(uri string) error {
	target, err := c.phone.target(uri)
	if err != nil {
		return err
	}
	c.mu.Lock()
	err = c.claimRingingLocked("redirect")
	c.mu.Unlock()
	if err != nil {
		return err
	}
	err = c.in.Redirect(target)
	c.setBusy(false)
	if err != nil {
		return fmt.Errorf("%w: redirect: %v", ErrInvalidState, err)
	}
	c.emitEvent(EventRedirected, target.String())
	c.end("302 Moved Temporarily", 302)
	return nil
}

package voip

import (
	"bytes"

	"github.com/libvoip/libvoip/rtp"
	"github.com/libvoip/libvoip/sip"
)

// This file is the call's side of mid-call offer/answer (RFC 3264 §8):
// answering the peer's re-INVITE or UPDATE, offering in a re-INVITE that
// carried none, and applying what was agreed to the running stream. Our
// own re-INVITEs (hold and resume) are in call_hold.go.

// session is the renegotiable part of an answered call; Call.mu guards it.
type session struct {
	sdp        []byte         // the last session description we sent
	offered    sip.LocalMedia // what our last offer offered
	remoteSDP  []byte         // the peer's last session description
	holdLocal  bool           // we hold the call (Hold)
	holdRemote bool           // the peer holds us
}

// callEvent is an event of the call-event callback, emitted once c.mu is
// released.
type callEvent struct{ name, detail string }

// dialog is the call's SIP dialog for in-dialog requests; nil before the
// call is answered.
func (c *Call) dialog() *sip.Dialog {
	if c.outgoing {
		return c.out.Dialog()
	}
	return c.in.Dialog()
}

// startSession records the first offer/answer exchange and lets the
// dialog serve the peer's later offers; c.mu is held.
func (c *Call) startSessionLocked(ours, theirs []byte) {
	c.sess.sdp, c.sess.remoteSDP, c.sess.offered = ours, theirs, c.local
	c.sess.holdRemote = c.neg.Hold
	if d := c.dialog(); d != nil {
		d.SetSession(sip.Session{Answer: c.answerOffer, Offer: c.lateOffer, Answered: c.takeAnswer,
			Refreshed: c.onSessionRefreshed})
		c.startSessionTimerLocked(d)
		d.OnRefer(c.onRefer) // transfer_in.go
	}
}

// wantedLocked is the direction we want: sendonly while we hold (inactive
// when the peer holds us too), else sendrecv.
func (c *Call) wantedLocked() sip.Direction {
	switch {
	case !c.sess.holdLocal:
		return sip.SendRecv
	case c.sess.holdRemote:
		return sip.Inactive
	}
	return sip.SendOnly
}

// versionedLocked builds our description with build from local and keeps
// the o= version unless the description changed (RFC 3264 §8: the
// version increments with each change, and only then).
func (c *Call) versionedLocked(local sip.LocalMedia, build func(sip.LocalMedia) ([]byte, error)) ([]byte, sip.LocalMedia, error) {
	local.SessionVersion = c.local.SessionVersion
	b, err := build(local)
	if err != nil || bytes.Equal(b, c.sess.sdp) {
		return b, local, err
	}
	local.SessionVersion++
	if b, err = build(local); err != nil {
		return nil, local, err
	}
	c.local.SessionVersion = local.SessionVersion
	c.sess.sdp = b
	return b, local, nil
}

// answerOffer answers the peer's offer in a re-INVITE or UPDATE and
// applies it.
func (c *Call) answerOffer(offer []byte) ([]byte, error) {
	c.mu.Lock()
	if c.state != Answered || c.stream == nil {
		defer c.mu.Unlock()
		return nil, stateError("answer an offer", c.state)
	}
	local := c.local
	local.Direction = c.wantedLocked()
	var neg sip.Negotiated
	answer, _, err := c.versionedLocked(local, func(l sip.LocalMedia) ([]byte, error) {
		b, n, err := sip.Answer(offer, l)
		neg = n
		return b, err
	})
	if err != nil {
		c.mu.Unlock()
		return nil, err
	}
	events := c.applyLocked(neg, offer, true)
	c.mu.Unlock()
	c.emit(events)
	return answer, nil
}

// offerLocked is our offer now: our codecs with the current one first, our
// wanted direction; it is remembered to read the answer.
func (c *Call) offerLocked() []byte {
	local := c.local
	local.Direction = c.wantedLocked()
	local.Codecs = preferCodec(local.Codecs, c.neg.Codec.Name)
	offer, local, err := c.versionedLocked(local, sip.BuildOffer)
	if err != nil { // the local media were valid for the first offer
		c.phone.log.Info("offer not built", "call_id", c.callID, "error", err)
		return c.sess.sdp
	}
	c.sess.offered = local
	return offer
}

// lateOffer is our offer for the peer's re-INVITE without one.
func (c *Call) lateOffer() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.offerLocked()
}

// takeAnswer applies the peer's answer to our last offer.
func (c *Call) takeAnswer(answer []byte) error {
	c.mu.Lock()
	neg, err := sip.ParseAnswer(answer, c.sess.offered)
	if err != nil || c.state != Answered || c.stream == nil {
		c.mu.Unlock()
		if err == nil {
			err = stateError("take an answer", c.State())
		}
		return err
	}
	events := c.applyLocked(neg, answer, false)
	c.mu.Unlock()
	c.emit(events)
	return nil
}

// applyLocked applies an agreed renegotiation to the stream and returns
// the events it makes: the peer holding or resuming, the media moving or
// the codec changing. theirs is the peer's description; isOffer tells
// whether it was an offer (else an answer to ours).
func (c *Call) applyLocked(neg sip.Negotiated, theirs []byte, isOffer bool) []callEvent {
	var events []callEvent
	codec := rtp.CodecByName(neg.Codec.Name)
	if codec == nil { // sip negotiates only the phone's codecs
		codec = rtp.CodecByName(c.neg.Codec.Name)
	}
	if neg.Remote != c.neg.Remote || neg.Codec.Name != c.neg.Codec.Name || neg.Codec.PayloadType != c.neg.Codec.PayloadType {
		events = append(events, callEvent{EventMediaChanged, neg.Remote.String() + " " + neg.Codec.Name})
	}
	hold := c.sess.holdRemote
	if isOffer || c.sess.offered.Direction != sip.Inactive {
		// An answer to our inactive offer can only mirror it: the
		// peer's hold stays as it was.
		hold = neg.Hold
	}
	if hold != c.sess.holdRemote {
		name := EventResume
		if hold {
			name = EventHold
		}
		events = append(events, callEvent{name, "remote"})
	}
	c.sess.holdRemote, c.sess.remoteSDP, c.neg = hold, theirs, neg
	c.stream.Update(c.streamUpdateLocked(codec))
	return events
}

// streamUpdateLocked is the stream's configuration for what is agreed:
// while we hold, nothing is sent (no music on hold) and nothing played.
func (c *Call) streamUpdateLocked(codec *rtp.Codec) rtp.StreamUpdate {
	on := !c.sess.holdLocal
	return rtp.StreamUpdate{
		Remote:          c.iceRemoteLocked(c.neg.Remote), // ice.go
		Codec:           codec,
		PayloadType:     c.neg.Codec.PayloadType,
		DTMFPayloadType: c.neg.DTMFPayloadType,
		Send:            on && c.neg.Direction.Sends(),
		Receive:         on && c.neg.Direction.Receives(),
		Protector:       c.protectorLocked(c.neg), // media_security.go
	}
}

// emit hands events to the call-event callback; no lock is held.
func (c *Call) emit(events []callEvent) {
	for _, e := range events {
		c.phone.log.Info("call event", "call_id", c.callID, "event", e.name, "detail", e.detail)
		c.emitEvent(e.name, e.detail)
	}
}

// holdInfoLocked is the "hold" fact: none, local, remote or both.
func (c *Call) holdInfoLocked() string {
	switch {
	case c.sess.holdLocal && c.sess.holdRemote:
		return "both"
	case c.sess.holdLocal:
		return "local"
	case c.sess.holdRemote:
		return "remote"
	}
	return "none"
}

// preferCodec returns codecs with the one named name first.
func preferCodec(codecs []sip.Codec, name string) []sip.Codec {
	out := make([]sip.Codec, 0, len(codecs))
	for _, c := range codecs {
		if c.Name == name {
			out = append(out, c)
		}
	}
	for _, c := range codecs {
		if c.Name != name {
			out = append(out, c)
		}
	}
	return out
}

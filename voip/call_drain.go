package voip

import (
	"context"
	"errors"
	"fmt"

	"github.com/libvoip/libvoip/rtp"
)

// This file holds what lets an application wait for what it queued to go
// out (Drain) and drop what is queued (Flush): a digit string sent in full
// before a hang-up, an announcement cut short when the caller presses a
// key (barge-in), stale received audio or digits dropped before a prompt.

// DrainFlags says what Drain waits for (voip.h's VOIP_DRAIN_*).
type DrainFlags uint32

// The things Drain can wait for.
const (
	// DrainDTMF waits until the digits queued by SendDTMF were sent: the
	// RFC 4733 events with their end packets, or each SIP INFO answered
	// and its duration passed.
	DrainDTMF DrainFlags = 1 << iota
	// DrainAudio waits until the audio queued by WriteAudio was sent to
	// its last sample.
	DrainAudio

	drainAll = DrainDTMF | DrainAudio
)

// FlushFlags says what Flush drops (voip.h's VOIP_FLUSH_*).
type FlushFlags uint32

// The queues Flush can empty.
const (
	// FlushSendAudio drops the audio written but not yet sent: the call
	// sends silence from the next 20 ms on (barge-in).
	FlushSendAudio FlushFlags = 1 << iota
	// FlushReceivedAudio drops the received audio nobody has read: the
	// next read returns what arrives from then on.
	FlushReceivedAudio
	// FlushReceivedDTMF drops the received digits nobody has taken
	// (GetDTMF, CollectDTMF): typed-ahead keys before a prompt.
	FlushReceivedDTMF

	flushAll = FlushSendAudio | FlushReceivedAudio | FlushReceivedDTMF
)

// Drain waits until what was queued before it was called has been sent:
// digits (DrainDTMF) and/or audio (DrainAudio). It returns nil once it
// has, ErrCallEnded when the call ended first (what was left did not go
// out), ErrTimeout when ctx ended first, and ErrInvalidArgument for no or
// unknown flags. A call that is not answered has nothing queued: nil at
// once. On hold, written audio is dropped, so only digits wait (for the
// resume).
func (c *Call) Drain(ctx context.Context, what DrainFlags) error {
	if what == 0 || what&^drainAll != 0 {
		return fmt.Errorf("%w: drain flags %#x (want DTMF %d and/or audio %d)", ErrInvalidArgument, uint32(what), DrainDTMF, DrainAudio)
	}
	if what&DrainDTMF != 0 {
		select {
		case <-c.info.idle():
		case <-c.life.Done():
			return ErrCallEnded
		case <-ctx.Done():
			return fmt.Errorf("%w: digits still being sent by SIP INFO", ErrTimeout)
		}
	}
	c.mu.Lock()
	stream, state := c.stream, c.state
	c.mu.Unlock()
	if state == Ended {
		return ErrCallEnded
	}
	if stream == nil {
		return nil
	}
	err := stream.Drain(ctx, what&DrainDTMF != 0, what&DrainAudio != 0)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, rtp.ErrClosed):
		return ErrCallEnded
	case ctx.Err() != nil:
		return fmt.Errorf("%w: %s still queued", ErrTimeout, what)
	}
	return err
}

// String names the flags, e.g. "DTMF+audio".
func (f DrainFlags) String() string {
	switch f & drainAll {
	case DrainDTMF:
		return "DTMF"
	case DrainAudio:
		return "audio"
	case drainAll:
		return "DTMF+audio"
	}
	return "nothing"
}

// Flush empties the queues named by what, at once. It works in any state
// (on a call that is not answered, or has ended, the audio queues are
// empty already) and returns ErrInvalidArgument for no or unknown flags.
func (c *Call) Flush(what FlushFlags) error {
	if what == 0 || what&^flushAll != 0 {
		return fmt.Errorf("%w: flush flags %#x (want send audio %d, received audio %d, received DTMF %d)",
			ErrInvalidArgument, uint32(what), FlushSendAudio, FlushReceivedAudio, FlushReceivedDTMF)
	}
	c.mu.Lock()
	stream := c.stream
	if what&FlushReceivedDTMF != 0 {
		c.digits = c.digits[:0]
	}
	c.mu.Unlock()
	if stream == nil {
		return nil
	}
	if what&FlushSendAudio != 0 {
		stream.FlushSend()
	}
	if what&FlushReceivedAudio != 0 {
		stream.FlushReceived()
	}
	return nil
}

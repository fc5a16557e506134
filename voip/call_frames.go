package voip

import (
	"fmt"
	"time"

	"github.com/libvoip/libvoip/rtp"
)

// The batched audio path: one application thread serves every call of a
// phone. It waits for the phone's media clock (WaitMediaTick), which ticks
// every 20 ms once every stream has played out a frame, then takes each
// call's ready frame without waiting (ReadFrame) and queues its own with
// WriteAudio(…, 0). Nothing here allocates per frame or per tick.

// ReadFrame copies one whole frame of received audio (len(dst) bytes in
// the phone's format, e.g. 320 bytes for 20 ms of s16le at 8 kHz) into dst
// without waiting. It returns true when it did; false with nil when less
// than a frame is queued or the call has no media yet (ringing); false
// with ErrCallEnded once the call ended and its audio is drained. A frame
// is never split: reading one frame per tick loses and repeats nothing.
func (c *Call) ReadFrame(dst []byte) (bool, error) {
	c.mu.Lock()
	stream, state := c.stream, c.state
	c.mu.Unlock()
	if stream == nil {
		if state == Ended {
			return false, ErrCallEnded
		}
		return false, nil
	}
	ok, err := stream.ReadFrame(dst)
	return ok, streamErr(err)
}

// mediaClock lets application threads wait for the phone's media clock.
// It is registered with the pacer of the running phone (Start) as a
// Ticker, so it runs after every stream's tick; tick wakes one waiter.
type mediaClock struct {
	ticked chan struct{}    // a token after each tick, for one waiter
	timers chan *time.Timer // stopped timers kept for waits with a timeout
}

func newMediaClock() *mediaClock {
	return &mediaClock{ticked: make(chan struct{}, 1), timers: make(chan *time.Timer, 4)}
}

// Tick implements rtp.Ticker: a frame was just played out on every call.
func (m *mediaClock) Tick() {
	select {
	case m.ticked <- struct{}{}:
	default:
	}
}

// WaitMediaTick blocks until the phone's media clock ticks next (every
// 20 ms, right after every call's stream played out a frame into its read
// queue), or timeout passes (negative: no limit; zero: only a tick already
// signalled and not yet waited for counts). It returns nil after a tick,
// ErrTimeout, or ErrInvalidState when the phone is not running. One
// thread at a time should wait on a phone: a tick wakes one waiter.
func (p *Phone) WaitMediaTick(timeout time.Duration) error {
	p.mu.Lock()
	running := p.pacer != nil
	p.mu.Unlock()
	if !running {
		return fmt.Errorf("%w: wait for the media clock: the phone is not running", ErrInvalidState)
	}
	m := p.clock
	if timeout == 0 {
		select {
		case <-m.ticked:
			return nil
		default:
			return ErrTimeout
		}
	}
	var expire <-chan time.Time
	if timeout > 0 {
		var t *time.Timer
		select {
		case t = <-m.timers:
			t.Reset(timeout)
		default:
			t = time.NewTimer(timeout)
		}
		defer m.releaseTimer(t)
		expire = t.C
	}
	select {
	case <-m.ticked:
		return nil
	case <-expire:
		return ErrTimeout
	}
}

func (m *mediaClock) releaseTimer(t *time.Timer) {
	t.Stop()
	select {
	case m.timers <- t:
	default:
	}
}

// startClockLocked registers the phone's media clock with its new pacer.
// Called by Start with p.mu held.
func (p *Phone) startClockLocked(pacer *rtp.Pacer) {
	pacer.AddTicker(p.clock)
}

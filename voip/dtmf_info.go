package voip

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libvoip/libvoip/rtp"
)

// This file holds DTMF by SIP INFO (application/dtmf-relay, RFC 6086's
// legacy usage) for calls: the dtmf_mode option, the per-call sender and
// the digits received that way.

// DTMFMode chooses how SendDTMF sends digits.
type DTMFMode uint8

// The DTMF modes (option dtmf_mode).
const (
	// DTMFAuto sends RFC 4733 events when telephone-event was negotiated
	// and the call sends RTP, else SIP INFO.
	DTMFAuto DTMFMode = iota
	// DTMFRFC4733 sends RFC 4733 events only (ErrInvalidState when the
	// peer did not accept telephone-event).
	DTMFRFC4733
	// DTMFInfo sends one SIP INFO (application/dtmf-relay) per digit.
	DTMFInfo
	// DTMFInband sends digits as DTMF tones in the audio (dtmf_inband.go).
	DTMFInband
)

var dtmfModeNames = [...]string{DTMFAuto: "auto", DTMFRFC4733: "rfc4733", DTMFInfo: "info", DTMFInband: "inband"}

// String is the mode's option value: "auto", "rfc4733", "info" or "inband".
func (m DTMFMode) String() string {
	if int(m) < len(dtmfModeNames) {
		return dtmfModeNames[m]
	}
	return fmt.Sprintf("DTMFMode(%d)", m)
}

func parseDTMFMode(c *Config, v string) error {
	v = strings.ToLower(strings.TrimSpace(v))
	for m, name := range dtmfModeNames {
		if v == name {
			c.DTMFMode = DTMFMode(m)
			return nil
		}
	}
	return errBadValue(`want "auto", "rfc4733", "info" or "inband"`)
}

// infoSender sends a call's digits by INFO, one at a time: each waits for
// the answer to the one before. One goroutine runs while digits are
// queued. mu is a leaf: a call's mu is never taken while it is held.
type infoSender struct {
	mu      sync.Mutex
	queue   []infoDigit
	running bool
	idleCh  chan struct{} // closed when running turns false; nil when nobody waits

	sent, received atomic.Uint64 // digits sent (answered 2xx) and received by INFO
}

type infoDigit struct {
	digit    byte
	duration time.Duration
}

// sendInfoDTMF queues digits (already checked) to send by INFO and returns.
func (c *Call) sendInfoDTMF(digits string, duration time.Duration) error {
	if duration == 0 {
		duration = rtp.DTMFDefaultDuration
	}
	s := &c.info
	s.mu.Lock()
	if len(s.queue)+len(digits) > rtp.DTMFQueueSize {
		s.mu.Unlock()
		return fmt.Errorf("%w: more than %d DTMF digits queued", ErrInvalidArgument, rtp.DTMFQueueSize)
	}
	for i := 0; i < len(digits); i++ {
		s.queue = append(s.queue, infoDigit{digits[i], duration})
	}
	start := !s.running
	s.running = true
	s.mu.Unlock()
	if start {
		go c.runInfoSender()
	}
	return nil
}

// next takes the next digit to send and says how many were queued; ok is
// false when none is left (or drop is true, which empties the queue), and
// the sender then stops.
func (s *infoSender) next(drop bool) (d infoDigit, left int, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	left = len(s.queue)
	if drop {
		s.queue = nil
	}
	if len(s.queue) == 0 {
		s.running = false
		if s.idleCh != nil {
			close(s.idleCh)
			s.idleCh = nil
		}
		return infoDigit{}, left, false
	}
	d, s.queue = s.queue[0], s.queue[1:]
	return d, left, true
}

// idle returns a channel closed once no digit is queued or being sent by
// INFO (Call.Drain).
func (s *infoSender) idle() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.running {
		ready := make(chan struct{})
		close(ready)
		return ready
	}
	if s.idleCh == nil {
		s.idleCh = make(chan struct{})
	}
	return s.idleCh
}

// runInfoSender sends the queued digits in order, one INFO each, and
// spaces them by their duration like key presses. A failed INFO (refused,
// unanswered) drops the digits still queued and is reported as
// EventDTMFFailed; an ended call drops them silently.
func (c *Call) runInfoSender() {
	for {
		d, _, ok := c.info.next(c.State() == Ended)
		if !ok {
			return
		}
		start := time.Now()
		err := c.infoDialogSend(d)
		if err != nil {
			_, left, _ := c.info.next(true)
			if c.State() != Ended {
				c.phone.log.Info("DTMF by INFO failed", "call_id", c.callID, "digit", string(d.digit), "error", err)
				c.emitEvent(EventDTMFFailed, fmt.Sprintf("INFO %c: %v; %d digits dropped", d.digit, err, left))
			}
			return
		}
		c.info.sent.Add(1)
		pause := time.NewTimer(time.Until(start.Add(d.duration)))
		select {
		case <-pause.C:
		case <-c.life.Done():
			pause.Stop()
		}
	}
}

// infoDialogSend sends one digit in the call's dialog, whichever side we
// are; it gives up when the call ends.
func (c *Call) infoDialogSend(d infoDigit) error {
	ctx := c.life
	if c.in != nil {
		return c.in.SendDTMF(ctx, d.digit, d.duration)
	}
	return c.out.SendDTMF(ctx, d.digit, d.duration)
}

// onInfoDigit is called by the dialog for each digit received by INFO.
func (c *Call) onInfoDigit(d byte) {
	c.info.received.Add(1)
	c.onDigit(d)
}

package rtp

import "context"

// This file lets an application wait until what it queued has been sent
// (Drain) and drop what is queued either way (FlushSend, FlushReceived).

// drainState is a stream's record of what was still queued at the start of
// the last tick somebody waited for. The pacer goroutine runs ticks one
// after another, so a tick that starts with nothing queued comes after the
// tick that sent the last packet: its send has completed.
type drainState struct {
	wait      chan struct{} // closed at the next tick's start; nil when nobody waits
	dtmfIdle  bool          // no DTMF event queued or in progress
	audioIdle bool          // no written audio queued
}

// noteTickLocked records the send queues at the start of a tick for the
// waiters of Drain. Called by tick with mu held; nothing happens (and
// nothing is allocated) while nobody waits.
func (s *Stream) noteTickLocked() {
	d := &s.drain
	if d.wait == nil {
		return
	}
	d.dtmfIdle = !s.dtmfGen.Busy()
	d.audioIdle = s.tx.len() == 0
	close(d.wait)
	d.wait = nil
}

// Drain waits until the DTMF digits (dtmf) and the audio (audio) queued
// before it was called have been sent: RFC 4733 events with their end
// packets, audio to its last sample. It returns nil, ErrClosed when the
// stream closed first, or ctx's error. A stream that does not send (on
// hold) drops written audio at once but keeps its digits until it sends
// again.
func (s *Stream) Drain(ctx context.Context, dtmf, audio bool) error {
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return ErrClosed
		}
		if s.drain.wait == nil {
			s.drain.wait = make(chan struct{})
		}
		wait := s.drain.wait
		s.mu.Unlock()
		select {
		case <-wait:
		case <-s.done:
			return ErrClosed
		case <-ctx.Done():
			return ctx.Err()
		}
		s.mu.Lock()
		done := (!dtmf || s.drain.dtmfIdle) && (!audio || s.drain.audioIdle)
		s.mu.Unlock()
		if done {
			return nil
		}
	}
}

// FlushSend drops the audio queued for sending (barge-in: an announcement
// cut short); the next tick sends silence unless more is written. It
// returns the samples dropped.
func (s *Stream) FlushSend() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.tx.len()
	s.tx.discard(n)
	return n
}

// FlushReceived drops the received audio nobody has read yet; the next
// read returns what arrives from then on. It returns the samples dropped.
func (s *Stream) FlushReceived() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.rx.len()
	s.rx.discard(n)
	return n
}

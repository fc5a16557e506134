package main

import (
	"context"
	"fmt"
	"time"

	"github.com/libvoip/libvoip/voip"
)

// drainLimit bounds the wait for --dtmf's digits to go out.
const drainLimit = 30 * time.Second

// script runs the actions of the command line in order once the call is
// up (--play and --record started with it): --dtmf (after --dtmf-delay or
// --dtmf-after-silence), --hold, --transfer, and with --hangup the end of
// --play's file. It stops early when ctx ends (the call ended).
func (s *session) script(ctx context.Context) error {
	set := s.a.set
	if set.dtmf != "" {
		if err := s.waitToDial(ctx); err != nil {
			return nil // the call ended first
		}
		if err := s.c.SendDTMF(set.dtmf, set.dtmfDuration); err != nil {
			return fmt.Errorf("--dtmf: %w", err)
		}
		dctx, cancel := context.WithTimeout(ctx, drainLimit)
		err := s.c.Drain(dctx, voip.DrainDTMF)
		cancel()
		if err != nil {
			return fmt.Errorf("--dtmf: the digits did not go out: %w", err)
		}
		s.a.printf("SENT %s", set.dtmf)
	}
	if set.hold {
		if err := s.c.Hold(); err != nil {
			return fmt.Errorf("--hold: %w", err)
		}
		s.holding.Store(true)
	}
	if set.transfer != "" {
		if err := s.c.Transfer(ctx, set.transfer, true); err != nil {
			return fmt.Errorf("--transfer %s: %w", set.transfer, err)
		}
	}
	if set.hangup {
		s.a.waitPlayed(ctx) // --play's file is heard to its end
	}
	return nil
}

// waitToDial waits --dtmf-delay, or until the far end was silent for
// --dtmf-after-silence.
func (s *session) waitToDial(ctx context.Context) error {
	if d := s.a.set.dtmfAfterSilence; d > 0 && s.media != nil {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for s.media.silentFor() < d {
			select {
			case <-tick.C:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	}
	t := time.NewTimer(s.a.set.dtmfDelay)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

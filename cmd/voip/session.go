package main

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/libvoip/libvoip/voip"
)

// endGrace is how long the peer has to confirm the end of the call (a
// CANCEL's 487, a BYE's answer) before the call is released anyway.
const endGrace = 3 * time.Second

// session is one call from its first state to its END line.
type session struct {
	a        *app
	c        *voip.Call
	outgoing bool

	answeredAt  time.Time
	interrupted bool  // SIGINT/SIGTERM
	timedOut    bool  // --timeout passed before the answer
	actionErr   error // --dtmf, --hold or --transfer failed
	media       *farEnd
	stopScript  context.CancelFunc
	ending      chan struct{} // closed by the first end
	holding     atomic.Bool   // we hold the call (interactive o)
	holdBusy    atomic.Bool   // a hold or resume is under way
}

func newSession(a *app, c *voip.Call) *session {
	dir, _ := c.Info("direction")
	return &session{a: a, c: c, outgoing: dir == "outgoing", stopScript: func() {}, ending: make(chan struct{})}
}

// reached is closed once the call is in state s; never if it ends first.
func reached(c *voip.Call, s voip.CallState) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		if got, _ := c.Wait(context.Background(), s.Mask()); got == s {
			close(ch)
		}
	}()
	return ch
}

// timer is a channel that fires after d, or never for d <= 0.
func timer(d time.Duration) (<-chan time.Time, func()) {
	if d <= 0 {
		return nil, func() {}
	}
	t := time.NewTimer(d)
	return t.C, func() { t.Stop() }
}

// run follows the call until it ends and returns the exit status.
func (s *session) run(ctx context.Context) int {
	keys, restore := s.a.keys()
	defer restore()
	ended, answered := reached(s.c, voip.Ended), reached(s.c, voip.Answered)
	var timeout <-chan time.Time
	if s.outgoing {
		var stop func()
		timeout, stop = timer(s.a.set.timeout)
		defer stop()
	}
	var duration, grace <-chan time.Time
	var script chan error
	interrupt, ending := ctx.Done(), s.ending
	for {
		select {
		case <-ended:
			return s.finish()
		case <-grace:
			return s.finish() // the peer did not confirm the end in time
		case <-ending:
			ending = nil
			var stop func()
			grace, stop = timer(endGrace)
			defer stop()
		case <-answered:
			answered, timeout = nil, nil
			script = s.onAnswered()
			var stop func()
			duration, stop = timer(s.a.set.duration)
			defer stop()
		case k := <-keys:
			s.key(k)
		case <-interrupt:
			interrupt, s.interrupted = nil, true
			s.end()
		case <-timeout:
			timeout, s.timedOut = nil, true
			s.end()
		case <-duration:
			duration = nil
			s.end()
		case err := <-script:
			script = nil
			s.scriptDone(err)
		}
	}
}

// onAnswered starts the media and the scripted actions.
func (s *session) onAnswered() chan error {
	s.answeredAt = time.Now()
	m, err := startMedia(s.c, s.a.set)
	if err != nil {
		s.a.logf("sound: %v", err)
		s.actionErr = err
		s.end()
	}
	s.media = m
	if err := s.a.connectFiles(s.c); err != nil {
		s.a.logf("%v", err)
		s.actionErr = err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.stopScript = cancel
	done := make(chan error, 1)
	go func() { done <- s.script(ctx) }()
	return done
}

// scriptDone records the outcome of the scripted actions.
func (s *session) scriptDone(err error) {
	if err != nil && s.c.State() != voip.Ended {
		s.actionErr = err
		s.a.printf("ERROR %v", err)
	}
	if s.a.set.hangup {
		s.end()
	}
}

// end ends the call whatever its state: hang up, cancel or refuse.
func (s *session) end() {
	select {
	case <-s.ending:
	default:
		close(s.ending)
	}
	var err error
	switch s.c.State() {
	case voip.Answered:
		err = s.c.Hangup()
	case voip.Dialing, voip.Progress:
		err = s.c.Cancel()
	case voip.Ringing:
		err = s.c.Deny(486)
	}
	if err != nil && s.c.State() != voip.Ended {
		s.a.logf("end the call: %v", err)
	}
}

// finish prints the END line and returns the exit status.
func (s *session) finish() int {
	s.stopScript()
	if s.media != nil {
		if line := s.media.stop(); line != "" {
			s.a.printf("%s", line)
		}
	}
	if line := s.a.closeFiles(); line != "" {
		s.a.printf("%s", line)
	}
	reason, code := s.c.EndReason()
	if st := s.c.State(); st != voip.Ended {
		reason = fmt.Sprintf("still %s: the peer did not confirm the end within %v", st, endGrace)
	}
	talk := 0.0
	if !s.answeredAt.IsZero() {
		talk = time.Since(s.answeredAt).Seconds()
	}
	exit := s.exitCode(code, reason)
	s.a.last("END code=%d reason=%q talk=%.1fs exit=%d", code, reason, talk, exit)
	return exit
}

// exitCode maps how the call ended to the exit status.
func (s *session) exitCode(code int, reason string) int {
	switch {
	case !s.answeredAt.IsZero() && s.actionErr != nil:
		return exitAction
	case !s.answeredAt.IsZero():
		return exitOK
	case s.interrupted:
		return exitInterrupted
	case s.timedOut, code == 408, code == 480:
		return exitNoAnswer
	case code >= 400 && code < 700:
		return exitRejected
	case strings.Contains(reason, "timeout"), strings.Contains(reason, "no answer"):
		return exitNoAnswer
	}
	return exitNetwork
}

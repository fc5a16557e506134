package main

import (
	"golang.org/x/sys/unix"

	"github.com/libvoip/libvoip/rtp"
	"github.com/libvoip/libvoip/voip"
)

const keyHelp = "keys: 0-9 * # A-D send a digit, h hang up, o hold/resume, q quit, ? help"

// keys returns the keys typed on standard input when the session is
// interactive (a terminal, or --interactive), with the terminal in
// non-canonical mode without echo (Ctrl-C still interrupts), and a
// function that restores the terminal. Not interactive: a nil channel.
func (a *app) keys() (<-chan byte, func()) {
	fd := int(a.stdin.Fd())
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	tty := err == nil
	if a.set.noInteractive || (!tty && !a.set.interactive) {
		return nil, func() {}
	}
	restore := func() {}
	if tty {
		raw := *old
		raw.Lflag &^= unix.ICANON | unix.ECHO
		raw.Cc[unix.VMIN], raw.Cc[unix.VTIME] = 1, 0
		if unix.IoctlSetTermios(fd, unix.TCSETS, &raw) == nil {
			restore = func() { _ = unix.IoctlSetTermios(fd, unix.TCSETS, old) }
		}
	}
	a.logf("%s", keyHelp)
	ch := make(chan byte, 16)
	go func() {
		var b [1]byte
		for {
			n, err := a.stdin.Read(b[:])
			if err != nil {
				return
			}
			if n == 1 {
				ch <- b[0]
			}
		}
	}()
	return ch, restore
}

// key acts on one key of the interactive mode.
func (s *session) key(k byte) {
	switch k {
	case 'h', 'q':
		s.end()
	case 'o':
		s.toggleHold()
	case '?':
		s.a.logf("%s", keyHelp)
	case '\n', '\r', ' ':
	default:
		if _, ok := rtp.DigitEvent(k); ok && (k < 'a' || k > 'd') {
			if err := s.c.SendDTMF(string(k), s.a.set.dtmfDuration); err != nil {
				s.a.logf("digit %c: %v", k, err)
				return
			}
			s.a.printf("SENT %c", k)
			return
		}
		s.a.logf("key %q does nothing (? for help)", k)
	}
}

// toggleHold holds or resumes the call in the background (a re-INVITE
// waits for the peer); the EVENT hold/resume line follows.
func (s *session) toggleHold() {
	if s.c.State() != voip.Answered || !s.holdBusy.CompareAndSwap(false, true) {
		return
	}
	hold := !s.holding.Load()
	go func() {
		defer s.holdBusy.Store(false)
		var err error
		if hold {
			err = s.c.Hold()
		} else {
			err = s.c.Resume()
		}
		if err != nil {
			s.a.logf("hold/resume: %v", err)
			return
		}
		s.holding.Store(hold)
	}()
}

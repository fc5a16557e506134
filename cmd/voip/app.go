package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/libvoip/libvoip/voip"
)

// app is one run of the program.
type app struct {
	set            *settings
	stdin          *os.File
	stdout, stderr io.Writer
	outMu          sync.Mutex
	done           bool // the END line is out: nothing more on stdout

	phone    *voip.Phone
	files    files           // --play, --record (files.go)
	incoming chan *voip.Call // answer: the call to answer
	status   chan voip.PhoneStatus
}

func newApp(s *settings, stdin *os.File, stdout, stderr io.Writer) *app {
	return &app{set: s, stdin: stdin, stdout: stdout, stderr: stderr,
		incoming: make(chan *voip.Call, 1), status: make(chan voip.PhoneStatus, 8)}
}

// printf writes one line of the event protocol on standard output.
func (a *app) printf(format string, args ...any) {
	a.outMu.Lock()
	defer a.outMu.Unlock()
	if !a.done {
		_, _ = fmt.Fprintf(a.stdout, format+"\n", args...)
	}
}

// last prints the END line: nothing follows it on standard output.
func (a *app) last(format string, args ...any) {
	a.printf(format, args...)
	a.outMu.Lock()
	a.done = true
	a.outMu.Unlock()
}

// logf writes one diagnostic line on standard error.
func (a *app) logf(format string, args ...any) {
	a.outMu.Lock()
	defer a.outMu.Unlock()
	_, _ = fmt.Fprintf(a.stderr, "voip: "+format+"\n", args...)
}

// main runs the command and returns the exit status.
func (a *app) main(ctx context.Context) int {
	p, err := a.newPhone()
	if err != nil {
		a.logf("%v", err)
		return exitUsage
	}
	a.phone = p
	defer p.Close(true)
	p.SetHandler(a.handler())
	if err := p.Start(); err != nil {
		_, reason := p.Status()
		a.printf("STATUS %s %s", voip.PhoneFailed, reason)
		a.logf("cannot start: %v", err)
		return startCode(err)
	}
	if a.set.server != "" {
		_, reason := p.Status()
		a.printf("STATUS %s %s", voip.PhoneRegistered, reason)
	}
	if err := a.openFiles(); err != nil {
		a.logf("%v", err)
		return exitUsage
	}
	switch a.set.cmd {
	case "register":
		return a.stayRegistered(ctx)
	case "answer":
		return a.answer(ctx)
	}
	c, err := p.Call(a.set.target)
	if err != nil {
		a.logf("call %s: %v", a.set.target, err)
		if errors.Is(err, voip.ErrInvalidArgument) {
			return exitUsage
		}
		return startCode(err)
	}
	return newSession(a, c).run(ctx)
}

// handler prints the phone's events; answer mode takes the first call.
func (a *app) handler() voip.Handler {
	return voip.Handler{
		IncomingCall: func(c *voip.Call) {
			remote, _ := c.Info("remote_uri")
			if a.set.cmd != "answer" {
				_ = c.Deny(486) // only voip answer takes calls
				return
			}
			select {
			case a.incoming <- c:
				a.printf("INCOMING %s", remote)
			default:
				_ = c.Deny(486) // one call at a time
			}
		},
		CallState: func(c *voip.Call, s voip.CallState, reason string) {
			a.printf("CALL %s %s", s, reason)
		},
		DTMF:       func(c *voip.Call, d byte) { a.printf("DTMF %c", d) },
		CallEvent:  func(c *voip.Call, name, detail string) { a.printf("EVENT %s %s", name, detail) },
		MediaEvent: a.onMediaEvent,
		Status: func(s voip.PhoneStatus, reason string) {
			if a.set.server != "" {
				a.printf("STATUS %s %s", s, reason)
			}
			select {
			case a.status <- s:
			default:
			}
		},
	}
}

// stayRegistered keeps the phone registered until ctx ends or --duration
// passes, then unregisters.
func (a *app) stayRegistered(ctx context.Context) int {
	if a.set.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, a.set.duration)
		defer cancel()
	}
	for {
		select {
		case <-ctx.Done():
			if err := a.phone.Stop(); err != nil {
				a.logf("unregister: %v", err)
				return exitRegister
			}
			return exitOK
		case s := <-a.status:
			if s == voip.PhoneFailed {
				return exitRegister
			}
		}
	}
}

// answer waits for a call (up to --timeout), answers it and runs it.
func (a *app) answer(ctx context.Context) int {
	uri, _ := a.phone.Option("uri")
	a.printf("LISTENING %s", uri)
	var timeout <-chan time.Time
	if a.set.timeout > 0 {
		t := time.NewTimer(a.set.timeout)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case c := <-a.incoming:
		if err := c.Answer(); err != nil {
			a.logf("answer: %v", err)
		}
		return newSession(a, c).run(ctx)
	case <-timeout:
		a.logf("no call within %v", a.set.timeout)
		return exitNoAnswer
	case <-ctx.Done():
		return exitInterrupted
	}
}

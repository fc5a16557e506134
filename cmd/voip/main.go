// Command voip is a command-line softphone over package voip, in the
// spirit of pjsua and gophone, for people and for scripts:
//
//	voip call [options] URI     place a call
//	voip answer [options]       wait for a call and answer it
//	voip register [options]     register with a PBX and stay registered
//
// It prints one line per event on standard output (CALL, DTMF, EVENT,
// STATUS, ...) and ends a call with an END line naming the reason, the SIP
// code and the exit status. On a terminal it is interactive: keys send
// digits, h hangs up, o holds and resumes. With --sound it talks through
// the sound card (miniaudio, through github.com/gen2brain/malgo). Run
// "voip -h" for the options and the exit statuses.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit statuses (documented in usage).
const (
	exitOK          = 0   // done: the call was answered, or registered and stopped
	exitError       = 1   // an unexpected failure
	exitUsage       = 2   // bad command line or option value
	exitRejected    = 3   // the call was refused: busy, declined, not found (a 4xx-6xx answer)
	exitNoAnswer    = 4   // no answer in time (--timeout, 408, 480)
	exitRegister    = 5   // the registrar refused us or did not answer
	exitNetwork     = 6   // cannot start or reach the peer (bind, resolve, transport)
	exitAction      = 7   // the call was up but --dtmf, --hold or --transfer failed
	exitInterrupted = 130 // interrupted (SIGINT/SIGTERM) before the call was answered
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// usageError is a bad command line: exit status 2 with the message.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// run is the whole program: args without the program name; it returns the
// exit status. ctx ends on SIGINT/SIGTERM.
func run(ctx context.Context, args []string, stdin *os.File, stdout, stderr io.Writer) int {
	s, err := parseArgs(args)
	if errors.Is(err, errHelp) {
		printUsage(stdout)
		return exitOK
	}
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "voip: %v\n(voip -h for help)\n", err)
		return exitUsage
	}
	a := newApp(s, stdin, stdout, stderr)
	return a.main(ctx)
}

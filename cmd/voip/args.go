package main

import (
	"errors"
	"flag"
	"io"
	"strings"
	"time"

	"github.com/libvoip/libvoip/rtp"
)

var errHelp = errors.New("help")

// settings is the parsed command line.
type settings struct {
	cmd    string // "call", "answer" or "register"
	target string // call: the URI

	// PBX and network
	server, user, password, authUser, register string
	transport, ca, outboundProxy               string
	insecure                                   bool
	bind, rtpPorts                             string
	options                                    multiFlag
	trace, verbose                             bool

	// the call
	timeout, duration                         time.Duration
	dtmf                                      string
	dtmfDelay, dtmfAfterSilence, dtmfDuration time.Duration
	hold, hangup                              bool
	transfer                                  string
	play, record                              string
	sound                                     bool
	soundBackend                              string
	interactive, noInteractive                bool
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// flags binds every option to s.
func (s *settings) flags() *flag.FlagSet {
	fs := flag.NewFlagSet("voip", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	str := func(p *string, name, def string) { fs.StringVar(p, name, def, "") }
	str(&s.server, "server", "")
	str(&s.user, "user", "")
	str(&s.password, "password", "")
	str(&s.authUser, "auth-user", "")
	str(&s.register, "register", "")
	str(&s.transport, "transport", "")
	str(&s.ca, "ca", "")
	str(&s.outboundProxy, "outbound-proxy", "")
	str(&s.bind, "bind", "")
	str(&s.rtpPorts, "rtp-ports", "")
	str(&s.dtmf, "dtmf", "")
	str(&s.transfer, "transfer", "")
	str(&s.soundBackend, "sound-backend", "default")
	str(&s.play, "play", "")
	str(&s.record, "record", "")
	fs.Var(&s.options, "option", "")
	for _, b := range []struct {
		p    *bool
		name string
	}{{&s.insecure, "insecure"}, {&s.trace, "trace"}, {&s.verbose, "verbose"}, {&s.hold, "hold"},
		{&s.hangup, "hangup"}, {&s.sound, "sound"}, {&s.interactive, "interactive"}, {&s.noInteractive, "no-interactive"}} {
		fs.BoolVar(b.p, b.name, false, "")
	}
	fs.DurationVar(&s.timeout, "timeout", 0, "")
	fs.DurationVar(&s.duration, "duration", 0, "")
	fs.DurationVar(&s.dtmfDelay, "dtmf-delay", 500*time.Millisecond, "")
	fs.DurationVar(&s.dtmfAfterSilence, "dtmf-after-silence", 0, "")
	fs.DurationVar(&s.dtmfDuration, "dtmf-duration", 0, "")
	return fs
}

// parseArgs reads "COMMAND [options] [URI]"; options may come before or
// after the URI.
func parseArgs(args []string) (*settings, error) {
	if len(args) == 0 {
		return nil, usagef("no command: want call, answer or register")
	}
	switch args[0] {
	case "-h", "--help", "help":
		return nil, errHelp
	case "call", "answer", "register":
	default:
		return nil, usagef("unknown command %q: want call, answer or register", args[0])
	}
	s := &settings{cmd: args[0]}
	fs := s.flags()
	var positional []string
	rest := args[1:]
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelp
			}
			return nil, usagef("%v", err)
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	return s, s.check(positional)
}

// check validates what the flag package cannot.
func (s *settings) check(positional []string) error {
	switch {
	case s.cmd == "call" && len(positional) != 1:
		return usagef("call wants one URI, got %d arguments", len(positional))
	case s.cmd != "call" && len(positional) != 0:
		return usagef("%s takes no argument, got %q", s.cmd, positional[0])
	case s.cmd == "register" && s.server == "" && s.register == "":
		return usagef("register needs --server HOST[:PORT] (or --register sip:USER@HOST)")
	case s.interactive && s.noInteractive:
		return usagef("--interactive and --no-interactive exclude each other")
	case s.soundBackend != "default" && s.soundBackend != "null":
		return usagef("--sound-backend %q: want default or null", s.soundBackend)
	case s.timeout < 0 || s.duration < 0 || s.dtmfDelay < 0 || s.dtmfAfterSilence < 0:
		return usagef("durations must not be negative")
	}
	for i := 0; i < len(s.dtmf); i++ {
		if _, ok := rtp.DigitEvent(s.dtmf[i]); !ok {
			return usagef("--dtmf %q: %q is not a DTMF digit (0-9 * # A-D)", s.dtmf, s.dtmf[i])
		}
	}
	if len(positional) == 1 {
		s.target = positional[0]
	}
	return nil
}

package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"

	"github.com/libvoip/libvoip/voip"
)

// traceOption is the phone option --trace sets: the SIP trace of issue 17
// (every message sent and received, through the log callback).
const traceOption = "sip_trace"

// config is the phone configuration the command line asks for. warn gets
// the options this build of the library does not know but the command
// can do without (--trace before the library has its sip_trace option).
func (s *settings) config(warn func(string)) (voip.Config, error) {
	cfg := voip.DefaultConfig()
	set := func(flag, key, value string) error {
		if err := cfg.Set(key, value); err != nil {
			return usagef("%s: %v", flag, err)
		}
		return nil
	}
	if err := s.network(set); err != nil {
		return cfg, err
	}
	if err := s.pbx(set); err != nil {
		return cfg, err
	}
	if s.trace {
		if err := cfg.Set(traceOption, "1"); err != nil {
			warn(fmt.Sprintf("--trace: this libvoip cannot trace SIP yet (%v); going on without", err))
		}
	}
	for _, kv := range s.options {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return cfg, usagef("--option %q: want KEY=VALUE", kv)
		}
		if err := set("--option", k, v); err != nil {
			return cfg, err
		}
	}
	return cfg, nil
}

// network applies --bind and --rtp-ports.
func (s *settings) network(set func(flag, key, value string) error) error {
	bind := s.bind
	if bind == "" {
		bind = "0.0.0.0:0"
		if s.cmd == "answer" {
			bind = "0.0.0.0:5060"
		}
	}
	host, port, err := net.SplitHostPort(bind)
	if err != nil {
		return usagef("--bind %q: want IP:PORT", bind)
	}
	if err := set("--bind", "bind_ip", host); err != nil {
		return err
	}
	if err := set("--bind", "bind_port", port); err != nil {
		return err
	}
	if s.rtpPorts == "" {
		return nil
	}
	lo, hi, ok := strings.Cut(s.rtpPorts, "-")
	if !ok {
		return usagef("--rtp-ports %q: want LOW-HIGH", s.rtpPorts)
	}
	if err := set("--rtp-ports", "rtp_port_low", lo); err != nil {
		return err
	}
	return set("--rtp-ports", "rtp_port_high", hi)
}

// pbx applies the registrar and transport options.
func (s *settings) pbx(set func(flag, key, value string) error) error {
	if s.register != "" {
		u, h, ok := strings.Cut(strings.TrimPrefix(s.register, "sip:"), "@")
		if !ok || u == "" || h == "" || strings.Contains(s.register, "sips:") {
			return usagef("--register %q: want sip:USER@HOST[:PORT]", s.register)
		}
		s.user, s.server = u, h
	}
	pairs := []struct{ flag, key, value string }{
		{"--user", "user", s.user},
		{"--server", "server", s.server},
		{"--transport", "transport", s.transport},
		{"--ca", "ca_file", s.ca},
		{"--outbound-proxy", "outbound_proxy", s.outboundProxy},
	}
	for _, p := range pairs {
		if p.value == "" {
			continue
		}
		if err := set(p.flag, p.key, p.value); err != nil {
			return err
		}
	}
	if s.insecure {
		return set("--insecure", "tls_insecure", "1")
	}
	return nil
}

// newPhone builds the phone: configuration, credentials and logging.
func (a *app) newPhone() (*voip.Phone, error) {
	cfg, err := a.set.config(func(msg string) { a.logf("warning: %s", msg) })
	if err != nil {
		return nil, err
	}
	p := voip.NewPhone(cfg)
	if a.set.password != "" {
		user := a.set.authUser
		if user == "" {
			user = a.set.user
		}
		if user == "" {
			return nil, usagef("--password needs --user (or --auth-user)")
		}
		if err := p.AddCredentials(user, a.set.password, "", ""); err != nil {
			return nil, usagef("--password: %v", err)
		}
	}
	level := slog.LevelWarn
	if a.set.verbose || a.set.trace {
		level = slog.LevelDebug
	}
	p.SetLog(level, func(l slog.Level, msg string) { a.logf("%s %s", l, msg) })
	return p, nil
}

// startCode is the exit status for a Phone.Start error.
func startCode(err error) int {
	switch {
	case errors.Is(err, voip.ErrRejected), errors.Is(err, voip.ErrTimeout):
		return exitRegister
	case errors.Is(err, voip.ErrInvalidArgument), errors.Is(err, voip.ErrInvalidRange):
		return exitUsage
	case errors.Is(err, voip.ErrNetwork), errors.Is(err, voip.ErrNoPortsAvailable):
		return exitNetwork
	}
	return exitError
}

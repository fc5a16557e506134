package sip

import (
	"log/slog"
	"time"
)

// Defaults of ConnLimits, applied to its zero fields.
const (
	// DefaultMaxConnections caps the TCP or TLS connections accepted and
	// open at once (option tcp_max_connections).
	DefaultMaxConnections = 1024
	// DefaultIdleTimeout closes an accepted connection that has carried no
	// complete message, nor an RFC 5626 double-CRLF ping, for this long
	// (option tcp_idle_timeout_ms). It is above RFC 5626's 120 s keep-alive
	// period, so a flow kept alive by pings stays open.
	DefaultIdleTimeout = 180 * time.Second
	// DefaultMessageTimeout closes an accepted connection whose message,
	// once its first byte arrived, is not complete this long after; a new
	// connection must complete its first message (and its TLS handshake)
	// within it too (option tcp_message_timeout_ms).
	DefaultMessageTimeout = 30 * time.Second
	// DefaultMaxMessageBytes closes an accepted connection whose message in
	// progress grows beyond this many bytes: sipgo's own limit
	// (sip.ParseMaxMessageLength).
	DefaultMaxMessageBytes = 65535
	// DefaultMaxUDPSources bounds how many source addresses sipgo's UDP
	// transport remembers before its tables are dropped and rebuilt
	// (option udp_max_sources).
	DefaultMaxUDPSources = 4096
)

// ConnLimits bounds what peers can make the transports hold: TCP and TLS
// connections accepted by the listener (see newGuardedListener) and the
// per-source tables of sipgo's UDP transport (see serveUDPBounded). A zero
// field takes its default; a negative one disables that limit.
type ConnLimits struct {
	// MaxConnections caps the accepted connections open at once; a
	// connection beyond it is closed as soon as it is accepted.
	MaxConnections int
	// IdleTimeout closes a connection that carried no complete message for
	// that long (between messages).
	IdleTimeout time.Duration
	// MessageTimeout closes a connection whose message in progress (or
	// first message) is not complete that long after it started.
	MessageTimeout time.Duration
	// MaxMessageBytes closes a connection whose message in progress is
	// longer.
	MaxMessageBytes int
	// MaxUDPSources is how many UDP source addresses sipgo may record
	// before its per-source tables are dropped (at most once a second).
	MaxUDPSources int
	// Logger receives accept errors (Warn) and closed connections (Debug);
	// nil discards them.
	Logger *slog.Logger
}

// withDefaults returns l with its zero fields set to their defaults and its
// negative ones set to 0 (no limit).
func (l ConnLimits) withDefaults() ConnLimits {
	l.MaxConnections = pick(l.MaxConnections, DefaultMaxConnections)
	l.IdleTimeout = pick(l.IdleTimeout, DefaultIdleTimeout)
	l.MessageTimeout = pick(l.MessageTimeout, DefaultMessageTimeout)
	l.MaxMessageBytes = pick(l.MaxMessageBytes, DefaultMaxMessageBytes)
	l.MaxUDPSources = pick(l.MaxUDPSources, DefaultMaxUDPSources)
	if l.Logger == nil {
		l.Logger = slog.New(slog.DiscardHandler)
	}
	return l
}

// pick returns def for 0, 0 for a negative v (no limit), v otherwise.
func pick[T int | time.Duration](v, def T) T {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}

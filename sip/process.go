package sip

import (
	"log/slog"
	"math"
	"os"
	"strings"
	"sync"

	gosip "github.com/emiago/sipgo/sip"
)

// Process-wide settings. sipgo keeps a few settings in package variables
// shared by every sipgo stack of the process; this is the one place where
// libvoip sets them. NewUA applies them once, before the first user agent
// is built, and they hold for the life of the process. Code that runs a
// sipgo stack of its own in the same process (tests do) must apply them
// before that stack starts: sipgo reads them unsynchronized.
var processOnce sync.Once

// ApplyProcessSettings applies the process-wide settings now; NewUA does
// it on first use. A program (a test) that runs a sipgo stack of its own,
// or installs a sipgo tracer of its own (which then replaces libvoip's,
// see trace.go), calls it first.
func ApplyProcessSettings() { applyProcessSettings() }

func applyProcessSettings() {
	processOnce.Do(func() {
		// sipgo writes no UDP message over UDPMTUSize-200 bytes. RFC
		// 3261 §18.1.1 moves requests that large to TCP, but nothing
		// limits responses, which echo the request's Via and
		// Record-Route and can pass 1300 bytes (RFC 4475 longreq):
		// unsent, the caller would retransmit until it times out. Let
		// IP fragment them.
		gosip.UDPMTUSize = 65535

		// sipgo reads each UDP datagram into a buffer of
		// TransportBufferReadSize bytes (32 KiB by default: sipgo
		// sip/transport.go:18, read at sip/transport_udp.go:125), so a
		// request between 32 and 64 kB would arrive cut and fail to
		// parse, although sipgo's parser takes messages up to 64 kB
		// (sip.ParseMaxMessageLength). Read the largest UDP payload.
		// Each reader reads the variable when it starts. It also sizes
		// each TCP or TLS connection's read buffer
		// (sip/transport_tcp.go:165): 64 KiB a connection, under
		// ConnLimits.MaxConnections.
		gosip.TransportBufferReadSize = math.MaxUint16

		// A few sipgo paths (connection reference counts) log through
		// its process-wide default logger, not the one each UA
		// injects: a library must not write to the host's stderr
		// unasked, so those lines appear only when VOIP_LOG asks for
		// log output.
		h := slog.DiscardHandler
		if lv, ok, _ := ParseLogEnv(os.Getenv("VOIP_LOG")); ok {
			h = slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lv})
		}
		gosip.SetDefaultLogger(slog.New(h))

		// sipgo's only hook on the bytes it writes is its process-wide
		// tracer, called when SIPDebug is set (sipgo sip/sip.go): ours
		// hands each write to the UA tracing that socket, if any
		// (trace.go), and returns at once when none traces.
		gosip.SIPDebugTracer(&tracing)
		gosip.SIPDebug = true
	})
}

// ParseLogLevel parses a VOIP_LOG value: debug, info, warn (or warning) or
// error, in any case, with an optional offset as slog writes it
// ("DEBUG+2"). It reports false for anything else, "" included.
func ParseLogLevel(s string) (slog.Level, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "warning" {
		s = "warn"
	}
	var lv slog.Level
	if s == "" || lv.UnmarshalText([]byte(s)) != nil {
		return 0, false
	}
	return lv, true
}

// ParseLogEnv parses the VOIP_LOG environment variable: a comma-separated
// list of a level (as ParseLogLevel reads it) and "sip", which traces every
// SIP message. It returns the level (info when only "sip" is given), whether
// any log output was asked for, and whether the trace was. Unknown words
// are ignored.
func ParseLogEnv(s string) (level slog.Level, ok, trace bool) {
	level = slog.LevelInfo
	for _, w := range strings.Split(s, ",") {
		if strings.EqualFold(strings.TrimSpace(w), "sip") {
			trace, ok = true, true
			continue
		}
		if lv, good := ParseLogLevel(w); good {
			level, ok = lv, true
		}
	}
	return level, ok, trace
}

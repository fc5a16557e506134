package voip

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/libvoip/libvoip/sip"
)

// logSink is the slog.Handler behind a phone's logger. Records at or above
// the application's level go to its log function on the dispatcher
// goroutine; VOIP_LOG=debug|info|warn|error also prints them to stderr
// (VOIP_LOG=sip, alone or with a level, also traces every SIP message).
type logSink struct {
	events *dispatcher
	attrs  string // preformatted WithAttrs
	shared *logTarget
}

type logTarget struct {
	mu     sync.Mutex
	min    slog.Level
	fn     func(level slog.Level, msg string)
	stderr slog.Level
	useErr bool
}

func newLogSink(events *dispatcher) *logSink {
	t := &logTarget{min: slog.LevelInfo}
	if lv, ok, _ := sip.ParseLogEnv(os.Getenv("VOIP_LOG")); ok {
		t.stderr, t.useErr = lv, true
	}
	return &logSink{events: events, shared: t}
}

func (h *logSink) set(min slog.Level, fn func(slog.Level, string)) {
	h.shared.mu.Lock()
	h.shared.min, h.shared.fn = min, fn
	h.shared.mu.Unlock()
}

// Enabled reports whether anyone wants records at level l.
func (h *logSink) Enabled(_ context.Context, l slog.Level) bool {
	t := h.shared
	t.mu.Lock()
	defer t.mu.Unlock()
	return (t.fn != nil && l >= t.min) || (t.useErr && l >= t.stderr)
}

// Handle formats the record as "message key=value ..." and delivers it.
func (h *logSink) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	b.WriteString(h.attrs)
	r.Attrs(func(a slog.Attr) bool {
		writeAttr(&b, a)
		return true
	})
	msg := b.String()
	t := h.shared
	t.mu.Lock()
	fn, min, useErr, errLevel := t.fn, t.min, t.useErr, t.stderr
	t.mu.Unlock()
	if useErr && r.Level >= errLevel {
		fmt.Fprintf(os.Stderr, "%s libvoip %s %s\n", time.Now().Format("15:04:05.000"), r.Level, msg)
	}
	if fn != nil && r.Level >= min {
		level := r.Level
		h.events.post(func() { fn(level, msg) })
	}
	return nil
}

func writeAttr(b *strings.Builder, a slog.Attr) {
	if a.Equal(slog.Attr{}) {
		return
	}
	v := a.Value.Resolve()
	if strings.Contains(strings.ToLower(a.Key), "password") {
		v = slog.StringValue("***")
	}
	s := v.String()
	if strings.ContainsAny(s, " \t\r\n\"") {
		s = fmt.Sprintf("%q", s)
	}
	fmt.Fprintf(b, " %s=%s", a.Key, s)
}

// WithAttrs returns a handler that adds attrs to every record.
func (h *logSink) WithAttrs(attrs []slog.Attr) slog.Handler {
	var b strings.Builder
	b.WriteString(h.attrs)
	for _, a := range attrs {
		writeAttr(&b, a)
	}
	return &logSink{events: h.events, attrs: b.String(), shared: h.shared}
}

// WithGroup is accepted and ignored: libvoip's records are flat.
func (h *logSink) WithGroup(string) slog.Handler { return h }

package voip

import (
	"context"
	"log/slog"
	"os"
	"strconv"
	"strings"

	"github.com/libvoip/libvoip/sip"
)

// tracer returns the function that logs each SIP message the phone sends
// or receives when the sip_trace option or VOIP_LOG=sip asks for it, else
// nil. Each message is one info record through the phone's logger (the
// application's log function, VOIP_LOG's stderr): a first line with the
// direction, transport, addresses and size, then the message with its
// secrets masked (sip.MaskSecrets).
func (p *Phone) tracer() func(sip.TraceRecord) {
	_, _, env := sip.ParseLogEnv(os.Getenv("VOIP_LOG"))
	if !p.cfg.SIPTrace && !env {
		return nil
	}
	log := p.log
	return func(r sip.TraceRecord) {
		log.LogAttrs(context.Background(), slog.LevelInfo, formatTrace(r))
	}
}

// formatTrace renders a trace record: "SIP sent UDP 127.0.0.1:5060 ->
// 127.0.0.1:5070 (412 bytes)" or "SIP received UDP 127.0.0.1:5060 <-
// 127.0.0.1:5070 (...)", then the message's lines, without the final
// blank line.
func formatTrace(r sip.TraceRecord) string {
	var b strings.Builder
	dir, arrow := "received", " <- "
	if r.Sent {
		dir, arrow = "sent", " -> "
	}
	b.WriteString("SIP ")
	b.WriteString(dir)
	b.WriteByte(' ')
	b.WriteString(r.Transport)
	b.WriteByte(' ')
	b.WriteString(r.Local)
	b.WriteString(arrow)
	b.WriteString(r.Remote)
	b.WriteString(" (")
	b.WriteString(strconv.Itoa(len(r.Message)))
	b.WriteString(" bytes)\n")
	b.WriteString(strings.TrimRight(strings.ReplaceAll(r.Message, "\r\n", "\n"), "\n"))
	return b.String()
}

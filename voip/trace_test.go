package voip

import (
	"log/slog"
	"regexp"
	"testing"
	"time"
)

// TestSIPTraceOption: with sip_trace=1 the phone's log function gets each
// SIP message it sends and receives, as one info record headed with the
// direction, transport and addresses; a phone without it logs none.
func TestSIPTraceOption(t *testing.T) {
	in := newIncoming()
	bob := testPhone(t, 39700, in.handler(true))
	alice := newTestPhone(t, 39750, map[string]string{"sip_trace": "1"}, Handler{})
	var aliceLog, bobLog logLines
	alice.SetLog(slog.LevelInfo, aliceLog.add)
	bob.SetLog(slog.LevelInfo, bobLog.add)
	if err := alice.Start(); err != nil {
		t.Fatal(err)
	}
	c, err := alice.Call(uriOf(t, bob))
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, c, Answered, 5*time.Second)
	bobPort, _ := bob.Option("sip_port")
	alicePort, _ := alice.Option("sip_port")
	sent := regexp.MustCompile(`^SIP sent UDP 127\.0\.0\.1:` + alicePort + ` -> 127\.0\.0\.1:` + bobPort + ` \(\d+ bytes\)\nINVITE sip:test@127\.0\.0\.1:` + bobPort + ` SIP/2\.0\n`)
	if line := aliceLog.find("\nINVITE sip:"); !sent.MatchString(line) {
		t.Errorf("INVITE trace record %q does not match %s", line, sent)
	}
	got := regexp.MustCompile(`^SIP received UDP 127\.0\.0\.1:` + alicePort + ` <- 127\.0\.0\.1:` + bobPort + ` \(\d+ bytes\)\nSIP/2\.0 200 OK\n(.+\n)+\nv=0`)
	if line := aliceLog.find("\nSIP/2.0 200 OK\n"); !got.MatchString(line) {
		t.Errorf("200 OK trace record %q does not match %s", line, got)
	}
	if v, _ := alice.Option("sip_trace"); v != "1" {
		t.Errorf("sip_trace reads %q", v)
	}
	c.Hangup()
	bobLog.mu.Lock()
	defer bobLog.mu.Unlock()
	for _, l := range bobLog.lines {
		if regexp.MustCompile(`^SIP (sent|received) `).MatchString(l) {
			t.Errorf("bob, not tracing, logged %q", l)
		}
	}
}

// TestSIPTraceEnv: VOIP_LOG=sip traces a phone without the option.
func TestSIPTraceEnv(t *testing.T) {
	t.Setenv("VOIP_LOG", "sip")
	p := newTestPhone(t, 39800, nil, Handler{})
	if p.tracer() == nil {
		t.Fatal("VOIP_LOG=sip: no tracer")
	}
	t.Setenv("VOIP_LOG", "debug")
	if p.tracer() != nil {
		t.Fatal("VOIP_LOG=debug: a tracer")
	}
}

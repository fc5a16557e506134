package sip

import (
	"context"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// traceLog collects a UA's trace records.
type traceLog struct {
	mu   sync.Mutex
	recs []TraceRecord
}

func (l *traceLog) add(r TraceRecord) {
	l.mu.Lock()
	l.recs = append(l.recs, r)
	l.mu.Unlock()
}

// find returns the first record sent (or received) whose message starts
// with prefix.
func (l *traceLog) find(sent bool, prefix string) (TraceRecord, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range l.recs {
		if r.Sent == sent && strings.HasPrefix(r.Message, prefix) {
			return r, true
		}
	}
	return TraceRecord{}, false
}

// TestTraceUDP: a tracing UA sees the MESSAGE it sends and the 200 OK it
// receives, with transport and both addresses; a UA without Trace in the
// same process is not traced, and the other UA's messages do not reach the
// first's trace as sent.
func TestTraceUDP(t *testing.T) {
	var log traceLog
	bob := newTestUA(t, Config{User: "bob"})
	alice := newTestUA(t, Config{User: "alice", Trace: log.add})
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	if _, err := alice.Message(ctx, uriOf(t, "bob", bob.Port()), "", []byte("hello")); err != nil {
		t.Fatal(err)
	}
	sent, ok := log.find(true, "MESSAGE sip:bob@")
	if !ok {
		t.Fatalf("no MESSAGE sent in the trace: %+v", log.recs)
	}
	bobAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(bob.Port()))
	if sent.Transport != "UDP" || sent.Remote != bobAddr || !strings.HasSuffix(sent.Local, ":"+strconv.Itoa(alice.Port())) {
		t.Errorf("sent record %+v, want UDP to %s from port %d", sent, bobAddr, alice.Port())
	}
	got, ok := log.find(false, "SIP/2.0 200")
	if !ok {
		t.Fatalf("no 200 received in the trace: %+v", log.recs)
	}
	if got.Remote != bobAddr || !strings.Contains(got.Message, " MESSAGE\r\nContent-Length") {
		t.Errorf("received record %+v", got)
	}
	if _, ok := log.find(true, "SIP/2.0 200"); ok {
		t.Error("bob's 200 OK traced as sent by alice")
	}
}

// TestTraceTCP: over TCP, the request goes out on a connection the UA
// dialed and is traced as sent with the dialed connection's addresses.
func TestTraceTCP(t *testing.T) {
	bob := tcpUA(t)
	var log traceLog
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	alice, err := NewUA(Config{Transport: "tcp", Listener: ln, Host: "127.0.0.1", User: "alice", Trace: log.add})
	if err != nil {
		t.Fatal(err)
	}
	alice.Serve()
	t.Cleanup(func() { alice.Close() })
	target, err := ParseURI("sip:tcp@" + bob + ";transport=tcp")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	if _, err := alice.Message(ctx, target, "", []byte("hello")); err != nil {
		t.Fatal(err)
	}
	sent, ok := log.find(true, "MESSAGE sip:tcp@")
	if !ok || sent.Transport != "TCP" || sent.Remote != bob {
		t.Fatalf("sent MESSAGE record %+v (found %v), want TCP to %s; all: %+v", sent, ok, bob, log.recs)
	}
	if _, ok := log.find(false, "SIP/2.0 200"); !ok {
		t.Errorf("no 200 received in the trace: %+v", log.recs)
	}
}

func TestMaskSecrets(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"Authorization: Digest username=\"bob\", realm=\"x\", nonce=\"n\", uri=\"sip:x\", response=\"0123456789abcdef\", algorithm=MD5\r\n",
			"Authorization: Digest username=\"bob\", realm=\"x\", nonce=\"n\", uri=\"sip:x\", response=\"***\", algorithm=MD5\r\n"},
		{"proxy-authorization: Digest response=abcdef,nonce=\"n\"\r\n",
			"proxy-authorization: Digest response=\"***\",nonce=\"n\"\r\n"},
		{"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4\r\n",
			"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:***|2^20|1:4\r\n"},
		{"To: <sip:bob:secret@example.com>\r\n", "To: <sip:bob:***@example.com>\r\n"},
		{"Contact: <sip:bob@127.0.0.1:5060;transport=udp>\r\n", "Contact: <sip:bob@127.0.0.1:5060;transport=udp>\r\n"},
		{"Route: <sip:127.0.0.1:5060;lr>, <sip:bob@h>\r\n", "Route: <sip:127.0.0.1:5060;lr>, <sip:bob@h>\r\n"},
		{"Subject: response=\"kept\"\r\n", "Subject: response=\"kept\"\r\n"},
	}
	for _, tt := range tests {
		if got := MaskSecrets(tt.in); got != tt.want {
			t.Errorf("MaskSecrets(%q)\n = %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestParseLogEnv(t *testing.T) {
	tests := []struct {
		in        string
		level     string
		ok, trace bool
	}{
		{"", "INFO", false, false},
		{"debug", "DEBUG", true, false},
		{"sip", "INFO", true, true},
		{"SIP,debug", "DEBUG", true, true},
		{"warn, sip", "WARN", true, true},
		{"verbose", "INFO", false, false},
	}
	for _, tt := range tests {
		level, ok, trace := ParseLogEnv(tt.in)
		if level.String() != tt.level || ok != tt.ok || trace != tt.trace {
			t.Errorf("ParseLogEnv(%q) = %v %v %v, want %s %v %v", tt.in, level, ok, trace, tt.level, tt.ok, tt.trace)
		}
	}
}

// TestTraceMasksDigest: a REGISTER answered 401 is sent again with an
// Authorization header whose digest response the trace masks, while the
// registrar receives the real one.
func TestTraceMasksDigest(t *testing.T) {
	reg := newScriptPeer(t, authScript{code: 401, algs: []string{"MD5"}}.answer)
	var log traceLog
	ua := newTestUA(t, Config{User: testUser, Credentials: testCredentials("", testPassword), Trace: log.add})
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	res, err := ua.NewRegistration(uriOf(t, "", reg.port), 0).Register(ctx, 60)
	if err != nil || res.Code != 200 {
		t.Fatalf("Register: %v %v", res, err)
	}
	reqs := reg.requests("REGISTER")
	cred, ok := checkDigest(reqs[len(reqs)-1], "Authorization", testPassword)
	if !ok {
		t.Fatal("the registrar got no valid digest")
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	var authorized int
	for _, r := range log.recs {
		if strings.Contains(r.Message, cred.Response) {
			t.Errorf("the digest response %s is in the trace:\n%s", cred.Response, r.Message)
		}
		if r.Sent && strings.Contains(r.Message, "\r\nAuthorization: Digest") {
			authorized++
			if !strings.Contains(r.Message, `response="***"`) {
				t.Errorf("Authorization not masked:\n%s", r.Message)
			}
		}
	}
	if authorized != 1 {
		t.Errorf("%d authorized REGISTERs traced, want 1", authorized)
	}
}

package sip

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"
)

// testWait bounds every wait of these tests for something that should
// happen at once on the loopback interface.
const testWait = 5 * time.Second

// newTestUA starts a UA on a UDP socket of 127.0.0.1.
func newTestUA(t *testing.T, cfg Config) *UA {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Conn, cfg.Host = conn, "127.0.0.1"
	ua, err := NewUA(cfg)
	if err != nil {
		conn.Close()
		t.Fatal(err)
	}
	ua.Serve()
	t.Cleanup(func() { ua.Close() })
	return ua
}

// uriOf is the URI of user at ua.
func uriOf(t *testing.T, user string, port int) URI {
	t.Helper()
	s := fmt.Sprintf("sip:%s@127.0.0.1:%d", user, port)
	if user == "" {
		s = fmt.Sprintf("sip:127.0.0.1:%d", port)
	}
	u, err := ParseURI(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// scriptPeer is a registrar, proxy and callee on 127.0.0.1 written with
// sipgo's server API. It records every request and answers each by its
// script (no answer when the script returns nil).
type scriptPeer struct {
	port   int
	script func(p *scriptPeer, req *gosip.Request, n int) *gosip.Response

	mu   sync.Mutex
	reqs []*gosip.Request
}

func newScriptPeer(t *testing.T, script func(p *scriptPeer, req *gosip.Request, n int) *gosip.Response) *scriptPeer {
	t.Helper()
	// The peer's sipgo stack reads the process-wide settings too: set
	// them before it runs, as NewUA would.
	applyProcessSettings()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.DiscardHandler)
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("peer"),
		sipgo.WithUserAgentTransactionLayerOptions(gosip.WithTransactionLayerLogger(quiet)),
		sipgo.WithUserAgentTransportLayerOptions(gosip.WithTransportLayerLogger(quiet)))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	p := &scriptPeer{port: conn.LocalAddr().(*net.UDPAddr).Port, script: script}
	for _, m := range []gosip.RequestMethod{gosip.REGISTER, gosip.INVITE, gosip.ACK, gosip.BYE, gosip.MESSAGE, gosip.CANCEL, gosip.INFO} {
		srv.OnRequest(m, p.serve)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.ServeUDP(conn)
	}()
	t.Cleanup(func() {
		conn.Close()
		ua.Close()
		<-done
	})
	return p
}

func (p *scriptPeer) serve(req *gosip.Request, tx gosip.ServerTransaction) {
	p.mu.Lock()
	n := 0
	for _, r := range p.reqs {
		if r.Method == req.Method {
			n++
		}
	}
	p.reqs = append(p.reqs, req.Clone())
	p.mu.Unlock()
	if req.IsAck() {
		return
	}
	if res := p.script(p, req, n); res != nil {
		_ = tx.Respond(res)
	}
}

// requests returns the requests of method received so far.
func (p *scriptPeer) requests(method gosip.RequestMethod) []*gosip.Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []*gosip.Request
	for _, r := range p.reqs {
		if r.Method == method {
			out = append(out, r)
		}
	}
	return out
}

// waitRequests waits until n requests of method arrived.
func (p *scriptPeer) waitRequests(t *testing.T, method gosip.RequestMethod, n int) []*gosip.Request {
	t.Helper()
	deadline := time.Now().Add(testWait)
	for {
		rs := p.requests(method)
		if len(rs) >= n {
			return rs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d %s requests arrived, want %d", len(rs), method, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// contact is a Contact header naming the peer.
func (p *scriptPeer) contact() gosip.Header {
	return gosip.NewHeader("Contact", fmt.Sprintf("<sip:peer@127.0.0.1:%d>", p.port))
}

// testSDP is the session description the tests exchange; its content does
// not matter to the UA.
var testSDP = []byte("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n")

// callee is a UA whose incoming calls are handled by decide.
type callee struct {
	ua     *UA
	ended  chan string // "bye" or "cancel"
	offers chan []byte
}

func newCallee(t *testing.T, decide func(ic *IncomingCall)) *callee {
	c := &callee{ended: make(chan string, 4), offers: make(chan []byte, 4)}
	c.ua = newTestUA(t, Config{User: "bob", OnInvite: func(ic *IncomingCall) {
		ic.OnEnd(func() { c.ended <- "bye" }, func() { c.ended <- "cancel" })
		c.offers <- ic.Offer()
		decide(ic)
	}})
	return c
}

func (c *callee) waitEnd(t *testing.T, want string) {
	t.Helper()
	select {
	case got := <-c.ended:
		if got != want {
			t.Fatalf("callee saw %s, want %s", got, want)
		}
	case <-time.After(testWait):
		t.Fatalf("callee never saw %s", want)
	}
}

func TestCallAnsweredAndHungUp(t *testing.T) {
	// Bob answers once Alice saw his 180: sipgo hands a provisional
	// response over only if the waiter is ready for it.
	sawRinging := make(chan struct{})
	bob := newCallee(t, func(ic *IncomingCall) {
		_ = ic.Ringing()
		select {
		case <-sawRinging:
		case <-time.After(testWait):
		}
		_ = ic.Answer(testSDP, "")
	})
	alice := newTestUA(t, Config{User: "alice"})
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	oc, err := alice.Invite(ctx, uriOf(t, "bob", bob.ua.Port()), testSDP, "")
	if err != nil {
		t.Fatal(err)
	}
	var provisional []int
	body, err := oc.WaitAnswer(ctx, func(code int, _ string) {
		provisional = append(provisional, code)
		if code == 180 && len(provisional) == 1+indexOf(provisional, 180) {
			close(sawRinging) // the first 180 only
		}
	})
	if err != nil {
		t.Fatalf("WaitAnswer: %v", err)
	}
	if string(body) != string(testSDP) {
		t.Errorf("answer body = %q, want bob's SDP", body)
	}
	if got := fmt.Sprint(provisional); !strings.Contains(got, "180") {
		t.Errorf("provisional responses %s, want a 180", got)
	}
	if offer := <-bob.offers; string(offer) != string(testSDP) {
		t.Errorf("bob got offer %q", offer)
	}
	if err := oc.Ack(ctx); err != nil {
		t.Fatal(err)
	}
	if err := oc.Bye(ctx); err != nil {
		t.Fatalf("Bye: %v", err)
	}
	bob.waitEnd(t, "bye")
}

func TestCallRejected(t *testing.T) {
	bob := newCallee(t, func(ic *IncomingCall) { _ = ic.Reject(486, ReasonPhrase(486)) })
	alice := newTestUA(t, Config{User: "alice"})
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	oc, err := alice.Invite(ctx, uriOf(t, "bob", bob.ua.Port()), testSDP, "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = oc.WaitAnswer(ctx, nil)
	var se *StatusError
	if !errors.As(err, &se) || se.Code != 486 || se.Reason != "Busy Here" {
		t.Fatalf("WaitAnswer error = %v, want *StatusError 486 Busy Here", err)
	}
	if errors.Is(err, ErrCanceled) || errors.Is(err, ErrNoResponse) {
		t.Errorf("a 486 also matches another error: %v", err)
	}
}

func TestCallCanceled(t *testing.T) {
	rang := make(chan struct{})
	bob := newCallee(t, func(ic *IncomingCall) {
		_ = ic.Ringing()
		close(rang)
	})
	alice := newTestUA(t, Config{User: "alice"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	oc, err := alice.Invite(ctx, uriOf(t, "bob", bob.ua.Port()), testSDP, "")
	if err != nil {
		t.Fatal(err)
	}
	ringing := make(chan struct{}, 1)
	go func() {
		<-rang
		select {
		case <-ringing:
		case <-time.After(testWait):
		}
		cancel()
	}()
	_, err = oc.WaitAnswer(ctx, func(code int, _ string) {
		if code == 180 {
			ringing <- struct{}{}
		}
	})
	if !errors.Is(err, ErrCanceled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("WaitAnswer error = %v, want ErrCanceled and context.Canceled", err)
	}
	bob.waitEnd(t, "cancel")
}

// TestCallAbandoned: canceling with ErrAbandoned before any provisional
// response ends the wait at once and sends no CANCEL.
func TestCallAbandoned(t *testing.T) {
	silent := newScriptPeer(t, func(*scriptPeer, *gosip.Request, int) *gosip.Response { return nil })
	alice := newTestUA(t, Config{User: "alice"})
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	oc, err := alice.Invite(ctx, uriOf(t, "nobody", silent.port), testSDP, "")
	if err != nil {
		t.Fatal(err)
	}
	silent.waitRequests(t, gosip.INVITE, 1)
	time.AfterFunc(50*time.Millisecond, func() { cancel(ErrAbandoned) })
	start := time.Now()
	_, err = oc.WaitAnswer(ctx, nil)
	if !errors.Is(err, ErrCanceled) || !errors.Is(err, ErrAbandoned) {
		t.Fatalf("WaitAnswer error = %v, want ErrCanceled and ErrAbandoned", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("abandoning took %v", d)
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(silent.requests(gosip.CANCEL)); n != 0 {
		t.Errorf("%d CANCEL sent for an abandoned INVITE", n)
	}
}

func TestMessageDelivered(t *testing.T) {
	got := make(chan Request, 1)
	bob := newTestUA(t, Config{User: "bob", OnRequest: func(r Request) { got <- r }})
	alice := newTestUA(t, Config{User: "alice"})
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	res, err := alice.Message(ctx, uriOf(t, "bob", bob.Port()), "", []byte("hello"))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("Message: %v %v", res, err)
	}
	select {
	case r := <-got:
		if r.Method != "MESSAGE" || r.ContentType != "text/plain" || string(r.Body) != "hello" ||
			!strings.Contains(r.From, "alice@") {
			t.Errorf("bob got %+v", r)
		}
	case <-time.After(testWait):
		t.Fatal("bob got no MESSAGE")
	}
}

func TestInviteError(t *testing.T) {
	canceled, cancel := context.WithCancelCause(context.Background())
	cause := errors.New("the user hung up")
	cancel(cause)
	timeout := fmt.Errorf("Timer_B timed out. %w", gosip.ErrTransactionTimeout)
	other := errors.New("transport closed")
	res := gosip.NewResponse(603, "Decline")
	tests := []struct {
		name string
		ctx  context.Context
		in   error
		is   []error
		code int
	}{
		{"nil", context.Background(), nil, nil, 0},
		{"final response", context.Background(), &sipgo.ErrDialogResponse{Res: res}, nil, 603},
		{"timer B", context.Background(), timeout, []error{ErrNoResponse, gosip.ErrTransactionTimeout}, 0},
		{"canceled", canceled, context.Canceled, []error{ErrCanceled, cause}, 0},
		{"other", context.Background(), other, []error{other}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := inviteError(tt.ctx, tt.in)
			if (err == nil) != (tt.in == nil) {
				t.Fatalf("inviteError(%v) = %v", tt.in, err)
			}
			for _, want := range tt.is {
				if !errors.Is(err, want) {
					t.Errorf("inviteError(%v) = %v, does not match %v", tt.in, err, want)
				}
			}
			var se *StatusError
			if got := errors.As(err, &se); got != (tt.code != 0) || (got && se.Code != tt.code) {
				t.Errorf("inviteError(%v) = %v, want status %d", tt.in, err, tt.code)
			}
		})
	}
}

func TestParseURI(t *testing.T) {
	tests := []struct {
		in, out, user, host string
		port                int
		bad                 bool
	}{
		{in: "sip:alice@example.com", out: "sip:alice@example.com", user: "alice", host: "example.com"},
		{in: "alice@10.0.0.1:5070", out: "sip:alice@10.0.0.1:5070", user: "alice", host: "10.0.0.1", port: 5070},
		{in: "<sips:bob@example.com;transport=tls>", out: "sips:bob@example.com;transport=tls", user: "bob", host: "example.com"},
		{in: "sip:example.com:5080", out: "sip:example.com:5080", host: "example.com", port: 5080},
		{in: "", bad: true},
		{in: "tel:+15551234", bad: true},
		{in: "sip:alice@", bad: true},
		{in: "sip:alice@host:70000", bad: true},
	}
	for _, tt := range tests {
		u, err := ParseURI(tt.in)
		if tt.bad {
			if err == nil {
				t.Errorf("ParseURI(%q) = %v, want an error", tt.in, u)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseURI(%q): %v", tt.in, err)
			continue
		}
		if u.String() != tt.out || u.User != tt.user || u.Host != tt.host || u.Port != tt.port {
			t.Errorf("ParseURI(%q) = %q (user %q host %q port %d)", tt.in, u, u.User, u.Host, u.Port)
		}
	}
	u, _ := ParseURI("sip:alice@example.com;transport=tcp")
	u.Host, u.Port = "10.1.1.1", 5062
	if got := u.String(); got != "sip:alice@10.1.1.1:5062;transport=tcp" {
		t.Errorf("edited URI = %q", got)
	}
}

func TestReasonPhrase(t *testing.T) {
	for code, want := range map[int]string{
		486: "Busy Here", 603: "Decline", 480: "Temporarily Unavailable",
		499: "Request Failure", 599: "Server Failure", 699: "Global Failure",
	} {
		if got := ReasonPhrase(code); got != want {
			t.Errorf("ReasonPhrase(%d) = %q, want %q", code, got, want)
		}
	}
}

func TestParseLogLevel(t *testing.T) {
	tests := []struct {
		in   string
		want slog.Level
		ok   bool
	}{
		{"debug", slog.LevelDebug, true},
		{"INFO", slog.LevelInfo, true},
		{" warn ", slog.LevelWarn, true},
		{"warning", slog.LevelWarn, true},
		{"error", slog.LevelError, true},
		{"debug+2", slog.LevelDebug + 2, true},
		{"", 0, false},
		{"verbose", 0, false},
	}
	for _, tt := range tests {
		got, ok := ParseLogLevel(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseLogLevel(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func indexOf(s []int, v int) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

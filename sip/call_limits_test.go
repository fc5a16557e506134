package sip

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// rawInvite sends an INVITE with Call-ID callID from c to the UA at port
// and returns the first response other than 100 Trying (nil after 2 s).
func rawInvite(t *testing.T, c *net.UDPConn, port int, callID string) *gosip.Response {
	t.Helper()
	local := c.LocalAddr().(*net.UDPAddr)
	req := fmt.Sprintf("INVITE sip:bob@127.0.0.1:%d SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP %s;rport;branch=z9hG4bK-%s\r\n"+
		"From: <sip:flood@127.0.0.1>;tag=%s\r\nTo: <sip:bob@127.0.0.1>\r\n"+
		"Call-ID: %s\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContact: <sip:flood@%s>\r\n"+
		"Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s",
		port, local, callID, callID, callID, local, len(testSDP), testSDP)
	to := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}
	if _, err := c.WriteToUDP([]byte(req), to); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 65535)
	deadline := time.Now().Add(2 * time.Second)
	for {
		_ = c.SetReadDeadline(deadline)
		n, _, err := c.ReadFromUDP(buf)
		if err != nil {
			return nil
		}
		m, err := gosip.NewParser().ParseSIP(buf[:n])
		if err != nil {
			t.Fatalf("unparsable answer %q: %v", buf[:n], err)
		}
		res, ok := m.(*gosip.Response)
		if !ok || res.CallID().Value() != callID || res.StatusCode == 100 {
			continue
		}
		return res
	}
}

// TestMaxCalls: with MaxCalls 2 and two calls ringing, a third INVITE is
// answered 503 with Retry-After, on the wire, and never reaches OnInvite;
// once a call ended, a new one is accepted again.
func TestMaxCalls(t *testing.T) {
	offered := make(chan *IncomingCall, 8)
	ua := newTestUA(t, Config{User: "bob", MaxCalls: 2, OnInvite: func(ic *IncomingCall) {
		_ = ic.Ringing()
		offered <- ic
	}})
	c := udpClient(t)
	var ringing []*IncomingCall
	for i := 1; i <= 2; i++ {
		if res := rawInvite(t, c, ua.Port(), fmt.Sprintf("max-calls-%d", i)); res == nil || res.StatusCode != 180 {
			t.Fatalf("INVITE %d: got %v, want 180 Ringing", i, res)
		}
		ringing = append(ringing, <-offered)
	}
	res := rawInvite(t, c, ua.Port(), "max-calls-3")
	if res == nil || res.StatusCode != 503 {
		t.Fatalf("third INVITE: got %v, want 503", res)
	}
	if h := res.GetHeader("Retry-After"); h == nil || h.Value() != fmt.Sprint(RetryAfter) {
		t.Errorf("503 carries Retry-After %v, want %d", h, RetryAfter)
	}
	select {
	case ic := <-offered:
		t.Fatalf("the refused INVITE reached OnInvite (%s)", ic.CallID())
	case <-time.After(100 * time.Millisecond):
	}
	if err := ringing[0].Reject(486, "Busy Here"); err != nil {
		t.Fatal(err)
	}
	if res := rawInvite(t, c, ua.Port(), "max-calls-4"); res == nil || res.StatusCode != 180 {
		t.Fatalf("INVITE after a call ended: got %v, want 180 Ringing", res)
	}
}

// TestRingTimeout: an incoming call nobody answers or rejects is answered
// 480 after RingTimeout, OnFail is told RingTimeoutReason, and an Answer
// afterwards is refused.
func TestRingTimeout(t *testing.T) {
	failed := make(chan string, 1)
	offered := make(chan *IncomingCall, 1)
	bob := newTestUA(t, Config{User: "bob", RingTimeout: 300 * time.Millisecond, OnInvite: func(ic *IncomingCall) {
		ic.OnFail(func(reason string) { failed <- reason })
		ic.OnEnd(func() { failed <- "bye" }, func() { failed <- "cancel" })
		_ = ic.Ringing()
		offered <- ic
	}})
	alice := newTestUA(t, Config{User: "alice"})
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	start := time.Now()
	oc, err := alice.Invite(ctx, uriOf(t, "bob", bob.Port()), testSDP, "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = oc.WaitAnswer(ctx, nil)
	var se *StatusError
	if !errors.As(err, &se) || se.Code != 480 {
		t.Fatalf("WaitAnswer error = %v, want *StatusError 480", err)
	}
	if d := time.Since(start); d < 300*time.Millisecond || d > 3*time.Second {
		t.Errorf("480 after %v, want about 300 ms", d)
	}
	select {
	case r := <-failed:
		if r != RingTimeoutReason {
			t.Errorf("the call ended with %q, want %q", r, RingTimeoutReason)
		}
	case <-time.After(testWait):
		t.Fatal("OnFail was not told")
	}
	if err := (<-offered).Answer(testSDP, ""); err == nil {
		t.Error("Answer after the ring timeout succeeded")
	}
}

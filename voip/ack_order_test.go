package voip

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// TestRequestBeforeInitialAck: the caller's INFO overtakes the ACK of our
// 200 OK (RFC 3261 §13.2.2.4 has the ACK sent first; another goroutine, or
// the network, may still reorder them). The INFO is served, the ACK still
// confirms the call (no more 200 retransmissions), and our own in-dialog
// requests (a digit by INFO) go out at once.
func TestRequestBeforeInitialAck(t *testing.T) {
	in := newIncoming()
	p := testPhoneWith(t, 48500, map[string]string{"dtmf_mode": "info"}, in.handler(true))
	media := listenUDP(t)
	sport, err := p.Option("sip_port")
	if err != nil {
		t.Fatal(err)
	}
	r := &rawPeer{t: t, sig: listenUDP(t), callID: fmt.Sprintf("ackorder-%d@127.0.0.1", time.Now().UnixNano())}
	if r.phone, err = net.ResolveUDPAddr("udp4", "127.0.0.1:"+sport); err != nil {
		t.Fatal(err)
	}
	ok := r.send("INVITE", peerSDP(1, udpPort(media), "0", "sendrecv"), true)
	if ok == nil || ok.StatusCode != 200 {
		t.Fatalf("INVITE: %v", ok)
	}
	r.toTag, _ = ok.To().Params.Get("tag")
	c := in.next(t)

	r.cseq++
	me := udpPort(r.sig)
	body := "Signal=5\r\nDuration=100\r\n"
	r.write(fmt.Sprintf("INFO sip:test@127.0.0.1:%d SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-ackorder-%d;rport\r\n"+
		"Max-Forwards: 70\r\nFrom: <sip:peer@127.0.0.1>;tag=rawpeer\r\nTo: <sip:test@127.0.0.1>;tag=%s\r\nCall-ID: %s\r\nCSeq: %d INFO\r\n"+
		"Contact: <sip:peer@127.0.0.1:%d>\r\nContent-Type: application/dtmf-relay\r\nContent-Length: %d\r\n\r\n%s",
		r.phone.Port, me, time.Now().UnixNano(), r.toTag, r.callID, r.cseq, me, len(body), body))
	time.Sleep(100 * time.Millisecond) // the INFO is read first
	r.ack(ok, "")
	if res := readFinal(t, r.sig, "INFO"); res == nil || res.StatusCode != 200 {
		t.Fatalf("INFO sent before the ACK: %v, want 200", res)
	}
	if got := collectDigits(c, "5"); got != "5" {
		t.Errorf("digit by INFO before the ACK: got %q", got)
	}
	// A 200 retransmitted after the ACK (T1 = 500 ms, then 1 s, 2 s...)
	// would mean the ACK was refused.
	if res := ackOrderFinal(r.sig, "INVITE", 2500*time.Millisecond); res != nil {
		t.Errorf("200 OK still retransmitted after the ACK: %d", res.StatusCode)
	}
	if err := c.SendDTMF("7", 0); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	req := r.readRequest("INFO")
	if time.Since(start) > 2*time.Second {
		t.Errorf("our INFO took %v: it waited for an ACK taken as refused", time.Since(start))
	}
	if b := string(req.Body()); !strings.HasPrefix(b, "Signal=7") {
		t.Errorf("our INFO body %q", b)
	}
}

// ackOrderFinal is the next final response to method that c reads within
// d, nil when none comes.
func ackOrderFinal(c *net.UDPConn, method string, d time.Duration) *gosip.Response {
	buf := make([]byte, 65535)
	deadline := time.Now().Add(d)
	for {
		_ = c.SetReadDeadline(deadline)
		n, _, err := c.ReadFromUDP(buf)
		if err != nil {
			return nil
		}
		m, err := gosip.NewParser().ParseSIP(buf[:n])
		if res, ok := m.(*gosip.Response); err == nil && ok && res.StatusCode >= 200 &&
			res.CSeq() != nil && string(res.CSeq().MethodName) == method {
			return res
		}
	}
}

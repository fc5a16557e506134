package voip

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	gosip "github.com/emiago/sipgo/sip"
	"github.com/libvoip/libvoip/sip"
)

// rawPeer is a scripted SIP peer on raw UDP that calls a phone, then
// sends and answers in-dialog requests exactly as a test needs.
type rawPeer struct {
	t      *testing.T
	sig    *net.UDPConn
	phone  *net.UDPAddr
	toTag  string
	cseq   int
	callID string
	hdrs   string // extra header lines (each ending CRLF) of its requests
}

func listenUDP(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func udpPort(c *net.UDPConn) int { return c.LocalAddr().(*net.UDPAddr).Port }

// peerSDP is the peer's description: version, media port, payload types
// and direction.
func peerSDP(version, port int, pts, dir string) string {
	s := fmt.Sprintf("v=0\r\no=- 7 %d IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio %d RTP/AVP %s\r\n", version, port, pts)
	for _, pt := range strings.Fields(pts) {
		s += map[string]string{"0": "a=rtpmap:0 PCMU/8000\r\n", "8": "a=rtpmap:8 PCMA/8000\r\n"}[pt]
	}
	return s + "a=" + dir + "\r\n"
}

// dialRaw has a raw peer call p (which answers) with media at port.
func dialRaw(t *testing.T, p *Phone, in *incoming, port int) (*rawPeer, *Call) {
	t.Helper()
	sport, err := p.Option("sip_port")
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := net.ResolveUDPAddr("udp4", "127.0.0.1:"+sport)
	r := &rawPeer{t: t, sig: listenUDP(t), phone: addr, callID: fmt.Sprintf("raw-%d@127.0.0.1", time.Now().UnixNano())}
	res := r.send("INVITE", peerSDP(1, port, "0 8", "sendrecv"), true)
	if res == nil || res.StatusCode != 200 {
		t.Fatalf("INVITE: %v", res)
	}
	r.toTag, _ = res.To().Params.Get("tag")
	r.ack(res, "")
	c := in.next(t)
	waitState(t, c, Answered, 5*time.Second)
	return r, c
}

// send sends a request with body (SDP, "" for none) and returns its final
// response.
func (r *rawPeer) send(method, body string, wait bool) *gosip.Response {
	r.t.Helper()
	r.cseq++
	to := "<sip:test@127.0.0.1>"
	if r.toTag != "" {
		to += ";tag=" + r.toTag
	}
	ct := ""
	if body != "" {
		ct = "Content-Type: application/sdp\r\n"
	}
	me := udpPort(r.sig)
	msg := fmt.Sprintf("%s sip:test@127.0.0.1:%d SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-raw-%d-%d;rport\r\n"+
		"Max-Forwards: 70\r\nFrom: <sip:peer@127.0.0.1>;tag=rawpeer\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %d %s\r\n"+
		"Contact: <sip:peer@127.0.0.1:%d>\r\n%s%sContent-Length: %d\r\n\r\n%s",
		method, r.phone.Port, me, r.cseq, time.Now().UnixNano(), to, r.callID, r.cseq, method, me, r.hdrs, ct, len(body), body)
	r.write(msg)
	if !wait {
		return nil
	}
	// A retransmission of the 200 to an earlier request (its ACK still on
	// its way) is not this request's answer.
	for {
		res := readFinal(r.t, r.sig, method)
		if res == nil || int(res.CSeq().SeqNo) == r.cseq {
			return res
		}
	}
}

func (r *rawPeer) write(msg string) {
	r.t.Helper()
	if _, err := r.sig.WriteToUDP([]byte(msg), r.phone); err != nil {
		r.t.Fatal(err)
	}
}

// ack acknowledges res (a 2xx to our INVITE) with body as the answer.
func (r *rawPeer) ack(res *gosip.Response, body string) {
	r.t.Helper()
	ct := ""
	if body != "" {
		ct = "Content-Type: application/sdp\r\n"
	}
	me := udpPort(r.sig)
	r.write(fmt.Sprintf("ACK sip:test@127.0.0.1:%d SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-rawack-%d;rport\r\n"+
		"Max-Forwards: 70\r\nFrom: <sip:peer@127.0.0.1>;tag=rawpeer\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %d ACK\r\n%sContent-Length: %d\r\n\r\n%s",
		r.phone.Port, me, time.Now().UnixNano(), res.To().Value(), r.callID, res.CSeq().SeqNo, ct, len(body), body))
}

// readRequest waits up to 5 s for a request of method from the phone.
func (r *rawPeer) readRequest(method string) *gosip.Request {
	r.t.Helper()
	buf := make([]byte, 65535)
	_ = r.sig.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		n, _, err := r.sig.ReadFromUDP(buf)
		if err != nil {
			r.t.Fatalf("no %s from the phone: %v", method, err)
		}
		m, err := gosip.NewParser().ParseSIP(buf[:n])
		if req, ok := m.(*gosip.Request); err == nil && ok && string(req.Method) == method {
			return req
		}
	}
}

// respond answers the phone's request with code and body.
func (r *rawPeer) respond(req *gosip.Request, code int, body string) {
	r.t.Helper()
	var res *gosip.Response
	if body != "" {
		res = gosip.NewSDPResponseFromRequest(req, []byte(body))
	} else {
		res = gosip.NewResponseFromRequest(req, code, sip.ReasonPhrase(code), nil)
	}
	res.StatusCode, res.Reason = code, sip.ReasonPhrase(code)
	if res.To() != nil && !res.To().Params.Has("tag") {
		res.To().Params.Add("tag", "rawpeer")
	}
	res.AppendHeader(gosip.NewHeader("Contact", fmt.Sprintf("<sip:peer@127.0.0.1:%d>", udpPort(r.sig))))
	r.write(res.String())
}

// rtpAt reads RTP at c for d and returns the packets and the last payload
// type.
func rtpAt(c *net.UDPConn, d time.Duration) (n int, pt byte) {
	buf := make([]byte, 2048)
	_ = c.SetReadDeadline(time.Now().Add(d))
	for {
		m, _, err := c.ReadFromUDP(buf)
		if err != nil {
			return n, pt
		}
		if m >= 12 {
			n, pt = n+1, buf[1]&0x7f
		}
	}
}

// drainUDP discards the datagrams c holds (reading for 10 ms: a deadline
// already past would make Go return before reading anything).
func drainUDP(c *net.UDPConn) {
	buf := make([]byte, 2048)
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
	for {
		if _, _, err := c.ReadFromUDP(buf); err != nil {
			return
		}
	}
}

func sdpVersion(t *testing.T, sdp string) string {
	t.Helper()
	for _, l := range strings.Split(sdp, "\r\n") {
		if strings.HasPrefix(l, "o=") {
			if f := strings.Fields(l); len(f) > 2 {
				return f[2]
			}
		}
	}
	t.Fatalf("no o= line in %q", sdp)
	return ""
}

// TestReinviteFromRawPeer: a peer's re-INVITE moves the media to a new port
// with another codec; the same offer again keeps our SDP version; a
// re-INVITE without SDP gets our offer and the ACK's answer (sendonly: the
// peer holds us) is applied; an UPDATE resumes.
func TestReinviteFromRawPeer(t *testing.T) {
	in := newIncoming()
	var log eventLog
	h := in.handler(true)
	h.CallEvent = log.add
	p := testPhoneWith(t, 44400, map[string]string{"codecs": "PCMU,PCMA"}, h)
	media := listenUDP(t)
	r, c := dialRaw(t, p, in, udpPort(media))
	if n, pt := rtpAt(media, 300*time.Millisecond); n < 5 || pt != 0 {
		t.Fatalf("before: %d packets, pt %d at the first port", n, pt)
	}

	moved := listenUDP(t)
	res := r.send("INVITE", peerSDP(2, udpPort(moved), "8", "sendrecv"), true)
	if res == nil || res.StatusCode != 200 {
		t.Fatalf("re-INVITE: %v", res)
	}
	// The stream moved before the 200 was sent: what the old port holds
	// now was sent before (a loaded machine leaves some unread), and
	// anything arriving there from here on is a packet sent after it.
	drainUDP(media)
	r.ack(res, "")
	v1 := sdpVersion(t, string(res.Body()))
	if n, pt := rtpAt(moved, 300*time.Millisecond); n < 5 || pt != 8 {
		t.Fatalf("after the move: %d packets, pt %d at the new port, want PCMA (8)", n, pt)
	}
	if n, _ := rtpAt(media, 100*time.Millisecond); n != 0 {
		t.Errorf("%d packets still at the old port", n)
	}
	wantInfo(t, c, "codec", "PCMA")
	log.take(t, c, fmt.Sprintf("media_changed 127.0.0.1:%d PCMA", udpPort(moved)))
	wantInfo(t, c, "remote_rtp", fmt.Sprintf("127.0.0.1:%d", udpPort(moved)))

	res = r.send("INVITE", peerSDP(2, udpPort(moved), "8", "sendrecv"), true)
	r.ack(res, "")
	if v := sdpVersion(t, string(res.Body())); v != v1 {
		t.Errorf("unchanged answer has version %s, want %s kept", v, v1)
	}

	// Late offer: our offer in the 200, the answer in the ACK.
	res = r.send("INVITE", "", true)
	if res == nil || res.StatusCode != 200 || !strings.Contains(string(res.Body()), "m=audio") {
		t.Fatalf("re-INVITE without SDP: %v", res)
	}
	if v := sdpVersion(t, string(res.Body())); v == v1 {
		t.Errorf("our offer (a changed SDP) kept version %s", v)
	}
	r.ack(res, peerSDP(3, udpPort(moved), "8", "sendonly"))
	waitInfo(t, c, "hold", "remote")
	log.take(t, c, "hold remote")
	_, _ = rtpAt(moved, 60*time.Millisecond)
	if n, _ := rtpAt(moved, 300*time.Millisecond); n != 0 {
		t.Errorf("%d packets sent to a peer that holds us (sendonly)", n)
	}

	res = r.send("UPDATE", peerSDP(4, udpPort(media), "0 8", "sendrecv"), true)
	if res == nil || res.StatusCode != 200 {
		t.Fatalf("UPDATE: %v", res)
	}
	wantInfo(t, c, "hold", "none")
	log.take(t, c, fmt.Sprintf("media_changed 127.0.0.1:%d PCMU", udpPort(media)), "resume remote")
	if n, pt := rtpAt(media, 300*time.Millisecond); n < 5 || pt != 0 {
		t.Fatalf("after the UPDATE: %d packets, pt %d, want PCMU back at the first port", n, pt)
	}
}

func waitInfo(t *testing.T, c *Call, key, want string) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		got, _ := c.Info(key)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Info(%q) = %q, want %q", key, got, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestHoldGlareAndRefusal: the peer's re-INVITE crossing our hold gets 491;
// our hold answered 491 is retried after 0 to 2 s (the callee does not own
// the Call-ID); a hold refused with 488 leaves the call up and unheld.
func TestHoldGlareAndRefusal(t *testing.T) {
	in := newIncoming()
	p := testPhone(t, 44500, in.handler(true))
	media := listenUDP(t)
	r, c := dialRaw(t, p, in, udpPort(media))

	done := make(chan error, 1)
	go func() { done <- c.Hold() }()
	ours := r.readRequest("INVITE")
	if !strings.Contains(string(ours.Body()), "a=sendonly") {
		t.Errorf("hold offer is not sendonly:\n%s", ours.Body())
	}
	if res := r.send("INVITE", peerSDP(2, udpPort(media), "0", "sendonly"), true); res == nil || res.StatusCode != 491 {
		t.Fatalf("crossing re-INVITE: %v, want 491", res)
	}
	r.respond(ours, 491, "")
	t0 := time.Now()
	retry := r.readRequest("INVITE")
	if d := time.Since(t0); d > 2200*time.Millisecond {
		t.Errorf("retry after %v, want 0 to 2 s", d)
	}
	if retry.CSeq().SeqNo <= ours.CSeq().SeqNo {
		t.Errorf("retry CSeq %d not above %d", retry.CSeq().SeqNo, ours.CSeq().SeqNo)
	}
	r.respond(retry, 200, peerSDP(2, udpPort(media), "0", "recvonly"))
	r.readRequest("ACK")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	wantInfo(t, c, "hold", "local")
	_, _ = rtpAt(media, 60*time.Millisecond)
	if n, _ := rtpAt(media, 300*time.Millisecond); n != 0 {
		t.Errorf("%d packets sent on hold", n)
	}

	go func() { done <- c.Resume() }()
	r.respond(r.readRequest("INVITE"), 488, "")
	if err := <-done; !errors.Is(err, ErrRejected) || !strings.Contains(err.Error(), "488") {
		t.Fatalf("refused resume: %v, want ErrRejected with 488", err)
	}
	if c.State() != Answered {
		t.Fatalf("call %s after a refused re-INVITE", c.State())
	}
	wantInfo(t, c, "hold", "local")
}

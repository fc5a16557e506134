package sip

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libvoip/libvoip/internal/siptimers"

	gosip "github.com/emiago/sipgo/sip"
)

// rawPeer is a SIP peer on UDP 127.0.0.1 that writes and reads messages
// as text, so a test can do what no well-behaved stack does: leave an ACK
// out, retransmit a 2xx, move its Contact.
type rawPeer struct {
	t    *testing.T
	conn *net.UDPConn
	to   *net.UDPAddr // the UA under test
	port int
	tag  string
	cid  string
	cseq int
	// msgs gets every message the peer's socket reads.
	msgs chan gosip.Message
}

func newRawPeer(t *testing.T, ua *UA) *rawPeer {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	p := &rawPeer{t: t, conn: conn, to: ua.cfg.Conn.LocalAddr().(*net.UDPAddr),
		port: conn.LocalAddr().(*net.UDPAddr).Port, tag: "peertag", cid: fmt.Sprintf("dlg-%d@test", time.Now().UnixNano()),
		msgs: make(chan gosip.Message, 64)}
	go p.readLoop(conn)
	return p
}

// newSocket is another socket of the peer (a Contact to move to); what
// it reads goes to the returned channel.
func (p *rawPeer) newSocket() (*net.UDPConn, chan gosip.Message) {
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		p.t.Fatal(err)
	}
	p.t.Cleanup(func() { conn.Close() })
	q := &rawPeer{msgs: make(chan gosip.Message, 64)}
	go q.readLoop(conn)
	return conn, q.msgs
}

func (p *rawPeer) readLoop(conn *net.UDPConn) {
	parser := gosip.NewParser()
	buf := make([]byte, 65535)
	for {
		n, _, err := conn.ReadFromUDP(buf)
		if err != nil {
			return
		}
		if m, err := parser.ParseSIP(append([]byte(nil), buf[:n]...)); err == nil {
			p.msgs <- m
		}
	}
}

// write sends text (lines joined with CRLF, Content-Length added) from conn.
func (p *rawPeer) write(conn *net.UDPConn, head string, body string) {
	p.t.Helper()
	msg := strings.ReplaceAll(strings.TrimSpace(head), "\n", "\r\n") +
		fmt.Sprintf("\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	if _, err := conn.WriteToUDP([]byte(msg), p.to); err != nil {
		p.t.Fatal(err)
	}
}

// request sends a request of method in the peer's dialog (from its own
// tag, CSeq counted), with Contact at contactPort.
func (p *rawPeer) request(method string, toTag string, contactPort int, body string) {
	p.t.Helper()
	p.cseq++
	ct := ""
	if body != "" {
		ct = "\nContent-Type: application/sdp"
	}
	to := fmt.Sprintf("<sip:bob@127.0.0.1:%d>", p.to.Port)
	if toTag != "" {
		to += ";tag=" + toTag
	}
	p.write(p.conn, fmt.Sprintf(`%[1]s sip:bob@127.0.0.1:%[2]d SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:%[3]d;branch=z9hG4bK-%[4]s-%[5]d;rport
From: <sip:peer@127.0.0.1:%[3]d>;tag=%[6]s
To: %[7]s
Call-ID: %[4]s
CSeq: %[5]d %[1]s
Contact: <sip:peer@127.0.0.1:%[8]d>
Max-Forwards: 70%[9]s`, method, p.to.Port, p.port, p.cid, p.cseq, p.tag, to, contactPort, ct), body)
}

// ack sends the ACK of the request with CSeq cseq.
func (p *rawPeer) ack(toTag string, cseq int, body string) {
	p.t.Helper()
	ct := ""
	if body != "" {
		ct = "\nContent-Type: application/sdp"
	}
	p.write(p.conn, fmt.Sprintf(`ACK sip:bob@127.0.0.1:%[1]d SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:%[2]d;branch=z9hG4bK-ack-%[3]s-%[4]d
From: <sip:peer@127.0.0.1:%[2]d>;tag=%[5]s
To: <sip:bob@127.0.0.1:%[1]d>;tag=%[6]s
Call-ID: %[3]s
CSeq: %[4]d ACK
Max-Forwards: 70%[7]s`, p.to.Port, p.port, p.cid, cseq, p.tag, toTag, ct), body)
}

// respond answers req (read from the UA) with code from conn, with
// Contact at contactPort and body as SDP.
func (p *rawPeer) respond(conn *net.UDPConn, req *gosip.Request, code int, contactPort int, body string) {
	p.t.Helper()
	res := gosip.NewResponseFromRequest(req, code, "X", nil)
	if to := res.To(); !to.Params.Has("tag") {
		to.Params.Add("tag", p.tag)
	}
	res.AppendHeader(&gosip.ContactHeader{Address: gosip.Uri{Scheme: "sip", User: "peer", Host: "127.0.0.1", Port: contactPort}})
	if body != "" {
		res.AppendHeader(gosip.NewHeader("Content-Type", "application/sdp"))
	}
	res.SetBody([]byte(body))
	if _, err := conn.WriteToUDP([]byte(res.String()), p.to); err != nil {
		p.t.Fatal(err)
	}
}

// next returns the next message from ch that match accepts, skipping
// others (retransmissions, provisional responses); fatal after testWait.
func next(t *testing.T, ch chan gosip.Message, what string, match func(gosip.Message) bool) gosip.Message {
	t.Helper()
	deadline := time.After(testWait)
	for {
		select {
		case m := <-ch:
			if match(m) {
				return m
			}
		case <-deadline:
			t.Fatalf("no %s arrived", what)
		}
	}
}

// none fails when a message match accepts arrives on ch within d.
func none(t *testing.T, ch chan gosip.Message, d time.Duration, what string, match func(gosip.Message) bool) {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case m := <-ch:
			if match(m) {
				t.Fatalf("unexpected %s:\n%s", what, m)
			}
		case <-deadline:
			return
		}
	}
}

func isRequest(method gosip.RequestMethod) func(gosip.Message) bool {
	return func(m gosip.Message) bool { r, ok := m.(*gosip.Request); return ok && r.Method == method }
}

func isResponse(code int, method gosip.RequestMethod) func(gosip.Message) bool {
	return func(m gosip.Message) bool {
		r, ok := m.(*gosip.Response)
		return ok && r.StatusCode == code && r.CSeq().MethodName == method
	}
}

// dialogCall is an incoming call from a rawPeer to a UA, answered and
// acknowledged.
type dialogCall struct {
	ua    *UA
	peer  *rawPeer
	ic    *IncomingCall
	toTag string
	ended chan string
}

// testSession answers every offer with testSDP and records answers to
// our late offers.
func testSession(answered chan<- []byte) Session {
	return Session{
		Answer: func([]byte) ([]byte, error) { return testSDP, nil },
		Offer:  func() []byte { return testSDP },
		Answered: func(a []byte) error {
			answered <- a
			return nil
		},
	}
}

func newDialogCall(t *testing.T, s Session) *dialogCall {
	t.Helper()
	c := &dialogCall{ended: make(chan string, 4)}
	calls := make(chan *IncomingCall, 1)
	c.ua = newTestUA(t, Config{User: "bob", OnInvite: func(ic *IncomingCall) {
		ic.OnFail(func(r string) { c.ended <- "fail:" + r })
		ic.OnEnd(func() { c.ended <- "bye" }, func() { c.ended <- "cancel" })
		ic.Dialog().SetSession(s)
		_ = ic.Answer(testSDP, "")
		calls <- ic
	}})
	c.peer = newRawPeer(t, c.ua)
	c.peer.request("INVITE", "", c.peer.port, string(testSDP))
	ok := next(t, c.peer.msgs, "200 to the INVITE", isResponse(200, gosip.INVITE)).(*gosip.Response)
	c.toTag, _ = ok.To().Params.Get("tag")
	c.peer.ack(c.toTag, 1, "")
	select {
	case c.ic = <-calls:
	case <-time.After(testWait):
		t.Fatal("the call was not offered")
	}
	select {
	case <-c.ic.settled:
	case <-time.After(testWait):
		t.Fatal("the INVITE's ACK was not taken")
	}
	return c
}

// TestDialogTargetRefresh: the Contact of a peer's re-INVITE becomes the
// target of our next request (a re-INVITE, RFC 3261 §12.2.2), and the
// Contact of the 2xx to that re-INVITE the target of its ACK and of the
// BYE (§12.2.1.2).
func TestDialogTargetRefresh(t *testing.T) {
	c := newDialogCall(t, testSession(make(chan []byte, 1)))
	conn2, msgs2 := c.peer.newSocket()
	port2 := conn2.LocalAddr().(*net.UDPAddr).Port
	conn3, msgs3 := c.peer.newSocket()
	port3 := conn3.LocalAddr().(*net.UDPAddr).Port

	c.peer.request("INVITE", c.toTag, port2, string(testSDP))
	next(t, c.peer.msgs, "200 to the re-INVITE", isResponse(200, gosip.INVITE))
	c.peer.ack(c.toTag, c.peer.cseq, "")
	time.Sleep(100 * time.Millisecond) // the ACK settles the exchange

	done := make(chan error, 1)
	go func() {
		_, err := c.ic.Dialog().Reinvite(context.Background(), func() []byte { return testSDP })
		done <- err
	}()
	reinv := next(t, msgs2, "our re-INVITE at the refreshed Contact", isRequest(gosip.INVITE)).(*gosip.Request)
	if reinv.Recipient.Port != port2 {
		t.Fatalf("re-INVITE's Request-URI %s, want port %d", reinv.Recipient.String(), port2)
	}
	c.peer.respond(conn2, reinv, 200, port3, string(testSDP))
	ack := next(t, msgs3, "the ACK at the 2xx's Contact", isRequest(gosip.ACK)).(*gosip.Request)
	if ack.Recipient.Port != port3 {
		t.Fatalf("ACK's Request-URI %s, want port %d", ack.Recipient.String(), port3)
	}
	if err := <-done; err != nil {
		t.Fatalf("Reinvite: %v", err)
	}
	go func() { _ = c.ic.Bye(context.Background()) }()
	bye := next(t, msgs3, "the BYE at the 2xx's Contact", isRequest(gosip.BYE)).(*gosip.Request)
	c.peer.respond(conn3, bye, 200, port3, "")
	none(t, c.peer.msgs, 200*time.Millisecond, "request at the first Contact", isRequest(gosip.BYE))
}

// TestDialogAckResent: a 2xx to our re-INVITE that comes again after our
// ACK (the ACK was lost) is acknowledged again with the same ACK (RFC
// 3261 §13.2.2.4); a 2xx of another CSeq is not.
func TestDialogAckResent(t *testing.T) {
	c := newDialogCall(t, testSession(make(chan []byte, 1)))
	done := make(chan error, 1)
	go func() {
		_, err := c.ic.Dialog().Reinvite(context.Background(), func() []byte { return testSDP })
		done <- err
	}()
	reinv := next(t, c.peer.msgs, "our re-INVITE", isRequest(gosip.INVITE)).(*gosip.Request)
	c.peer.respond(c.peer.conn, reinv, 200, c.peer.port, string(testSDP))
	first := next(t, c.peer.msgs, "the ACK", isRequest(gosip.ACK)).(*gosip.Request)
	if err := <-done; err != nil {
		t.Fatalf("Reinvite: %v", err)
	}
	time.Sleep(100 * time.Millisecond) // the transaction is gone
	for i := 0; i < 2; i++ {
		c.peer.respond(c.peer.conn, reinv, 200, c.peer.port, string(testSDP))
		again := next(t, c.peer.msgs, fmt.Sprintf("ACK of retransmission %d", i+1), isRequest(gosip.ACK)).(*gosip.Request)
		if again.CSeq().SeqNo != first.CSeq().SeqNo || again.Via().Params.String() != first.Via().Params.String() {
			t.Fatalf("ACK resent as\n%s\nwant the first one\n%s", again, first)
		}
	}
	other := reinv.Clone()
	other.CSeq().SeqNo += 5
	c.peer.respond(c.peer.conn, other, 200, c.peer.port, string(testSDP))
	none(t, c.peer.msgs, 300*time.Millisecond, "ACK for a 2xx of no re-INVITE of ours", isRequest(gosip.ACK))
}

// TestDialogGlare: the peer's re-INVITE or UPDATE while our re-INVITE
// awaits its answer is answered 491 (RFC 3261 §14.1, RFC 3311 §5.2), and
// our re-INVITE answered 491 is sent again after the glare delay.
func TestDialogGlare(t *testing.T) {
	c := newDialogCall(t, testSession(make(chan []byte, 1)))
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		_, err := c.ic.Dialog().Reinvite(context.Background(), func() []byte { return testSDP })
		done <- err
	}()
	reinv := next(t, c.peer.msgs, "our re-INVITE", isRequest(gosip.INVITE)).(*gosip.Request)
	for _, m := range []string{"INVITE", "UPDATE"} {
		c.peer.request(m, c.toTag, c.peer.port, string(testSDP))
		next(t, c.peer.msgs, "491 to the peer's "+m, isResponse(491, gosip.RequestMethod(m)))
	}
	c.peer.ack(c.toTag, c.peer.cseq-1, "") // the ACK of the refused re-INVITE
	c.peer.respond(c.peer.conn, reinv, 491, c.peer.port, "")
	again := next(t, c.peer.msgs, "our re-INVITE again", func(m gosip.Message) bool {
		r, ok := m.(*gosip.Request)
		return ok && r.Method == gosip.INVITE && r.CSeq().SeqNo > reinv.CSeq().SeqNo
	}).(*gosip.Request)
	// We did not send the INVITE that set the dialog up: 0 to 2 s.
	if d := time.Since(start); d > 2500*time.Millisecond {
		t.Fatalf("re-sent after %v, want at most 2 s", d)
	}
	c.peer.respond(c.peer.conn, again, 200, c.peer.port, string(testSDP))
	if err := <-done; err != nil {
		t.Fatalf("Reinvite after glare: %v", err)
	}
}

// TestDialogLateOfferAck: a re-INVITE without SDP gets our offer in the
// 200; an ACK of another CSeq is not its answer, the matching one is; a
// request sent after that ACK waits for it (awaitSettled) instead of
// meeting 500.
func TestDialogLateOfferAck(t *testing.T) {
	answered := make(chan []byte, 2)
	c := newDialogCall(t, testSession(answered))
	c.peer.request("INVITE", c.toTag, c.peer.port, "")
	ok := next(t, c.peer.msgs, "200 with our offer", isResponse(200, gosip.INVITE)).(*gosip.Response)
	if len(ok.Body()) == 0 {
		t.Fatal("the 200 to a re-INVITE without SDP carries no offer")
	}
	c.peer.ack(c.toTag, c.peer.cseq-1, "v=0 wrong ACK")
	select {
	case a := <-answered:
		t.Fatalf("an ACK of another CSeq was taken as the answer: %q", a)
	case <-time.After(200 * time.Millisecond):
	}
	// The UPDATE is written before the ACK arrives, as if the ACK were
	// still on its way: it waits for that ACK, then is answered 200.
	reinvCSeq := c.peer.cseq
	c.peer.request("UPDATE", c.toTag, c.peer.port, string(testSDP))
	time.Sleep(100 * time.Millisecond)
	c.peer.ack(c.toTag, reinvCSeq, string(testSDP))
	select {
	case a := <-answered:
		if string(a) != string(testSDP) {
			t.Fatalf("answer taken from the ACK %q", a)
		}
	case <-time.After(testWait):
		t.Fatal("the matching ACK's answer was not applied")
	}
	next(t, c.peer.msgs, "200 to the UPDATE sent after the ACK", isResponse(200, gosip.UPDATE))
}

// TestDialogReinviteNoAck: our 200 to the peer's re-INVITE, never
// acknowledged, is retransmitted for 64·T1; then the call ends with
// reason "no ACK" and our BYE (RFC 3261 §13.3.1.4).
func TestDialogReinviteNoAck(t *testing.T) {
	if !siptimers.In(t, "TestDialogReinviteNoAck", "") {
		return
	}
	c := newDialogCall(t, testSession(make(chan []byte, 1)))
	start := time.Now()
	c.peer.request("INVITE", c.toTag, c.peer.port, string(testSDP))
	var mu sync.Mutex
	oks := 0
	bye := next(t, c.peer.msgs, "our BYE", func(m gosip.Message) bool {
		if isResponse(200, gosip.INVITE)(m) {
			mu.Lock()
			oks++
			mu.Unlock()
		}
		return isRequest(gosip.BYE)(m)
	}).(*gosip.Request)
	if d := time.Since(start); d < 64*gosip.T1-200*time.Millisecond {
		t.Fatalf("BYE after %v, want after 64·T1 (%v)", d, 64*gosip.T1)
	}
	if oks < 3 {
		t.Fatalf("the 200 was sent %d times, want retransmissions", oks)
	}
	select {
	case r := <-c.ended:
		if r != "fail:no ACK" {
			t.Fatalf("call ended as %q, want fail:no ACK", r)
		}
	case <-time.After(testWait):
		t.Fatal("the end was not reported")
	}
	if bye.CSeq().SeqNo == 0 {
		t.Fatal("BYE without CSeq")
	}
}

// TestDialogOfferBeforeReady: no re-INVITE goes out before the INVITE
// that set the dialog up is over; a context ending first reports
// ErrNoDialog.
func TestDialogOfferBeforeReady(t *testing.T) {
	ready := make(chan struct{})
	d := &Dialog{ready: ready}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := d.begin(ctx); !errors.Is(err, ErrNoDialog) {
		t.Fatalf("begin before ready: %v, want ErrNoDialog", err)
	}
	close(ready)
	if err := d.begin(context.Background()); err != nil {
		t.Fatalf("begin: %v", err)
	}
	if err := d.begin(context.Background()); !errors.Is(err, ErrOfferPending) {
		t.Fatalf("second begin: %v, want ErrOfferPending", err)
	}
}

package voip

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libvoip/libvoip/internal/siptimers"

	gosip "github.com/emiago/sipgo/sip"
)

// TestNoAckEndsCall: an INVITE whose 200 OK is never acknowledged ends the
// call (ENDED, reason "no ACK") when the 200 stops being retransmitted,
// the RTP toward the address the offer named stops after about one second
// (it never confirmed the session), and a BYE sent afterwards gets 481.
func TestNoAckEndsCall(t *testing.T) {
	if !siptimers.In(t, "TestNoAckEndsCall", "noack:") {
		return
	}
	in := newIncoming()
	b := testPhone(t, 43800, in.handler(true))
	media, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer media.Close()
	var rtpCount atomic.Int64
	go func() {
		buf := make([]byte, 2048)
		for {
			if _, _, err := media.ReadFromUDP(buf); err != nil {
				return
			}
			rtpCount.Add(1)
		}
	}()
	sig, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer sig.Close()
	port, err := b.Option("sip_port")
	if err != nil {
		t.Fatal(err)
	}
	phone, err := net.ResolveUDPAddr("udp4", "127.0.0.1:"+port)
	if err != nil {
		t.Fatal(err)
	}
	local := sig.LocalAddr().(*net.UDPAddr)
	mport := media.LocalAddr().(*net.UDPAddr).Port
	if _, err := sig.WriteToUDP([]byte(noAckInvite(local.Port, phone.Port, mport)), phone); err != nil {
		t.Fatal(err)
	}
	toTag := waitOK(t, sig)
	start := time.Now()
	c := in.next(t)
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Second)
	defer cancel()
	if s, err := c.Wait(ctx, Ended.Mask()); s != Ended {
		t.Errorf("the unacknowledged call is %s after 6 s (%v), want ENDED", s, err)
	}
	endedAfter := time.Since(start)
	reason, _ := c.EndReason()
	if !strings.Contains(strings.ToLower(reason), "ack") {
		t.Errorf("end reason %q, want one naming the missing ACK", reason)
	}
	// Keep counting a while: nothing more may come.
	time.Sleep(time.Until(start.Add(6 * time.Second)))
	n := rtpCount.Load()
	t.Logf("noack: ended after %v with %q; %d RTP packets reached the offer's address in 6 s",
		endedAfter.Round(100*time.Millisecond), reason, n)
	if n > 60 {
		t.Errorf("%d RTP packets went to an address that never confirmed the session, want <= 60", n)
	}
	if code := byeAnswer(t, sig, phone, local.Port, toTag); code != 481 {
		t.Errorf("BYE after the call ended: got %d, want 481", code)
	}
}

const noAckCallID = "noack-test@127.0.0.1"

func noAckInvite(sport, dport, mport int) string {
	sdp := fmt.Sprintf("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"+
		"m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n", mport)
	return fmt.Sprintf("INVITE sip:test@127.0.0.1:%d SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-noack-1;rport\r\n"+
		"Max-Forwards: 70\r\nFrom: <sip:attacker@127.0.0.1>;tag=noack\r\nTo: <sip:test@127.0.0.1>\r\n"+
		"Call-ID: %s\r\nCSeq: 1 INVITE\r\nContact: <sip:attacker@127.0.0.1:%d>\r\n"+
		"Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s",
		dport, sport, noAckCallID, sport, len(sdp), sdp)
}

// waitOK reads until the 200 OK to the INVITE and returns its To tag.
func waitOK(t *testing.T, c *net.UDPConn) string {
	t.Helper()
	res := readFinal(t, c, "INVITE")
	if res == nil || res.StatusCode != 200 {
		t.Fatalf("INVITE: got %v, want 200 OK", res)
	}
	tag, _ := res.To().Params.Get("tag")
	return tag
}

// readFinal reads responses on c for up to 5 s and returns the first
// final one to method (requests from the phone, its BYE, are skipped).
func readFinal(t *testing.T, c *net.UDPConn, method string) *gosip.Response {
	t.Helper()
	buf := make([]byte, 65535)
	deadline := time.Now().Add(5 * time.Second)
	for {
		_ = c.SetReadDeadline(deadline)
		n, _, err := c.ReadFromUDP(buf)
		if err != nil {
			return nil
		}
		m, err := gosip.NewParser().ParseSIP(buf[:n])
		if err != nil {
			continue
		}
		if res, ok := m.(*gosip.Response); ok && res.StatusCode >= 200 && res.CSeq() != nil &&
			string(res.CSeq().MethodName) == method {
			return res
		}
	}
}

// byeAnswer sends a BYE in the dialog and returns the status it gets.
func byeAnswer(t *testing.T, c *net.UDPConn, phone *net.UDPAddr, sport int, toTag string) int {
	t.Helper()
	bye := fmt.Sprintf("BYE sip:test@127.0.0.1:%d SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-noack-bye;rport\r\n"+
		"Max-Forwards: 70\r\nFrom: <sip:attacker@127.0.0.1>;tag=noack\r\nTo: <sip:test@127.0.0.1>;tag=%s\r\n"+
		"Call-ID: %s\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n", phone.Port, sport, toTag, noAckCallID)
	if _, err := c.WriteToUDP([]byte(bye), phone); err != nil {
		t.Fatal(err)
	}
	res := readFinal(t, c, "BYE")
	if res == nil {
		return 0
	}
	return res.StatusCode
}

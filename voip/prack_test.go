package voip

import (
	"fmt"
	"net"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libvoip/libvoip/internal/siptimers"
	"github.com/libvoip/libvoip/sip"

	gosip "github.com/emiago/sipgo/sip"
)

// sipTrace records every SIP message the process sends (sipgo's debug
// tracer, process-wide: only a test process of its own may set it).
type sipTrace struct {
	mu   sync.Mutex
	msgs []string
}

func (s *sipTrace) SIPTraceRead(_, _, _ string, _ []byte) {}

func (s *sipTrace) SIPTraceWrite(_, _, _ string, msg []byte) {
	s.mu.Lock()
	s.msgs = append(s.msgs, string(msg))
	s.mu.Unlock()
}

// matching returns the messages of callID whose text matches re.
func (s *sipTrace) matching(callID string, re *regexp.Regexp) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, m := range s.msgs {
		if strings.Contains(m, "Call-ID: "+callID) && re.MatchString(m) {
			out = append(out, m)
		}
	}
	return out
}

var (
	reRel180 = regexp.MustCompile(`(?s)^SIP/2.0 180 .*\r\nRequire: 100rel\r\n.*RSeq: (\d+)\r\n`)
	reRel183 = regexp.MustCompile(`(?s)^SIP/2.0 183 .*\r\nRequire: 100rel\r\n.*RSeq: (\d+)\r\n.*\nv=0`)
	rePrack  = regexp.MustCompile(`(?s)^PRACK sip:.*\r\nRAck: (\d+) (\d+) INVITE\r\n`)
	rePrack2 = regexp.MustCompile(`(?s)^SIP/2.0 200 OK\r\n.*CSeq: \d+ PRACK\r\n`)
)

// TestPrackBothWays: with 100rel required by the caller, then by the
// callee, the callee's 180 and 183 (with its SDP) go out reliably (Require:
// 100rel, consecutive RSeq), the caller PRACKs each (RAck naming the RSeq
// and the INVITE's CSeq), each PRACK is answered 200, the early media is
// heard and the 200 OK follows.
func TestPrackBothWays(t *testing.T) {
	if !siptimers.In(t, "TestPrackBothWays", "") {
		return
	}
	tr := &sipTrace{}
	// libvoip installs sipgo's one tracer on first use: install ours after.
	sip.ApplyProcessSettings()
	gosip.SIPDebugTracer(tr)
	gosip.SIPDebug = true
	for i, tc := range []struct {
		name           string
		caller, callee string
		inviteHas      string
	}{
		{"caller requires", "required", "supported", "Require: 100rel"},
		{"callee requires", "supported", "required", "Supported: 100rel"},
	} {
		ca, cb, _ := earlyCall(t, 47900+100*i, map[string]string{"rel100": tc.caller}, map[string]string{"rel100": tc.callee})
		if err := cb.Progress(); err != nil {
			t.Fatal(err)
		}
		waitState(t, ca, Progress, 5*time.Second)
		if err := cb.Answer(); err != nil {
			t.Fatal(err)
		}
		waitState(t, ca, Answered, 5*time.Second)
		id := ca.callID
		if n := len(tr.matching(id, regexp.MustCompile(`(?s)^INVITE .*\r\n`+tc.inviteHas+`\r\n`))); n == 0 {
			t.Errorf("%s: the INVITE has no %q", tc.name, tc.inviteHas)
		}
		r180, r183 := tr.matching(id, reRel180), tr.matching(id, reRel183)
		if len(r180) == 0 || len(r183) == 0 {
			for _, m := range tr.matching(id, regexp.MustCompile(`^SIP/2.0 18`)) {
				t.Log(m)
			}
			t.Fatalf("%s: reliable 180 sent %d times, reliable 183 with SDP %d times; want both", tc.name, len(r180), len(r183))
		}
		s180, s183 := reRel180.FindStringSubmatch(r180[0])[1], reRel183.FindStringSubmatch(r183[0])[1]
		var n180, n183 uint64
		fmt.Sscan(s180, &n180)
		fmt.Sscan(s183, &n183)
		if n183 != n180+1 {
			t.Errorf("%s: RSeq %d then %d, want consecutive", tc.name, n180, n183)
		}
		racks := map[string]bool{}
		for _, m := range tr.matching(id, rePrack) {
			racks[rePrack.FindStringSubmatch(m)[1]] = true
		}
		if !racks[s180] || !racks[s183] {
			t.Errorf("%s: PRACKs acknowledged RSeq %v, want %s and %s", tc.name, racks, s180, s183)
		}
		if n := len(tr.matching(id, rePrack2)); n < 2 {
			t.Errorf("%s: %d PRACKs answered 200, want 2", tc.name, n)
		}
		_ = ca.Hangup()
		waitState(t, cb, Ended, 5*time.Second)
	}
}

// rawInvite is an INVITE from a raw socket (sport) to the phone (dport)
// offering RTP at mport, with extra header lines.
func rawInvite(callID string, sport, dport, mport int, extra string) string {
	sdp := fmt.Sprintf("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"+
		"m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n", mport)
	return fmt.Sprintf("INVITE sip:test@127.0.0.1:%d SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-%s;rport\r\n"+
		"Max-Forwards: 70\r\nFrom: <sip:raw@127.0.0.1>;tag=raw\r\nTo: <sip:test@127.0.0.1>\r\n"+
		"Call-ID: %s\r\nCSeq: 1 INVITE\r\nContact: <sip:raw@127.0.0.1:%d>\r\n%s"+
		"Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s",
		dport, sport, callID, callID, sport, extra, len(sdp), sdp)
}

// prackPeer is a raw SIP socket and an RTP socket counting what reaches it.
type prackPeer struct {
	sig, media *net.UDPConn
	phone      *net.UDPAddr
	rtp        atomic.Int64
}

func newPrackPeer(t *testing.T, p *Phone) *prackPeer {
	t.Helper()
	r := &prackPeer{}
	var err error
	for _, c := range []**net.UDPConn{&r.sig, &r.media} {
		if *c, err = net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { (*c).Close() })
	}
	port, _ := p.Option("sip_port")
	if r.phone, err = net.ResolveUDPAddr("udp4", "127.0.0.1:"+port); err != nil {
		t.Fatal(err)
	}
	go func() {
		buf := make([]byte, 2048)
		for {
			if _, _, err := r.media.ReadFromUDP(buf); err != nil {
				return
			}
			r.rtp.Add(1)
		}
	}()
	return r
}

func (r *prackPeer) send(t *testing.T, msg string) {
	t.Helper()
	if _, err := r.sig.WriteToUDP([]byte(msg), r.phone); err != nil {
		t.Fatal(err)
	}
}

func (r *prackPeer) invite(t *testing.T, callID, extra string) {
	t.Helper()
	r.send(t, rawInvite(callID, r.sig.LocalAddr().(*net.UDPAddr).Port, r.phone.Port,
		r.media.LocalAddr().(*net.UDPAddr).Port, extra))
}

// responses reads responses for d and returns them.
func (r *prackPeer) responses(d time.Duration) []*gosip.Response {
	var out []*gosip.Response
	buf := make([]byte, 65535)
	_ = r.sig.SetReadDeadline(time.Now().Add(d))
	for {
		n, _, err := r.sig.ReadFromUDP(buf)
		if err != nil {
			return out
		}
		if m, err := gosip.NewParser().ParseSIP(buf[:n]); err == nil {
			if res, ok := m.(*gosip.Response); ok {
				out = append(out, res)
			}
		}
	}
}

// TestReliableProvisionalTimeout: a reliable 180 that is never PRACKed is
// retransmitted with doubling intervals, then the INVITE is refused with
// 504 and the call ends ("no PRACK"); a PRACK naming no pending response
// gets 481.
func TestReliableProvisionalTimeout(t *testing.T) {
	if !siptimers.In(t, "TestReliableProvisionalTimeout", "") {
		return
	}
	in := newIncoming()
	p := testPhone(t, 48200, in.handler(false))
	r := newPrackPeer(t, p)
	r.invite(t, "rel-timeout", "Require: 100rel\r\n")
	c := in.next(t)
	sport := r.sig.LocalAddr().(*net.UDPAddr).Port
	r.send(t, fmt.Sprintf("PRACK sip:test@127.0.0.1:%d SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-badprack\r\n"+
		"Max-Forwards: 70\r\nFrom: <sip:raw@127.0.0.1>;tag=raw\r\nTo: <sip:test@127.0.0.1>;tag=nosuch\r\n"+
		"Call-ID: rel-timeout\r\nCSeq: 2 PRACK\r\nRAck: 1 1 INVITE\r\nContent-Length: 0\r\n\r\n", r.phone.Port, sport))
	var rel180, final int
	var badPrack int
	for _, res := range r.responses(5 * time.Second) {
		switch {
		case res.StatusCode == 180 && res.GetHeader("RSeq") != nil:
			rel180++
		case res.CSeq().MethodName == gosip.PRACK:
			badPrack = res.StatusCode
		case res.StatusCode >= 200:
			final = res.StatusCode
		}
	}
	if rel180 < 4 {
		t.Errorf("reliable 180 sent %d times without a PRACK, want retransmissions (>= 4)", rel180)
	}
	if final != 504 {
		t.Errorf("final response %d, want 504", final)
	}
	if badPrack != 481 {
		t.Errorf("PRACK for no pending response: %d, want 481", badPrack)
	}
	waitState(t, c, Ended, 2*time.Second)
	if reason, _ := c.EndReason(); !strings.Contains(reason, "PRACK") {
		t.Errorf("end reason %q, want one naming the missing PRACK", reason)
	}
}

// TestRel100Refusals: an INVITE requiring 100rel gets 420 (Unsupported:
// 100rel) from a phone with rel100 off, and one that does not support it
// gets 421 (Require: 100rel) from a phone that requires it.
func TestRel100Refusals(t *testing.T) {
	for i, tc := range []struct {
		mode, extra string
		code        int
		header      string
	}{
		{"off", "Require: 100rel\r\n", 420, "Unsupported"},
		{"required", "", 421, "Require"},
	} {
		p := testPhoneWith(t, 48300+50*i, map[string]string{"rel100": tc.mode}, newIncoming().handler(false))
		r := newPrackPeer(t, p)
		r.invite(t, "rel-refused-"+tc.mode, tc.extra)
		var got *gosip.Response
		for _, res := range r.responses(2 * time.Second) {
			if res.StatusCode >= 200 {
				got = res
				break
			}
		}
		if got == nil || got.StatusCode != tc.code {
			t.Errorf("rel100 %s: got %v, want %d", tc.mode, got, tc.code)
			continue
		}
		if h := got.GetHeader(tc.header); h == nil || h.Value() != "100rel" {
			t.Errorf("rel100 %s: %s header %v, want 100rel", tc.mode, tc.header, h)
		}
	}
}

// TestEarlyMediaExemptFromUnconfirmedLimit: the stream Progress starts
// sends beyond the unconfirmed limit (about one second) to a caller that
// neither PRACKs, ACKs nor sends RTP: the application asked for it.
func TestEarlyMediaExemptFromUnconfirmedLimit(t *testing.T) {
	in := newIncoming()
	p := testPhone(t, 48400, in.handler(false))
	r := newPrackPeer(t, p)
	r.invite(t, "early-exempt", "")
	c := in.next(t)
	if err := c.Progress(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second)
	if n := r.rtp.Load(); n < 120 {
		t.Errorf("%d RTP packets of early media in 3 s, want about 150 (not cut at 50)", n)
	}
	_ = c.Deny(486)
}

package sip

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// tortureDir is the RFC 4475 corpus, /work/shared/sip-torture beside the
// checkout (/work/main): ../../shared/sip-torture from this package.
const tortureDir = "../../shared/sip-torture"

const (
	// tortureWait bounds the wait for a final response (or, for a message
	// that must not be answered, for any response).
	tortureWait = 500 * time.Millisecond
	// tortureLinger is how long we keep listening after the final
	// response, to catch a second answer (dblreq's trailing INVITE).
	tortureLinger = 100 * time.Millisecond
)

// tortureCase is what our UA does with one RFC 4475 message that reaches it
// over UDP.
type tortureCase struct {
	file   string // name in tortureDir, without .dat
	want   int    // final status code; 0: nothing may be answered
	header string // a header the final response must carry
}

// tortureCases covers every .dat file of the corpus (the test fails if one
// is missing here). The UA under test rejects every INVITE that reaches
// OnInvite with 486: that is the "processed" outcome of an INVITE; such an
// INVITE is first answered 100 Trying.
//
// Where RFC 4475 lets a robust element accept a malformed message, the
// comment says which way our code goes. Messages that sipgo cannot parse
// are answered by readFilter from their raw lines (rawErrorResponse), and
// only when the answer is itself a well-formed message; else dropped.
var tortureCases = []tortureCase{
	// 3.1.1 Valid messages.
	//
	// wsinv: should be processed; its To has a tag, so as a re-INVITE for
	// a dialog we do not know it would get 481 (RFC 3261 §12.2.2). But
	// sipgo's parameter parser keeps the LWS around ";" and "=" (the From
	// gets a param " tag " = " 98asjd8", not tag), its branch "390skdjuw"
	// is not RFC 3261, and sipgo's RFC 2543 transaction matching needs the
	// From tag: sipgo's transaction layer used to answer a 400 of its own
	// (without the request's headers). Now the screen (screen.go) drops a
	// request sipgo cannot key a transaction for, and its raw 400 would
	// echo the folded headers, which is not strict: nothing is answered.
	{"wsinv", 0, ""},
	// intmeth, esc02: unknown methods. intmeth's To display name carries
	// quoted-pair escapes of BEL, NUL and DEL: legal, but any answer would
	// echo those control characters (issue 11: header values are checked
	// before they are echoed), so it is dropped rather than answered 501.
	{"intmeth", 0, ""},
	{"esc01", 486, ""},
	// escnull: a REGISTER (two contacts with %00 in the user part), valid;
	// we are no registrar.
	{"escnull", 405, "Allow"},
	{"esc02", 501, "Allow"},
	{"lwsdisp", 200, "Allow"}, // OPTIONS
	// longreq: valid, and reaches OnInvite; its answers echo 34 Via lines
	// and long To/From/Call-ID, over 1300 bytes: sent because the UA
	// raises gosip.UDPMTUSize (RFC 3261 §18.1.1 limits requests, not
	// responses).
	{"longreq", 486, ""},
	// dblreq: a REGISTER followed in the same datagram by an INVITE: the
	// REGISTER alone is read (405); the INVITE must not be answered.
	{"dblreq", 405, "Allow"},
	{"semiuri", 200, "Allow"},    // OPTIONS
	{"transports", 200, "Allow"}, // OPTIONS
	// mpart01: a MESSAGE with a multipart/mixed body (text and S/MIME):
	// answered 200 and handed to OnRequest with its Content-Type; the
	// body is the application's. (An INVITE with a multipart/mixed body,
	// even one with an SDP part, gets 415 with Accept: application/sdp: we
	// take a bare SDP offer only; see TestValidateMultipartInvite.)
	{"mpart01", 200, ""},
	{"unreason", 0, ""}, // a response to nothing of ours
	{"noreason", 0, ""}, // a response to nothing of ours

	// 3.1.2 Invalid messages.
	//
	// badinv01: empty Via and Contact parameters; sipgo refuses the Via.
	// The raw 400 echoes the Via without its empty elements.
	{"badinv01", 400, ""},
	// clerr: Content-Length beyond the datagram.
	{"clerr", 400, ""},
	// ncl: negative Content-Length.
	{"ncl", 400, ""},
	// scalar02: CSeq beyond 32 bits. The RFC asks for 400, but a 400
	// must echo that CSeq and would not parse itself: dropped.
	{"scalar02", 0, ""},
	{"scalarlg", 0, ""}, // a response
	// quotbal: unterminated quoted string in To. The 400 would echo the
	// broken To: dropped, like scalar02.
	{"quotbal", 0, ""},
	// ltgtruri, lwsruri, lwsstart, trws: malformed request lines. The RFC
	// lets an element be liberal with the LWS ones; sipgo's parser is
	// strict, so they all get 400.
	{"ltgtruri", 400, ""},
	{"lwsruri", 400, ""},
	{"lwsstart", 400, ""},
	{"trws", 400, ""},
	// escruri: headers in the Request-URI; RFC 4475 allows ignoring them,
	// validate rejects them (RFC 3261 §19.1.1: not allowed there).
	{"escruri", 400, ""},
	// baddate: a non-GMT Date; we never read Date, so the INVITE is
	// processed (the liberal choice the RFC allows).
	{"baddate", 486, ""},
	// regbadct: a REGISTER with an unbracketed Contact holding headers.
	// Method inspection (RFC 3261 §8.2.1) comes before the Contact is
	// looked at, and we are no registrar: 405, not 400.
	{"regbadct", 405, "Allow"},
	// badaspec: spaces inside <> in To. The RFC lets an element ignore
	// them; sipgo refuses the To, and a 400 echoing it would not parse:
	// dropped.
	{"badaspec", 0, ""},
	// baddn: unquoted display name with a comma; sipgo stops at the
	// missing empty line that ends the headers. 400 from the raw lines.
	{"baddn", 400, ""},
	// badvers: SIP/7.0 (sipgo parses it; readFilter answers 505 in SIP/2.0).
	{"badvers", 505, ""},
	{"mismatch01", 400, ""},
	// mismatch02: unknown method and a CSeq of INVITE: the mismatch (400)
	// is checked before the method (501).
	{"mismatch02", 400, ""},
	{"bigcode", 0, ""}, // a response with a 10-digit code

	// 3.2 Transaction layer: a branch that is only the magic cookie.
	{"badbranch", 200, "Allow"}, // OPTIONS

	// 3.3 Application layer.
	// insuf: no From, To, Call-ID, Max-Forwards. RFC 4475 asks for 400,
	// but a response must copy From, To and Call-ID: a request whose
	// mandatory headers cannot be copied is dropped, not answered.
	{"insuf", 0, ""},
	{"unkscm", 416, ""},      // parsed by sipgo, rejected by validate
	{"novelsc", 416, ""},     // sipgo refuses the scheme: raw 416
	{"unksm2", 405, "Allow"}, // a REGISTER: processed = 405
	{"bext01", 420, "Unsupported"},
	{"invut", 415, "Accept"},
	{"regaut01", 405, "Allow"},
	{"multi01", 400, ""},
	{"mcl01", 400, ""},
	{"bcast", 0, ""}, // a response whose Via is not ours
	// zeromf: Max-Forwards 0 concerns proxies; we are the target.
	{"zeromf", 200, "Allow"},
	{"cparam01", 405, "Allow"},
	{"cparam02", 405, "Allow"},
	{"regescrt", 405, "Allow"},
	{"sdp01", 406, "Accept"},

	// 3.4 Backward compatibility. inv2543 (RFC 2543: no branch, no From
	// tag, no Max-Forwards, no Content-Length, no Contact) should be
	// accepted. sipgo's transaction layer cannot key a request with
	// neither an RFC 3261 branch nor a From tag and answers 400 itself;
	// past that, handleInvite would answer 400 "Missing Contact", and
	// sipgo's DialogUA.ReadInvite needs a Contact and a From tag too.
	{"inv2543", 400, ""},
}

func tortureLogger() *slog.Logger {
	if os.Getenv("SIP_TORTURE_DEBUG") == "" {
		return nil
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func tortureFiles(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(tortureDir, "*.dat"))
	if err != nil || len(files) == 0 {
		t.Skipf("RFC 4475 corpus not found in %s (the shared sip-torture directory beside the checkout); skipping", tortureDir)
	}
	out := map[string][]byte{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimSuffix(filepath.Base(f), ".dat")] = data
	}
	return out
}

// startTortureUA starts the UA under test: UDP on 127.0.0.1, every INVITE
// that reaches OnInvite rejected 486. SIP_TORTURE_DEBUG=1 logs its sipgo
// layers to stderr.
func startTortureUA(t *testing.T) *net.UDPAddr {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	ua, err := NewUA(Config{
		Conn:   conn,
		Host:   "127.0.0.1",
		User:   "torture",
		Logger: tortureLogger(),
		OnInvite: func(ic *IncomingCall) {
			_ = ic.Reject(486, "Busy Here")
		},
	})
	if err != nil {
		conn.Close()
		t.Fatal(err)
	}
	ua.Serve()
	t.Cleanup(func() { ua.Close() })
	return conn.LocalAddr().(*net.UDPAddr)
}

// TestTorture sends each RFC 4475 message to a UA of its own (the corpus
// reuses Via branches and sent-by hosts, e.g. baddate and mismatch01, so on
// one UA a message would be taken for a retransmission of an earlier one),
// checks the answer, then sends the whole corpus back to back to one UA and
// checks that it still answers a plain OPTIONS.
func TestTorture(t *testing.T) {
	corpus := tortureFiles(t)
	covered := map[string]bool{}
	for _, tc := range tortureCases {
		if covered[tc.file] {
			t.Fatalf("%s listed twice", tc.file)
		}
		covered[tc.file] = true
		if corpus[tc.file] == nil {
			t.Errorf("%s.dat is not in %s", tc.file, tortureDir)
		}
	}
	for name := range corpus {
		if !covered[name] {
			t.Errorf("%s.dat has no expected outcome in tortureCases", name)
		}
	}

	var summary []string
	for _, tc := range tortureCases {
		data := corpus[tc.file]
		if data == nil {
			continue
		}
		t.Run(tc.file, func(t *testing.T) {
			ua := startTortureUA(t)
			got := tortureExchange(t, ua, data)
			summary = append(summary, fmt.Sprintf("%-10s want %-3s got %s", tc.file, codeString(tc.want), got.codes()))
			final := got.final
			switch {
			case tc.want == 0 && len(got.responses) > 0:
				t.Errorf("must not be answered, got %s", got.codes())
			case tc.want != 0 && final == nil:
				t.Errorf("want final %d, got %s within %v", tc.want, got.codes(), tortureWait)
			case tc.want != 0 && final.StatusCode != tc.want:
				t.Errorf("want final %d, got %s:\n%s", tc.want, got.codes(), final)
			case tc.header != "" && final.GetHeader(tc.header) == nil:
				t.Errorf("final %d has no %s header:\n%s", final.StatusCode, tc.header, final)
			}
			for _, res := range got.responses {
				if res != final && res.StatusCode != 100 {
					t.Errorf("unexpected response before the final one: %d %s", res.StatusCode, res.Reason)
				}
			}
			for _, extra := range got.extra {
				t.Errorf("unexpected datagram after the final response or for another Call-ID: %s", firstLineOf(extra))
			}
			if tc.file == "bext01" && final != nil {
				if u := final.GetHeader("Unsupported"); u == nil || !strings.Contains(u.Value(), "nothingSupportsThis") {
					t.Errorf("420 does not list the unsupported options: %v", u)
				}
			}
		})
	}
	t.Logf("outcomes:\n%s", strings.Join(summary, "\n"))

	// One UA takes the whole corpus back to back, then must still answer
	// a plain OPTIONS 200 (it did not die or wedge).
	t.Run("corpus-then-options", func(t *testing.T) {
		ua := startTortureUA(t)
		// Answers to what parsed go to the Via port, 5060 for most.
		c, err := listenLoopback(5060)
		if err != nil {
			c, err = listenLoopback(0)
		}
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		for _, tc := range tortureCases {
			if data := corpus[tc.file]; data != nil {
				if _, err := c.WriteToUDP(data, ua); err != nil {
					t.Fatal(err)
				}
			}
		}
		// Drain: whatever the UA sent must be a response that parses.
		buf := make([]byte, 65535)
		answers := 0
		for {
			if err := c.SetReadDeadline(time.Now().Add(tortureWait)); err != nil {
				t.Fatal(err)
			}
			n, _, err := c.ReadFromUDP(buf)
			if err != nil {
				break
			}
			answers++
			if m, err := gosip.NewParser().ParseSIP(buf[:n]); err != nil {
				t.Errorf("the UA sent a message that does not parse (%v):\n%q", err, buf[:n])
			} else if _, ok := m.(*gosip.Response); !ok {
				t.Errorf("the UA sent a request: %s", firstLineOf(buf[:n]))
			}
		}
		t.Logf("%d datagrams came back for %d messages", answers, len(corpus))

		o, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		defer o.Close()
		port := o.LocalAddr().(*net.UDPAddr).Port
		msg := fmt.Sprintf("OPTIONS sip:torture@127.0.0.1:%d SIP/2.0\r\n"+
			"Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-after-corpus;rport\r\n"+
			"Max-Forwards: 70\r\n"+
			"From: <sip:tester@127.0.0.1>;tag=after\r\n"+
			"To: <sip:torture@127.0.0.1>\r\n"+
			"Call-ID: after-corpus@127.0.0.1\r\n"+
			"CSeq: 1 OPTIONS\r\n"+
			"Content-Length: 0\r\n\r\n", ua.Port, port)
		if _, err := o.WriteToUDP([]byte(msg), ua); err != nil {
			t.Fatal(err)
		}
		res := readResponse(t, o, "after-corpus@127.0.0.1", time.Now().Add(2*time.Second))
		if res == nil || res.StatusCode != 200 {
			t.Fatalf("plain OPTIONS after the corpus: got %v, want 200", res)
		}
	})
}

func codeString(c int) string {
	if c == 0 {
		return "-"
	}
	return fmt.Sprint(c)
}

type tortureResult struct {
	responses []*gosip.Response // answers to the message, in order
	final     *gosip.Response
	extra     [][]byte // after the final response, or for another Call-ID
}

func (r tortureResult) codes() string {
	if len(r.responses) == 0 {
		return "nothing"
	}
	var s []string
	for _, res := range r.responses {
		s = append(s, fmt.Sprint(res.StatusCode))
	}
	return strings.Join(s, ",")
}

// tortureExchange sends data to the UA and collects the answers. The UA
// answers a request it parsed where RFC 3261 §18.2.2 says, the source
// address with the port of the top Via (5060 when absent) unless the Via
// has rport, and one it could not parse to the source address and port:
// the client socket is bound to that Via port so that both reach it.
func tortureExchange(t *testing.T, ua *net.UDPAddr, data []byte) tortureResult {
	t.Helper()
	var inv *gosip.Request
	port := 0
	if m, err := gosip.NewParser().ParseSIP(data); err == nil {
		if req, ok := m.(*gosip.Request); ok {
			if req.IsInvite() {
				inv = req
			}
			if via := req.Via(); via != nil && !via.Params.Has("rport") {
				port = via.Port
				if port == 0 {
					port = 5060
				}
			}
		}
	}
	c, err := listenLoopback(port)
	if err != nil {
		t.Skipf("cannot bind a loopback UDP socket on port %d, where the UA answers: %v", port, err)
	}
	defer c.Close()
	if _, err := c.WriteToUDP(data, ua); err != nil {
		t.Fatal(err)
	}
	callIDs := rawCallIDs(data)
	var r tortureResult
	deadline := time.Now().Add(tortureWait)
	buf := make([]byte, 65535)
	for {
		if err := c.SetReadDeadline(deadline); err != nil {
			t.Fatal(err)
		}
		n, _, err := c.ReadFromUDP(buf)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return r
			}
			t.Fatal(err)
		}
		pkt := append([]byte(nil), buf[:n]...)
		m, err := gosip.NewParser().ParseSIP(pkt)
		if err != nil {
			t.Errorf("the UA sent a message that does not parse (%v):\n%q", err, pkt)
			continue
		}
		res, ok := m.(*gosip.Response)
		if !ok {
			t.Errorf("the UA sent a request: %s", firstLineOf(pkt))
			continue
		}
		id := ""
		if h := res.CallID(); h != nil {
			id = h.Value()
		}
		if !callIDs[id] || r.final != nil {
			r.extra = append(r.extra, pkt)
			continue
		}
		r.responses = append(r.responses, res)
		if res.StatusCode >= 200 {
			r.final = res
			if inv != nil && inv.Via() != nil && inv.From() != nil && inv.CallID() != nil &&
				inv.CSeq() != nil && res.To() != nil {
				// Acknowledge the final error response (RFC 3261
				// §17.1.1.3) so that it is not retransmitted.
				if _, err := c.WriteToUDP(ackFor(inv, res), ua); err != nil {
					t.Errorf("ACK: %v", err)
				}
			}
			deadline = time.Now().Add(tortureLinger)
		}
	}
}

// listenLoopback binds a UDP socket on port (0: any) of 127.0.0.1, or of
// another loopback address when that port is taken there.
func listenLoopback(port int) (*net.UDPConn, error) {
	var err error
	for i := byte(1); i <= 8; i++ {
		var c *net.UDPConn
		c, err = net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, i), Port: port})
		if err == nil {
			return c, nil
		}
	}
	return nil, err
}

func ackFor(inv *gosip.Request, res *gosip.Response) []byte {
	return []byte(fmt.Sprintf("ACK %s SIP/2.0\r\nVia: %s\r\nMax-Forwards: 70\r\nFrom: %s\r\nTo: %s\r\n"+
		"Call-ID: %s\r\nCSeq: %d ACK\r\nContent-Length: 0\r\n\r\n",
		inv.Recipient.String(), inv.Via().Value(), inv.From().Value(), res.To().Value(),
		inv.CallID().Value(), inv.CSeq().SeqNo))
}

// readResponse reads until a final response with callID arrives, or the
// deadline.
func readResponse(t *testing.T, c *net.UDPConn, callID string, deadline time.Time) *gosip.Response {
	t.Helper()
	buf := make([]byte, 65535)
	for {
		if err := c.SetReadDeadline(deadline); err != nil {
			t.Fatal(err)
		}
		n, _, err := c.ReadFromUDP(buf)
		if err != nil {
			return nil
		}
		m, err := gosip.NewParser().ParseSIP(buf[:n])
		if err != nil {
			t.Errorf("the UA sent a message that does not parse (%v)", err)
			continue
		}
		if res, ok := m.(*gosip.Response); ok && res.StatusCode >= 200 && res.CallID() != nil && res.CallID().Value() == callID {
			return res
		}
	}
}

// rawCallIDs finds the Call-IDs of a message from its raw lines (multi01
// has two); "" stands for none.
func rawCallIDs(data []byte) map[string]bool {
	ids := map[string]bool{}
	head, _, _ := bytes.Cut(data, []byte("\r\n\r\n"))
	for _, l := range strings.Split(string(head), "\r\n") {
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "call-id", "i":
			ids[strings.TrimSpace(value)] = true
		}
	}
	if len(ids) == 0 {
		ids[""] = true
	}
	return ids
}

func firstLineOf(b []byte) string {
	l, _, _ := bytes.Cut(b, []byte("\r\n"))
	return string(l)
}

// TestValidateMultipartInvite states how an INVITE whose offer comes in a
// multipart/mixed body is answered: 415 with Accept: application/sdp (we
// take a bare SDP offer only).
func TestValidateMultipartInvite(t *testing.T) {
	body := "--b\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n--b--\r\n"
	msg := "INVITE sip:torture@127.0.0.1 SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-mpart\r\n" +
		"Max-Forwards: 70\r\nFrom: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:torture@127.0.0.1>\r\n" +
		"Call-ID: mpart@127.0.0.1\r\nCSeq: 1 INVITE\r\nContact: <sip:a@127.0.0.1:5999>\r\n" +
		"Content-Type: multipart/mixed;boundary=b\r\n" +
		fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body)
	m, err := gosip.NewParser().ParseSIP([]byte(msg))
	if err != nil {
		t.Fatal(err)
	}
	code, _, hdrs := validate(m.(*gosip.Request))
	if code != 415 || len(hdrs) != 1 || hdrs[0].Name() != "Accept" || hdrs[0].Value() != "application/sdp" {
		t.Fatalf("got %d %v, want 415 with Accept: application/sdp", code, hdrs)
	}
}

// FuzzRawErrorResponse: rawErrorResponse never panics, and whatever it
// returns is a SIP/2.0 response (400, 416 or 505) that sipgo parses.
func FuzzRawErrorResponse(f *testing.F) {
	if files, _ := filepath.Glob(filepath.Join(tortureDir, "*.dat")); len(files) > 0 {
		sort.Strings(files)
		for _, fn := range files {
			if data, err := os.ReadFile(fn); err == nil {
				f.Add(data)
			}
		}
	}
	f.Add([]byte("INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:x@y>;tag=1\r\n" +
		"To: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\nContent-Length: 99\r\n\r\n"))
	f.Add([]byte("OPTIONS tel:+1 SIP/3.0\nv: SIP/2.0/UDP h\n ;branch=z9hG4bK2\nf: a <sip:x@y>\nt: sip:a@b;tag=2\ni: x\nCSeq: 1 OPTIONS\n\n"))
	f.Add([]byte("SIP/2.0 200 OK\r\n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		res := rawErrorResponse(data)
		if res == nil {
			return
		}
		m, err := gosip.NewParser().ParseSIP(res)
		if err != nil {
			t.Fatalf("response does not parse: %v\n%q", err, res)
		}
		r, ok := m.(*gosip.Response)
		if !ok {
			t.Fatalf("not a response: %q", res)
		}
		switch r.StatusCode {
		case 400, 416, 505:
		default:
			t.Fatalf("status %d: %q", r.StatusCode, res)
		}
		if r.SipVersion != "SIP/2.0" {
			t.Fatalf("version %q: %q", r.SipVersion, res)
		}
	})
}

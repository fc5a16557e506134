package voip

import (
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"

	gosip "github.com/emiago/sipgo/sip"
)

// probePeer is a UDP socket on 127.0.0.1 that sends hand-written requests to
// a phone and reads its answers.
type probePeer struct {
	conn  *net.UDPConn
	phone *net.UDPAddr
}

// rawRequests numbers the requests of every probePeer: each has its own
// Call-ID, tag and branch.
var rawRequests atomic.Int64

func newProbePeer(t *testing.T, p *Phone) *probePeer {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	port, err := p.Option("sip_port")
	if err != nil {
		t.Fatal(err)
	}
	phone, err := net.ResolveUDPAddr("udp4", "127.0.0.1:"+port)
	if err != nil {
		t.Fatal(err)
	}
	return &probePeer{conn: conn, phone: phone}
}

// ask sends a method request to ruri (an SDP offer with an INVITE) and
// returns the final response, nil when none came in 5 s.
func (r *probePeer) ask(t *testing.T, method, ruri string) *gosip.Response {
	t.Helper()
	n := rawRequests.Add(1)
	sport := r.conn.LocalAddr().(*net.UDPAddr).Port
	body, extra := "", ""
	if method == "INVITE" {
		body = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
			"m=audio 9 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n"
		extra = fmt.Sprintf("Contact: <sip:peer@127.0.0.1:%d>\r\nContent-Type: application/sdp\r\n", sport)
	}
	msg := fmt.Sprintf("%s %s SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-raw-%d;rport\r\n"+
		"Max-Forwards: 70\r\nFrom: <sip:peer@127.0.0.1>;tag=raw%d\r\nTo: <%s>\r\n"+
		"Call-ID: raw-%d@127.0.0.1\r\nCSeq: 1 %s\r\n%sContent-Length: %d\r\n\r\n%s",
		method, ruri, sport, n, n, ruri, n, method, extra, len(body), body)
	if _, err := r.conn.WriteToUDP([]byte(msg), r.phone); err != nil {
		t.Fatal(err)
	}
	return readFinal(t, r.conn, method)
}

func status(res *gosip.Response) int {
	if res == nil {
		return 0
	}
	return res.StatusCode
}

// TestAcceptAnyUser: with accept_any_user 0, a request whose Request-URI
// names another user gets 404; ours, or none (an OPTIONS keep-alive to
// the host), is served as usual. With the default 1, any user is served.
func TestAcceptAnyUser(t *testing.T) {
	busy := Handler{IncomingCall: func(c *Call) { _ = c.Deny(486) }}
	strict := testPhoneWith(t, 44000, map[string]string{"user": "alice", "accept_any_user": "0"}, busy)
	open := testPhoneWith(t, 44050, map[string]string{"user": "alice"}, busy)
	sp, _ := strict.Option("sip_port")
	op, _ := open.Option("sip_port")
	tests := []struct {
		phone        *Phone
		port, method string
		user         string
		want         int
	}{
		{strict, sp, "INVITE", "other", 404},
		{strict, sp, "INVITE", "alice", 486},
		{strict, sp, "INVITE", "al%69ce", 486}, // %-escaped "i"
		{strict, sp, "INVITE", "Alice", 404},   // users compare case-sensitively
		{strict, sp, "OPTIONS", "", 200},
		{strict, sp, "OPTIONS", "admin", 404},
		{strict, sp, "MESSAGE", "100", 404},
		{strict, sp, "MESSAGE", "alice", 200},
		{strict, sp, "PUBLISH", "other", 404}, // not implemented, not ours either
		{strict, sp, "PUBLISH", "alice", 405},
		{strict, sp, "SUBSCRIBE", "other", 404},
		{strict, sp, "SUBSCRIBE", "alice", 489}, // implemented; no event package served
		{open, op, "INVITE", "other", 486},
		{open, op, "OPTIONS", "admin", 200},
	}
	for _, tt := range tests {
		ruri := "sip:127.0.0.1:" + tt.port
		if tt.user != "" {
			ruri = "sip:" + tt.user + "@127.0.0.1:" + tt.port
		}
		if got := status(newProbePeer(t, tt.phone).ask(t, tt.method, ruri)); got != tt.want {
			accept, _ := tt.phone.Option("accept_any_user")
			t.Errorf("accept_any_user %s: %s %s got %d, want %d", accept, tt.method, ruri, got, tt.want)
		}
	}
}

// TestUserAgentHeader: user_agent is the Server header of our responses
// (and User-Agent of our requests); empty sends neither.
func TestUserAgentHeader(t *testing.T) {
	named := testPhoneWith(t, 44100, map[string]string{"user_agent": "acme-phone/2"}, Handler{})
	plain := testPhone(t, 44150, Handler{})
	anon := testPhoneWith(t, 44200, map[string]string{"user_agent": ""}, Handler{})
	tests := []struct {
		phone *Phone
		want  string // "" = no header
	}{
		{named, "acme-phone/2"},
		{plain, "libvoip/" + Version},
		{anon, ""},
	}
	for _, tt := range tests {
		port, _ := tt.phone.Option("sip_port")
		res := newProbePeer(t, tt.phone).ask(t, "OPTIONS", "sip:127.0.0.1:"+port)
		if res == nil {
			t.Fatal("no answer to OPTIONS")
		}
		got := ""
		if h := res.GetHeader("Server"); h != nil {
			got = h.Value()
		}
		if got != tt.want {
			t.Errorf("user_agent %q: Server header %q, want %q", tt.want, got, tt.want)
		}
		if h := res.GetHeader("User-Agent"); h != nil {
			t.Errorf("user_agent %q: a response carries User-Agent %q", tt.want, h.Value())
		}

		// The INVITE the phone sends carries it as User-Agent.
		peer := newProbePeer(t, tt.phone)
		if _, err := tt.phone.Call(fmt.Sprintf("sip:peer@%s", peer.conn.LocalAddr())); err != nil {
			t.Fatal(err)
		}
		got = ""
		for _, line := range strings.Split(captureInvite(t, peer.conn), "\r\n") {
			if name, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(name, "User-Agent") {
				got = strings.TrimSpace(v)
			}
		}
		if got != tt.want {
			t.Errorf("user_agent %q: INVITE's User-Agent %q", tt.want, got)
		}
	}
}

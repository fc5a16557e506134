package sip

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// tcpUA starts a UA on a TCP listener of 127.0.0.1 that rejects every
// INVITE 486.
func tcpUA(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u, err := NewUA(Config{Transport: "tcp", Listener: ln, Host: "127.0.0.1", User: "tcp",
		OnInvite: func(ic *IncomingCall) { _ = ic.Reject(486, "Busy Here") }})
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	u.Serve()
	t.Cleanup(func() { u.Close() })
	return ln.Addr().String()
}

func tcpRequest(method, version, via, from, extra string, cseq int) string {
	return fmt.Sprintf("%s sip:tcp@127.0.0.1 %s\r\nVia: SIP/2.0/TCP 127.0.0.1:5099%s\r\n"+
		"Max-Forwards: 70\r\nFrom: %s\r\nTo: <sip:tcp@127.0.0.1>\r\nCall-ID: tcp-%s-%d\r\nCSeq: %d %s\r\n%s"+
		"Content-Length: 0\r\n\r\n", method, version, via, from, method, cseq, cseq, method, extra)
}

// TestScreenTCP: over TCP, as over UDP, a request in another SIP version
// gets 505 in SIP/2.0, a NUL in a header 400 (from the raw lines), an ACK
// that matches nothing and a request whose answer could not copy its
// headers nothing, and the connection still serves the next request (an
// OPTIONS split across writes gets 200).
func TestScreenTCP(t *testing.T) {
	addr := tcpUA(t)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	const branch = ";branch=z9hG4bK-tcp-"
	send := func(s string) {
		t.Helper()
		if _, err := c.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	send(tcpRequest("OPTIONS", "SIP/7.0", branch+"1", "<sip:a@127.0.0.1>;tag=1", "", 1))
	send(tcpRequest("ACK", "SIP/2.0", ";branch=rfc2543", "<sip:a@127.0.0.1>", "", 2))
	send(tcpRequest("OPTIONS", "SIP/2.0", branch+"3", "<sip:00:A>;tag=3", "", 3))
	send(tcpRequest("OPTIONS", "SIP/2.0", branch+"4", "<sip:a@127.0.0.1>;tag=4", "Subject: a\x00b\r\n", 4))
	ok := tcpRequest("OPTIONS", "SIP/2.0", branch+"5", "<sip:a@127.0.0.1>;tag=5", "", 5)
	send(ok[:40])
	time.Sleep(20 * time.Millisecond)
	send(ok[40:])

	var got []string
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	for len(got) < 3 {
		head, err := readHead(r)
		if err != nil {
			break
		}
		if _, err := strictResponse([]byte(head)); err != nil {
			t.Errorf("answer not strict: %v\n%q", err, head)
		}
		got = append(got, firstLine([]byte(head))+" "+headerLine(head, "CSeq"))
	}
	want := []string{"SIP/2.0 505 Version Not Supported 1 OPTIONS", "SIP/2.0 400 Bad Request 4 OPTIONS",
		"SIP/2.0 200 OK 5 OPTIONS"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("answers %q, want %q", got, want)
	}
}

// readHead reads one message head (and its empty body) from r.
func readHead(r *bufio.Reader) (string, error) {
	var b strings.Builder
	for {
		l, err := r.ReadString('\n')
		if err != nil {
			return "", err
		}
		b.WriteString(l)
		if l == "\r\n" {
			return b.String(), nil
		}
	}
}

func headerLine(head, name string) string {
	for _, l := range strings.Split(head, "\r\n") {
		if n, v, ok := strings.Cut(l, ":"); ok && strings.EqualFold(n, name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

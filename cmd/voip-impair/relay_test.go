package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestNewRelayOnlyLoopback(t *testing.T) {
	tests := []struct {
		listen, target string
		ok             bool
	}{
		{"127.0.0.1:0", "127.0.0.1:5060", true},
		{"[::1]:0", "[::1]:5060", true},
		{"0.0.0.0:0", "127.0.0.1:5060", false},
		{"127.0.0.1:0", "192.0.2.1:5060", false},
		{"127.0.0.1:0", "10.1.1.1:5060", false},
		{"127.0.0.1:0", "127.0.0.1:0", false},
	}
	for _, tt := range tests {
		r, err := newRelay(relayConfig{Listen: netip.MustParseAddrPort(tt.listen), Target: netip.MustParseAddrPort(tt.target)})
		if err == nil {
			r.front.Close()
			r.back.Close()
		}
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrNotLoopback)) {
			t.Errorf("listen %s target %s: %v, want ok=%v (ErrNotLoopback otherwise)", tt.listen, tt.target, err, tt.ok)
		}
	}
}

// sipWithSDP is a minimal SIP message whose SDP names 127.0.0.1:port.
func sipWithSDP(startLine, callID string, port int) []byte {
	body := fmt.Sprintf("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio %d RTP/AVP 0\r\n", port)
	return fmt.Appendf(nil, "%s\r\nCall-ID: %s\r\nContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s",
		startLine, callID, len(body), body)
}

// readSDP reads one SIP datagram on c and returns the audio address its SDP names.
func readSDP(t *testing.T, c *net.UDPConn) (netip.AddrPort, netip.AddrPort) {
	t.Helper()
	buf := make([]byte, 4096)
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, src, err := c.ReadFromUDPAddrPort(buf)
	if err != nil {
		t.Fatalf("no SIP message: %v", err)
	}
	m, ok := splitSIP(buf[:n])
	if !ok || !strings.Contains(string(m.head), fmt.Sprintf("Content-Length: %d", len(m.body))) {
		t.Fatalf("relayed message with a wrong Content-Length:\n%s", buf[:n])
	}
	ep, err := sdpAudio(m.body)
	if err != nil {
		t.Fatalf("relayed SDP: %v\n%s", err, buf[:n])
	}
	return ep, src
}

// TestRelayCall plays a caller and a callee: the offer and the answer are
// relayed with their media addresses replaced by relay ports, and RTP sent
// to those ports reaches the other side from the port it was told about.
func TestRelayCall(t *testing.T) {
	callerSIP, calleeSIP := listenLoopback(t), listenLoopback(t)
	callerRTP, calleeRTP := listenLoopback(t), listenLoopback(t)
	r, err := newRelay(relayConfig{Listen: netip.MustParseAddrPort("127.0.0.1:0"), Target: addrOf(calleeSIP),
		Impair: Impairment{Delay: 10 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.serve(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	invite := sipWithSDP("INVITE sip:echo@127.0.0.1 SIP/2.0", "call-1", int(addrOf(callerRTP).Port()))
	if _, err := callerSIP.WriteToUDPAddrPort(invite, r.addr()); err != nil {
		t.Fatal(err)
	}
	offered, _ := readSDP(t, calleeSIP)
	if offered == addrOf(callerRTP) || !offered.Addr().IsLoopback() {
		t.Fatalf("the callee was offered %v: not a relay port", offered)
	}
	ok := sipWithSDP("SIP/2.0 200 OK", "call-1", int(addrOf(calleeRTP).Port()))
	if _, err := calleeSIP.WriteToUDPAddrPort(ok, r.back.LocalAddr().(*net.UDPAddr).AddrPort()); err != nil {
		t.Fatal(err)
	}
	answered, _ := readSDP(t, callerSIP)
	if answered == addrOf(calleeRTP) || answered == offered {
		t.Fatalf("the caller got %v in the answer: not the relay port facing it", answered)
	}

	for _, leg := range []struct {
		name     string
		from, to *net.UDPConn
		sendTo   netip.AddrPort
		wantSrc  netip.AddrPort
	}{
		{"caller to callee", callerRTP, calleeRTP, answered, offered},
		{"callee to caller", calleeRTP, callerRTP, offered, answered},
	} {
		if _, err := leg.from.WriteToUDPAddrPort([]byte("rtp!"), leg.sendTo); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 16)
		_ = leg.to.SetReadDeadline(time.Now().Add(2 * time.Second))
		n, src, err := leg.to.ReadFromUDPAddrPort(buf)
		if err != nil || string(buf[:n]) != "rtp!" || src != leg.wantSrc {
			t.Errorf("%s: got %q from %v (%v), want \"rtp!\" from %v", leg.name, buf[:n], src, err, leg.wantSrc)
		}
	}
}

// failWriter fails every write.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("closed") }

func TestReportTotalsAndWriteError(t *testing.T) {
	r, err := newRelay(relayConfig{Listen: netip.MustParseAddrPort("127.0.0.1:0"), Target: netip.MustParseAddrPort("127.0.0.1:5060")})
	if err != nil {
		t.Fatal(err)
	}
	defer r.front.Close()
	defer r.back.Close()
	var out strings.Builder
	if err := r.report(&out); err != nil {
		t.Fatalf("report: %v", err)
	}
	zero := pipeStats{}.String()
	if want := "TOTAL caller->target " + zero + "\nTOTAL target->caller " + zero + "\n"; out.String() != want {
		t.Errorf("report wrote %q, want %q", out.String(), want)
	}
	if err := r.report(failWriter{}); err == nil {
		t.Error("report to a failing writer: no error")
	}
}

package sip

import (
	"context"
	"errors"
	"net"
	"strconv"
	"testing"
	"time"
)

// closedPort is a UDP port of 127.0.0.1 nobody listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	port := c.LocalAddr().(*net.UDPAddr).Port
	c.Close()
	return port
}

// TestICMPPortUnreachable: a MESSAGE, a REGISTER and an INVITE sent to a
// UDP port nobody listens on fail at once with "port unreachable" (the
// kernel's ICMP error, seen through IP_RECVERR), not after 32 s of
// retransmissions; the UA goes on serving.
func TestICMPPortUnreachable(t *testing.T) {
	ua := newTestUA(t, Config{User: "alice"})
	port := closedPort(t)
	want := "port unreachable: 127.0.0.1:" + strconv.Itoa(port) + " (ICMP)"
	check := func(what string, start time.Time, err error) {
		t.Helper()
		var ue *UnreachableError
		if !errors.As(err, &ue) || !errors.Is(err, ErrUnreachable) || err.Error() != want {
			t.Errorf("%s: %v, want %q", what, err, want)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s failed after %v", what, d)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	start := time.Now()
	_, err := ua.Message(ctx, uriOf(t, "bob", port), "", []byte("hello"))
	check("MESSAGE", start, err)

	start = time.Now()
	_, err = ua.NewRegistration(uriOf(t, "", port), 0).Register(ctx, 60)
	check("REGISTER", start, err)

	start = time.Now()
	oc, err := ua.Invite(ctx, uriOf(t, "bob", port), testSDP, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	_, err = oc.WaitAnswer(ctx, nil)
	check("INVITE", start, err)

	// Still serving: a MESSAGE to a live peer is answered.
	got := make(chan Request, 1)
	bob := newTestUA(t, Config{User: "bob", OnRequest: func(r Request) { got <- r }})
	ctx2, cancel2 := context.WithTimeout(context.Background(), testWait)
	defer cancel2()
	res, err := ua.Message(ctx2, uriOf(t, "bob", bob.Port()), "", []byte("still here"))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("MESSAGE after the ICMP errors: %v %v", res, err)
	}
}

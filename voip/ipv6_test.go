package voip

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestFamilyHost(t *testing.T) {
	ifaddrs := []netip.Addr{
		netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1"),
		netip.MustParseAddr("fe80::1"), netip.MustParseAddr("10.1.2.3"),
		netip.MustParseAddr("fd00:1::5"),
	}
	tests := []struct {
		name, host, bind, peer string
		want                   string
		wantErr                bool
	}{
		{"same family v4", "10.1.2.3", "0.0.0.0", "192.0.2.1", "10.1.2.3", false},
		{"same family v6", "fd00:1::5", "::", "2001:db8::1", "fd00:1::5", false},
		{"unknown peer", "10.1.2.3", "0.0.0.0", "", "10.1.2.3", false},
		{"a name is kept", "pbx.example.com", "0.0.0.0", "2001:db8::1", "pbx.example.com", false},
		{"wildcard, v6 peer: global v6, not link-local", "10.1.2.3", "0.0.0.0", "2001:db8::1", "fd00:1::5", false},
		{"wildcard, v6 loopback peer", "10.1.2.3", "::", "::1", "::1", false},
		{"wildcard, v4 loopback peer", "fd00:1::5", "::", "127.0.0.1", "127.0.0.1", false},
		{"wildcard, v4 peer", "fd00:1::5", "::", "192.0.2.1", "10.1.2.3", false},
		{"wildcard, same family loopback peer", "10.1.2.3", "0.0.0.0", "127.0.0.1", "127.0.0.1", false},
		{"bound, same family loopback peer", "10.1.2.3", "10.1.2.3", "127.0.0.1", "10.1.2.3", false},
		{"v4-mapped peer is v4", "10.1.2.3", "::", "::ffff:192.0.2.1", "10.1.2.3", false},
		{"bound v6, v6 peer, v4 hostname", "10.1.2.3", "::1", "::1", "::1", false},
		{"bound v4, v6 peer", "127.0.0.1", "127.0.0.1", "::1", "", true},
		{"bound v6, v4 peer", "::1", "::1", "127.0.0.1", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var peer netip.Addr
			if tt.peer != "" {
				peer = netip.MustParseAddr(tt.peer)
			}
			got, err := familyHost(tt.host, netip.MustParseAddr(tt.bind), peer, ifaddrs)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("got %q, %v; want %q (error %v)", got, err, tt.want, tt.wantErr)
			}
		})
	}
	if _, err := familyHost("10.1.2.3", netip.IPv6Unspecified(), netip.MustParseAddr("2001:db8::1"),
		[]netip.Addr{netip.MustParseAddr("10.1.2.3")}); !errors.Is(err, errNoFamily) {
		t.Errorf("wildcard without v6 address: %v", err)
	}
}

// callAndExchange calls b from a at uri and checks audio both ways.
func callAndExchange(t *testing.T, a *Phone, in *incoming, uri string) {
	t.Helper()
	ca, err := a.Call(uri)
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, ca, Answered, 5*time.Second)
	cb := in.next(t)
	waitState(t, cb, Answered, 5*time.Second)
	exchangeTones(t, ca, cb)
	if err := ca.Hangup(); err != nil {
		t.Fatal(err)
	}
	waitState(t, cb, Ended, 3*time.Second)
}

// TestIPv6CallsAudioBothWays: calls over ::1 between phones bound to ::1
// and a dual-stack phone (wildcard bind) have audio both ways, by
// frequency.
func TestIPv6CallsAudioBothWays(t *testing.T) {
	in := newIncoming()
	b := testPhoneWith(t, 49000, map[string]string{"bind_ip": "::1"}, in.handler(true))
	a := testPhoneWith(t, 49050, map[string]string{"bind_ip": "::1"}, Handler{})
	dual := testPhoneWith(t, 49100, map[string]string{"bind_ip": "::"}, Handler{})
	port, _ := b.Option("sip_port")
	t.Run("v6 to v6", func(t *testing.T) { callAndExchange(t, a, in, "sip:test@[::1]:"+port) })
	t.Run("dual stack to v6", func(t *testing.T) { callAndExchange(t, dual, in, "sip:test@[::1]:"+port) })

	in4 := newIncoming()
	dual4 := testPhoneWith(t, 49150, map[string]string{"bind_ip": "::"}, in4.handler(true))
	v4 := testPhoneWith(t, 49200, nil, Handler{})
	port4, _ := dual4.Option("sip_port")
	t.Run("v4 to dual stack", func(t *testing.T) { callAndExchange(t, v4, in4, "sip:test@127.0.0.1:"+port4) })

	// A phone bound to ::1 cannot reach an IPv4 peer: the call fails at
	// once instead of sending an IPv6 offer nobody can use.
	if _, err := a.Call("sip:test@127.0.0.1:" + port4); !errors.Is(err, ErrNetwork) {
		t.Errorf("::1 phone calling 127.0.0.1: %v, want ErrNetwork", err)
	}
}

// inviteWithOffer sends to the phone from a raw IPv4 socket an INVITE
// whose offer has connection line c, and returns the final response.
func inviteWithOffer(t *testing.T, p *Phone, c, callID string) string {
	t.Helper()
	sig, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer sig.Close()
	port, _ := p.Option("sip_port")
	n, _ := strconv.Atoi(port)
	local := sig.LocalAddr().String()
	sdp := "v=0\r\no=- 1 1 " + strings.TrimPrefix(c, "c=") + "\r\ns=-\r\n" + c + "\r\nt=0 0\r\n" +
		"m=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
	msg := fmt.Sprintf("INVITE sip:test@127.0.0.1:%d SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP %s;branch=z9hG4bK-%s;rport\r\nMax-Forwards: 70\r\n"+
		"From: <sip:caller@127.0.0.1>;tag=%s\r\nTo: <sip:test@127.0.0.1>\r\nCall-ID: %s\r\n"+
		"CSeq: 1 INVITE\r\nContact: <sip:caller@%s>\r\nContent-Type: application/sdp\r\n"+
		"Content-Length: %d\r\n\r\n%s", n, local, callID, callID, callID, local, len(sdp), sdp)
	if _, err := sig.WriteToUDP([]byte(msg), &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: n}); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 8192)
	for {
		_ = sig.SetReadDeadline(time.Now().Add(5 * time.Second))
		k, err := sig.Read(buf)
		if err != nil {
			t.Fatalf("no final response: %v", err)
		}
		res := string(buf[:k])
		if strings.HasPrefix(res, "SIP/2.0 1") {
			continue
		}
		return res
	}
}

// TestIPv6OfferNeverSilent: an offer with c=IN IP6 is answered with an
// IPv6 address by a phone that has one (signalling over IPv4 or not), and
// refused with 488 by a phone bound to an IPv4 address, never answered
// with IPv4 (the silent call of issue 14).
func TestIPv6OfferNeverSilent(t *testing.T) {
	v4 := testPhoneWith(t, 49250, nil, Handler{IncomingCall: func(c *Call) { _ = c.Answer() }})
	if res := inviteWithOffer(t, v4, "c=IN IP6 ::1", "v6-to-v4"); !strings.HasPrefix(res, "SIP/2.0 488 ") {
		t.Errorf("IPv4-bound phone answered an IPv6 offer with:\n%s", res)
	}
	dual := testPhoneWith(t, 49300, map[string]string{"bind_ip": "::"},
		Handler{IncomingCall: func(c *Call) { _ = c.Answer() }})
	res := inviteWithOffer(t, dual, "c=IN IP6 ::1", "v6-to-dual")
	if !strings.HasPrefix(res, "SIP/2.0 200 ") || !strings.Contains(res, "c=IN IP6 ::1\r\n") {
		t.Errorf("dual-stack phone's answer to an IPv6 offer:\n%s", res)
	}
	res = inviteWithOffer(t, dual, "c=IN IP4 127.0.0.1", "v4-to-dual")
	if !strings.HasPrefix(res, "SIP/2.0 200 ") || !strings.Contains(res, "c=IN IP4 127.0.0.1\r\n") {
		t.Errorf("dual-stack phone's answer to an IPv4 offer:\n%s", res)
	}
}

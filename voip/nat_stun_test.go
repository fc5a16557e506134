package voip

import (
	"net"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/pion/stun/v3"
)

// stunServer answers Binding requests on 127.0.0.1 with the mapped
// address map(source), or not at all when answer is false.
func stunServer(t *testing.T, answer bool, mapped func(netip.AddrPort) netip.AddrPort) string {
	t.Helper()
	srv, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := srv.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			req := &stun.Message{Raw: append([]byte(nil), buf[:n]...)}
			if req.Decode() != nil || !answer {
				continue
			}
			m := mapped(from)
			res, err := stun.Build(req, stun.BindingSuccess,
				&stun.XORMappedAddress{IP: m.Addr().AsSlice(), Port: int(m.Port())}, stun.Fingerprint)
			if err == nil {
				_, _ = srv.WriteToUDPAddrPort(res.Raw, from)
			}
		}
	}()
	return srv.LocalAddr().String()
}

// TestSTUNPublicSIPAddress: with stun_server, Start learns the SIP
// socket's public address and writes it in the Contact; a server that does
// not answer delays Start by at most the STUN timeout and leaves the local
// address.
func TestSTUNPublicSIPAddress(t *testing.T) {
	public := func(from netip.AddrPort) netip.AddrPort {
		return netip.AddrPortFrom(netip.MustParseAddr("198.51.100.7"), from.Port()+1)
	}
	p := testPhoneWith(t, 49350, map[string]string{"stun_server": stunServer(t, true, public)}, Handler{})
	port, _ := p.Option("sip_port")
	n, _ := strconv.Atoi(port)
	host, cport := p.env().ua.ContactAddr()
	if host != "198.51.100.7" || cport != n+1 {
		t.Errorf("Contact %s:%d, want 198.51.100.7:%d", host, cport, n+1)
	}

	start := time.Now()
	q := testPhoneWith(t, 49400, map[string]string{"stun_server": stunServer(t, false, public)}, Handler{})
	if took := time.Since(start); took > stunTimeout+time.Second {
		t.Errorf("Start took %v with a silent STUN server", took)
	}
	if host, _ := q.env().ua.ContactAddr(); host != "127.0.0.1" {
		t.Errorf("Contact host %s after a silent STUN server, want the local 127.0.0.1", host)
	}
}

func TestSTUNHostRules(t *testing.T) {
	tests := []struct {
		name, bindNetwork, remoteHostname, peer string
		public                                  bool
		want                                    string
	}{
		{"public peer, default bind_network", "0.0.0.0/0", "", "203.0.113.9", true, "198.51.100.7"},
		{"loopback peer", "0.0.0.0/0", "", "127.0.0.1", true, "10.0.0.2"},
		{"peer inside bind_network", "10.0.0.0/8", "", "10.9.9.9", true, "10.0.0.2"},
		{"peer outside bind_network", "10.0.0.0/8", "", "203.0.113.9", true, "198.51.100.7"},
		{"remote_hostname wins", "10.0.0.0/8", "pub.example.com", "203.0.113.9", true, "pub.example.com"},
		{"STUN did not answer", "0.0.0.0/0", "", "203.0.113.9", false, "10.0.0.2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			for k, v := range map[string]string{"bind_network": tt.bindNetwork, "remote_hostname": tt.remoteHostname} {
				if err := cfg.Set(k, v); err != nil {
					t.Fatal(err)
				}
			}
			p := NewPhone(cfg)
			p.host = "10.0.0.2"
			if tt.public {
				p.public = netip.MustParseAddrPort("198.51.100.7:5060")
			}
			p.mu.Lock()
			got := p.hostForLocked(netip.MustParseAddr(tt.peer))
			p.mu.Unlock()
			if got != tt.want {
				t.Errorf("host %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSTUNServerOption(t *testing.T) {
	for v, ok := range map[string]bool{
		"": true, "stun.example.org": true, "stun.example.org:3479": true, "192.0.2.1:3478": true,
		"[2001:db8::1]:3478": true, "a b": false, "x:99999": false, "<x>": false,
	} {
		cfg := DefaultConfig()
		if err := cfg.Set("stun_server", v); (err == nil) != ok {
			t.Errorf("stun_server=%q: %v", v, err)
		}
	}
}

package voip

import (
	"net"
	"strings"
	"testing"
	"time"
)

// captureInvite answers the first INVITE arriving on conn with 486 and
// returns its text.
func captureInvite(t *testing.T, conn *net.UDPConn) string {
	t.Helper()
	buf := make([]byte, 8192)
	for {
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, from, err := conn.ReadFromUDP(buf)
		if err != nil {
			t.Fatalf("no INVITE: %v", err)
		}
		msg := string(buf[:n])
		if !strings.HasPrefix(msg, "INVITE ") {
			continue
		}
		var resp strings.Builder
		resp.WriteString("SIP/2.0 486 Busy Here\r\n")
		for _, line := range strings.Split(msg, "\r\n") {
			name, _, _ := strings.Cut(line, ":")
			switch strings.ToLower(name) {
			case "via", "from", "call-id", "cseq":
				resp.WriteString(line + "\r\n")
			case "to":
				resp.WriteString(line + ";tag=nat-test\r\n")
			}
		}
		resp.WriteString("Content-Length: 0\r\n\r\n")
		if _, err := conn.WriteToUDP([]byte(resp.String()), from); err != nil {
			t.Fatal(err)
		}
		return msg
	}
}

// TestNATHostnames: a peer outside bind_network sees remote_hostname in
// Via, Contact and SDP; a peer inside sees hostname.
func TestNATHostnames(t *testing.T) {
	peer, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	target := "sip:peer@" + peer.LocalAddr().String()
	tests := []struct {
		name, network, want string
	}{
		{"outside", "10.0.0.0/8", "127.0.0.2"},
		{"inside", "127.0.0.0/8", "127.0.0.1"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testPhoneWith(t, 42700+50*i, map[string]string{
				"hostname": "127.0.0.1", "bind_network": tt.network, "remote_hostname": "127.0.0.2",
			}, Handler{})
			c, err := p.Call(target)
			if err != nil {
				t.Fatal(err)
			}
			inv := captureInvite(t, peer)
			for _, want := range []string{
				"Via: SIP/2.0/UDP " + tt.want + ":",
				"Contact: <sip:libvoip@" + tt.want + ":",
				"c=IN IP4 " + tt.want,
			} {
				if !strings.Contains(inv, want) {
					t.Errorf("INVITE lacks %q:\n%s", want, inv)
				}
			}
			waitState(t, c, Ended, 5*time.Second)
		})
	}
}

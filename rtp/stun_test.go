package rtp

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/stun/v3"
)

// fakeSTUN answers Binding requests on 127.0.0.1 as mode says: "xor"
// (XOR-MAPPED-ADDRESS of the source), "plain" (MAPPED-ADDRESS), "error"
// (400), "silent", or "drop-first" (xor, after ignoring one request).
// Before each answer it sends a datagram that is not STUN.
func fakeSTUN(t *testing.T, mode string) (netip.AddrPort, *atomic.Int32) {
	t.Helper()
	srv, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	var requests atomic.Int32
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := srv.ReadFromUDP(buf)
			if err != nil {
				return
			}
			req := &stun.Message{Raw: append([]byte(nil), buf[:n]...)}
			if req.Decode() != nil {
				continue
			}
			if requests.Add(1) == 1 && mode == "drop-first" || mode == "silent" {
				continue
			}
			var setters []stun.Setter
			switch mode {
			case "error":
				setters = []stun.Setter{req, stun.BindingError, stun.CodeBadRequest}
			case "plain":
				setters = []stun.Setter{req, stun.BindingSuccess, &stun.MappedAddress{IP: net.IPv4(203, 0, 113, 5), Port: 4242}}
			default:
				setters = []stun.Setter{req, stun.BindingSuccess, &stun.XORMappedAddress{IP: from.IP, Port: from.Port}}
			}
			res, err := stun.Build(append(setters, stun.Fingerprint)...)
			if err != nil {
				return
			}
			_, _ = srv.WriteToUDP([]byte{0x80, 0, 0, 0}, from) // an RTP-looking datagram first
			_, _ = srv.WriteToUDP(res.Raw, from)
		}
	}()
	return srv.LocalAddr().(*net.UDPAddr).AddrPort(), &requests
}

func TestSTUNMapped(t *testing.T) {
	tests := []struct {
		mode      string
		wantErr   bool
		wantPlain bool
		minTries  int32
	}{
		{"xor", false, false, 1},
		{"plain", false, true, 1},
		{"drop-first", false, false, 2},
		{"error", true, false, 1},
		{"silent", true, false, 2},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			server, requests := fakeSTUN(t, tt.mode)
			conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 900*time.Millisecond)
			defer cancel()
			start := time.Now()
			got, err := STUNMapped(ctx, conn, server)
			if took := time.Since(start); took > 1200*time.Millisecond {
				t.Errorf("took %v, beyond the context's 900 ms", took)
			}
			if tt.wantErr {
				if !errors.Is(err, ErrSTUN) {
					t.Fatalf("err %v, want ErrSTUN", err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			want := conn.LocalAddr().(*net.UDPAddr).AddrPort()
			if tt.wantPlain {
				want = netip.MustParseAddrPort("203.0.113.5:4242")
			}
			if !tt.wantErr && got != want {
				t.Errorf("mapped %v, want %v", got, want)
			}
			if n := requests.Load(); n < tt.minTries {
				t.Errorf("%d requests, want at least %d", n, tt.minTries)
			}
		})
	}
}

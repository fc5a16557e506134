package voip

import (
	"encoding/binary"
	"math"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/libvoip/libvoip/internal/audiotest"
	"github.com/zaf/g711"
)

// loopCapture reads, for d, the UDP datagrams sent on the loopback
// interface to port (an AF_PACKET socket: root only; the test is skipped
// where it cannot be opened).
func loopCapture(t *testing.T, port uint16, d time.Duration) [][]byte {
	t.Helper()
	const ethPAll = 0x0003
	proto := int(ethPAll>>8 | ethPAll<<8&0xff00) // network order
	fd, err := syscall.Socket(syscall.AF_PACKET, syscall.SOCK_RAW, proto)
	if err != nil {
		t.Skipf("no packet socket for a capture: %v", err)
	}
	defer syscall.Close(fd)
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		t.Skipf("no loopback interface: %v", err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrLinklayer{Protocol: uint16(proto), Ifindex: lo.Index}); err != nil {
		t.Skipf("bind packet socket: %v", err)
	}
	tv := syscall.NsecToTimeval(int64(50 * time.Millisecond))
	_ = syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv)
	var out [][]byte
	buf := make([]byte, 65536)
	for deadline := time.Now().Add(d); time.Now().Before(deadline); {
		n, from, err := syscall.Recvfrom(fd, buf, 0)
		if err != nil {
			continue
		}
		if ll, ok := from.(*syscall.SockaddrLinklayer); ok && ll.Pkttype == syscall.PACKET_OUTGOING {
			continue // each loopback packet is seen leaving and arriving
		}
		if p, ok := udpPayload(buf[:n], port); ok {
			out = append(out, append([]byte(nil), p...))
		}
	}
	return out
}

// udpPayload returns the payload of an Ethernet/IPv4/UDP frame to port.
func udpPayload(f []byte, port uint16) ([]byte, bool) {
	if len(f) < 14+20+8 || binary.BigEndian.Uint16(f[12:]) != 0x0800 {
		return nil, false
	}
	ip := f[14:]
	ihl := int(ip[0]&0x0f) * 4
	if ip[9] != syscall.IPPROTO_UDP || len(ip) < ihl+8 {
		return nil, false
	}
	udp := ip[ihl:]
	if binary.BigEndian.Uint16(udp[2:]) != port {
		return nil, false
	}
	return udp[8:], true
}

// clearTone counts the RTP packets whose payload, read as PCMU, is a
// 440 Hz tone: what an eavesdropper hears.
func clearTone(pkts [][]byte) int {
	n := 0
	pcm := make([]int16, 160)
	for _, p := range pkts {
		if len(p) < 12+160 {
			continue
		}
		for i, b := range p[12 : 12+160] {
			pcm[i] = g711.DecodeUlawFrame(b)
		}
		if f, rms := audiotest.DominantFrequency(pcm, 8000); math.Abs(f-440) < 15 && rms > 1000 {
			n++
		}
	}
	return n
}

// TestSRTPOnTheWire captures the caller's audio on loopback: a plain call
// (the control) shows the 440 Hz tone in clear, an SRTP call shows none,
// and its packets carry the 10-byte tag. A captured SRTP packet sent
// again is dropped as a replay, a forged one as an authentication
// failure, both counted in the callee's "srtp" fact.
func TestSRTPOnTheWire(t *testing.T) {
	for i, mode := range []string{"off", "mandatory"} {
		t.Run(mode, func(t *testing.T) {
			rtpLow := 38900 + 100*i
			opts := map[string]string{"media_encryption": mode}
			inB := newIncoming()
			b := testPhoneWith(t, rtpLow, opts, inB.handler(true))
			a := testPhoneWith(t, rtpLow+50, opts, Handler{})
			ca, err := a.Call(uriOf(t, b))
			if err != nil {
				t.Fatal(err)
			}
			waitState(t, ca, Answered, 5*time.Second)
			cb := inB.next(t)
			waitState(t, cb, Answered, 5*time.Second)
			dst := netip.MustParseAddrPort(info(t, cb, "local_rtp"))

			var wg sync.WaitGroup
			wg.Add(1)
			go func() { defer wg.Done(); _ = writeTone(ca, 440, 1500*time.Millisecond) }()
			pkts := loopCapture(t, dst.Port(), time.Second)
			wg.Wait()
			if len(pkts) < 30 {
				t.Fatalf("captured %d packets to %v", len(pkts), dst)
			}
			tone := clearTone(pkts)
			if mode == "off" {
				if tone < len(pkts)/2 {
					t.Fatalf("control: only %d of %d plain packets carry the tone: the capture proves nothing", tone, len(pkts))
				}
				return
			}
			if tone > len(pkts)/10 {
				t.Fatalf("%d of %d SRTP packets carry the tone in clear", tone, len(pkts))
			}
			for _, p := range pkts {
				if len(p) != 12+160+10 {
					t.Fatalf("SRTP packet of %d bytes, want 182", len(p))
				}
			}
			inject(t, dst, pkts[0]) // a replay
			forged := append([]byte(nil), pkts[len(pkts)-1]...)
			binary.BigEndian.PutUint16(forged[2:], binary.BigEndian.Uint16(forged[2:])+500)
			inject(t, dst, forged) // a forgery ahead in sequence
			deadline := time.Now().Add(3 * time.Second)
			for s := callSRTP(t, cb); s.Replayed < 1 || s.AuthFailed < 1; s = callSRTP(t, cb) {
				if time.Now().After(deadline) {
					t.Fatalf("srtp %+v: the replay and the forgery were not counted", s)
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}

// inject sends b to dst from a fresh socket.
func inject(t *testing.T, dst netip.AddrPort, b []byte) {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.WriteToUDPAddrPort(b, dst); err != nil {
		t.Fatal(err)
	}
}

package voip

import (
	"bytes"
	"encoding/binary"
	"math"
	"net"
	"net/netip"
	"strconv"
	"strings"
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
				if p[1] >= 192 && p[1] <= 223 {
					continue // SRTCP, muxed (TestSRTCPBetweenPhones)
				}
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

// TestSRTCPBetweenPhones runs RTCP on SRTP calls between two phones (SDES
// keys, muxed and on its own port; DTLS-SRTP keys, muxed): both sides get the round trip and the peer's view
// of their stream from reports that cross the wire as SRTCP only (the E
// flag set, the CNAME never in clear), and none fails to open. The plain
// call is the control: its CNAME is seen in the capture.
func TestSRTCPBetweenPhones(t *testing.T) {
	for i, tc := range []struct{ mode, mux, keying string }{
		{"off", "1", "sdes"}, {"mandatory", "1", "sdes"}, {"mandatory", "0", "sdes"}, {"mandatory", "1", "dtls"},
	} {
		t.Run(tc.mode+"/"+tc.keying+"/rtcp_mux="+tc.mux, func(t *testing.T) {
			rtpLow := 51100 + 100*i
			mk := func(low int, user string, h Handler) *Phone {
				p := newTestPhone(t, low, map[string]string{"media_encryption": tc.mode, "rtcp_mux": tc.mux, "user": user,
					"media_keying": tc.keying}, h)
				p.cfg.Quality.rtcpMinInterval = 300 * time.Millisecond
				if err := p.Start(); err != nil {
					t.Fatal(err)
				}
				return p
			}
			inB := newIncoming()
			b := mk(rtpLow, "bob", inB.handler(true))
			a := mk(rtpLow+50, "alice", Handler{})
			ca, err := a.Call(uriOf(t, b))
			if err != nil {
				t.Fatal(err)
			}
			waitState(t, ca, Answered, 5*time.Second)
			cb := inB.next(t)
			waitState(t, cb, Answered, 5*time.Second)
			port := netip.MustParseAddrPort(info(t, cb, "local_rtp")).Port()
			if tc.mux == "0" {
				port = rtcpPortOf(t, info(t, ca, "remote_sdp"), port)
			}
			pkts := loopCapture(t, port, 1500*time.Millisecond)
			checkSRTCPCapture(t, pkts, tc.mode != "off", tc.keying == "sdes", "alice@")

			deadline := time.Now().Add(5 * time.Second)
			for _, c := range []*Call{ca, cb} {
				q := c.Quality()
				for ; q.RTTMs == nil || q.RemoteJitterMs == nil || q.RTCPReceived < 2; q = c.Quality() {
					if time.Now().After(deadline) {
						t.Fatalf("no RTT or peer's view from RTCP: %+v", q)
					}
					time.Sleep(50 * time.Millisecond)
				}
				if *q.RTTMs > 50 || q.RTCPMux != (tc.mux == "1") || *q.RemotePacketsLost != 0 {
					t.Errorf("RTT %v ms, rtcp_mux %v, peer lost %d", *q.RTTMs, q.RTCPMux, *q.RemotePacketsLost)
				}
				if s := callSRTP(t, c); s.AuthFailed != 0 || s.Replayed != 0 {
					t.Errorf("srtp drops %+v", s)
				}
			}
		})
	}
}

// rtcpPortOf is the RTCP port an SDP announces with a=rtcp (else RTP + 1).
func rtcpPortOf(t *testing.T, sdp string, rtpPort uint16) uint16 {
	t.Helper()
	for _, line := range strings.Split(sdp, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "a=rtcp:"); ok {
			n, err := strconv.Atoi(strings.Fields(v)[0])
			if err != nil {
				t.Fatalf("a=rtcp:%s", v)
			}
			return uint16(n)
		}
	}
	return rtpPort + 1
}

// checkSRTCPCapture looks at the RTCP among captured datagrams: some must
// be there; sealed, none has the CNAME in clear and, with tag80 (SDES's
// AES_CM_128_HMAC_SHA1_80), each has SRTCP's E flag (the 4-byte index
// before the 10-byte tag); plain, the CNAME shows.
func checkSRTCPCapture(t *testing.T, pkts [][]byte, sealed, tag80 bool, cname string) {
	t.Helper()
	n, clear := 0, 0
	for _, p := range pkts {
		if len(p) < 8 || p[1] < 192 || p[1] > 223 {
			continue // RTP (muxed)
		}
		n++
		if bytes.Contains(p, []byte(cname)) {
			clear++
		}
		if sealed && tag80 && (len(p) < 8+14 || p[len(p)-14]&0x80 == 0) {
			t.Errorf("RTCP packet of %d bytes without SRTCP's E flag", len(p))
		}
	}
	t.Logf("%d RTCP packets captured, %d with the CNAME in clear", n, clear)
	switch {
	case n < 2:
		t.Fatalf("captured %d RTCP packets", n)
	case sealed && clear != 0:
		t.Errorf("%d of %d SRTCP packets show the CNAME in clear", clear, n)
	case !sealed && clear != n:
		t.Fatalf("control: %d of %d plain RTCP packets show the CNAME: the capture proves nothing", clear, n)
	}
}

package sip

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"
)

// udpUnbounded set in the environment measures sipgo's bare ServeUDP in
// TestUDPSourceMemory, to show the fault.
const udpUnbounded = "LIBVOIP_UDP_UNBOUNDED"

// udpGuardServer is a bare sipgo server answering OPTIONS 200 on a loopback
// socket, served as the UA serves its socket.
type udpGuardServer struct {
	addr *net.UDPAddr
	tl   *gosip.TransportLayer
	read atomic.Int64 // datagrams sipgo read
	b    atomic.Pointer[boundedPacketConn]
}

// startUDPGuardServer serves with serveUDPBounded (maxSources, rotating
// at most every rotateEvery), or with sipgo's bare ServeUDP for a negative
// maxSources.
func startUDPGuardServer(t testing.TB, maxSources int, rotateEvery time.Duration) *udpGuardServer {
	t.Helper()
	// A bare sipgo stack reads the process-wide settings too (the UDP
	// and TCP read buffer size): set them first, as NewUA would.
	applyProcessSettings()
	s := &udpGuardServer{}
	ua, err := sipgo.NewUA(sipgo.WithUserAgentTransportLayerOptions(
		gosip.WithTransportLayerLogger(tortureLogger()),
		gosip.WithTransportLayerReadFilter(func(_ gosip.TransportReadProps, data []byte) ([]byte, error) {
			s.read.Add(1)
			return data, nil
		})))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(tortureLogger()))
	if err != nil {
		t.Fatal(err)
	}
	srv.OnOptions(func(req *gosip.Request, tx gosip.ServerTransaction) {
		tx.Respond(gosip.NewResponseFromRequest(req, 200, "OK", nil))
	})
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	s.addr, s.tl = conn.LocalAddr().(*net.UDPAddr), ua.TransportLayer()
	served := make(chan struct{})
	go func() {
		defer close(served)
		if maxSources < 0 {
			srv.ServeUDP(conn)
			return
		}
		serveUDPBounded(s.tl, func(c net.PacketConn) error {
			if b, ok := c.(*boundedPacketConn); ok && s.b.Load() == nil {
				b.every = rotateEvery // before sipgo reads
				s.b.Store(b)
			}
			return srv.ServeUDP(c)
		}, conn, ConnLimits{MaxUDPSources: maxSources})
	}()
	t.Cleanup(func() {
		conn.Close()
		ua.Close()
		<-served
	})
	for i := 0; i < 1000 && s.tl.Pool("udp").Size() == 0; i++ {
		time.Sleep(time.Millisecond)
	}
	return s
}

// sourceIP is the i-th loopback address from 127.1.0.0 (all of 127/8 is
// loopback on Linux).
func sourceIP(i int) net.IP { return net.IPv4(127, byte(1+i>>16), byte(i>>8), byte(i)) }

// sendFromSources sends payload once from each of n new sources starting
// at the first-th, pacing itself on what the server read.
func (s *udpGuardServer) sendFromSources(t testing.TB, first, n int, payload []byte) {
	t.Helper()
	base := s.read.Load()
	for i := 0; i < n; i++ {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: sourceIP(first + i)})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.WriteToUDP(payload, s.addr)
		c.Close()
		if err != nil {
			t.Fatal(err)
		}
		if i%100 == 99 {
			s.waitRead(t, base+int64(i+1)-20)
		}
	}
	s.waitRead(t, base+int64(n)-20)
	time.Sleep(20 * time.Millisecond)
}

func (s *udpGuardServer) waitRead(t testing.TB, n int64) {
	deadline := time.Now().Add(5 * time.Second)
	for s.read.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("server read %d datagrams, want %d", s.read.Load(), n)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

func heapInUse() int64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// TestUDPSourceMemory: rounds of datagrams from 10,000 new source addresses
// each leave the heap where the first round left it. sipgo alone keeps 100
// to 170 bytes a source, for good (LIBVOIP_UDP_UNBOUNDED=1 shows it failing).
func TestUDPSourceMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("30,000 sockets")
	}
	const perRound, rounds, maxSources = 10000, 3, 1000
	max := maxSources
	if os.Getenv(udpUnbounded) != "" {
		max = -1
	}
	s := startUDPGuardServer(t, max, 10*time.Millisecond)
	ping := []byte("\r\n\r\n") // a keep-alive: no transaction, only the tables
	s.sendFromSources(t, 0, 200, ping)
	base := heapInUse()
	var after []int64
	for r := 0; r < rounds; r++ {
		s.sendFromSources(t, 200+r*perRound, perRound, ping)
		after = append(after, heapInUse())
	}
	growth := after[rounds-1] - base
	later := after[rounds-1] - after[0]
	perSource := float64(growth) / float64(rounds*perRound)
	t.Logf("heap growth over %d sources: %d B (%.1f B a source); rounds 2-%d: %d B; pool entries %d",
		rounds*perRound, growth, perSource, rounds, later, s.tl.Pool("udp").Size())
	// Bounded tables: about 2,000 entries of a few hundred bytes at most,
	// filled in the first round; nothing more after it.
	if growth > 1<<20 || later > 256<<10 {
		t.Fatalf("heap grows with sources: %d B (%.1f B a source), %d B after the first round", growth, perSource, later)
	}
	if size := s.tl.Pool("udp").Size(); max > 0 && size > 4*maxSources {
		t.Fatalf("pool holds %d entries, want at most %d", size, 4*maxSources)
	}
}

// TestUDPRotationAnswers: across many rotations every OPTIONS is answered
// 200 from the listening socket itself (not from a socket sipgo would bind
// for a source it forgot), and the listening address stays in the pool for
// requests we send.
func TestUDPRotationAnswers(t *testing.T) {
	const clients, rounds, maxSources = 20, 15, 7
	s := startUDPGuardServer(t, maxSources, 30*time.Millisecond)
	conns := make([]*net.UDPConn, clients)
	for i := range conns {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 3, 0, byte(1+i))})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns[i] = c
	}
	buf := make([]byte, 4096)
	for r := 0; r < rounds; r++ {
		// All at once: sipgo reads on (and rotates) while the transactions
		// of the requests it read are still being created.
		for i, c := range conns {
			callID := fmt.Sprintf("rot-%d-%d", r, i)
			req := fmt.Sprintf("OPTIONS sip:guard@127.0.0.1 SIP/2.0\r\n"+
				"Via: SIP/2.0/UDP %s;rport;branch=z9hG4bK%s\r\n"+
				"From: <sip:p@127.0.0.1>;tag=%s\r\nTo: <sip:guard@127.0.0.1>\r\n"+
				"Call-ID: %s\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
				c.LocalAddr(), callID, callID, callID)
			if _, err := c.WriteToUDP([]byte(req), s.addr); err != nil {
				t.Fatal(err)
			}
		}
		for i, c := range conns {
			callID := fmt.Sprintf("rot-%d-%d", r, i)
			c.SetReadDeadline(time.Now().Add(2 * time.Second))
			n, from, err := c.ReadFromUDP(buf)
			if err != nil {
				t.Fatalf("round %d client %d: %v", r, i, err)
			}
			if !bytes.HasPrefix(buf[:n], []byte("SIP/2.0 200")) || !bytes.Contains(buf[:n], []byte(callID)) {
				t.Fatalf("round %d client %d: %q", r, i, firstLineOf(buf[:n]))
			}
			if from.String() != s.addr.String() {
				t.Fatalf("round %d client %d: answer from %v, want %v", r, i, from, s.addr)
			}
		}
		time.Sleep(40 * time.Millisecond)
	}
	if s.b.Load().Rotations() < rounds/2 {
		t.Fatalf("%d rotations, want at least %d", s.b.Load().Rotations(), rounds/2)
	}
	c, err := s.tl.GetConnection("udp", s.addr.String())
	if err != nil {
		t.Fatalf("listening address left the pool: %v", err)
	}
	c.TryClose()
	t.Logf("%d rotations", s.b.Load().Rotations())
}

// TestUDPLargeRequest: a 40 kB OPTIONS over UDP (under sipgo's 64 kB
// message limit) is read whole and answered 200, not cut at 32 kB.
func TestUDPLargeRequest(t *testing.T) {
	s := startUDPGuardServer(t, 0, udpRotateEvery)
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, size := range []int{1000, 33000, 40000, 60000} {
		callID := fmt.Sprintf("large-%d", size)
		req := fmt.Sprintf("OPTIONS sip:guard@127.0.0.1 SIP/2.0\r\n"+
			"Via: SIP/2.0/UDP %s;rport;branch=z9hG4bK%s\r\n"+
			"From: <sip:p@127.0.0.1>;tag=%s\r\nTo: <sip:guard@127.0.0.1>\r\n"+
			"Call-ID: %s\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"+
			"Content-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s",
			c.LocalAddr(), callID, callID, callID, size, bytes.Repeat([]byte("a"), size))
		if _, err := c.WriteToUDP([]byte(req), s.addr); err != nil {
			t.Fatal(err)
		}
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		buf := make([]byte, 4096)
		n, _, err := c.ReadFromUDP(buf)
		if err != nil {
			t.Fatalf("%d-byte body: %v", size, err)
		}
		if !bytes.HasPrefix(buf[:n], []byte("SIP/2.0 200")) || !bytes.Contains(buf[:n], []byte(callID)) {
			t.Fatalf("%d-byte body: %q", size, firstLineOf(buf[:n]))
		}
	}
}

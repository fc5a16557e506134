package rtp

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	pionrtp "github.com/pion/rtp"
	"github.com/pion/stun/v3"
)

// TestStreamHandsSTUNToOnSTUN: a STUN message on a stream's socket goes to
// OnSTUN from the peer's address and to nothing else (not counted as
// malformed or foreign); RTP still plays; SetRemote moves where packets go.
func TestStreamHandsSTUNToOnSTUN(t *testing.T) {
	got := make(chan netip.AddrPort, 4)
	cfg := stConfig()
	cfg.OnSTUN = func(b []byte, from netip.AddrPort) {
		if stun.IsMessage(b) {
			got <- from
		}
	}
	s, peer := stNew(t, cfg)
	stStartRx(s)
	other := stListen(t)
	req := stun.MustBuild(stun.TransactionID, stun.BindingRequest)
	stSend(t, other, stAddr(s.conn), req.Raw) // from anyone: ICE checks come before a pair is chosen
	select {
	case from := <-got:
		if from != stAddr(other) {
			t.Errorf("OnSTUN from %v, want %v", from, stAddr(other))
		}
	case <-time.After(stWait):
		t.Fatal("OnSTUN not called")
	}
	st := s.Stats()
	if st.Malformed != 0 || st.DroppedSource != 0 || st.PacketsReceived != 0 {
		t.Errorf("a STUN message was counted as media: %+v", st)
	}
	stSend(t, peer, stAddr(s.conn), stBuild(0, false, 1, 160, 7, make([]byte, 160)))
	stWaitFor(t, "RTP received", func() bool { return s.Stats().PacketsReceived == 1 })

	s.SetRemote(stAddr(other))
	s.tick()
	p := stRead(t, other, s)
	if p.pt != PCMU.PayloadType {
		t.Errorf("after SetRemote the new remote got %v", p)
	}
}

func TestICEConn(t *testing.T) {
	sock := stListen(t)
	peer := stListen(t)
	c := NewICEConn(sock)
	from := stAddr(peer)
	c.Deliver([]byte{0, 1, 2}, from)
	buf := make([]byte, 16)
	n, addr, err := c.ReadFrom(buf)
	if err != nil || n != 3 || addr.(*net.UDPAddr).AddrPort() != from {
		t.Fatalf("ReadFrom: %d %v %v", n, addr, err)
	}
	// Bounded: beyond iceQueue datagrams are dropped, Deliver never blocks.
	for i := 0; i < iceQueue+10; i++ {
		c.Deliver([]byte{byte(i)}, from)
	}
	if len(c.in) != iceQueue {
		t.Errorf("queue holds %d, want %d", len(c.in), iceQueue)
	}
	// Writes leave from the stream's socket.
	if _, err := c.WriteTo([]byte("check"), net.UDPAddrFromAddrPort(from)); err != nil {
		t.Fatal(err)
	}
	_ = peer.SetReadDeadline(time.Now().Add(stWait))
	n, src, err := peer.ReadFromUDPAddrPort(buf)
	if err != nil || string(buf[:n]) != "check" || src != stAddr(sock) {
		t.Errorf("peer got %q from %v (%v)", buf[:n], src, err)
	}
	// Deadlines, then Close ends reads without closing the socket.
	for len(c.in) > 0 {
		<-c.in
	}
	_ = c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	if _, _, err := c.ReadFrom(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("read past the deadline: %v", err)
	}
	_ = c.SetReadDeadline(time.Time{})
	_ = c.Close()
	if _, _, err := c.ReadFrom(buf); !errors.Is(err, net.ErrClosed) {
		t.Errorf("read after Close: %v", err)
	}
	if _, err := sock.WriteToUDPAddrPort([]byte("x"), from); err != nil {
		t.Errorf("the stream's socket was closed with the ICE conn: %v", err)
	}
}

// TestStreamRelay: with a relay set, the pacer's packets go to it and not
// to the socket; what the relay delivers plays like packets from the
// socket; clearing the relay returns to the socket.
func TestStreamRelay(t *testing.T) {
	s, peer := stNew(t, stConfig())
	stStartRx(s)
	var relayed [][]byte
	s.SetRelay(func(b []byte) error {
		relayed = append(relayed, append([]byte(nil), b...))
		return nil
	})
	s.tick()
	if len(relayed) != 1 || relayed[0][1]&0x7f != PCMU.PayloadType {
		t.Fatalf("relay got %d packets", len(relayed))
	}
	stNoMore(t, peer)
	var pkt pionrtp.Packet
	s.DeliverRelayed(stBuild(0, false, 1, 160, 9, make([]byte, 160)), s.cfg.Remote, &pkt)
	if got := s.Stats().PacketsReceived; got != 1 {
		t.Errorf("relayed packet not received: %d", got)
	}
	s.SetRelay(nil)
	s.tick()
	if p := stRead(t, peer, s); p.pt != PCMU.PayloadType {
		t.Errorf("after SetRelay(nil) the socket got %v", p)
	}
	if len(relayed) != 1 {
		t.Errorf("relay still used: %d packets", len(relayed))
	}
}

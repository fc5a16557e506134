package rtp

import (
	"bytes"
	"testing"
)

// TestStreamUpdate: a renegotiation moves the sending to the new remote,
// switches the codec on both paths, and a direction without sending stops
// the packets (sequence numbers stay contiguous, the marker bit returns on
// resume).
func TestStreamUpdate(t *testing.T) {
	cfg := stConfig()
	cfg.JitterDelay = 1
	s, peer := stNew(t, cfg)
	stStartRx(s)
	s.tick()
	first := stRead(t, peer, s)

	moved := stListen(t)
	s.Update(StreamUpdate{Remote: stAddr(moved), Codec: PCMA, PayloadType: PCMA.PayloadType, Send: true, Receive: true})
	s.tick()
	p := stRead(t, moved, s)
	stNoMore(t, peer)
	if p.pt != PCMA.PayloadType || p.seq != first.seq+1 || !bytes.Equal(p.payload, bytes.Repeat([]byte{silenceA}, 160)) {
		t.Fatalf("after the update: %v, want PCMA silence with seq %d", p, first.seq+1)
	}

	// The receive path takes the new payload type only.
	stSend(t, moved, s.LocalAddr(), stBuild(PCMU.PayloadType, false, 1, 160, 7, make([]byte, 160)))
	stWaitFor(t, "PCMU dropped", func() bool { return s.Stats().DroppedPayloadType == 1 })
	pl := bytes.Repeat([]byte{0x55}, 160)
	stSend(t, moved, s.LocalAddr(), stBuild(PCMA.PayloadType, false, 2, 320, 7, pl))
	stWaitFor(t, "PCMA received", func() bool { return s.Stats().PacketsReceived == 1 })

	// On hold: nothing is sent and reads get silence on time.
	s.Update(StreamUpdate{Remote: stAddr(moved), Codec: PCMA, PayloadType: PCMA.PayloadType})
	if s.Sending() {
		t.Fatal("Sending() = true on hold")
	}
	if _, err := s.WriteAudio(stBytes(FormatS16LE, stFrame(1, 160)), 0); err != nil {
		t.Fatal(err)
	}
	drain := make([]byte, 2*160*16)
	_, _ = s.ReadAudio(drain, 0)
	for i := 0; i < 3; i++ {
		s.tick()
	}
	stNoMore(t, moved)
	if err := s.SendDTMF("1", 0); err != ErrNoDTMF {
		t.Fatalf("SendDTMF on hold = %v, want ErrNoDTMF", err)
	}
	buf := make([]byte, 2*160)
	for i := 0; i < 3; i++ {
		if n, err := s.ReadAudio(buf, 0); n != len(buf) || err != nil {
			t.Fatalf("read %d on hold: %d, %v", i, n, err)
		}
	}
	if n, _ := s.ReadAudio(buf, 0); n != 0 {
		t.Fatalf("read past the played frames: %d bytes", n)
	}
	if !bytes.Equal(buf, make([]byte, len(buf))) {
		t.Fatal("hold read is not silence")
	}

	// Resumed: the next packet follows on, with the marker, and carries
	// no audio written during the hold.
	s.Update(StreamUpdate{Remote: stAddr(moved), Codec: PCMA, PayloadType: PCMA.PayloadType, Send: true, Receive: true})
	s.tick()
	r := stRead(t, moved, s)
	if r.seq != p.seq+1 || !r.marker || !bytes.Equal(r.payload, bytes.Repeat([]byte{silenceA}, 160)) {
		t.Fatalf("resumed: %v, want seq %d with the marker, silence", r, p.seq+1)
	}
}

// TestStreamUpdateRelatches: after a move, a peer behind NAT is latched
// again from the new IP's other port.
func TestStreamUpdateRelatches(t *testing.T) {
	cfg := stConfig()
	s, peer := stNew(t, cfg)
	stStartRx(s)
	stSend(t, peer, s.LocalAddr(), stBuild(0, false, 1, 160, 5, make([]byte, 160)))
	stWaitFor(t, "first packet", func() bool { return s.Stats().PacketsReceived == 1 })

	moved, nat := stListen(t), stListen(t)
	s.Update(StreamUpdate{Remote: stAddr(moved), Codec: PCMU, PayloadType: 0, Send: true, Receive: true})
	stSend(t, nat, s.LocalAddr(), stBuild(0, false, 2, 320, 5, make([]byte, 160)))
	stWaitFor(t, "latched packet", func() bool { return s.Stats().PacketsReceived == 2 })
	if s.Remote() != stAddr(nat) || s.Stats().Latched != 1 {
		t.Fatalf("Remote() = %v (latched %d), want the NAT port %v", s.Remote(), s.Stats().Latched, stAddr(nat))
	}
	stSend(t, peer, s.LocalAddr(), stBuild(0, false, 3, 480, 5, make([]byte, 160)))
	stWaitFor(t, "old address dropped", func() bool { return s.Stats().DroppedSource == 1 })
}

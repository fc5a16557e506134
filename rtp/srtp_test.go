package rtp

import (
	"bytes"
	"errors"
	"testing"
	"time"

	pionrtp "github.com/pion/rtp"
)

var srtpSuites = []struct {
	name   string
	keyLen int
	tag    int
}{
	{"AES_CM_128_HMAC_SHA1_80", 30, 10},
	{"AES_CM_128_HMAC_SHA1_32", 30, 4},
	{"AEAD_AES_128_GCM", 28, 16},
}

// srtpPair returns the two ends of an SRTP session: a's local key is b's
// remote key and the other way round.
func srtpPair(t testing.TB, suite string, keyLen int) (a, b *SRTP) {
	t.Helper()
	k1, k2 := bytes.Repeat([]byte{1}, keyLen), bytes.Repeat([]byte{2}, keyLen)
	a, err := NewSRTP(SRTPConfig{Suite: suite, LocalKey: k1, RemoteKey: k2})
	if err != nil {
		t.Fatal(err)
	}
	b, err = NewSRTP(SRTPConfig{Suite: suite, LocalKey: k2, RemoteKey: k1})
	if err != nil {
		t.Fatal(err)
	}
	return a, b
}

// sealed returns an SRTP packet of a with sequence number seq.
func sealed(t testing.TB, a *SRTP, seq uint16, payload []byte) []byte {
	t.Helper()
	p := stBuild(0, false, seq, uint32(seq)*160, 42, payload)
	p = append(make([]byte, 0, len(p)+ProtectOverhead), p...)
	out, err := a.ProtectRTP(p)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Clone(out)
}

func TestSRTPProtectUnprotect(t *testing.T) {
	payload := stEncode(PCMU, stFrame(1, 160))
	for _, su := range srtpSuites {
		t.Run(su.name, func(t *testing.T) {
			a, b := srtpPair(t, su.name, su.keyLen)
			wire := sealed(t, a, 100, payload)
			if len(wire) != 12+160+su.tag {
				t.Fatalf("SRTP packet of %d bytes, want %d", len(wire), 12+160+su.tag)
			}
			if bytes.Contains(wire, payload[:16]) {
				t.Fatal("payload in clear on the wire")
			}
			open, err := b.UnprotectRTP(bytes.Clone(wire))
			if err != nil || !bytes.Equal(open[12:], payload) {
				t.Fatalf("UnprotectRTP = %v, payload equal %v", err, bytes.Equal(open[12:], payload))
			}
			// The same packet again is a replay; a flipped bit a forgery;
			// our own packet (the other key) does not authenticate.
			if _, err := b.UnprotectRTP(bytes.Clone(wire)); !errors.Is(err, ErrReplayed) {
				t.Fatalf("replay: %v", err)
			}
			forged := sealed(t, a, 101, payload)
			forged[20] ^= 1
			if _, err := b.UnprotectRTP(forged); !errors.Is(err, ErrAuth) {
				t.Fatalf("forged: %v", err)
			}
			if _, err := a.UnprotectRTP(sealed(t, a, 102, payload)); !errors.Is(err, ErrAuth) {
				t.Fatalf("wrong key: %v", err)
			}
			// The forged index was not committed: the real packet 101 opens.
			if _, err := b.UnprotectRTP(sealed(t, a, 101, payload)); err != nil {
				t.Fatalf("genuine packet after a forgery of its index: %v", err)
			}
		})
	}
}

func TestSRTCPProtectUnprotect(t *testing.T) {
	for _, su := range srtpSuites {
		t.Run(su.name, func(t *testing.T) {
			a, b := srtpPair(t, su.name, su.keyLen)
			// A receiver report: V=2, RC=0, PT=201, length 1, SSRC.
			rr := []byte{0x80, 201, 0, 1, 0, 0, 0, 42}
			p := append(make([]byte, 0, 8+ProtectOverhead), rr...)
			wire, err := a.ProtectRTCP(p)
			if err != nil {
				t.Fatal(err)
			}
			wire = bytes.Clone(wire)
			open, err := b.UnprotectRTCP(bytes.Clone(wire))
			if err != nil || !bytes.Equal(open, rr) {
				t.Fatalf("UnprotectRTCP = %x, %v", open, err)
			}
			if _, err := b.UnprotectRTCP(bytes.Clone(wire)); !errors.Is(err, ErrReplayed) {
				t.Fatalf("SRTCP replay: %v", err)
			}
		})
	}
}

func TestSRTPConfigErrors(t *testing.T) {
	for _, cfg := range []SRTPConfig{
		{Suite: "F8_128_HMAC_SHA1_80", LocalKey: make([]byte, 30), RemoteKey: make([]byte, 30)},
		{Suite: "AES_CM_128_HMAC_SHA1_80", LocalKey: make([]byte, 29), RemoteKey: make([]byte, 30)},
		{Suite: "AEAD_AES_128_GCM", LocalKey: make([]byte, 28), RemoteKey: make([]byte, 30)},
	} {
		if _, err := NewSRTP(cfg); err == nil {
			t.Errorf("%s with keys of %d/%d bytes accepted", cfg.Suite, len(cfg.LocalKey), len(cfg.RemoteKey))
		}
	}
}

// TestSRTPRekey checks that a new peer key restarts only the receiving
// direction: our sending state (and so the peer's replay window) goes on.
func TestSRTPRekey(t *testing.T) {
	const suite = "AES_CM_128_HMAC_SHA1_80"
	a, b := srtpPair(t, suite, 30)
	payload := make([]byte, 160)
	if _, err := b.UnprotectRTP(sealed(t, a, 1, payload)); err != nil {
		t.Fatal(err)
	}
	k3 := bytes.Repeat([]byte{3}, 30)
	a2, err := a.Rekey(SRTPConfig{Suite: suite, LocalKey: bytes.Repeat([]byte{1}, 30), RemoteKey: k3})
	if err != nil {
		t.Fatal(err)
	}
	if a2.out != a.out || a2.in == a.in {
		t.Fatal("Rekey did not keep the unchanged direction only")
	}
	b2, err := b.Rekey(SRTPConfig{Suite: suite, LocalKey: k3, RemoteKey: bytes.Repeat([]byte{1}, 30)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b2.UnprotectRTP(sealed(t, a2, 1, payload)); !errors.Is(err, ErrReplayed) {
		t.Fatalf("index 1 again after a rekey of the other direction: %v", err)
	}
	if _, err := b2.UnprotectRTP(sealed(t, a2, 2, payload)); err != nil {
		t.Fatal(err)
	}
	if _, err := a2.UnprotectRTP(sealed(t, b2, 1, payload)); err != nil {
		t.Fatalf("the new key does not open: %v", err)
	}
}

// TestStreamSRTP runs a stream with a Protector against a peer socket:
// what it sends is SRTP (no clear PCMU), what it receives is opened and
// played, and replayed or forged packets are dropped and counted.
func TestStreamSRTP(t *testing.T) {
	for _, su := range srtpSuites {
		t.Run(su.name, func(t *testing.T) {
			ours, peerCtx := srtpPair(t, su.name, su.keyLen)
			cfg := stConfig()
			cfg.Protector = ours
			s, peer := stNew(t, cfg)
			stStartRx(s)
			pcm := stFrame(7, 160)
			if _, err := s.WriteAudio(stBytes(FormatS16LE, pcm), 0); err != nil {
				t.Fatal(err)
			}
			s.tick()
			buf := make([]byte, 2048)
			peer.SetReadDeadline(time.Now().Add(stWait))
			n, _, err := peer.ReadFromUDPAddrPort(buf)
			if err != nil {
				t.Fatal(err)
			}
			clear := stEncode(PCMU, pcm)
			if n != 12+160+su.tag || bytes.Contains(buf[:n], clear[:16]) {
				t.Fatalf("sent %d bytes (want %d), clear payload present %v", n, 12+160+su.tag, bytes.Contains(buf[:n], clear[:16]))
			}
			open, err := peerCtx.UnprotectRTP(buf[:n])
			if err != nil || !bytes.Equal(open[12:], clear) {
				t.Fatalf("peer cannot open our packet: %v", err)
			}

			in := stEncode(PCMU, stFrame(9, 160))
			first := sealed(t, peerCtx, 500, in)
			stSend(t, peer, s.LocalAddr(), first)
			stSend(t, peer, s.LocalAddr(), first) // replay
			forged := sealed(t, peerCtx, 501, in)
			forged[len(forged)-1] ^= 0x40
			stSend(t, peer, s.LocalAddr(), forged)
			plain := stBuild(0, false, 502, 502*160, 42, in) // plain RTP on an SRTP stream
			stSend(t, peer, s.LocalAddr(), plain)
			stWaitFor(t, "drops", func() bool {
				st := s.SRTPStats()
				return st.Replayed == 1 && st.AuthFailed == 2
			})
			if got := s.Stats().PacketsReceived; got != 1 {
				t.Fatalf("received %d packets, want 1 (the genuine one)", got)
			}
			if !s.SRTPStats().Encrypted {
				t.Fatal("SRTPStats says plain")
			}
			s.Update(StreamUpdate{Remote: s.Remote(), Codec: PCMU, Send: true, Receive: true})
			if s.SRTPStats().Encrypted {
				t.Fatal("an update without a Protector left SRTP on")
			}
		})
	}
}

// TestStreamSRTPZeroAllocs checks that sealing and opening add no
// allocation per packet.
func TestStreamSRTPZeroAllocs(t *testing.T) {
	const runs = 200
	for _, su := range srtpSuites {
		t.Run(su.name, func(t *testing.T) {
			ours, peerCtx := srtpPair(t, su.name, su.keyLen)
			cfg := stConfig()
			cfg.Protector = ours
			cfg.QueueSamples = 160 * (runs + 10)
			s, peer := stNew(t, cfg)
			go func() { // drain the peer socket
				b := make([]byte, 2048)
				for {
					if _, _, err := peer.ReadFromUDPAddrPort(b); err != nil {
						return
					}
				}
			}()
			s.WriteAudio(make([]byte, 2*160*(runs+5)), 0)
			s.tick()
			if n := testing.AllocsPerRun(runs, s.tick); n != 0 {
				t.Fatalf("tick with SRTP: %v allocations", n)
			}
			// Packets sealed beforehand, opened in place one per run.
			pkts := make([][]byte, runs+2)
			for i := range pkts {
				pkts[i] = sealed(t, peerCtx, uint16(1000+i), make([]byte, 160))
			}
			from, i := s.Remote(), 0
			var pkt pionrtp.Packet
			if n := testing.AllocsPerRun(runs, func() {
				s.receive(pkts[i], from, &pkt)
				i++
			}); n != 0 {
				t.Fatalf("receive with SRTP: %v allocations", n)
			}
			if s.SRTPStats().AuthFailed != 0 || s.SRTPStats().Replayed != 0 {
				t.Fatalf("drops %+v", s.SRTPStats())
			}
		})
	}
}

// TestStreamRTCPSeam checks the stream's SRTCP seam for the RTCP code: a
// report sealed by one stream opens at its peer, a replay is counted, and
// without a Protector both pass packets through untouched.
func TestStreamRTCPSeam(t *testing.T) {
	ours, theirs := srtpPair(t, "AES_CM_128_HMAC_SHA1_80", 30)
	cfg := stConfig()
	cfg.Protector = ours
	s, _ := stNew(t, cfg)
	peerCfg := stConfig()
	peerCfg.Protector = theirs
	peer, _ := stNew(t, peerCfg)
	rr := []byte{0x80, 201, 0, 1, 0, 0, 0, 42}
	buf := append(make([]byte, 0, len(rr)+ProtectOverhead), rr...)
	s.mu.Lock()
	wire, ok := s.protectRTCPLocked(buf)
	s.mu.Unlock()
	if !ok || len(wire) != len(rr)+4+10 {
		t.Fatalf("sealed %d bytes, ok %v", len(wire), ok)
	}
	wire = bytes.Clone(wire)
	open, ok := peer.unprotectRTCP(bytes.Clone(wire))
	if !ok || !bytes.Equal(open, rr) {
		t.Fatalf("opened %x, ok %v", open, ok)
	}
	if _, ok := peer.unprotectRTCP(bytes.Clone(wire)); ok || peer.SRTPStats().Replayed != 1 {
		t.Fatalf("replayed SRTCP accepted or not counted: %+v", peer.SRTPStats())
	}
	plain, _ := stNew(t, stConfig())
	plain.mu.Lock()
	same, ok := plain.protectRTCPLocked(rr)
	plain.mu.Unlock()
	if !ok || !bytes.Equal(same, rr) {
		t.Fatal("a plain stream altered its RTCP")
	}
	if same, ok := plain.unprotectRTCP(rr); !ok || !bytes.Equal(same, rr) {
		t.Fatal("a plain stream refused RTCP")
	}
}

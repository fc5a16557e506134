package rtp

import (
	"bytes"
	"encoding/binary"
	"math"
	"net"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/libvoip/libvoip/internal/audiotest"
)

// stCodecPair makes two streams sending to each other with codec c, each
// at its application rate, started on a pacer that never runs: the test
// ticks them.
func stCodecPair(t *testing.T, c *Codec, rateA, rateB int) (a, b *Stream) {
	t.Helper()
	ca, cb := stListen(t), stListen(t)
	mk := func(conn *net.UDPConn, to netip.AddrPort, rate int) *Stream {
		cfg := stConfig()
		cfg.Conn, cfg.Remote = conn, to
		cfg.Codec, cfg.PayloadType = c, c.PayloadType
		cfg.SampleRate, cfg.JitterDelay = rate, 1
		s, err := NewStream(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		stStartRx(s)
		return s
	}
	return mk(ca, stAddr(cb), rateA), mk(cb, stAddr(ca), rateB)
}

// stCarry sends one second of a tone of hz from a (at rateA) to b and
// returns what b's application read in its last 600 ms (at rateB).
func stCarry(t *testing.T, a, b *Stream, rateA, rateB int, hz float64) []int16 {
	t.Helper()
	var phase float64
	frame := make([]int16, rateA/50)
	buf := make([]byte, 2*len(frame))
	var got []int16
	in := make([]byte, 2*rateB/50)
	for i := 0; i < 50; i++ {
		audiotest.Tone(frame, hz, 8000, rateA, &phase)
		if _, err := a.WriteAudio(S16LEFromPCM(buf, frame), 0); err != nil {
			t.Fatal(err)
		}
		a.tick()
		stWaitFor(t, "packet "+strconv.Itoa(i+1), func() bool { return b.Stats().PacketsReceived >= uint64(i+1) })
		b.tick()
		n, _ := b.ReadAudio(in, 0)
		got = append(got, PCMFromS16LE(nil, in[:n])...)
	}
	if len(got) != 50*rateB/50 {
		t.Fatalf("read %d samples, want %d", len(got), rateB)
	}
	return got[len(got)*2/5:]
}

func TestStreamCodecsCarryTones(t *testing.T) {
	const amp = 8000 / math.Sqrt2
	tests := []struct {
		codec        *Codec
		rateA, rateB int
		hz           float64
		present      bool // false: removed by the narrowband path
	}{
		{PCMU, 8000, 8000, 1000, true},
		{PCMU, 16000, 16000, 1000, true},
		{PCMU, 16000, 16000, 5000, false},
		{PCMA, 48000, 48000, 5000, false},
		{PCMA, 48000, 8000, 1000, true},
		{G722, 16000, 16000, 1000, true},
		{G722, 16000, 16000, 5000, true},
		{G722, 48000, 48000, 5000, true},
		{G722, 8000, 16000, 1000, true},
		{G722, 48000, 8000, 5000, false},
		{Opus, 48000, 48000, 1000, true},
		{Opus, 48000, 48000, 5000, true},
		{Opus, 16000, 48000, 5000, true},
		{Opus, 8000, 8000, 1000, true},
		{Opus, 48000, 8000, 5000, false},
	}
	for _, tt := range tests {
		name := tt.codec.Name + "/" + strconv.Itoa(tt.rateA) + "-" + strconv.Itoa(tt.rateB) + "/" + strconv.Itoa(int(tt.hz))
		t.Run(name, func(t *testing.T) {
			a, b := stCodecPair(t, tt.codec, tt.rateA, tt.rateB)
			got := stCarry(t, a, b, tt.rateA, tt.rateB, tt.hz)
			level := audiotest.ToneLevel(got, tt.rateB, tt.hz)
			if !tt.present {
				// Below -40 dB of the tone sent; so is the alias
				// that dropping samples to 8 kHz would fold it to.
				alias := 8000 - tt.hz
				if level > amp/100 {
					t.Errorf("%g Hz tone level %.0f, want < %.0f (absent)", tt.hz, level, amp/100)
				}
				if al := audiotest.ToneLevel(got, tt.rateB, alias); al > amp/100 {
					t.Errorf("alias at %g Hz level %.0f, want < %.0f", alias, al, amp/100)
				}
				return
			}
			if level < amp/2 || level > amp*2 {
				t.Errorf("%g Hz tone level %.0f, want %.0f within 6 dB", tt.hz, level, amp)
			}
			if hz, _ := audiotest.DominantFrequency(got, tt.rateB); tt.hz < 3800 && math.Abs(hz-tt.hz) > 5 {
				t.Errorf("dominant frequency %.1f Hz, want %g", hz, tt.hz)
			}
		})
	}
}

func TestStreamOpusClockAndDTMF(t *testing.T) {
	// Opus runs a 48 kHz RTP clock: audio timestamps step by 960, and a
	// telephone-event counts its duration in the same units (RFC 4733
	// §2.1, RFC 7587 §4.1).
	cfg := stConfig()
	cfg.Codec, cfg.PayloadType, cfg.SampleRate = Opus, 111, 16000
	s, peer := stNew(t, cfg)
	ts0 := s.ts
	s.tick()
	p := stRead(t, peer, s)
	if p.pt != 111 || p.ts != ts0 || len(p.payload) == 0 {
		t.Fatalf("first packet %v", p)
	}
	if err := s.SendDTMF("7", 60*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		s.tick()
	}
	for i := 1; i <= 3; i++ {
		p = stRead(t, peer, s)
		if p.pt != stDTMFPT || p.ts != ts0+960 {
			t.Fatalf("event packet %d: %v, want pt %d ts %d", i, p, stDTMFPT, ts0+960)
		}
		if d := binary.BigEndian.Uint16(p.payload[2:]); d != uint16(960*i) {
			t.Fatalf("event packet %d: duration %d, want %d", i, d, 960*i)
		}
	}
	if s.ts != ts0+4*960 {
		t.Errorf("clock advanced %d over 4 ticks, want %d", s.ts-ts0, 4*960)
	}
}

func TestStreamUpdateCodecRate(t *testing.T) {
	// A renegotiation from PCMU to Opus moves the RTP clock to 48 kHz.
	cfg := stConfig()
	cfg.SampleRate = 16000
	s, peer := stNew(t, cfg)
	s.tick()
	p0 := stRead(t, peer, s)
	if len(p0.payload) != 160 {
		t.Fatalf("PCMU payload %d bytes, want 160", len(p0.payload))
	}
	s.Update(StreamUpdate{Remote: stAddr(peer), Codec: Opus, PayloadType: 111, DTMFPayloadType: stDTMFPT, Send: true, Receive: true})
	s.tick()
	s.tick()
	p1, p2 := stRead(t, peer, s), stRead(t, peer, s)
	if p1.pt != 111 || p2.ts-p1.ts != 960 {
		t.Errorf("after the update: %v then %v, want pt 111 stepping 960", p1, p2)
	}
}

func TestStreamRejectsSampleRate(t *testing.T) {
	for _, rate := range []int{11025, 44100, -1} {
		cfg := stConfig()
		cfg.Conn, cfg.SampleRate = stListen(t), rate
		if _, err := NewStream(cfg); err == nil {
			t.Errorf("NewStream with sample rate %d: no error", rate)
		}
	}
}

func TestStreamWidebandFrameZeroAllocs(t *testing.T) {
	for _, c := range []*Codec{G722, Opus, PCMU} {
		cfg := stConfig()
		cfg.Codec, cfg.PayloadType, cfg.SampleRate = c, c.PayloadType, 48000
		s, peer := stNew(t, cfg)
		go func() { // drain the peer
			buf := make([]byte, 2048)
			for {
				if _, _, err := peer.ReadFromUDPAddrPort(buf); err != nil {
					return
				}
			}
		}()
		frame := S16LEFromPCM(nil, audiotest.Tone(make([]int16, 960), 1000, 8000, 48000, nil))
		in := make([]byte, len(frame))
		s.tick()
		if n := testing.AllocsPerRun(50, func() {
			_, _ = s.WriteAudio(frame, 0)
			s.tick()
			_, _ = s.ReadAudio(in, 0)
		}); n != 0 {
			t.Errorf("%s at 48 kHz: %v allocations per frame, want 0", c, n)
		}
	}
}

// BenchmarkCodecStreamTick is one 20 ms tick of a stream sending: the
// application's frame resampled to the codec's rate, encoded and sent to a
// loopback sink, and a frame of silence played out.
func BenchmarkCodecStreamTick(b *testing.B) {
	for _, tc := range []struct {
		c    *Codec
		rate int
	}{{PCMU, 8000}, {PCMU, 48000}, {G722, 16000}, {G722, 48000}, {Opus, 16000}, {Opus, 48000}} {
		b.Run(tc.c.Name+"-"+strconv.Itoa(tc.rate), func(b *testing.B) {
			sink := stListen(b)
			cfg := stConfig()
			cfg.Conn, cfg.Remote = stListen(b), stAddr(sink)
			cfg.Codec, cfg.PayloadType, cfg.SampleRate = tc.c, tc.c.PayloadType, tc.rate
			s, err := NewStream(cfg)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(s.Close)
			go func() {
				buf := make([]byte, 2048)
				for {
					if _, _, err := sink.ReadFromUDPAddrPort(buf); err != nil {
						return
					}
				}
			}()
			frame := S16LEFromPCM(nil, audiotest.Tone(make([]int16, tc.rate/50), 1000, 8000, tc.rate, nil))
			in := make([]byte, len(frame))
			b.ReportAllocs()
			for b.Loop() {
				_, _ = s.WriteAudio(frame, 0)
				s.tick()
				_, _ = s.ReadAudio(in, 0)
			}
		})
	}
}

func TestStreamLongPacketsDoNotPileUp(t *testing.T) {
	// A peer sending 40 ms PCMU packets to a 16 kHz application: each
	// tick plays one 20 ms frame, the rest is dropped as it is at 8 kHz:
	// neither the read queue nor the resampler's backlog grows.
	cfg := stConfig()
	cfg.SampleRate, cfg.JitterDelay = 16000, 1
	s, peer := stNew(t, cfg)
	stStartRx(s)
	payload := bytes.Repeat([]byte{0x10}, 320)
	for i := 0; i < 20; i++ {
		stSend(t, peer, s.LocalAddr(), stBuild(0, i == 0, uint16(i), uint32(320*i), 7, payload))
		stWaitFor(t, "packet", func() bool { return s.Stats().PacketsReceived >= uint64(i+1) })
		s.tick()
	}
	s.mu.Lock()
	queued, pending := s.rx.len(), s.path.down.MaxOut(0)
	s.mu.Unlock()
	if queued != 20*320 {
		t.Errorf("%d samples queued after 20 ticks, want %d", queued, 20*320)
	}
	if pending >= 320 {
		t.Errorf("%d samples pending in the resampler after 20 ticks, want less than a frame", pending)
	}
}

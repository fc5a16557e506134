package rtp

// Micro-benchmarks of the per-frame hot path, run by `make bench`
// (bench/run.sh) with -count and summarised with benchstat. The per-frame
// work of one call, every 20 ms, is: one frame encoded and sent (tick), one
// packet parsed and buffered (receive), one frame played out of the jitter
// buffer and decoded (tick), and the application's read and write of a
// frame (ReadAudio, WriteAudio). Existing benchmarks cover PCMU, the jitter
// buffer, DTMF detection, a single tick and a single receive; these add
// PCMA, RTP marshal/unmarshal, the application frame path, and the pacer's
// tick over many calls.

import (
	"errors"
	"net"
	"net/netip"
	"strconv"
	"testing"
	"time"

	pionrtp "github.com/pion/rtp"

	"github.com/libvoip/libvoip/internal/audiotest"
)

func pbFrame() []int16 {
	pcm := make([]int16, SamplesPerFrame)
	phase := 0.0
	return audiotest.Tone(pcm, 440, 8000, 8000, &phase)
}

func BenchmarkPCMAEncodeFrame(b *testing.B) {
	pcm := pbFrame()
	dst := make([]byte, 0, SamplesPerFrame)
	b.SetBytes(SamplesPerFrame * 2)
	b.ReportAllocs()
	for b.Loop() {
		dst = PCMA.Encode(dst[:0], pcm)
	}
}

func BenchmarkPCMADecodeFrame(b *testing.B) {
	payload := PCMA.Encode(nil, pbFrame())
	dst := make([]int16, 0, SamplesPerFrame)
	b.SetBytes(SamplesPerFrame)
	b.ReportAllocs()
	for b.Loop() {
		dst = PCMA.Decode(dst[:0], payload)
	}
}

// BenchmarkRTPMarshal builds one 20 ms PCMU packet: the stream's own header
// writer (what tick does) against pion/rtp's Packet.MarshalTo.
func BenchmarkRTPMarshal(b *testing.B) {
	payload := PCMU.Encode(nil, pbFrame())
	b.Run("stream-header", func(b *testing.B) {
		s := &Stream{ssrc: 0x01020304}
		var pkt [headerSize + MaxFramePayload]byte
		b.ReportAllocs()
		for b.Loop() {
			out := s.header(pkt[:], 0, false, 160)
			out = append(out, payload...)
			_ = out
		}
	})
	b.Run("pion", func(b *testing.B) {
		p := pionrtp.Packet{Header: pionrtp.Header{Version: 2, PayloadType: 0, SSRC: 0x01020304}, Payload: payload}
		buf := make([]byte, 1500)
		b.ReportAllocs()
		for b.Loop() {
			p.SequenceNumber++
			if _, err := p.MarshalTo(buf); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkRTPUnmarshal parses one 20 ms PCMU packet with pion/rtp, as
// Stream.receive does (into a reused Packet).
func BenchmarkRTPUnmarshal(b *testing.B) {
	p := pionrtp.Packet{Header: pionrtp.Header{Version: 2, PayloadType: 0, SSRC: 7, SequenceNumber: 9, Timestamp: 160}, Payload: PCMU.Encode(nil, pbFrame())}
	raw, err := p.Marshal()
	if err != nil {
		b.Fatal(err)
	}
	var q pionrtp.Packet
	b.ReportAllocs()
	for b.Loop() {
		if err := q.Unmarshal(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// pbStream is a stream on a loopback socket that sends to sink.
func pbStream(tb testing.TB, sink netip.AddrPort, send bool) *Stream {
	tb.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		tb.Fatal(err)
	}
	s, err := NewStream(StreamConfig{Conn: conn, Remote: sink, Codec: PCMU, PayloadType: 0, DTMFPayloadType: 101, Send: send, Receive: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// pbSink is a socket that reads and discards everything until the test ends.
func pbSink(tb testing.TB) netip.AddrPort {
	tb.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		tb.Fatal(err)
	}
	_ = c.SetReadBuffer(4 << 20)
	go func() {
		buf := make([]byte, 2048)
		for {
			if _, _, err := c.ReadFromUDPAddrPort(buf); err != nil {
				return
			}
		}
	}()
	tb.Cleanup(func() { c.Close() })
	return c.LocalAddr().(*net.UDPAddr).AddrPort()
}

// BenchmarkStreamFrameReadWrite is the Go side of one application frame
// exchange (what voip_call_read_audio + voip_call_write_audio do below the
// C ABI): ReadAudio of a frame that is already there, WriteAudio of a frame
// that fits. The stream's queues are refilled outside the timer.
func BenchmarkStreamFrameReadWrite(b *testing.B) {
	for _, f := range []Format{FormatS16LE, FormatU8} {
		b.Run(f.String(), func(b *testing.B) {
			s := pbStream(b, netip.MustParseAddrPort("127.0.0.1:9"), false)
			s.cfg.Format = f
			frame := make([]byte, SamplesPerFrame*f.BytesPerSample())
			const batch = 50
			refill := func() {
				for i := 0; i < batch; i++ {
					s.tick() // plays a frame into the read queue, drains one from the write queue
				}
			}
			refill()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if i == batch {
					b.StopTimer()
					refill()
					i = 0
					b.StartTimer()
				}
				i++
				if n, err := s.ReadAudio(frame, 0); n != len(frame) || err != nil {
					b.Fatalf("read %d, %v", n, err)
				}
				if n, err := s.WriteAudio(frame, 0); n != len(frame) || err != nil {
					b.Fatalf("write %d, %v", n, err)
				}
			}
		})
	}
}

// BenchmarkPacerTick is one 20 ms tick of a pacer serving n calls: each
// stream encodes and sends a packet to a loopback sink and plays a frame
// out. ns/stream is the scheduler's cost per call per tick.
func BenchmarkPacerTick(b *testing.B) {
	for _, n := range []int{1, 100, 1000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			sink := pbSink(b)
			p := NewPacer(0)
			for i := 0; i < n; i++ {
				s := pbStream(b, sink, true)
				s.pacer = p
				p.Add(s)
			}
			// Warm up: the read queues (nobody reads them here) grow to
			// their two-second capacity over the first 100 ticks; what
			// follows is the steady state.
			for i := 0; i < 110; i++ {
				for _, s := range p.snapshot() {
					s.tick()
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				for _, s := range p.snapshot() {
					s.tick()
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/stream")
		})
	}
}

// BenchmarkStreamReadAudioWait is the blocking read of an application
// thread paced by the call: the reader waits in ReadAudio (with a timeout,
// as voip-echo's threads do) until a tick plays the next frame.
func BenchmarkStreamReadAudioWait(b *testing.B) {
	s := pbStream(b, netip.MustParseAddrPort("127.0.0.1:9"), false)
	got, quit := pbReader(s)
	defer close(quit)
	b.ReportAllocs()
	for b.Loop() {
		s.tick()
		<-got
	}
}

// pbReader starts a goroutine reading one frame at a time with a 1 s
// timeout; each complete frame is reported on got.
func pbReader(s *Stream) (got chan struct{}, quit chan struct{}) {
	got, quit = make(chan struct{}), make(chan struct{})
	go func() {
		frame := make([]byte, 2*SamplesPerFrame)
		for {
			n, err := s.ReadAudio(frame, time.Second)
			if errors.Is(err, ErrClosed) {
				return
			}
			if n == len(frame) {
				select {
				case got <- struct{}{}:
				case <-quit:
					return
				}
			}
		}
	}()
	return got, quit
}

// TestFramePathZeroAllocs checks that an application's frame exchange
// allocates nothing: a read of a frame that is there, a write that fits,
// and a read that waits for the next tick.
func TestFramePathZeroAllocs(t *testing.T) {
	s := pbStream(t, netip.MustParseAddrPort("127.0.0.1:9"), false)
	frame := make([]byte, 2*SamplesPerFrame)
	for i := 0; i < 150; i++ {
		s.tick()
	}
	if n := testing.AllocsPerRun(50, func() { // the read queue holds 100 frames
		if _, err := s.ReadAudio(frame, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.WriteAudio(frame, 0); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("read+write of a frame: %v allocations, want 0", n)
	}
	s.ReadAudio(make([]byte, 2*SamplesPerFrame*200), 0) // empty the read queue
	got, quit := pbReader(s)
	defer close(quit)
	time.Sleep(10 * time.Millisecond) // let the reader block
	if n := testing.AllocsPerRun(100, func() {
		s.tick()
		<-got
		time.Sleep(100 * time.Microsecond) // the reader waits again
	}); n != 0 {
		t.Errorf("a read that waits for its frame: %v allocations, want 0", n)
	}
}

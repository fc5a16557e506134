package rtp

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/libvoip/libvoip/internal/audiotest"
)

// codeTone encodes and decodes one second of a tone in 20 ms frames with
// c at rate and returns the decoded audio after the first 200 ms.
func codeTone(t testing.TB, c *Codec, rate int, hz float64) []int16 {
	t.Helper()
	enc, err := c.NewEncoder(rate)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := c.NewDecoder(rate)
	if err != nil {
		t.Fatal(err)
	}
	frame := rate / 50
	var phase float64
	pcm := make([]int16, frame)
	payload := make([]byte, MaxFramePayload)
	var out []int16
	for i := 0; i < 50; i++ {
		audiotest.Tone(pcm, hz, 8000, rate, &phase)
		n, err := enc.Encode(payload, pcm)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]int16, frame)
		m, err := dec.Decode(got, payload[:n])
		if err != nil || m != frame {
			t.Fatalf("frame %d: decoded %d samples (%v), want %d", i, m, err, frame)
		}
		out = append(out, got...)
	}
	return out[rate/5:]
}

func TestWidebandCodecsCarryTones(t *testing.T) {
	tests := []struct {
		codec *Codec
		rate  int
		hz    float64
	}{
		{G722, 16000, 1000},
		{G722, 16000, 5000},
		{G722, 16000, 300},
		{Opus, 48000, 1000},
		{Opus, 48000, 5000},
		{Opus, 16000, 1000},
		{Opus, 16000, 5000},
		{Opus, 8000, 1000},
	}
	want := 8000 / math.Sqrt2
	for _, tt := range tests {
		out := codeTone(t, tt.codec, tt.rate, tt.hz)
		level := audiotest.ToneLevel(out, tt.rate, tt.hz)
		// Within 3 dB of what went in, and the tone dominates: the
		// level at an unrelated frequency is 20 dB lower.
		if level < want/math.Sqrt2 || level > want*math.Sqrt2 {
			t.Errorf("%s at %d Hz: %g Hz tone level %.0f, want %.0f ±3 dB", tt.codec, tt.rate, tt.hz, level, want)
		}
		if other := audiotest.ToneLevel(out, tt.rate, tt.hz*1.37); other > level/10 {
			t.Errorf("%s at %d Hz: level at %.0f Hz %.0f, tone %.0f", tt.codec, tt.rate, tt.hz*1.37, other, level)
		}
	}
}

func TestG722Silence(t *testing.T) {
	// Silence stays silence: the predictor settles near zero.
	enc, dec := NewG722Encoder(), NewG722Decoder()
	pcm := make([]int16, 320)
	payload := make([]byte, 160)
	out := make([]int16, 320)
	for i := 0; i < 10; i++ {
		if _, err := enc.Encode(payload, pcm); err != nil {
			t.Fatal(err)
		}
		if _, err := dec.Decode(out, payload); err != nil {
			t.Fatal(err)
		}
	}
	for i, s := range out {
		if s > 16 || s < -16 {
			t.Fatalf("sample %d of decoded silence = %d", i, s)
		}
	}
}

func TestG722Reset(t *testing.T) {
	// After Reset an encoder produces what a new one does.
	pcm := audiotest.Tone(make([]int16, 320), 700, 9000, 16000, nil)
	a, b := NewG722Encoder(), NewG722Encoder()
	pa, pb := make([]byte, 160), make([]byte, 160)
	if _, err := a.Encode(pa, pcm); err != nil {
		t.Fatal(err)
	}
	a.Reset()
	if _, err := a.Encode(pa, pcm); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Encode(pb, pcm); err != nil {
		t.Fatal(err)
	}
	if string(pa) != string(pb) {
		t.Error("a reset encoder differs from a new one")
	}
	if _, err := a.Encode(make([]byte, 10), pcm); err == nil {
		t.Error("Encode into a short buffer: no error")
	}
}

func TestCoderRates(t *testing.T) {
	tests := []struct {
		codec  *Codec
		rate   int
		native int
		ok     bool
	}{
		{PCMU, 8000, 8000, true},
		{PCMU, 16000, 8000, false},
		{PCMA, 48000, 8000, false},
		{G722, 16000, 16000, true},
		{G722, 8000, 16000, false},
		{Opus, 8000, 8000, true},
		{Opus, 16000, 16000, true},
		{Opus, 48000, 48000, true},
		{Opus, 44100, 48000, false},
	}
	for _, tt := range tests {
		if got := tt.codec.NativeRate(tt.rate); got != tt.native {
			t.Errorf("%s.NativeRate(%d) = %d, want %d", tt.codec, tt.rate, got, tt.native)
		}
		_, errE := tt.codec.NewEncoder(tt.rate)
		_, errD := tt.codec.NewDecoder(tt.rate)
		if (errE == nil) != tt.ok || (errD == nil) != tt.ok {
			t.Errorf("%s at %d Hz: encoder error %v, decoder error %v, want ok=%v", tt.codec, tt.rate, errE, errD, tt.ok)
		}
	}
}

func TestOpusDecodesGarbage(t *testing.T) {
	dec, err := Opus.NewDecoder(48000)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]int16, 960)
	// A TOC byte announcing a 120 ms packet does not fit a 20 ms buffer.
	if _, err := dec.Decode(out, []byte{0xfb, 0x03, 0x01}); err == nil {
		t.Error("oversized opus packet decoded without error")
	}
	if n, err := dec.Decode(out, nil); n != 0 || err != nil {
		t.Errorf("empty payload: %d, %v", n, err)
	}
}

func TestCoderZeroAlloc(t *testing.T) {
	for _, tc := range []struct {
		c    *Codec
		rate int
	}{{PCMU, 8000}, {PCMA, 8000}, {G722, 16000}, {Opus, 48000}, {Opus, 16000}} {
		enc, _ := tc.c.NewEncoder(tc.rate)
		dec, _ := tc.c.NewDecoder(tc.rate)
		pcm := audiotest.Tone(make([]int16, tc.rate/50), 1000, 8000, tc.rate, nil)
		payload := make([]byte, MaxFramePayload)
		out := make([]int16, tc.rate/50)
		var n int
		if a := testing.AllocsPerRun(50, func() { n, _ = enc.Encode(payload, pcm) }); a != 0 {
			t.Errorf("%s/%d encode allocs = %v, want 0", tc.c, tc.rate, a)
		}
		if a := testing.AllocsPerRun(50, func() { _, _ = dec.Decode(out, payload[:n]) }); a != 0 {
			t.Errorf("%s/%d decode allocs = %v, want 0", tc.c, tc.rate, a)
		}
	}
}

func benchmarkCoder(b *testing.B, c *Codec, rate int, decode bool) {
	enc, err := c.NewEncoder(rate)
	if err != nil {
		b.Fatal(err)
	}
	dec, err := c.NewDecoder(rate)
	if err != nil {
		b.Fatal(err)
	}
	pcm := audiotest.Tone(make([]int16, rate/50), 1000, 8000, rate, nil)
	payload := make([]byte, MaxFramePayload)
	out := make([]int16, rate/50)
	n, _ := enc.Encode(payload, pcm)
	b.ReportAllocs()
	for b.Loop() {
		if decode {
			_, _ = dec.Decode(out, payload[:n])
		} else {
			_, _ = enc.Encode(payload, pcm)
		}
	}
}

func BenchmarkG722EncodeFrame(b *testing.B)    { benchmarkCoder(b, G722, 16000, false) }
func BenchmarkG722DecodeFrame(b *testing.B)    { benchmarkCoder(b, G722, 16000, true) }
func BenchmarkOpusEncodeFrame(b *testing.B)    { benchmarkCoder(b, Opus, 48000, false) }
func BenchmarkOpusDecodeFrame(b *testing.B)    { benchmarkCoder(b, Opus, 48000, true) }
func BenchmarkOpus16kEncodeFrame(b *testing.B) { benchmarkCoder(b, Opus, 16000, false) }
func BenchmarkOpus16kDecodeFrame(b *testing.B) { benchmarkCoder(b, Opus, 16000, true) }

func TestDecodersSurviveRandomPayloads(t *testing.T) {
	// Hostile payloads (any bytes, any length up to MaxFramePayload) never
	// crash a decoder or write past the frame: libopus runs in-process.
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		c    *Codec
		rate int
	}{{G722, 16000}, {Opus, 48000}, {Opus, 16000}, {Opus, 8000}} {
		dec, err := tc.c.NewDecoder(tc.rate)
		if err != nil {
			t.Fatal(err)
		}
		frame := tc.rate / 50
		out := make([]int16, frame+16)
		payload := make([]byte, MaxFramePayload)
		errs := 0
		for i := 0; i < 3000; i++ {
			p := payload[:r.IntN(MaxFramePayload+1)]
			for j := range p {
				p[j] = byte(r.Uint32())
			}
			for j := frame; j < len(out); j++ {
				out[j] = 0x5a5a
			}
			n, err := dec.Decode(out[:frame], p)
			if err != nil {
				errs++
			}
			if n < 0 || n > frame {
				t.Fatalf("%s/%d: decoded %d samples into a %d-sample frame", tc.c, tc.rate, n, frame)
			}
			for j := frame; j < len(out); j++ {
				if out[j] != 0x5a5a {
					t.Fatalf("%s/%d: wrote past the frame at %d", tc.c, tc.rate, j)
				}
			}
		}
		t.Logf("%s/%d: %d of 3000 random payloads refused", tc.c, tc.rate, errs)
	}
}

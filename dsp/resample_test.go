package dsp

import (
	"errors"
	"math"
	"testing"

	"github.com/libvoip/libvoip/internal/audiotest"
)

// resampleAll runs src through r in chunks of chunk samples.
func resampleAll(r *Resampler, src []int16, chunk int) []int16 {
	var out []int16
	for i := 0; i < len(src); i += chunk {
		in := src[i:min(i+chunk, len(src))]
		dst := make([]int16, r.MaxOut(len(in)))
		n := r.Process(dst, in)
		if n != len(dst) {
			panic("Process wrote fewer samples than MaxOut promised")
		}
		out = append(out, dst[:n]...)
	}
	return out
}

// level returns the RMS of pcm after skipping the filter's start-up.
func level(pcm []int16) float64 {
	pcm = pcm[len(pcm)/10:]
	var sum float64
	for _, s := range pcm {
		sum += float64(s) * float64(s)
	}
	return math.Sqrt(sum / float64(len(pcm)))
}

func TestResamplerKeepsToneAndLength(t *testing.T) {
	tests := []struct {
		in, out int
		hz      float64
	}{
		{44100, 8000, 1000},
		{48000, 8000, 440},
		{16000, 8000, 1000},
		{8000, 16000, 1000},
		{8000, 48000, 1000},
		{22050, 8000, 2500},
		{11025, 8000, 3000},
		{8000, 8000, 1000},
		{48000, 16000, 1000},
		{44100, 48000, 1000},
	}
	for _, tt := range tests {
		r, err := NewResampler(tt.in, tt.out)
		if err != nil {
			t.Fatal(err)
		}
		src := audiotest.Tone(make([]int16, tt.in), tt.hz, 0.5, tt.in, nil) // 1 s
		got := resampleAll(r, src, tt.in/50)
		if want := tt.out; abs(len(got)-want) > 1 {
			t.Errorf("%d→%d: %d samples out of 1 s, want %d", tt.in, tt.out, len(got), want)
		}
		hz, _ := audiotest.DominantFrequency(got[len(got)/10:], tt.out)
		if math.Abs(hz-tt.hz) > 2 {
			t.Errorf("%d→%d: tone at %.1f Hz, want %.0f", tt.in, tt.out, hz, tt.hz)
		}
		inLevel, outLevel := level(src), level(got)
		if ratio := outLevel / inLevel; ratio < 0.97 || ratio > 1.03 {
			t.Errorf("%d→%d: level ratio %.3f, want 1 ± 0.03", tt.in, tt.out, ratio)
		}
	}
}

// TestResamplerRemovesAliases checks the low-pass: a tone above the new
// Nyquist frequency must vanish, not fold back into the band.
func TestResamplerRemovesAliases(t *testing.T) {
	tests := []struct {
		in, out int
		hz      float64
	}{
		{44100, 8000, 5000},  // would fold to 3000 Hz
		{48000, 8000, 6000},  // would fold to 2000 Hz
		{16000, 8000, 4600},  // would fold to 3400 Hz
		{48000, 16000, 9000}, // would fold to 7000 Hz
	}
	for _, tt := range tests {
		r, err := NewResampler(tt.in, tt.out)
		if err != nil {
			t.Fatal(err)
		}
		src := audiotest.Tone(make([]int16, tt.in), tt.hz, 0.9, tt.in, nil)
		got := resampleAll(r, src, 960)
		db := 20 * math.Log10(level(got)/level(src))
		t.Logf("%d→%d: %.0f Hz at %.1f dB", tt.in, tt.out, tt.hz, db)
		if db > -60 {
			t.Errorf("%d→%d: a %.0f Hz tone comes out at %.1f dB, want below -60 dB", tt.in, tt.out, tt.hz, db)
		}
	}
}

// TestResamplerChunkingInvariant: the output does not depend on how the
// input is cut, and a short dst only delays output.
func TestResamplerChunkingInvariant(t *testing.T) {
	src := audiotest.Tone(make([]int16, 44100/2), 700, 0.7, 44100, nil)
	ref := resampleAll(mustResampler(t, 44100, 8000), src, len(src))
	for _, chunk := range []int{1, 7, 882, 1000, 4096} {
		got := resampleAll(mustResampler(t, 44100, 8000), src, chunk)
		if !equal(got, ref) {
			t.Errorf("chunks of %d: output differs from one chunk (%d vs %d samples)", chunk, len(got), len(ref))
		}
	}
	// dst of 10 samples at a time: nothing lost, same samples.
	r := mustResampler(t, 44100, 8000)
	var got []int16
	dst := make([]int16, 10)
	for i := 0; i < len(src); i += 882 {
		for n := r.Process(dst, src[i:min(i+882, len(src))]); n > 0; n = r.Process(dst, nil) {
			got = append(got, dst[:n]...)
		}
	}
	if !equal(got, ref) {
		t.Errorf("short dst: %d samples, want the %d of a full dst", len(got), len(ref))
	}
}

func TestResamplerReset(t *testing.T) {
	r := mustResampler(t, 16000, 8000)
	src := audiotest.Tone(make([]int16, 320), 1000, 0.5, 16000, nil)
	first := resampleAll(r, src, 320)
	r.Reset()
	if again := resampleAll(r, src, 320); !equal(first, again) {
		t.Error("after Reset the same input gives different output")
	}
}

func TestResamplerErrors(t *testing.T) {
	for _, rates := range [][2]int{{0, 8000}, {8000, -1}, {999, 8000}, {8000, 400000}, {44101, 8000}} {
		if _, err := NewResampler(rates[0], rates[1]); !errors.Is(err, ErrRate) {
			t.Errorf("NewResampler(%d, %d): %v, want ErrRate", rates[0], rates[1], err)
		}
	}
}

func TestResamplerZeroAllocs(t *testing.T) {
	for _, rates := range [][2]int{{44100, 8000}, {8000, 48000}, {8000, 8000}} {
		r := mustResampler(t, rates[0], rates[1])
		src := audiotest.Tone(make([]int16, rates[0]/50), 1000, 0.5, rates[0], nil)
		dst := make([]int16, r.MaxOut(len(src))+2)
		r.Process(dst, src)
		if n := testing.AllocsPerRun(100, func() { r.Process(dst, src) }); n != 0 {
			t.Errorf("%d→%d: %v allocations per 20 ms frame, want 0", rates[0], rates[1], n)
		}
	}
}

func BenchmarkResampler(b *testing.B) {
	for _, rates := range [][2]int{{44100, 8000}, {48000, 8000}, {8000, 16000}, {16000, 48000}} {
		b.Run(itoa(rates[0])+"to"+itoa(rates[1]), func(b *testing.B) {
			r := mustResampler(b, rates[0], rates[1])
			src := audiotest.Tone(make([]int16, rates[0]/50), 1000, 0.5, rates[0], nil)
			dst := make([]int16, r.MaxOut(len(src))+2)
			b.ReportAllocs()
			for b.Loop() {
				r.Process(dst, src)
			}
		})
	}
}

func FuzzResampler(f *testing.F) {
	f.Add(44100, 8000, []byte{1, 2, 3, 4}, 3)
	f.Add(8000, 48000, []byte{0xff, 0x7f, 0, 0x80}, 1)
	f.Fuzz(func(t *testing.T, in, out int, pcm []byte, dstLen int) {
		r, err := NewResampler(in%100000, out%100000)
		if err != nil {
			return
		}
		src := make([]int16, min(len(pcm)/2, 4096))
		for i := range src {
			src[i] = int16(uint16(pcm[2*i]) | uint16(pcm[2*i+1])<<8)
		}
		dst := make([]int16, min(max(dstLen, 0), 8192))
		want := r.MaxOut(len(src))
		if n := r.Process(dst, src); n != min(want, len(dst)) {
			t.Fatalf("Process wrote %d, MaxOut said %d for dst of %d", n, want, len(dst))
		}
	})
}

func mustResampler(tb testing.TB, in, out int) *Resampler {
	tb.Helper()
	r, err := NewResampler(in, out)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

func equal(a, b []int16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func itoa(n int) string {
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}

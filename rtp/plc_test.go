package rtp

import (
	"math"
	"strconv"
	"testing"

	"github.com/libvoip/libvoip/internal/audiotest"
)

// toneFramesAt returns n consecutive 20 ms frames of a tone at rate Hz.
func toneFramesAt(rate, n int, hz, amp float64) [][]int16 {
	var phase float64
	frames := make([][]int16, n)
	for i := range frames {
		frames[i] = audiotest.Tone(make([]int16, rate/50), hz, amp, rate, &phase)
	}
	return frames
}

func rms(x []int16) float64 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s / float64(len(x)))
}

// correlation is the normalised correlation of a and b.
func correlation(a, b []int16) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}

// A lost frame of a tone is replaced by one of the same frequency and
// about the same level, close to the frame that was lost; silence is not.
// At every application rate (the constants scale with it), with tones
// above 4 kHz where the rate carries them.
func TestPLCKeepsToneAcrossLostFrame(t *testing.T) {
	tests := []struct {
		rate int
		hz   []float64
	}{
		{8000, []float64{220, 440, 1000, 1800}},
		{16000, []float64{220, 440, 1000, 1800, 5000}},
		{48000, []float64{220, 440, 1000, 1800, 5000, 12000}},
	}
	for _, tt := range tests {
		for _, hz := range tt.hz {
			checkPLCTone(t, tt.rate, hz)
		}
	}
}

func checkPLCTone(t *testing.T, rate int, hz float64) {
	t.Helper()
	n := rate / 50
	frames := toneFramesAt(rate, 12, hz, 8000)
	var p PLC
	if rate != 8000 {
		p.SetRate(rate)
	}
	for _, f := range frames[:8] {
		p.Good(append([]int16(nil), f...))
	}
	lost := frames[8]
	got := make([]int16, n)
	p.Conceal(got)
	// Frequency over the lost frame and the two after it (the
	// detector needs more than 20 ms).
	after := append([]int16(nil), frames[9]...)
	p.Good(after)
	span := append(append(append([]int16(nil), frames[7]...), got...), after...)
	// DominantFrequency looks below 3.8 kHz; above, the tone's own share
	// of the span's level says that the frequency is kept.
	f, _ := audiotest.DominantFrequency(span, rate)
	if hz > 3500 {
		if share := audiotest.ToneLevel(span, rate, hz) / rms(span); share > 0.9 {
			f = hz
		} else {
			f = 0
			t.Logf("%d/%v Hz: %.2f of the level at the tone", rate, hz, share)
		}
	}
	level := rms(got) / rms(lost)
	corr := correlation(got[:n/2], lost[:n/2])
	t.Logf("%5d Hz rate, %5.0f Hz: concealed frame at %.1f Hz, level %.2f of the original, correlation %.2f over 10 ms",
		rate, hz, f, level, corr)
	if math.Abs(f-hz) > hz*0.02+5 {
		t.Errorf("%d/%v Hz: concealed audio at %.1f Hz", rate, hz, f)
	}
	if level < 0.75 || level > 1.1 {
		t.Errorf("%d/%v Hz: concealed level %.2f of the original, want 0.75..1.1", rate, hz, level)
	}
	if corr < 0.7 {
		t.Errorf("%d/%v Hz: correlation with the lost frame %.2f, want >= 0.7", rate, hz, corr)
	}
	if silence := make([]int16, n); correlation(silence, lost) >= 0.7 || rms(silence) > 0 {
		t.Fatal("the comparison cannot tell silence from concealment")
	}
	if p.Concealed != 1 {
		t.Errorf("Concealed = %d, want 1", p.Concealed)
	}
}

// A long erasure fades to silence by 60 ms; the first good frame after it
// is cross-faded, not cut in.
func TestPLCFadesOut(t *testing.T) {
	for _, rate := range []int{8000, 16000, 48000} {
		frames := toneFramesAt(rate, 8, 500, 10000)
		var p PLC
		p.SetRate(rate)
		for _, f := range frames {
			p.Good(append([]int16(nil), f...))
		}
		levels := make([]float64, 4)
		out := make([]int16, rate/50)
		for i := range levels {
			p.Conceal(out)
			levels[i] = rms(out)
		}
		t.Logf("%d Hz: levels of 4 concealed frames: %.0f", rate, levels)
		if levels[0] < 5000 || !(levels[1] < levels[0] && levels[2] < levels[1]) || levels[3] != 0 {
			t.Errorf("%d Hz: levels %v: want full, then falling, then silence from 60 ms", rate, levels)
		}
	}
}

// Without history (the call's first frames lost) concealment is silence.
func TestPLCWithoutHistory(t *testing.T) {
	var p PLC
	out := []int16{1, 2, 3}
	p.Conceal(out)
	if out[0] != 0 || out[2] != 0 {
		t.Errorf("got %v, want silence", out)
	}
}

func TestPLCZeroAlloc(t *testing.T) {
	for _, rate := range []int{8000, 16000, 48000} {
		var p PLC
		p.SetRate(rate)
		for _, f := range toneFramesAt(rate, 5, 440, 8000) {
			p.Good(f)
		}
		out := make([]int16, rate/50)
		good := toneFramesAt(rate, 1, 440, 8000)[0]
		if n := testing.AllocsPerRun(100, func() {
			p.Conceal(out)
			p.Good(good)
		}); n != 0 {
			t.Errorf("%d Hz: %v allocations per concealed frame, want 0", rate, n)
		}
	}
}

// BenchmarkPLCConceal is one lost frame concealed (pitch search included)
// and the good frame after it, at each application rate.
func BenchmarkPLCConceal(b *testing.B) {
	for _, rate := range []int{8000, 16000, 48000} {
		b.Run(strconv.Itoa(rate), func(b *testing.B) {
			var p PLC
			p.SetRate(rate)
			frames := toneFramesAt(rate, 6, 440, 8000)
			for _, f := range frames[:5] {
				p.Good(f)
			}
			out := make([]int16, rate/50)
			good := frames[5]
			b.ReportAllocs()
			for b.Loop() {
				p.Conceal(out)
				p.Good(good)
			}
		})
	}
}

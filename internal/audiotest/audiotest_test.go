package audiotest

import (
	"math"
	"slices"
	"testing"
)

func TestToneZeroAlloc(t *testing.T) {
	pcm := make([]int16, 160)
	if n := testing.AllocsPerRun(100, func() { Tone(pcm, 440, 0.5, 8000, nil) }); n != 0 {
		t.Errorf("Tone allocs = %v, want 0", n)
	}
}

func TestToneDominantFrequency(t *testing.T) {
	tests := []struct {
		freq, amp  float64
		rate       int
		seconds    float64
		wantRMS    float64
		tolHz      float64
		chunkTones bool // generate 20 ms at a time through *phase
	}{
		{440, 0.5, 8000, 1, 0.5 * 32767 / math.Sqrt2, 5, true},
		{1000, 8000, 8000, 1, 8000 / math.Sqrt2, 5, true},
		{697, 0.25, 8000, 0.5, 0.25 * 32767 / math.Sqrt2, 5, false},
		{1633, 10000, 8000, 0.5, 10000 / math.Sqrt2, 5, false},
		{3400, 0.1, 8000, 0.5, 0.1 * 32767 / math.Sqrt2, 5, false},
		{60, 0.5, 8000, 2, 0.5 * 32767 / math.Sqrt2, 5, false},
		{440, 0.5, 48000, 0.5, 0.5 * 32767 / math.Sqrt2, 5, true},
		{2003.5, 0.5, 16000, 3, 0.5 * 32767 / math.Sqrt2, 5, false},
	}
	for _, tt := range tests {
		n := int(tt.seconds * float64(tt.rate))
		pcm := make([]int16, n)
		var phase float64
		if tt.chunkTones {
			step := tt.rate / 50
			for off := 0; off < n; off += step {
				Tone(pcm[off:min(off+step, n)], tt.freq, tt.amp, tt.rate, &phase)
			}
			// Chunked generation matches one-shot generation.
			whole := Tone(make([]int16, n), tt.freq, tt.amp, tt.rate, nil)
			for i := range whole {
				if d := int(whole[i]) - int(pcm[i]); d < -1 || d > 1 {
					t.Fatalf("%v Hz: chunked sample %d = %d, one-shot %d", tt.freq, i, pcm[i], whole[i])
				}
			}
		} else {
			Tone(pcm, tt.freq, tt.amp, tt.rate, &phase)
		}
		if phase < 0 || phase >= 2*math.Pi {
			t.Errorf("%v Hz: phase %v outside [0, 2π)", tt.freq, phase)
		}
		hz, rms := DominantFrequency(pcm, tt.rate)
		if math.Abs(hz-tt.freq) > tt.tolHz {
			t.Errorf("DominantFrequency(%v Hz @ %d) = %.2f Hz", tt.freq, tt.rate, hz)
		}
		if math.Abs(rms-tt.wantRMS) > 0.01*tt.wantRMS {
			t.Errorf("%v Hz: rms = %.1f, want %.1f", tt.freq, rms, tt.wantRMS)
		}
	}
}

func TestDominantFrequencyMixed(t *testing.T) {
	const rate = 8000
	tests := []struct {
		name  string
		build func() []int16
		want  float64 // 0: silence
	}{
		{"silence", func() []int16 { return make([]int16, rate) }, 0},
		{"empty", func() []int16 { return nil }, 0},
		{"dtmf-1 strongest high", func() []int16 {
			lo := Tone(make([]int16, rate/2), 697, 0.2, rate, nil)
			hi := Tone(make([]int16, rate/2), 1209, 0.3, rate, nil)
			for i := range lo {
				lo[i] += hi[i]
			}
			return lo
		}, 1209},
		{"tone after silence gap", func() []int16 {
			pcm := make([]int16, 2*rate)
			Tone(pcm[rate:], 852, 0.3, rate, nil)
			return pcm
		}, 852},
		{"tone with quiet noise", func() []int16 {
			pcm := Tone(make([]int16, rate), 1477, 0.3, rate, nil)
			x := uint32(1)
			for i := range pcm {
				x = x*1664525 + 1013904223
				pcm[i] += int16(x>>24) - 128
			}
			return pcm
		}, 1477},
	}
	for _, tt := range tests {
		hz, _ := DominantFrequency(tt.build(), rate)
		if math.Abs(hz-tt.want) > 5 {
			t.Errorf("%s: DominantFrequency = %.2f, want %v", tt.name, hz, tt.want)
		}
	}
	if hz, rms := DominantFrequency([]int16{1, 2, 3}, 0); hz != 0 || rms != 0 {
		t.Errorf("sampleRate 0: got %v, %v", hz, rms)
	}
}

func TestToneClipAndEdges(t *testing.T) {
	pcm := Tone(make([]int16, 80), 100, 1e6, 8000, nil)
	if mx, mn := slices.Max(pcm), slices.Min(pcm); mx != math.MaxInt16 || mn != math.MinInt16 {
		t.Errorf("clipping: max %d min %d", mx, mn)
	}
	pcm = Tone([]int16{5, 5}, 100, 0.5, 0, nil)
	if pcm[0] != 0 || pcm[1] != 0 {
		t.Errorf("sampleRate 0 should give silence, got %v", pcm)
	}
	phase := math.Pi / 2
	pcm = Tone(make([]int16, 1), 100, 1000, 8000, &phase)
	if pcm[0] != 1000 {
		t.Errorf("starting phase π/2: got %d, want 1000", pcm[0])
	}
}

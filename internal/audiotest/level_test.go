package audiotest

import (
	"math"
	"testing"
)

func TestToneLevel(t *testing.T) {
	tests := []struct {
		name     string
		rate     int
		tone, at float64
		amp      float64
		wantRMS  float64 // 0: below 1 % of the tone's RMS
	}{
		{"1 kHz at 16 kHz", 16000, 1000, 1000, 10000, 10000 / math.Sqrt2},
		{"5 kHz at 48 kHz", 48000, 5000, 5000, 8000, 8000 / math.Sqrt2},
		{"1 kHz read at 5 kHz", 16000, 1000, 5000, 10000, 0},
		{"5 kHz read at 1 kHz", 48000, 5000, 1000, 10000, 0},
		{"above Nyquist", 8000, 1000, 5000, 10000, 0},
	}
	for _, tt := range tests {
		pcm := Tone(make([]int16, tt.rate/2), tt.tone, tt.amp, tt.rate, nil)
		got := ToneLevel(pcm, tt.rate, tt.at)
		if tt.wantRMS == 0 {
			if got > tt.amp/math.Sqrt2/100 {
				t.Errorf("%s: level %.1f, want < 1 %% of %.1f", tt.name, got, tt.amp/math.Sqrt2)
			}
			continue
		}
		if math.Abs(got-tt.wantRMS) > tt.wantRMS*0.02 {
			t.Errorf("%s: level %.1f, want %.1f ±2 %%", tt.name, got, tt.wantRMS)
		}
	}
}

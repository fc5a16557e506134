package rtp

import (
	"math"
	"testing"
)

// Comfort noise plays at the level its CN packet signals.
func TestComfortNoiseLevel(t *testing.T) {
	for _, level := range []byte{30, 40, 60, 70} {
		var c ComfortNoise
		c.SetLevel([]byte{level, 0x12}) // spectral bytes are ignored
		out := make([]int16, 8000)
		for i := 0; i < len(out); i += SamplesPerFrame {
			c.Render(out[i : i+SamplesPerFrame])
		}
		got := 20 * math.Log10(rms(out)/32767)
		if math.Abs(got+float64(level)) > 1 {
			t.Errorf("level %d: noise at %.1f dBov, want -%d ± 1", level, got, level)
		}
		if !c.Active() || c.Frames != 50 {
			t.Errorf("level %d: active %v, frames %d", level, c.Active(), c.Frames)
		}
	}
	var c ComfortNoise
	c.SetLevel([]byte{50})
	c.SetLevel(nil) // no level: the previous one stays
	out := make([]int16, 4000)
	c.Render(out)
	if got := 20 * math.Log10(rms(out)/32767); math.Abs(got+50) > 1 {
		t.Errorf("empty CN payload: %.1f dBov, want -50", got)
	}
	c.Stop()
	if c.Active() {
		t.Error("still active after Stop")
	}
}

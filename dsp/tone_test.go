package dsp

import (
	"errors"
	"math"
	"testing"

	"github.com/libvoip/libvoip/internal/audiotest"
)

func render(t *testing.T, spec string, rate, ms int) []int16 {
	t.Helper()
	tone, err := ParseTone(spec)
	if err != nil {
		t.Fatalf("ParseTone(%q): %v", spec, err)
	}
	g, err := NewToneGenerator(tone, rate, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]int16, rate*ms/1000)
	frame := rate / 50
	for i := 0; i < len(out); i += frame {
		g.Read(out[i:min(len(out), i+frame)])
	}
	return out
}

func TestToneFrequencies(t *testing.T) {
	for _, tc := range []struct {
		spec string
		rate int
		want []float64
	}{
		{"425", 8000, []float64{425}},
		{"dial:eu", 16000, []float64{425}},
		{"350+440", 8000, []float64{350, 440}},
		{"dial:us", 48000, []float64{350, 440}},
		{"1000", 44100, []float64{1000}},
	} {
		pcm := render(t, tc.spec, tc.rate, 1000)
		for _, f := range tc.want {
			share := Goertzel(pcm, f, tc.rate) / energy(pcm)
			if share < 0.3 {
				t.Errorf("%s at %d Hz: %v Hz holds %.2f of the energy", tc.spec, tc.rate, f, share)
			}
		}
		if len(tc.want) == 1 {
			hz, _ := audiotest.DominantFrequency(pcm, tc.rate)
			if math.Abs(hz-tc.want[0]) > 2 {
				t.Errorf("%s at %d Hz: dominant %.1f Hz", tc.spec, tc.rate, hz)
			}
		}
	}
}

func energy(x []int16) float64 {
	var e float64
	for _, v := range x {
		e += float64(v) * float64(v)
	}
	return e
}

// edges returns the times (ms) where a 1 ms envelope switches on or off.
func edges(pcm []int16, rate int) (on, off []int) {
	ms := rate / 1000
	was := false
	for i := 0; i+ms <= len(pcm); i += ms {
		peak := 0
		for _, v := range pcm[i : i+ms] {
			peak = max(peak, int(v), -int(v))
		}
		now := peak > 200
		if now && !was {
			on = append(on, i/ms)
		} else if !now && was {
			off = append(off, i/ms)
		}
		was = now
	}
	return on, off
}

func TestCadences(t *testing.T) {
	for _, tc := range []struct {
		spec    string
		on, off []int // expected edges in ms over 13 s
	}{
		{"ringback:us", []int{0, 6000, 12000}, []int{2000, 8000}},
		{"ringback:eu", []int{0, 5000, 10000}, []int{1000, 6000, 11000}},
		{"busy:eu", []int{0, 1000, 2000}, []int{500, 1500, 2500}},
		{"callwaiting:eu", []int{0, 400, 10000, 10400}, []int{200, 600, 10200, 10600}},
	} {
		for _, rate := range []int{8000, 16000, 48000} {
			on, off := edges(render(t, tc.spec, rate, 13000), rate)
			check := func(kind string, got, want []int) {
				for i, w := range want {
					if i >= len(got) || math.Abs(float64(got[i]-w)) > 10 {
						t.Errorf("%s at %d Hz: %s edges %v, want %v (±10 ms)", tc.spec, rate, kind, got, want)
						return
					}
				}
			}
			check("on", on, tc.on)
			check("off", off, tc.off)
		}
	}
}

func TestOnceEnds(t *testing.T) {
	tone, err := ParseTone("once:880/500")
	if err != nil || tone.Loop {
		t.Fatalf("once:880/500: %v loop=%v", err, tone.Loop)
	}
	g, _ := NewToneGenerator(tone, 8000, 0)
	buf := make([]int16, 160)
	total := 0
	for i := 0; i < 100 && !g.Done(); i++ {
		total += g.Read(buf)
	}
	if total != 4000 {
		t.Fatalf("once:880/500 played %d samples, want 4000", total)
	}
}

func TestDTMFToneEnds(t *testing.T) {
	tone, err := ParseTone("dtmf:12")
	if err != nil {
		t.Fatal(err)
	}
	g, _ := NewToneGenerator(tone, 8000, 0)
	buf := make([]int16, 160)
	total := 0
	for i := 0; i < 50 && !g.Done(); i++ {
		total += g.Read(buf)
	}
	if !g.Done() || total != 2*1600 {
		t.Fatalf("done=%v after %d samples, want 3200", g.Done(), total)
	}
	if n := g.Read(buf); n != 0 || buf[0] != 0 || buf[159] != 0 {
		t.Fatalf("after the end: %d samples, want silence", n)
	}
}

func TestParseToneErrors(t *testing.T) {
	for _, spec := range []string{
		"", "foo", "ringback:mars", "440+480+620", "x/10", "440/abc", "440/-5",
		"440/0", "440/100/100/100", "dtmf:", "dtmf:12x", "350+440,440/100", "99999",
		"-440", "once:", "once:350+440", "once:dtmf:1", "once:once:440/100",
	} {
		if _, err := ParseTone(spec); !errors.Is(err, ErrToneSpec) {
			t.Errorf("ParseTone(%q) = %v, want ErrToneSpec", spec, err)
		}
	}
	for _, spec := range []string{"ringback", "busy:us", "RINGBACK:EU", "dial:eu", "congestion:us",
		"reorder:eu", "callwaiting:us", "callwaiting:eu", "0/500,440/500", "dtmf:0123456789*#ABCD"} {
		if _, err := ParseTone(spec); err != nil {
			t.Errorf("ParseTone(%q): %v", spec, err)
		}
	}
	tone, _ := ParseTone("3000")
	if _, err := NewToneGenerator(tone, 8000, 0); err != nil {
		t.Errorf("3000 Hz at 8 kHz: %v", err)
	}
	tone, _ = ParseTone("5000")
	if _, err := NewToneGenerator(tone, 8000, 0); !errors.Is(err, ErrToneSpec) {
		t.Errorf("5000 Hz at 8 kHz: %v, want ErrToneSpec", err)
	}
}

func TestToneReadZeroAlloc(t *testing.T) {
	tone, _ := ParseTone("ringback:us")
	g, _ := NewToneGenerator(tone, 8000, 0)
	buf := make([]int16, 160)
	if n := testing.AllocsPerRun(200, func() { g.Read(buf) }); n != 0 {
		t.Fatalf("%v allocations per frame", n)
	}
}

func TestToneAppend(t *testing.T) {
	g := Idle(8000)
	buf := make([]int16, 160)
	if n := g.Read(buf); n != 0 || !g.Done() {
		t.Fatalf("idle generator read %d samples", n)
	}
	seg := Segment{F1: 697, F2: 1209, On: 100, Off: 100}
	if err := g.Append(seg); err != nil {
		t.Fatal(err)
	}
	total := 0
	for i := 0; i < 5; i++ {
		total += g.Read(buf)
	}
	if err := g.Append(seg, seg); err != nil { // while playing
		t.Fatal(err)
	}
	for i := 0; i < 40 && !g.Done(); i++ {
		total += g.Read(buf)
	}
	if total != 3*1600 {
		t.Fatalf("%d samples for three 200 ms keys, want 4800", total)
	}
	loop, _ := NewToneGenerator(Tone{Segments: []Segment{seg}, Loop: true}, 8000, 0)
	if err := loop.Append(seg); err == nil {
		t.Fatal("append to a looping tone accepted")
	}
}

// BenchmarkToneFrame is a dual-frequency tone's cost per 20 ms frame at 8 kHz.
func BenchmarkToneFrame(b *testing.B) {
	tone, _ := ParseTone("ringback:us")
	g, _ := NewToneGenerator(tone, 8000, 0)
	buf := make([]int16, 160)
	b.ReportAllocs()
	for range b.N {
		g.Read(buf)
	}
}

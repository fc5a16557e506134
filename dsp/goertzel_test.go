package dsp

import (
	"math/rand"
	"testing"

	"github.com/zaf/g711"
)

// detect runs pcm through a detector frame by frame and returns the keys.
func detect(t *testing.T, pcm []int16, rate int) string {
	t.Helper()
	d, err := NewDTMFDetector(rate)
	if err != nil {
		t.Fatal(err)
	}
	var keys []byte
	frame := rate / 50
	for i := 0; i+frame <= len(pcm); i += frame {
		keys = d.Process(keys, pcm[i:i+frame])
	}
	return string(keys)
}

func dtmf(t *testing.T, keys string, on, off, rate int) []int16 {
	t.Helper()
	tone, err := DTMFTone(keys, on, off)
	if err != nil {
		t.Fatal(err)
	}
	g, _ := NewToneGenerator(tone, rate, 0)
	out := make([]int16, (on+off)*len(keys)*rate/1000+rate/10)
	g.Read(out)
	return out
}

func TestDTMFDetectorKeys(t *testing.T) {
	all := "0123456789*#ABCD"
	for _, rate := range []int{8000, 16000, 48000} {
		for _, on := range []int{50, 100, 200} {
			pcm := dtmf(t, all, on, 60, rate)
			if got := detect(t, pcm, rate); got != all {
				t.Errorf("rate %d, %d ms keys: detected %q, want %q", rate, on, got, all)
			}
		}
	}
}

func TestDTMFDetectorThroughG711WithNoise(t *testing.T) {
	pcm := dtmf(t, "159#", 100, 100, 8000)
	rng := rand.New(rand.NewSource(1))
	for i := range pcm {
		v := int(pcm[i]) + rng.Intn(801) - 400 // noise about 30 dB below the tone
		pcm[i] = g711.DecodeUlawFrame(g711.EncodeUlawFrame(int16(v)))
	}
	if got := detect(t, pcm, 8000); got != "159#" {
		t.Fatalf("detected %q, want 159#", got)
	}
}

func TestDTMFDetectorRejects(t *testing.T) {
	// Silence, a single tone, a call-progress tone, noise: no key.
	rng := rand.New(rand.NewSource(2))
	noise := make([]int16, 8000)
	for i := range noise {
		noise[i] = int16(rng.Intn(16001) - 8000)
	}
	cases := map[string][]int16{
		"silence":  make([]int16, 8000),
		"697 only": render(t, "697", 8000, 1000),
		"ringback": render(t, "ringback:us", 8000, 3000),
		"dial":     render(t, "dial:us", 8000, 1000),
		"noise":    noise,
	}
	for name, pcm := range cases {
		if got := detect(t, pcm, 8000); got != "" {
			t.Errorf("%s: detected %q", name, got)
		}
	}
	// A held key is reported once; a repeat after a gap is reported again.
	if got := detect(t, dtmf(t, "55", 1000, 100, 8000), 8000); got != "55" {
		t.Errorf("held keys: %q, want 55", got)
	}
}

func TestDTMFDetectorZeroAlloc(t *testing.T) {
	d, _ := NewDTMFDetector(8000)
	pcm := dtmf(t, "1", 100, 0, 8000)[:160]
	keys := make([]byte, 0, 4)
	if n := testing.AllocsPerRun(200, func() { keys = d.Process(keys[:0], pcm) }); n != 0 {
		t.Fatalf("%v allocations per frame", n)
	}
	if _, err := NewDTMFDetector(8001); err == nil {
		t.Fatal("rate 8001 accepted")
	}
}

// BenchmarkDTMFDetectFrame is the in-band detector's cost per 20 ms frame
// at 8 kHz (dtmf_detect_inband on a call).
func BenchmarkDTMFDetectFrame(b *testing.B) {
	d, _ := NewDTMFDetector(8000)
	pcm := make([]int16, 160)
	for i := range pcm {
		pcm[i] = int16(3000 * (i%7 - 3))
	}
	keys := make([]byte, 0, 4)
	b.ReportAllocs()
	for range b.N {
		keys = d.Process(keys[:0], pcm)
	}
}

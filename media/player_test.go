package media

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/libvoip/libvoip/internal/audiotest"
)

// playAll reads a player frame by frame until it ends (or max frames).
func playAll(p *Player, frame, max int) []int16 {
	var out []int16
	buf := make([]int16, frame)
	for i := 0; i < max; i++ {
		select {
		case <-p.Done():
			return out
		default:
		}
		if p.Read(buf) {
			out = append(out, buf...)
		}
	}
	return out
}

func TestPlayerResamples(t *testing.T) {
	for _, tc := range []struct {
		name              string
		channels, srcRate int
		bridgeRate        int
	}{
		{"8k mono to 8k", 1, 8000, 8000},
		{"16k mono to 8k", 1, 16000, 8000},
		{"44.1k stereo to 8k", 2, 44100, 8000},
		{"8k mono to 48k", 1, 8000, 48000},
		{"44.1k stereo to 16k", 2, 44100, 16000},
	} {
		var reason string
		p, err := NewPlayer(toneWAV(t, wavPCM, tc.channels, tc.srcRate, 16, 1000, 1000), tc.bridgeRate,
			PlayerOptions{OnEnd: func(r string) { reason = r }})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		out := playAll(p, tc.bridgeRate/50, 100)
		if reason != ReasonFinished {
			t.Fatalf("%s: ended %q", tc.name, reason)
		}
		if len(out) != tc.bridgeRate { // one second, in whole frames
			t.Errorf("%s: %d samples, want %d", tc.name, len(out), tc.bridgeRate)
		}
		hz, rms := audiotest.DominantFrequency(out, tc.bridgeRate)
		want := 0.5 * 32767 / math.Sqrt2 / float64(tc.channels)
		if math.Abs(hz-1000) > 3 || math.Abs(rms-want) > want*0.1 {
			t.Errorf("%s: %.1f Hz at RMS %.0f, want 1000 Hz at %.0f", tc.name, hz, rms, want)
		}
	}
}

func TestPlayerAliasRemoved(t *testing.T) {
	// 6 kHz at 16 kHz has no place at 8 kHz: a low-pass resampler removes
	// it (sample dropping would fold it to 2 kHz at full level).
	p, err := NewPlayer(toneWAV(t, wavPCM, 1, 16000, 16, 6000, 500), 8000, PlayerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, rms := audiotest.DominantFrequency(playAll(p, 160, 100), 8000)
	if rms > 300 {
		t.Fatalf("RMS %.0f left of a 6 kHz tone at 8 kHz, want < 300", rms)
	}
}

func TestPlayerLoopAndStop(t *testing.T) {
	p, err := NewPlayer(toneWAV(t, wavPCM, 1, 8000, 16, 500, 30), 8000, PlayerOptions{Loop: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(playAll(p, 160, 10)); got != 1600 {
		t.Fatalf("looping player gave %d samples in 10 frames", got)
	}
	p.Stop()
	if r, err := p.Wait(context.Background()); err != nil || r != ReasonStopped {
		t.Fatalf("Wait: %q %v", r, err)
	}
	if p.Read(make([]int16, 160)) {
		t.Fatal("a stopped player still plays")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	q, _ := NewPlayer(toneWAV(t, wavPCM, 1, 8000, 16, 500, 30), 8000, PlayerOptions{})
	if _, err := q.Wait(ctx); err == nil {
		t.Fatal("Wait on an unplayed player returned")
	}
}

func TestPlayerReadZeroAlloc(t *testing.T) {
	p, _ := NewPlayer(toneWAV(t, wavPCM, 1, 8000, 16, 500, 100), 8000, PlayerOptions{Loop: true})
	tone, _ := NewTone("ringback:eu", 8000, nil)
	buf := make([]int16, 160)
	if n := testing.AllocsPerRun(100, func() { p.Read(buf); tone.Read(buf) }); n != 0 {
		t.Fatalf("%v allocations per frame", n)
	}
}

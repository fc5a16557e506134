package media

import (
	"fmt"
	"os"
	"sync"

	"github.com/libvoip/libvoip/dsp"
)

// Player plays a WAV file's audio into the ports it is connected to (a
// source port; sipsimple's WaveFile, PJSUA2's AudioMediaPlayer). The file
// is decoded, mixed down to mono and resampled to the bridge's rate when it
// is opened, so that playing costs a copy per frame. It plays once, or
// loops, from the first tick it feeds a sink; when the audio ends it ends
// with ReasonFinished.
type Player struct {
	ending
	mu      sync.Mutex
	samples []int16
	pos     int
	loop    bool
	ended   bool
}

// PlayerOptions configure a Player.
type PlayerOptions struct {
	Loop  bool                // start again at the end, for ever
	OnEnd func(reason string) // called once when it ends; must not block
}

// OpenPlayer reads the WAV file at path for a bridge of rate Hz.
func OpenPlayer(path string, rate int, opt PlayerOptions) (*Player, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return NewPlayer(b, rate, opt)
}

// NewPlayer plays the WAV file held in b (which it does not keep) at rate.
func NewPlayer(b []byte, rate int, opt PlayerOptions) (*Player, error) {
	pcm, info, err := DecodeWAV(b)
	if err != nil {
		return nil, err
	}
	if len(pcm) == 0 {
		return nil, fmt.Errorf("%w: no audio", ErrCorrupt)
	}
	if info.Rate != rate {
		if pcm, err = Resample(pcm, info.Rate, rate); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrFormat, err)
		}
	}
	return &Player{ending: newEnding(opt.OnEnd), samples: pcm, loop: opt.Loop}, nil
}

// Resample converts a whole signal from one rate to another with dsp's
// low-pass resampler, flushing its filter so that the result has
// len(pcm)*out/in samples, aligned with the input.
func Resample(pcm []int16, in, out int) ([]int16, error) {
	r, err := dsp.NewResampler(in, out)
	if err != nil {
		return nil, err
	}
	flush := make([]int16, in/20) // 50 ms of silence pushes the filter's lag out
	dst := make([]int16, r.MaxOut(len(pcm))+r.MaxOut(len(flush))+out/20)
	n := r.Process(dst, pcm)
	n += r.Process(dst[n:], flush)
	want := int(int64(len(pcm)) * int64(out) / int64(in))
	return dst[:min(n, want)], nil
}

// Caps reports that a player is a source only.
func (p *Player) Caps() (source, sink bool) { return true, false }

// Write does nothing: a player takes no audio.
func (p *Player) Write([]int16) {}

// Read fills dst with the next frame of the file.
func (p *Player) Read(dst []int16) bool {
	p.mu.Lock()
	if p.ended {
		p.mu.Unlock()
		return false
	}
	n := 0
	for n < len(dst) {
		k := copy(dst[n:], p.samples[p.pos:])
		n += k
		p.pos += k
		if p.pos < len(p.samples) {
			break
		}
		if !p.loop {
			p.ended = true
			break
		}
		p.pos = 0
	}
	clear(dst[n:])
	ended := p.ended
	p.mu.Unlock()
	if ended {
		p.finish(ReasonFinished)
	}
	return n > 0
}

// Stop ends playback (ReasonStopped) unless it already ended.
func (p *Player) Stop() {
	p.mu.Lock()
	p.ended = true
	p.mu.Unlock()
	p.finish(ReasonStopped)
}

// Duration is the length of one pass over the audio in samples of the
// bridge's rate.
func (p *Player) Duration() int { return len(p.samples) }

package media

import (
	"sync"

	"github.com/libvoip/libvoip/dsp"
)

// Tone is a tone generator as a source port (sipsimple's ToneGenerator,
// PJSUA2's ToneGenerator): a dsp.Tone played from the first tick it feeds
// a sink. A tone that does not loop (DTMF keys) ends with ReasonFinished.
type Tone struct {
	ending
	mu    sync.Mutex
	gen   *dsp.ToneGenerator
	ended bool
}

// NewTone returns a port playing spec (dsp.ParseTone's syntax: "ringback:us",
// "440+480/2000/4000", "dtmf:123") at rate; onEnd (may be nil, must not
// block) is called once when it ends.
func NewTone(spec string, rate int, onEnd func(reason string)) (*Tone, error) {
	t, err := dsp.ParseTone(spec)
	if err != nil {
		return nil, err
	}
	g, err := dsp.NewToneGenerator(t, rate, 0)
	if err != nil {
		return nil, err
	}
	return &Tone{ending: newEnding(onEnd), gen: g}, nil
}

// Caps reports that a tone is a source only.
func (t *Tone) Caps() (source, sink bool) { return true, false }

// Write does nothing: a tone takes no audio.
func (t *Tone) Write([]int16) {}

// Read fills dst with the next frame of the tone.
func (t *Tone) Read(dst []int16) bool {
	t.mu.Lock()
	if t.ended {
		t.mu.Unlock()
		return false
	}
	n := t.gen.Read(dst)
	t.ended = t.gen.Done()
	ended := t.ended
	t.mu.Unlock()
	if ended {
		t.finish(ReasonFinished)
	}
	return n > 0
}

// Stop ends the tone (ReasonStopped) unless it already ended.
func (t *Tone) Stop() {
	t.mu.Lock()
	t.ended = true
	t.mu.Unlock()
	t.finish(ReasonStopped)
}

package dsp

import (
	"errors"
	"fmt"
	"math"
)

// Segment is one step of a tone's cadence: up to two frequencies sounded
// together for On milliseconds, then silence for Off milliseconds. A
// frequency of 0 is silent; a Segment with both frequencies 0 is a pause.
// On == 0 means "for ever" (a continuous tone such as a dial tone).
type Segment struct {
	F1, F2  float64 // Hz
	On, Off int     // milliseconds
}

// Tone is a cadence: Segments played in order, repeated when Loop is set.
type Tone struct {
	Segments []Segment
	Loop     bool
}

// ErrToneSpec is wrapped by every error about a tone's description.
var ErrToneSpec = errors.New("dsp: bad tone spec")

// DefaultToneLevel is the peak of each frequency of a generated tone as a
// fraction of full scale: two frequencies together peak at half scale
// (about -9 dBFS each, the usual DTMF and call-progress level range).
const DefaultToneLevel = 0.25

// ToneGenerator synthesises a Tone at a sample rate, a frame at a time,
// sample-accurately (cadence edges fall on the exact sample). It keeps the
// oscillators' phases across frames and allocates nothing in Read.
type ToneGenerator struct {
	rate      int
	tone      Tone
	amp       float64
	seg       int // current segment
	pos       int // samples played in it
	onN, offN int // current segment's lengths in samples (onN < 0: for ever)
	ph1, ph2  float64
	done      bool
}

// NewToneGenerator returns a generator of t at rate samples per second
// with each frequency peaking at level (a fraction of full scale; 0 means
// DefaultToneLevel).
func NewToneGenerator(t Tone, rate int, level float64) (*ToneGenerator, error) {
	if rate < 8000 || rate > 192000 {
		return nil, errors.New("dsp: sample rate out of range")
	}
	if err := t.validate(rate); err != nil {
		return nil, err
	}
	if level <= 0 || level > 1 {
		level = DefaultToneLevel
	}
	g := &ToneGenerator{rate: rate, tone: t, amp: level * math.MaxInt16}
	g.Reset()
	return g, nil
}

func (t Tone) validate(rate int) error {
	if len(t.Segments) == 0 {
		return fmt.Errorf("%w: no segment", ErrToneSpec)
	}
	for i, s := range t.Segments {
		for _, f := range []float64{s.F1, s.F2} {
			if f < 0 || f >= float64(rate)/2 || math.IsNaN(f) {
				return fmt.Errorf("%w: frequency outside 0..rate/2", ErrToneSpec)
			}
		}
		if s.On < 0 || s.Off < 0 || s.On > 3600_000 || s.Off > 3600_000 {
			return fmt.Errorf("%w: duration outside 0..3600000 ms", ErrToneSpec)
		}
		if s.On == 0 && (s.Off != 0 || i != len(t.Segments)-1) {
			return fmt.Errorf("%w: a continuous segment must be the last and have no off time", ErrToneSpec)
		}
	}
	return nil
}

// Reset restarts the tone from its first segment.
func (g *ToneGenerator) Reset() {
	g.done = false
	g.ph1, g.ph2 = 0, 0
	g.enter(0)
}

func (g *ToneGenerator) enter(i int) {
	g.seg, g.pos = i, 0
	s := g.tone.Segments[i]
	if s.On == 0 {
		g.onN, g.offN = -1, 0
		return
	}
	g.onN = s.On * g.rate / 1000
	g.offN = s.Off * g.rate / 1000
}

// Done reports whether a tone without Loop has played to its end.
func (g *ToneGenerator) Done() bool { return g.done }

// Read fills dst with the next samples and returns how many belong to the
// tone (the rest, after the end of a tone without Loop, is silence).
func (g *ToneGenerator) Read(dst []int16) int {
	n := 0
	for n < len(dst) && !g.done {
		n += g.fill(dst[n:])
	}
	clear(dst[n:])
	return n
}

// fill writes into dst up to the end of the current segment's on or off
// part and advances the cadence.
func (g *ToneGenerator) fill(dst []int16) int {
	s := g.tone.Segments[g.seg]
	if g.onN < 0 { // continuous
		g.synth(dst, s)
		return len(dst)
	}
	if g.pos < g.onN {
		k := min(len(dst), g.onN-g.pos)
		g.synth(dst[:k], s)
		g.pos += k
		g.maybeNext()
		return k
	}
	k := min(len(dst), g.onN+g.offN-g.pos)
	clear(dst[:k])
	g.pos += k
	g.maybeNext()
	return k
}

func (g *ToneGenerator) maybeNext() {
	if g.pos < g.onN+g.offN {
		return
	}
	next := g.seg + 1
	if next == len(g.tone.Segments) {
		if !g.tone.Loop {
			g.done = true
			return
		}
		next = 0
	}
	g.enter(next)
	g.ph1, g.ph2 = 0, 0
}

func (g *ToneGenerator) synth(dst []int16, s Segment) {
	w1 := 2 * math.Pi * s.F1 / float64(g.rate)
	w2 := 2 * math.Pi * s.F2 / float64(g.rate)
	for i := range dst {
		v := 0.0
		if s.F1 > 0 {
			v += math.Sin(g.ph1)
		}
		if s.F2 > 0 {
			v += math.Sin(g.ph2)
		}
		dst[i] = int16(math.Round(v * g.amp))
		g.ph1 += w1
		g.ph2 += w2
	}
	g.ph1 = math.Mod(g.ph1, 2*math.Pi)
	g.ph2 = math.Mod(g.ph2, 2*math.Pi)
}

// Append adds segments to the end of a tone that does not loop (a queue of
// DTMF keys) and resumes a generator that had finished. Segments already
// played are dropped so that the queue does not grow for ever.
func (g *ToneGenerator) Append(segs ...Segment) error {
	if g.tone.Loop {
		return fmt.Errorf("%w: cannot append to a looping tone", ErrToneSpec)
	}
	t := Tone{Segments: segs}
	if err := t.validate(g.rate); err != nil {
		return err
	}
	if g.done {
		g.tone.Segments = append(g.tone.Segments[:0], segs...)
		g.Reset()
		return nil
	}
	kept := copy(g.tone.Segments, g.tone.Segments[g.seg:])
	g.tone.Segments = append(g.tone.Segments[:kept], segs...)
	g.seg = 0
	return nil
}

// Idle returns a finished generator at rate to which Append adds segments.
func Idle(rate int) *ToneGenerator {
	return &ToneGenerator{rate: rate, amp: DefaultToneLevel * math.MaxInt16, done: true}
}

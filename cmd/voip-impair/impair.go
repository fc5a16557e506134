package main

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// ErrBadImpairment reports an impairment setting out of range.
var ErrBadImpairment = errors.New("voip-impair: bad impairment")

// Impairment is what one direction of a link does to its packets.
type Impairment struct {
	Loss       float64       // probability (0..1) that a packet is dropped
	Delay      time.Duration // fixed delay added to every packet
	Jitter     time.Duration // a further uniform random delay in [0, Jitter]
	Reorder    float64       // probability (0..1) that a packet is held back ReorderGap more
	ReorderGap time.Duration // the extra delay of a held-back packet (later ones overtake it)
}

// Validate reports ErrBadImpairment for probabilities outside [0, 1] and
// negative durations.
func (im Impairment) Validate() error {
	switch {
	case im.Loss < 0 || im.Loss > 1:
		return fmt.Errorf("%w: loss %v not in [0,1]", ErrBadImpairment, im.Loss)
	case im.Reorder < 0 || im.Reorder > 1:
		return fmt.Errorf("%w: reorder %v not in [0,1]", ErrBadImpairment, im.Reorder)
	case im.Delay < 0 || im.Jitter < 0 || im.ReorderGap < 0:
		return fmt.Errorf("%w: negative delay, jitter or reorder gap", ErrBadImpairment)
	}
	return nil
}

// verdict is the fate of one packet.
type verdict struct {
	drop    bool          // the packet is lost
	wait    time.Duration // how long after its arrival it is sent
	holdOff bool          // it was held back to be overtaken (reordering)
}

// impairer draws the fate of each packet of one direction from a seeded
// generator: the same seed and the same packet count give the same
// decisions. It is not safe for concurrent use.
type impairer struct {
	im  Impairment
	rng *rand.Rand
}

// newImpairer returns an impairer for im whose decisions follow seed.
func newImpairer(im Impairment, seed uint64) *impairer {
	return &impairer{im: im, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// next decides the fate of the next packet. Every call draws the same
// number of random values, so one decision does not shift the others.
func (p *impairer) next() verdict {
	lossDraw, reorderDraw, jitterDraw := p.rng.Float64(), p.rng.Float64(), p.rng.Float64()
	v := verdict{wait: p.im.Delay + time.Duration(jitterDraw*float64(p.im.Jitter))}
	if lossDraw < p.im.Loss {
		v.drop = true
		return v
	}
	if reorderDraw < p.im.Reorder {
		v.holdOff = true
		v.wait += p.im.ReorderGap
	}
	return v
}

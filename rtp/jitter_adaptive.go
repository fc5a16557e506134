package rtp

import (
	"math"
	"time"
)

// Playout is the jitter buffer a stream plays from: a JitterBuffer with a
// fixed delay, or one whose delay follows the measured jitter.
//
// Adaptive mode. Each audio packet's transit time (arrival minus its RTP
// timestamp) is compared with the smallest transit of the last two to four
// seconds; the excess is the packet's extra delay. A peak follower keeps
// the largest excess, rising at once and decaying with a time constant of
// about 256 packets (5 s). The target delay is that peak plus one frame,
// rounded up to whole frames and held between the minimum and the maximum.
//
// The delay grows fast: when fewer than target frames are buffered ahead
// of the playout point (a burst delayed the packets, or the target rose),
// Pop plays nothing for one tick (PopEmpty: the caller conceals) and the
// playout point waits, so that the late packets are played rather than
// dropped; it waits only while packets keep coming (no longer than the
// target without one), so that the end of a talk spurt before silence
// suppression is played out, not held back. With nothing buffered and
// nothing coming, the peer is quiet: Pop returns PopEmpty and Playing
// false without consuming a sequence number, so that the next packet
// (RFC 3389 comfort noise, DTX, the end of a hold) plays where it belongs. It shrinks slowly and only in silence: when the buffer held at
// least two frames more than the target at every Pop of the last second,
// and the caller says the audio is quiet, one frame is dropped, at most
// one per 100 ms.
//
// Fixed mode is the JitterBuffer alone, as before: playout starts after
// the delay and every Pop consumes one sequence number.
//
// A Playout never allocates after NewPlayout; it is not safe for
// concurrent use.
type Playout struct {
	jb       *JitterBuffer
	adaptive bool
	min, max int // frames
	target   int

	highest     uint16 // newest sequence number pushed
	haveHighest bool

	// The transit estimator (adaptive mode).
	t0          time.Time // arrival origin
	ts0         uint32    // timestamp origin
	haveOrigin  bool
	winMin      [2]float64 // smallest transit (ms) of this window and the previous
	winCount    int        // packets in this window
	peak        float64    // extra delay follower (ms)
	minDepth    int        // smallest depth at Pop in this shrink window
	depthPops   int        // Pops in this shrink window
	sinceShrink int        // Pops since the last shrink
	depth       int        // frames buffered ahead at the last Pop
	sincePush   int        // Pops since the last Push
	idle        bool       // nothing ahead and nothing coming: the peer is quiet

	grows, shrinks uint64
}

// Adaptive playout constants.
const (
	playoutWindow     = 100 // packets per transit minimum window (2 s)
	playoutDecay      = 256 // peak decay time constant, packets
	playoutShrinkPops = 50  // Pops the depth must stay high before a shrink
	playoutShrinkGap  = 5   // Pops between two shrinks (100 ms)
)

// PlayoutConfig configures a Playout; delays are in frames of 20 ms.
type PlayoutConfig struct {
	Adaptive bool
	Delay    int // fixed delay, or the adaptive start delay; 0 means 3
	Min, Max int // adaptive bounds; 0 means Delay and 15 (300 ms)
}

// NewPlayout returns an empty Playout.
func NewPlayout(cfg PlayoutConfig) *Playout {
	if cfg.Delay <= 0 {
		cfg.Delay = 3
	}
	p := &Playout{adaptive: cfg.Adaptive, target: cfg.Delay}
	if !cfg.Adaptive {
		p.jb = NewJitterBuffer(cfg.Delay, jitterCapacity)
		return p
	}
	p.min = max(cfg.Min, 1)
	if cfg.Min <= 0 {
		p.min = cfg.Delay
	}
	p.max = cfg.Max
	if p.max <= 0 {
		p.max = 15
	}
	p.max = max(p.max, p.min)
	p.target = min(max(cfg.Delay, p.min), p.max)
	p.jb = NewJitterBuffer(p.max, jitterCapacity)
	p.jb.delay = p.target
	p.minDepth = math.MaxInt
	return p
}

// Push stores a received frame (see JitterBuffer.Push). For audio (not a
// placeholder), ts, arrival and clockRate feed the adaptive estimate.
func (p *Playout) Push(seq uint16, payload []byte, audio bool, ts uint32, arrival time.Time, clockRate uint32) {
	p.jb.Push(seq, payload)
	p.sincePush = 0
	if !p.haveHighest || int16(seq-p.highest) > 0 {
		p.highest, p.haveHighest = seq, true
	}
	if p.adaptive && audio && clockRate > 0 {
		p.observe(ts, arrival, clockRate)
	}
}

// observe updates the transit estimate and the target with one packet.
func (p *Playout) observe(ts uint32, arrival time.Time, clockRate uint32) {
	if !p.haveOrigin {
		p.t0, p.ts0, p.haveOrigin = arrival, ts, true
		p.winMin = [2]float64{math.Inf(1), math.Inf(1)}
	}
	transit := float64(arrival.Sub(p.t0))/float64(time.Millisecond) -
		float64(int32(ts-p.ts0))*1000/float64(clockRate)
	p.winMin[0] = min(p.winMin[0], transit)
	if p.winCount++; p.winCount >= playoutWindow {
		p.winMin[1], p.winMin[0], p.winCount = p.winMin[0], math.Inf(1), 0
	}
	excess := max(transit-min(p.winMin[0], p.winMin[1]), 0)
	if excess > p.peak {
		p.peak = excess
	} else {
		p.peak -= (p.peak - excess) / playoutDecay
	}
	frames := int(math.Ceil((p.peak + float64(FrameInterval/time.Millisecond)) / float64(FrameInterval/time.Millisecond)))
	p.target = min(max(frames, p.min), p.max)
}

// Pop plays the next frame into dst, as JitterBuffer.Pop; in adaptive mode
// it returns PopEmpty (nothing consumed) while the buffer is below its
// target, and drops one frame first when quiet (the last frame played was
// silence) and the buffer has long been above its target.
func (p *Playout) Pop(dst []byte, quiet bool) (int, PopStatus) {
	if !p.adaptive {
		return p.jb.Pop(dst)
	}
	if p.jb.buffering {
		p.jb.delay = p.target
		n, st := p.jb.Pop(dst)
		if st != PopEmpty {
			p.depth = p.aheadOf() + 1
		}
		return n, st
	}
	p.depth = p.aheadOf()
	p.trackDepth()
	p.sincePush++
	p.idle = p.depth == 0 && p.sincePush > p.target
	switch {
	case p.idle:
		// The peer is quiet (silence suppression, hold): wait for its
		// next sequence number without concealing anything.
		return 0, PopEmpty
	case p.depth < p.target && p.sincePush <= p.target:
		p.grows++
		return 0, PopEmpty
	}
	if quiet && p.sinceShrink >= playoutShrinkGap && p.depthPops >= playoutShrinkPops &&
		p.minDepth >= p.target+2 {
		p.jb.Pop(dst) // dropped: the delay shrinks by one frame
		p.shrinks++
		p.sinceShrink, p.depthPops, p.minDepth = 0, 0, math.MaxInt
		p.depth--
	}
	return p.jb.Pop(dst)
}

// aheadOf is the number of frames from the playout point to the newest
// one pushed (0 when nothing newer is buffered).
func (p *Playout) aheadOf() int {
	if !p.haveHighest {
		return 0
	}
	return max(int(int16(p.highest-p.jb.next))+1, 0)
}

// trackDepth keeps the smallest depth of the shrink window.
func (p *Playout) trackDepth() {
	p.sinceShrink++
	p.depthPops++
	p.minDepth = min(p.minDepth, p.depth)
	if p.depthPops > 2*playoutShrinkPops {
		// A fresh window, so that an old dip does not block shrinking.
		p.depthPops, p.minDepth = 0, math.MaxInt
	}
}

// Reset discards every frame (a new source, a new codec); the estimate
// starts over, the counters are kept.
func (p *Playout) Reset() {
	p.jb.Reset()
	p.haveHighest, p.haveOrigin, p.peak, p.winCount = false, false, 0, 0
	p.depthPops, p.minDepth, p.depth, p.idle = 0, math.MaxInt, 0, false
	if p.adaptive {
		p.target = p.min
	}
}

// PlayoutStats are a Playout's counters and current delay.
type PlayoutStats struct {
	JitterStats
	Adaptive bool
	DelayMs  int    // frames buffered ahead of the playout point, in ms
	TargetMs int    // the delay aimed at, in ms
	Grows    uint64 // ticks that waited to grow the delay
	Shrinks  uint64 // frames dropped in silence to shrink it
}

// Stats returns the counters and the current delay.
func (p *Playout) Stats() PlayoutStats {
	ms := int(FrameInterval / time.Millisecond)
	depth := p.depth
	if !p.adaptive {
		depth = p.jb.Len()
	}
	return PlayoutStats{
		JitterStats: p.jb.Stats(),
		Adaptive:    p.adaptive,
		DelayMs:     depth * ms,
		TargetMs:    p.target * ms,
		Grows:       p.grows,
		Shrinks:     p.shrinks,
	}
}

package rtp

import (
	"sync"
	"time"

	"github.com/libvoip/libvoip/internal/cow"
)

// FrameInterval is the packetization interval of every stream: 20 ms.
const FrameInterval = 20 * time.Millisecond

// maxCatchUp bounds how many missed ticks the pacer replays back to back
// after a stall (a GC pause, a suspended process). Beyond it, ticks are
// skipped: the receiver sees a gap instead of a burst.
const maxCatchUp = 5

// Pacer drives many streams from one clock. Every FrameInterval it calls
// each registered stream once, in one goroutine, so that a thousand calls
// cost one timer, not a thousand. Deadlines are computed from the start time
// (start + n*interval), so sleeping late never accumulates into drift.
type Pacer struct {
	interval time.Duration

	mu      sync.Mutex
	streams []*Stream // copy-on-write: the tick loop iterates a snapshot
	tickers []Ticker  // copy-on-write, run after the streams each tick
	running bool
	stop    chan struct{}
	done    chan struct{}

	stats PacerStats
}

// PacerStats counts how the pacer kept time.
type PacerStats struct {
	Ticks     uint64 // ticks run
	CaughtUp  uint64 // ticks replayed late, back to back
	Skipped   uint64 // ticks skipped after a stall longer than maxCatchUp
	MaxLateNs int64  // the largest lateness of a tick, in nanoseconds
}

// NewPacer returns a stopped pacer with the given interval (FrameInterval
// when zero).
func NewPacer(interval time.Duration) *Pacer {
	if interval <= 0 {
		interval = FrameInterval
	}
	return &Pacer{interval: interval}
}

// Start runs the tick loop until Stop. Starting a running pacer does nothing.
func (p *Pacer) Start() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.running {
		return
	}
	p.running = true
	p.stop = make(chan struct{})
	p.done = make(chan struct{})
	go p.run(p.stop, p.done)
}

// Stop ends the tick loop and waits for the current tick to finish.
func (p *Pacer) Stop() {
	p.mu.Lock()
	if !p.running {
		p.mu.Unlock()
		return
	}
	p.running = false
	stop, done := p.stop, p.done
	p.mu.Unlock()
	close(stop)
	<-done
}

// Add registers a stream; it is ticked from the next interval on.
func (p *Pacer) Add(s *Stream) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.streams = cow.Append(p.streams, s)
}

// Remove unregisters a stream. After Remove returns, the stream may still be
// in the middle of its last tick.
func (p *Pacer) Remove(s *Stream) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.streams = cow.Remove(p.streams, s)
}

// Ticker is work the pacer runs once per interval after every stream's
// tick (a media bridge mixing the frames the streams just played out).
// Tick runs on the pacer goroutine: it must not block.
type Ticker interface {
	Tick()
}

// AddTicker registers t; it runs from the next interval on.
func (p *Pacer) AddTicker(t Ticker) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tickers = cow.Append(p.tickers, t)
}

// RemoveTicker unregisters t. After it returns, t may still be in the
// middle of its last Tick.
func (p *Pacer) RemoveTicker(t Ticker) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tickers = cow.Remove(p.tickers, t)
}

// Len reports how many streams are registered.
func (p *Pacer) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.streams)
}

// Stats returns the pacer's counters.
func (p *Pacer) Stats() PacerStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

func (p *Pacer) snapshot() []*Stream {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.streams
}

func (p *Pacer) tickerSnapshot() []Ticker {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.tickers
}

func (p *Pacer) run(stop, done chan struct{}) {
	defer close(done)
	start := time.Now() // carries the monotonic clock reading
	timer := time.NewTimer(p.interval)
	defer timer.Stop()
	var n int64
	for {
		n++
		deadline := start.Add(time.Duration(n) * p.interval)
		if wait := time.Until(deadline); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-stop:
				return
			}
		} else {
			select {
			case <-stop:
				return
			default:
			}
		}
		late := time.Since(deadline)
		behind := int64(late / p.interval)
		var caught, skipped uint64
		if behind > maxCatchUp {
			skipped = uint64(behind - maxCatchUp)
			n += behind - maxCatchUp
			behind = maxCatchUp
			// The skipped intervals still pass on the RTP clock, so
			// the receiver sees a gap, not a slower clock.
			for _, s := range p.snapshot() {
				s.skip(int(skipped))
			}
		}
		for i := int64(0); i <= behind; i++ {
			for _, s := range p.snapshot() {
				s.tick()
			}
			for _, t := range p.tickerSnapshot() {
				t.Tick()
			}
			if i > 0 {
				caught++
				n++
			}
		}
		p.mu.Lock()
		p.stats.Ticks += 1 + caught
		p.stats.CaughtUp += caught
		p.stats.Skipped += skipped
		if int64(late) > p.stats.MaxLateNs {
			p.stats.MaxLateNs = int64(late)
		}
		p.mu.Unlock()
	}
}

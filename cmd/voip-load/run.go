package main

// The steps both generator modes (-media raw and -media voip) go through:
// check the options, pace the media, place the calls at -rate, tally the
// ramp, measure over -hold, and add up the calls' counts.

import (
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"
)

// startSummary checks the generator's options and starts the run's
// summary; with -pid it samples the target before the first call.
func startSummary(o options) (summary, procSample, error) {
	if o.calls < 1 || o.rate <= 0 || o.hold <= 0 {
		return summary{}, procSample{}, errors.New("-calls, -rate and -hold must be positive")
	}
	sum := summary{Label: o.label, Target: o.target, Calls: o.calls, Failures: map[string]int{}, Time: time.Now().UTC().Format(time.RFC3339)}
	var baseTarget procSample
	if o.pid > 0 {
		var err error
		if baseTarget, err = readProc(o.pid); err != nil {
			return sum, baseTarget, fmt.Errorf("-pid %d: %v", o.pid, err)
		}
	}
	return sum, baseTarget, nil
}

// pace calls tick every frame interval until stop is closed. Far behind
// (more than five intervals), it skips the missed ticks instead of
// bursting them.
func pace(stop <-chan struct{}, tick func()) {
	start := time.Now()
	for n := 1; ; n++ {
		if d := time.Until(start.Add(time.Duration(n) * frameDur)); d > 0 {
			select {
			case <-stop:
				return
			case <-time.After(d):
			}
		} else {
			select {
			case <-stop:
				return
			default:
			}
			if -d > 5*frameDur {
				n += int(-d / frameDur)
			}
		}
		tick()
	}
}

// waitTurn sleeps until the i-th step of a series that started at start
// and goes at rate steps per second is due.
func waitTurn(start time.Time, i int, rate float64) {
	if d := time.Until(start.Add(time.Duration(float64(i) / rate * float64(time.Second)))); d > 0 {
		time.Sleep(d)
	}
}

// callSetup is how the set-up of one generated call went.
type callSetup struct {
	placed   time.Time
	answered time.Time
	failure  string // why it failed; "" once answered
}

// setupMs is the time from placing the call to its answer.
func (s *callSetup) setupMs() float64 {
	return float64(s.answered.Sub(s.placed).Microseconds()) / 1000
}

// endRamp tallies the ramp of n calls that started at rampStart into sum
// (setupOf gives the i-th call's set-up), reports it and waits -settle.
func endRamp(o options, sum *summary, rampStart time.Time, n int, setupOf func(i int) *callSetup) {
	sum.RampSeconds = time.Since(rampStart).Seconds()
	var setupMs []float64
	for i := 0; i < n; i++ {
		s := setupOf(i)
		if s.failure != "" {
			sum.Failed++
			sum.Failures[s.failure]++
			continue
		}
		sum.Answered++
		setupMs = append(setupMs, s.setupMs())
	}
	sum.SetupMs = percentilesOf(setupMs)
	if sum.RampSeconds > 0 {
		sum.SetupRate = float64(sum.Answered) / sum.RampSeconds
	}
	o.logf("%d answered, %d failed in %.1f s; settling %v", sum.Answered, sum.Failed, sum.RampSeconds, o.settle)
	time.Sleep(o.settle)
}

// measure runs the measuring window over calls calls: measuring is true
// for -hold, and the target (with -pid) and this process are sampled
// around it. atStart and atEnd, when not nil, run just inside its ends.
// The returned window has no baseTarget or gen0 sample yet.
func measure(o options, measuring *atomic.Bool, calls int, atStart, atEnd func()) (pw procWindow, start, end time.Time) {
	if o.pid > 0 {
		pw.t0, _ = readProc(o.pid)
	}
	pw.gs0, _ = readProc(os.Getpid())
	if atStart != nil {
		atStart()
	}
	start = time.Now()
	measuring.Store(true)
	o.logf("measuring %d calls for %v", calls, o.hold)
	time.Sleep(o.hold)
	measuring.Store(false)
	end = time.Now()
	if o.pid > 0 {
		pw.t1, _ = readProc(o.pid)
	}
	pw.gs1, _ = readProc(os.Getpid())
	if atEnd != nil {
		atEnd()
	}
	pw.win = end.Sub(start)
	return pw, start, end
}

// callTotals are one call's counts over the measuring window.
type callTotals struct {
	endedEarly         bool
	sent, received     uint64
	lost               int64 // sequence gaps
	late               uint64
	frames, tone, gaps uint64 // 20 ms audio frames: all, with the tone, silent after it
}

// add counts one call into the summary; expected is the number of packets
// the window should have brought each call.
func (s *summary) add(c callTotals, expected uint64) {
	if c.endedEarly {
		s.EndedEarly++
	}
	p := &s.Packets
	p.Sent += c.sent
	p.Received += c.received
	p.LostSeq += c.lost
	if c.lost > 0 {
		p.CallsWithLoss++
	}
	p.Expected += expected
	if c.received+1 < expected {
		p.Deficit += expected - c.received
	}
	p.Late += c.late
	a := &s.Audio
	a.Frames += c.frames
	a.ToneFrames += c.tone
	a.GapFrames += c.gaps
	if c.gaps > 0 {
		a.CallsWithGaps++
	}
	if c.tone == 0 {
		a.CallsNoTone++
	}
}

// conclude derives the percentages and the verdict once every call is
// added.
func (s *summary) conclude() {
	if d := float64(s.Packets.Received) + float64(s.Packets.LostSeq); d > 0 {
		s.Packets.LossPct = 100 * float64(s.Packets.LostSeq) / d
	}
	if s.Audio.Frames > 0 {
		s.Audio.GapPct = 100 * float64(s.Audio.GapFrames) / float64(s.Audio.Frames)
	}
	s.NoLoss = s.Failed == 0 && s.EndedEarly == 0 && s.Packets.LostSeq == 0 && s.Packets.Deficit == 0
}

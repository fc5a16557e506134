package main

// The -media voip mode: the generator's calls are libvoip calls (package
// voip: the same engine as the answering side, each with its RTP stream,
// jitter buffer and pacer), and one goroutine moves every call's audio
// every 20 ms. It load-tests libvoip with libvoip, but costs the generator
// as much per call as the target, so the generator saturates at about the
// same number of calls; -media raw (the default) is several times cheaper.

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libvoip/libvoip/internal/audiotest"
	"github.com/libvoip/libvoip/rtp"
	"github.com/libvoip/libvoip/voip"
)

// loadCall is one generated call.
type loadCall struct {
	idx      int
	call     *voip.Call
	placed   time.Time
	answered time.Time
	failure  string

	// Audio, touched only by the audio goroutine.
	rbuf                         [8 * frameBytes]byte
	rn                           int
	toneOff                      int
	dead                         bool
	seenTone                     bool
	framesRead, toneFrames, gaps uint64 // within the window
	readBytes                    uint64

	start, end   mediaStats
	endedEarly   bool
	endReason    string
	localRTPPort int
}

// toneTable is one second of the tone in s16le, twice over, so that any
// slice of up to a second starting in the first half is contiguous.
func toneTable(hz float64) []byte {
	pcm := make([]int16, 8000)
	phase := 0.0
	audiotest.Tone(pcm, hz, 8000, 8000, &phase)
	one := make([]byte, 0, 16000)
	one = rtp.S16LEFromPCM(one, pcm)
	return append(one, one...)
}

// serve moves the call's audio for one 20 ms period: it reads what arrived
// (without waiting), writes as much tone back as it read (so our send queue
// stays at its pre-filled depth), and classifies each complete frame.
func (lc *loadCall) serve(tone []byte, measuring bool) {
	if lc.dead {
		return
	}
	n, err := lc.call.ReadAudio(lc.rbuf[lc.rn:], 0)
	if err != nil && !errors.Is(err, voip.ErrTimeout) {
		lc.dead = true
		return
	}
	n &^= 1
	lc.rn += n
	lc.readBytes += uint64(n)
	if n > 0 {
		lc.write(tone, n)
	}
	off := 0
	for lc.rn-off >= frameBytes {
		var sum int64
		fr := lc.rbuf[off : off+frameBytes]
		for i := 0; i < frameBytes; i += 2 {
			s := int64(int16(uint16(fr[i]) | uint16(fr[i+1])<<8))
			if s < 0 {
				s = -s
			}
			sum += s
		}
		tone := sum/frameSamples >= toneThreshold
		if tone {
			lc.seenTone = true
		}
		if measuring {
			lc.framesRead++
			if tone {
				lc.toneFrames++
			} else if lc.seenTone {
				lc.gaps++
			}
		}
		off += frameBytes
	}
	lc.rn = copy(lc.rbuf[:], lc.rbuf[off:lc.rn])
}

func (lc *loadCall) write(tone []byte, n int) {
	half := len(tone) / 2
	for n > 0 {
		k := min(n, half-lc.toneOff)
		w, err := lc.call.WriteAudio(tone[lc.toneOff:lc.toneOff+k], 0)
		lc.toneOff = (lc.toneOff + w) % half
		n -= w
		if err != nil || w == 0 {
			return
		}
	}
}

func runLoadVoip(o options) error {
	if o.calls < 1 || o.rate <= 0 || o.hold <= 0 {
		return errors.New("-calls, -rate and -hold must be positive")
	}
	sum := summary{Label: o.label, Target: o.target, Calls: o.calls, Failures: map[string]int{}, Time: time.Now().UTC().Format(time.RFC3339)}
	var baseTarget procSample
	if o.pid > 0 {
		var err error
		if baseTarget, err = readProc(o.pid); err != nil {
			return fmt.Errorf("-pid %d: %v", o.pid, err)
		}
	}
	phone, err := newPhone(o.bind, o.rtpPorts, "load", o.jitterMs)
	if err != nil {
		return fmt.Errorf("phone: %v", err)
	}
	defer phone.Stop()

	// Kernel timing of the first calls' RTP ports (they get the first ports
	// of our range, in order).
	var capt *capture
	if o.timingCalls > 0 {
		lo, _, _ := strings.Cut(o.rtpPorts, "-")
		low, _ := strconv.Atoi(lo)
		k := min(o.timingCalls, o.calls)
		if capt, err = newCapture(uint16(low), uint16(low+k-1)); err != nil {
			sum.GeneratorNotes = append(sum.GeneratorNotes, "no send timing: "+err.Error())
			o.logf("no send timing: %v", err)
			capt = nil
		} else {
			defer capt.stop()
		}
	}

	tone := toneTable(o.toneHz)
	calls := make([]*loadCall, o.calls)
	var (
		activeMu sync.Mutex
		active   []*loadCall
	)
	var measuring atomic.Bool
	audioStop := make(chan struct{})
	audioDone := make(chan struct{})
	go func() { // the audio goroutine: every call, every 20 ms
		defer close(audioDone)
		start := time.Now()
		for n := 1; ; n++ {
			d := time.Until(start.Add(time.Duration(n) * frameDur))
			if d > 0 {
				select {
				case <-audioStop:
					return
				case <-time.After(d):
				}
			} else {
				select {
				case <-audioStop:
					return
				default:
				}
				if -d > 5*frameDur { // far behind: do not burst
					n += int(-d / frameDur)
				}
			}
			activeMu.Lock()
			list := active
			activeMu.Unlock()
			m := measuring.Load()
			for _, lc := range list {
				lc.serve(tone, m)
			}
		}
	}()

	// Ramp: place the calls at o.rate.
	o.logf("placing %d calls to %s at %.0f/s", o.calls, o.target, o.rate)
	var setup sync.WaitGroup
	rampStart := time.Now()
	gen0, _ := readProc(os.Getpid())
	for i := range calls {
		if d := time.Until(rampStart.Add(time.Duration(float64(i) / o.rate * float64(time.Second)))); d > 0 {
			time.Sleep(d)
		}
		lc := &loadCall{idx: i, placed: time.Now()}
		calls[i] = lc
		setup.Add(1)
		go func() {
			defer setup.Done()
			c, err := phone.Call(o.target)
			if err != nil {
				lc.failure = "call: " + err.Error()
				return
			}
			lc.call = c
			if s, err := c.Info("local_rtp"); err == nil {
				if ap, err := netip.ParseAddrPort(s); err == nil {
					lc.localRTPPort = int(ap.Port())
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), o.setupTimeout)
			st, _ := c.Wait(ctx, voip.Answered.Mask())
			cancel()
			if st != voip.Answered {
				r, code := c.EndReason()
				if r == "" {
					r = "not answered in " + o.setupTimeout.String() + " (" + st.String() + ")"
					c.Release()
				}
				if code != 0 {
					r = strconv.Itoa(code)
				}
				lc.failure = r
				return
			}
			lc.answered = time.Now()
			for k := 0; k < prefillFrames; k++ {
				lc.write(tone, frameBytes)
			}
			activeMu.Lock()
			active = append(active, lc)
			activeMu.Unlock()
		}()
	}
	setup.Wait()
	rampEnd := time.Now()
	sum.RampSeconds = rampEnd.Sub(rampStart).Seconds()
	var setupMs []float64
	for _, lc := range calls {
		if lc.failure != "" {
			sum.Failed++
			sum.Failures[lc.failure]++
			continue
		}
		sum.Answered++
		setupMs = append(setupMs, float64(lc.answered.Sub(lc.placed).Microseconds())/1000)
	}
	sum.SetupMs = percentilesOf(setupMs)
	if sum.RampSeconds > 0 {
		sum.SetupRate = float64(sum.Answered) / sum.RampSeconds
	}
	o.logf("%d answered, %d failed in %.1f s; settling %v", sum.Answered, sum.Failed, sum.RampSeconds, o.settle)
	time.Sleep(o.settle)

	// The measuring window.
	activeMu.Lock()
	up := append([]*loadCall(nil), active...)
	activeMu.Unlock()
	var t0, t1, gs0, gs1 procSample
	if o.pid > 0 {
		t0, _ = readProc(o.pid)
	}
	gs0, _ = readProc(os.Getpid())
	for _, lc := range up {
		lc.start = statsOf(lc.call)
	}
	winStart := time.Now()
	measuring.Store(true)
	o.logf("measuring %d calls for %v", len(up), o.hold)
	time.Sleep(o.hold)
	measuring.Store(false)
	winEnd := time.Now()
	if o.pid > 0 {
		t1, _ = readProc(o.pid)
	}
	gs1, _ = readProc(os.Getpid())
	for _, lc := range up {
		lc.end = statsOf(lc.call)
		if lc.call.State() != voip.Answered {
			lc.endedEarly = true
			lc.endReason, _ = lc.call.EndReason()
		}
	}
	win := winEnd.Sub(winStart)
	sum.WindowSeconds = win.Seconds()

	// Hang up at the set-up rate, then wait (bounded) for the calls to end.
	close(audioStop)
	<-audioDone
	o.logf("hanging up")
	hang := time.Now()
	for i, lc := range up {
		if d := time.Until(hang.Add(time.Duration(float64(i) / o.rate * float64(time.Second)))); d > 0 {
			time.Sleep(d)
		}
		lc.call.Release()
	}
	deadline := time.Now().Add(o.teardownTimeout)
	for len(phone.Calls()) > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := len(phone.Calls()); n > 0 {
		sum.GeneratorNotes = append(sum.GeneratorNotes, fmt.Sprintf("%d calls still up %v after hang-up", n, o.teardownTimeout))
	}

	// Totals.
	expectedPerCall := uint64(win / frameDur)
	var jitters []float64
	for _, lc := range up {
		if lc.endedEarly {
			sum.EndedEarly++
		}
		p := &sum.Packets
		p.Sent += lc.end.PacketsSent - lc.start.PacketsSent
		recv := lc.end.PacketsReceived - lc.start.PacketsReceived
		p.Received += recv
		lost := max(0, lc.end.PacketsLost-lc.start.PacketsLost)
		p.LostSeq += lost
		if lost > 0 {
			p.CallsWithLoss++
		}
		p.Expected += expectedPerCall
		if recv+1 < expectedPerCall {
			p.Deficit += expectedPerCall - recv
		}
		p.Late += lc.end.Late - lc.start.Late
		jitters = append(jitters, lc.end.JitterMs)
		a := &sum.Audio
		a.Frames += lc.framesRead
		a.ToneFrames += lc.toneFrames
		a.GapFrames += lc.gaps
		if lc.gaps > 0 {
			a.CallsWithGaps++
		}
		if lc.toneFrames == 0 {
			a.CallsNoTone++
		}
	}
	if d := float64(sum.Packets.Received) + float64(sum.Packets.LostSeq); d > 0 {
		sum.Packets.LossPct = 100 * float64(sum.Packets.LostSeq) / d
	}
	sum.Packets.JitterMsP99 = percentilesOf(jitters).P99
	if sum.Audio.Frames > 0 {
		sum.Audio.GapPct = 100 * float64(sum.Audio.GapFrames) / float64(sum.Audio.Frames)
	}
	sum.NoLoss = sum.Failed == 0 && sum.EndedEarly == 0 && sum.Packets.LostSeq == 0 && sum.Packets.Deficit == 0
	if capt != nil {
		dev, flows, gaps := capt.intervals(true, winStart, winEnd, frameDur)
		sum.SendTiming = timingOf("kernel timestamps (AF_PACKET on lo) of the target's packets", dev, flows, gaps)
		dev, flows, gaps = capt.intervals(false, winStart, winEnd, frameDur)
		sum.OwnSendTiming = timingOf("kernel timestamps (AF_PACKET on lo) of our packets", dev, flows, gaps)
		if o.timingOut != "" {
			lines := capt.outliers(true, winStart, winEnd, frameDur, 2*time.Millisecond)
			sort.Strings(lines)
			if err := os.WriteFile(o.timingOut, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
				return err
			}
		}
	}
	return finish(o, &sum, len(up), procWindow{win: win, baseTarget: baseTarget, t0: t0, t1: t1, gen0: gen0, gs0: gs0, gs1: gs1},
		func(path string) error { return writeCalls(path, calls, expectedPerCall) })
}

func writeCalls(path string, calls []*loadCall, expected uint64) error {
	return writeJSONLines(path, len(calls), func(i int) map[string]any {
		lc := calls[i]
		rec := map[string]any{"call": lc.idx, "rtp_port": lc.localRTPPort}
		if lc.failure != "" {
			rec["failure"] = lc.failure
		} else {
			rec["setup_ms"] = float64(lc.answered.Sub(lc.placed).Microseconds()) / 1000
			rec["sent"] = lc.end.PacketsSent - lc.start.PacketsSent
			rec["received"] = lc.end.PacketsReceived - lc.start.PacketsReceived
			rec["expected"] = expected
			rec["lost_seq"] = max(0, lc.end.PacketsLost-lc.start.PacketsLost)
			rec["late"] = lc.end.Late - lc.start.Late
			rec["jitter_ms"] = lc.end.JitterMs
			rec["frames"] = lc.framesRead
			rec["tone_frames"] = lc.toneFrames
			rec["gap_frames"] = lc.gaps
			if lc.endedEarly {
				rec["ended_early"] = lc.endReason
			}
		}
		return rec
	})
}

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
	callSetup
	idx  int
	call *voip.Call

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
	sum, baseTarget, err := startSummary(o)
	if err != nil {
		return err
	}
	phone, err := newPhone(o.bind, o.rtpPorts, "load", o.jitterMs)
	if err != nil {
		return fmt.Errorf("phone: %v", err)
	}
	defer stopPhone(phone)
	capt := startCapture(o, &sum)
	if capt != nil {
		defer capt.stop()
	}
	l := &voipLoad{o: o, phone: phone, tone: toneTable(o.toneHz)}
	audioStop, audioDone := make(chan struct{}), make(chan struct{})
	go func() { // the audio goroutine: every call, every 20 ms
		defer close(audioDone)
		pace(audioStop, l.serveAll)
	}()

	o.logf("placing %d calls to %s at %.0f/s", o.calls, o.target, o.rate)
	rampStart := time.Now()
	gen0, _ := readProc(os.Getpid())
	l.placeCalls(rampStart)
	endRamp(o, &sum, rampStart, len(l.calls), func(i int) *callSetup { return &l.calls[i].callSetup })

	l.activeMu.Lock()
	up := append([]*loadCall(nil), l.active...)
	l.activeMu.Unlock()
	pw, winStart, winEnd := measure(o, &l.measuring, len(up), func() { startStats(up) }, func() { endStats(up) })
	pw.baseTarget, pw.gen0 = baseTarget, gen0
	sum.WindowSeconds = pw.win.Seconds()

	// Hang up at the set-up rate, then wait (bounded) for the calls to end.
	close(audioStop)
	<-audioDone
	l.hangUp(&sum, up)

	expectedPerCall := uint64(pw.win / frameDur)
	var jitters []float64
	for _, lc := range up {
		sum.add(lc.totals(), expectedPerCall)
		jitters = append(jitters, lc.end.JitterMs)
	}
	sum.conclude()
	sum.Packets.JitterMsP99 = percentilesOf(jitters).P99
	if capt != nil {
		if err := captureTiming(o, &sum, capt, winStart, winEnd); err != nil {
			return err
		}
	}
	return finish(o, &sum, len(up), pw,
		func(path string) error { return writeCalls(path, l.calls, expectedPerCall) })
}

// stopPhone stops the generator's phone at the end of the run. The run's
// results are in hand by then and the process exits next, so there is
// nothing to do about a stop error.
func stopPhone(p *voip.Phone) {
	_ = p.Stop()
}

// startCapture starts the kernel timing of the first -timing-calls calls'
// RTP ports (they get the first ports of our range, in order). It returns
// nil when timing is off or not available (then noted in sum).
func startCapture(o options, sum *summary) *capture {
	if o.timingCalls <= 0 {
		return nil
	}
	lo, _, _ := strings.Cut(o.rtpPorts, "-")
	low, _ := strconv.Atoi(lo)
	k := min(o.timingCalls, o.calls)
	capt, err := newCapture(uint16(low), uint16(low+k-1))
	if err != nil {
		sum.GeneratorNotes = append(sum.GeneratorNotes, "no send timing: "+err.Error())
		o.logf("no send timing: %v", err)
		return nil
	}
	return capt
}

// captureTiming adds the captured send timing of both sides over the
// window [from, to] to sum and, with -timing-out, writes the target's
// intervals off by more than 2 ms.
func captureTiming(o options, sum *summary, capt *capture, from, to time.Time) error {
	dev, flows, gaps := capt.intervals(true, from, to, frameDur)
	sum.SendTiming = timingOf("kernel timestamps (AF_PACKET on lo) of the target's packets", dev, flows, gaps)
	dev, flows, gaps = capt.intervals(false, from, to, frameDur)
	sum.OwnSendTiming = timingOf("kernel timestamps (AF_PACKET on lo) of our packets", dev, flows, gaps)
	if o.timingOut == "" {
		return nil
	}
	lines := capt.outliers(true, from, to, frameDur, 2*time.Millisecond)
	sort.Strings(lines)
	return os.WriteFile(o.timingOut, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
}

// voipLoad is one -media voip run: its phone, its calls and what the audio
// goroutine shares.
type voipLoad struct {
	o         options
	phone     *voip.Phone
	tone      []byte
	calls     []*loadCall
	measuring atomic.Bool

	activeMu sync.Mutex
	active   []*loadCall // the answered calls, served by the audio goroutine
}

// serveAll moves every answered call's audio for one 20 ms period.
func (l *voipLoad) serveAll() {
	l.activeMu.Lock()
	list := l.active
	l.activeMu.Unlock()
	m := l.measuring.Load()
	for _, lc := range list {
		lc.serve(l.tone, m)
	}
}

// placeCalls places -calls calls at -rate from rampStart and waits until
// each is answered or has failed.
func (l *voipLoad) placeCalls(rampStart time.Time) {
	l.calls = make([]*loadCall, l.o.calls)
	var setup sync.WaitGroup
	for i := range l.calls {
		waitTurn(rampStart, i, l.o.rate)
		lc := &loadCall{idx: i, callSetup: callSetup{placed: time.Now()}}
		l.calls[i] = lc
		setup.Add(1)
		go func() {
			defer setup.Done()
			if !l.setUp(lc) {
				return
			}
			l.activeMu.Lock()
			l.active = append(l.active, lc)
			l.activeMu.Unlock()
		}()
	}
	setup.Wait()
}

// setUp places lc's call and waits for the answer; once answered, it
// pre-fills the call's send queue and returns true, else lc.failure says
// why not.
func (l *voipLoad) setUp(lc *loadCall) bool {
	c, err := l.phone.Call(l.o.target)
	if err != nil {
		lc.failure = "call: " + err.Error()
		return false
	}
	lc.call = c
	if s, err := c.Info("local_rtp"); err == nil {
		if ap, err := netip.ParseAddrPort(s); err == nil {
			lc.localRTPPort = int(ap.Port())
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), l.o.setupTimeout)
	st, _ := c.Wait(ctx, voip.Answered.Mask())
	cancel()
	if st != voip.Answered {
		lc.failure = notAnswered(c, st, l.o.setupTimeout)
		return false
	}
	lc.answered = time.Now()
	for k := 0; k < prefillFrames; k++ {
		lc.write(l.tone, frameBytes)
	}
	return true
}

// notAnswered says why call c, in state st after waiting timeout, was not
// answered: the target's status code, the reason it ended, or the wait;
// a call still ringing is released.
func notAnswered(c *voip.Call, st voip.CallState, timeout time.Duration) string {
	r, code := c.EndReason()
	if r == "" {
		r = "not answered in " + timeout.String() + " (" + st.String() + ")"
		c.Release()
	}
	if code != 0 {
		r = strconv.Itoa(code)
	}
	return r
}

// startStats samples the media counters of the calls at the window's start.
func startStats(up []*loadCall) {
	for _, lc := range up {
		lc.start = statsOf(lc.call)
	}
}

// endStats samples the media counters of the calls at the window's end,
// and notes those no longer answered.
func endStats(up []*loadCall) {
	for _, lc := range up {
		lc.end = statsOf(lc.call)
		if lc.call.State() != voip.Answered {
			lc.endedEarly = true
			lc.endReason, _ = lc.call.EndReason()
		}
	}
}

// hangUp releases the calls at the set-up rate, then waits (at most
// -teardown-timeout) for them to end.
func (l *voipLoad) hangUp(sum *summary, up []*loadCall) {
	l.o.logf("hanging up")
	hang := time.Now()
	for i, lc := range up {
		waitTurn(hang, i, l.o.rate)
		lc.call.Release()
	}
	deadline := time.Now().Add(l.o.teardownTimeout)
	for len(l.phone.Calls()) > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := len(l.phone.Calls()); n > 0 {
		sum.GeneratorNotes = append(sum.GeneratorNotes, fmt.Sprintf("%d calls still up %v after hang-up", n, l.o.teardownTimeout))
	}
}

// totals are the call's counts over the window.
func (lc *loadCall) totals() callTotals {
	return callTotals{endedEarly: lc.endedEarly,
		sent:     lc.end.PacketsSent - lc.start.PacketsSent,
		received: lc.end.PacketsReceived - lc.start.PacketsReceived,
		lost:     max(0, lc.end.PacketsLost-lc.start.PacketsLost),
		late:     lc.end.Late - lc.start.Late,
		frames:   lc.framesRead, tone: lc.toneFrames, gaps: lc.gaps}
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

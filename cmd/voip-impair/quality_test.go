package main

import (
	"cmp"
	"context"
	"encoding/binary"
	"math"
	"net/netip"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/libvoip/libvoip/internal/audiotest"
	"github.com/libvoip/libvoip/voip"
)

// Call quality measured through the relay (issue 13): two libvoip phones
// call each other through voip-impair, which drops, delays and jitters
// the media (RTCP included: rtcp-mux) with a fixed seed, and what each
// phone reports in its quality JSON is compared with what the relay did.

// qualityRound is one call through one relay.
type qualityRound struct {
	name    string
	impair  Impairment
	seed    uint64
	plc     bool
	rtpBase int
	length  time.Duration // of the call; 0: 7 s

	// Results.
	caller, callee voip.Quality
	toCallee       pipeStats // what the relay did to the caller's packets
	dropouts       float64   // fraction of 20 ms blocks received nearly silent
	blocks         int
}

// qualityPhone is a started phone on 127.0.0.1.
func qualityPhone(t *testing.T, rtpLow int, plc bool, h voip.Handler) (*voip.Phone, netip.AddrPort) {
	t.Helper()
	cfg := voip.DefaultConfig()
	for k, v := range map[string]string{
		"bind_ip": "127.0.0.1", "bind_port": "0", "user": "q",
		"rtp_port_low": strconv.Itoa(rtpLow), "rtp_port_high": strconv.Itoa(rtpLow + 9),
		"plc": map[bool]string{true: "1", false: "0"}[plc], "rtp_timeout_ms": "0",
	} {
		if err := cfg.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	p := voip.NewPhone(cfg)
	p.SetHandler(h)
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(true) })
	port, err := p.Option("sip_port")
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(port)
	return p, netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(n))
}

// run places one call of length d through a relay impairing it; the caller
// sends a 440 Hz tone, the callee records what it hears.
func (q *qualityRound) run(t *testing.T, d time.Duration) {
	incoming := make(chan *voip.Call, 1)
	_, calleeSIP := qualityPhone(t, q.rtpBase, q.plc, voip.Handler{IncomingCall: func(c *voip.Call) { incoming <- c }})
	caller, _ := qualityPhone(t, q.rtpBase+10, q.plc, voip.Handler{})
	r, err := newRelay(relayConfig{Listen: netip.MustParseAddrPort("127.0.0.1:0"), Target: calleeSIP,
		Impair: q.impair, Seed: q.seed})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	relayDone := make(chan struct{})
	go func() { r.serve(ctx); close(relayDone) }()
	defer func() { cancel(); <-relayDone }()

	out, err := caller.Call("sip:q@" + r.addr().String())
	if err != nil {
		t.Fatal(err)
	}
	var in *voip.Call
	select {
	case in = <-incoming:
	case <-time.After(5 * time.Second):
		t.Fatal("no incoming call")
	}
	if err := in.Answer(); err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
	defer wcancel()
	if st, err := out.Wait(wctx, voip.Answered.Mask()); err != nil || st != voip.Answered {
		t.Fatalf("caller: %v %v", st, err)
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); sendTone(out, d) }()
	var heard []int16
	go func() { defer wg.Done(); heard = record(in, d) }()
	wg.Wait()
	q.callee, q.caller = in.Quality(), out.Quality()
	_ = out.Hangup()
	// The relay's own count of the caller's packets, RTCP included.
	r.mu.Lock()
	for _, s := range r.sessions {
		q.toCallee = s.toTarget.stats()
	}
	r.mu.Unlock()
	q.dropouts, q.blocks = dropouts(heard)
}

// sendTone writes a 440 Hz tone for d (the stream paces it).
func sendTone(c *voip.Call, d time.Duration) {
	var phase float64
	pcm := make([]int16, 800)
	buf := make([]byte, 2*len(pcm))
	for end := time.Now().Add(d); time.Now().Before(end); {
		audiotest.Tone(pcm, 440, 8000, 8000, &phase)
		for i, v := range pcm {
			binary.LittleEndian.PutUint16(buf[2*i:], uint16(v))
		}
		if _, err := c.WriteAudio(buf, time.Second); err != nil {
			return
		}
	}
}

// record reads what the call hears for d.
func record(c *voip.Call, d time.Duration) []int16 {
	var pcm []int16
	buf := make([]byte, 320)
	for end := time.Now().Add(d); time.Now().Before(end); {
		n, err := c.ReadAudio(buf, time.Second)
		for i := 0; i+1 < n; i += 2 {
			pcm = append(pcm, int16(binary.LittleEndian.Uint16(buf[i:])))
		}
		if err != nil && n == 0 {
			return pcm
		}
	}
	return pcm
}

// dropouts is the fraction of the 20 ms blocks, from the first loud one
// to the last, whose level is under a quarter of the median block's: the
// gaps a listener hears.
func dropouts(pcm []int16) (float64, int) {
	var levels []float64
	for i := 0; i+160 <= len(pcm); i += 160 {
		var s float64
		for _, v := range pcm[i : i+160] {
			s += float64(v) * float64(v)
		}
		levels = append(levels, math.Sqrt(s/160))
	}
	first, last := -1, -1
	for i, l := range levels {
		if l > 1000 {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return 1, 0
	}
	levels = levels[first : last+1]
	quiet := 0
	for _, l := range levels {
		if l < 1400 { // the tone's RMS is about 5650
			quiet++
		}
	}
	return float64(quiet) / float64(len(levels)), len(levels)
}

// remoteLoss formats the peer's view of our loss.
func remoteLoss(q voip.Quality) string {
	if q.RemotePacketsLost == nil || q.RemoteLossPercent == nil {
		return "null"
	}
	return strconv.FormatInt(*q.RemotePacketsLost, 10) + " (" + strconv.FormatFloat(*q.RemoteLossPercent, 'f', 1, 64) + "% last interval)"
}

func TestQualityThroughLossyRelay(t *testing.T) {
	if testing.Short() {
		t.Skip("real calls of several seconds")
	}
	if raceEnabled {
		// make test runs it without -race, on its own: ctest interop_quality_lossy.
		t.Skip("measures jitter and timing: not under the race detector")
	}
	const jitter = 30 * time.Millisecond
	rounds := []*qualityRound{
		{name: "0% loss", impair: Impairment{Delay: 20 * time.Millisecond, Jitter: jitter}, seed: 1, plc: true, rtpBase: 31000},
		{name: "5% loss", impair: Impairment{Loss: 0.05, Delay: 20 * time.Millisecond, Jitter: jitter}, seed: 5, plc: true, rtpBase: 31020},
		{name: "20% loss", impair: Impairment{Loss: 0.20, Delay: 20 * time.Millisecond, Jitter: jitter}, seed: 20, plc: true, rtpBase: 31040},
		{name: "5% loss, no PLC", impair: Impairment{Loss: 0.05, Delay: 20 * time.Millisecond, Jitter: jitter}, seed: 5, rtpBase: 31060},
		// Both sides need a report about an SR of theirs: RTCP's ~4 s
		// interval makes that up to ~9.3 s into the call.
		{name: "RTT 2x25 ms", impair: Impairment{Delay: 25 * time.Millisecond}, seed: 2, plc: true, rtpBase: 31080,
			length: 10 * time.Second},
	}
	var wg sync.WaitGroup
	for _, q := range rounds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.Run(q.name, func(t *testing.T) { q.run(t, cmp.Or(q.length, 7*time.Second)) })
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for _, q := range rounds {
		c := q.callee
		injected := 100 * float64(q.toCallee.Dropped) / float64(q.toCallee.In)
		rtt := "null"
		if q.caller.RTTMs != nil {
			rtt = strconv.FormatFloat(*q.caller.RTTMs, 'f', 1, 64)
		}
		t.Logf("%-16s relay dropped %5.2f%% (%d/%d); callee: loss %5.2f%% jitter %5.2f ms concealed %3d late %d buffer %3d ms MOS %.2f; caller: RTT %s ms, remote loss %s; dropouts %.3f of %d blocks",
			q.name, injected, q.toCallee.Dropped, q.toCallee.In, c.LossPercent, c.JitterMs, c.ConcealedFrames, c.Late,
			c.JitterBufferMs, c.MOS, rtt, remoteLoss(q.caller), q.dropouts, q.blocks)
		if math.Abs(c.LossPercent-injected) > 1 {
			t.Errorf("%s: quality reports %.2f%% loss, the relay dropped %.2f%%", q.name, c.LossPercent, injected)
		}
		if q.impair.Jitter > 0 {
			// Uniform delays on [0, J]: E|D| = J/3 (RFC 3550 A.8).
			want := float64(q.impair.Jitter/time.Millisecond) / 3
			if math.Abs(c.JitterMs-want) > 4 {
				t.Errorf("%s: jitter %.2f ms, injected uniform 0..%v (expected ~%.1f ms)", q.name, c.JitterMs, q.impair.Jitter, want)
			}
		}
		// Each side sends 2 or 3 reports in 7 s: at 20 % loss both of one
		// side's may be lost.
		if !c.RTCPMux || c.RTCPReceived+q.caller.RTCPReceived == 0 ||
			q.impair.Loss == 0 && (c.RTCPReceived == 0 || q.caller.RTCPReceived == 0) {
			t.Errorf("%s: RTCP mux %v, received %d (callee) and %d (caller)", q.name, c.RTCPMux, c.RTCPReceived, q.caller.RTCPReceived)
		}
	}
	// MOS falls as loss rises.
	if !(rounds[0].callee.MOS > rounds[1].callee.MOS && rounds[1].callee.MOS > rounds[2].callee.MOS) {
		t.Errorf("MOS at 0/5/20%% loss: %.2f %.2f %.2f: not falling", rounds[0].callee.MOS, rounds[1].callee.MOS, rounds[2].callee.MOS)
	}
	// PLC fills the gaps that silence leaves.
	if plc, silent := rounds[1].dropouts, rounds[3].dropouts; plc > 0.01 || silent < 0.02 {
		t.Errorf("5%% loss: %.3f of the blocks near-silent with PLC, %.3f without: want < 0.01 and > 0.02", plc, silent)
	}
	// RTT against a known delay (25 ms each way).
	if r := rounds[4].caller.RTTMs; r == nil || math.Abs(*r-50) > 10 {
		t.Errorf("RTT through 2 x 25 ms: %v, want 50 ± 10 ms", r)
	}
	if r := rounds[4].callee.RTTMs; r == nil || math.Abs(*r-50) > 10 {
		t.Errorf("callee's RTT through 2 x 25 ms: %v, want 50 ± 10 ms", r)
	}
}

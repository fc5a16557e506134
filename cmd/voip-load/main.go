// Command voip-load holds many concurrent G.711 calls to a SIP target and
// measures what comes back; with -echo it is an answering side instead.
//
//	voip-load -target sip:echo@127.0.0.1:5060 -calls 1000 -hold 20s -pid PID -json out.json
//	voip-load -echo -bind 127.0.0.1:5062 -rtp-ports 20000-29999   (a Go echo answering side)
//
// Generator: calls are placed at -rate calls/s with libvoip's SIP user
// agent (package sip). Each call sends a 440 Hz tone (PCMU, 20 ms packets)
// and everything that comes back is examined. Once every call is up and
// -settle has passed, a measuring window of -hold starts; over it
// voip-load reports, per call (-calls-out) and in total (-json):
//
//   - RTP packets sent and received, and loss two ways: sequence gaps and
//     the deficit against the expected count (window / 20 ms);
//   - late packets: arrived after a 60 ms playout deadline anchored at the
//     call's first packet (what a 60 ms jitter buffer would drop);
//   - audio gaps: 20 ms frames of the echoed tone that came back silent
//     (lost or late upstream, or the answering side had nothing to send);
//   - the answering side's send timing: |interval - 20 ms| between
//     consecutive packets of every call, from kernel receive timestamps
//     (SO_TIMESTAMPNS), which on loopback are taken while the sender's
//     sendto delivers the packet (see load_raw.go);
//   - with -pid, the answering process's CPU (utime+stime of
//     /proc/<pid>/stat) over the window, per call-second, and its RSS
//     (/proc/<pid>/status VmRSS) before the first call, at the end of the
//     window and after the hang-ups.
//
// The generator's media (-media raw, the default) is deliberately lean:
// one goroutine sends every call's packet each 20 ms, one goroutine drains
// every call's socket through an epoll set, with no jitter buffer, no
// codec and no goroutine per call, so that it costs less per call than the
// target and is not what saturates first. -media voip uses libvoip calls
// (package voip) instead: it load-tests libvoip with libvoip, but costs as
// much per call as the target (and times the target with an AF_PACKET
// capture of the first -timing-calls calls, capture.go).
//
// Every loop is bounded: set-up by -setup-timeout, the hold by -hold, the
// hang-up by -teardown-timeout.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/netip"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/libvoip/libvoip/rtp"
	"github.com/libvoip/libvoip/voip"
)

const (
	frameSamples = rtp.SamplesPerFrame
	frameBytes   = 2 * frameSamples
	frameDur     = rtp.FrameInterval
	// toneThreshold separates the echoed tone (mean |sample| about 5000
	// for the amplitude we send) from silence (0) after two G.711 passes.
	toneThreshold = 1000
	prefillFrames = 3
)

type options struct {
	target          string
	calls           int
	hold            time.Duration
	rate            float64
	settle          time.Duration
	bind            string
	rtpPorts        string
	timingCalls     int
	pid             int
	jsonOut         string
	callsOut        string
	label           string
	toneHz          float64
	setupTimeout    time.Duration
	teardownTimeout time.Duration
	cpuProfile      string
	jitterMs        int
	quiet           bool
	timingOut       string

	memProfile      string
	memProfileAfter time.Duration
	media           string
	users           int
	echo            bool
	echoFor         time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.target, "target", "sip:echo@127.0.0.1:5060", "SIP URI to call")
	flag.IntVar(&o.calls, "calls", 100, "concurrent calls to hold")
	flag.DurationVar(&o.hold, "hold", 10*time.Second, "length of the measuring window, once every call is up")
	flag.Float64Var(&o.rate, "rate", 200, "call set-up rate during the ramp (calls/s)")
	flag.DurationVar(&o.settle, "settle", 2*time.Second, "wait after the last call is up before measuring")
	flag.StringVar(&o.bind, "bind", "127.0.0.1:0", "our SIP address (port 0: any free port)")
	flag.StringVar(&o.rtpPorts, "rtp-ports", "40000-49999", "our RTP port range")
	flag.IntVar(&o.timingCalls, "timing-calls", 50, "calls whose packets are timed by the kernel (0: none)")
	flag.IntVar(&o.pid, "pid", 0, "answering process to sample from /proc (0: none)")
	flag.StringVar(&o.jsonOut, "json", "", "write the summary as JSON to this file")
	flag.StringVar(&o.callsOut, "calls-out", "", "write one JSON line per call to this file")
	flag.StringVar(&o.label, "label", "", "name of the target in the report (e.g. voip-echo)")
	flag.Float64Var(&o.toneHz, "tone", 440, "tone frequency (Hz)")
	flag.DurationVar(&o.setupTimeout, "setup-timeout", 15*time.Second, "give up a call not answered in this time")
	flag.DurationVar(&o.teardownTimeout, "teardown-timeout", 20*time.Second, "bound on hanging up every call")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of this process (go tool pprof)")
	flag.IntVar(&o.jitterMs, "jitter-ms", 60, "our jitter buffer delay (ms)")
	flag.BoolVar(&o.quiet, "q", false, "no progress lines on stderr")
	flag.StringVar(&o.timingOut, "timing-out", "", "write the target's send intervals off by more than 2 ms to this file (seconds into the window, port, seq, ms)")
	flag.StringVar(&o.memProfile, "memprofile", "", "with -echo: write a heap profile (go tool pprof) -memprofile-after the start")
	flag.DurationVar(&o.memProfileAfter, "memprofile-after", 20*time.Second, "when -memprofile is written")
	flag.StringVar(&o.media, "media", "raw", "raw: our own lean RTP (kernel-timed, all calls); voip: libvoip calls (package voip)")
	flag.IntVar(&o.users, "users", 0, "spread calls over this many users: the target's user part gets the suffix 0..users-1 (baresip: 256 calls per account)")
	flag.BoolVar(&o.echo, "echo", false, "be an echo answering side instead (Go over package voip)")
	flag.DurationVar(&o.echoFor, "echo-for", 0, "with -echo: stop after this long (0: until SIGINT/SIGTERM)")
	flag.Usage = func() {
		// On stderr: a usage text that cannot be written has nowhere to
		// report it.
		_, _ = fmt.Fprintf(flag.CommandLine.Output(), "usage: voip-load [flags]\n"+
			"  Holds -calls concurrent G.711 calls to -target and reports loss, timing and the\n"+
			"  target's CPU and memory (with -pid). With -echo, answers calls and echoes audio.\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			fatalf("cpuprofile: %v", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fatalf("cpuprofile: %v", err)
		}
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
		}()
	}
	var err error
	if o.echo {
		err = runEcho(o)
	} else {
		switch o.media {
		case "raw":
			err = runLoadRaw(o)
		case "voip":
			err = runLoadVoip(o)
		default:
			err = fmt.Errorf("-media %q: want raw or voip", o.media)
		}
	}
	if err != nil {
		pprof.StopCPUProfile()
		fatalf("%v", err)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "voip-load: "+format+"\n", args...)
	os.Exit(1)
}

func (o options) logf(format string, args ...any) {
	if !o.quiet {
		fmt.Fprintf(os.Stderr, "voip-load: "+format+"\n", args...)
	}
}

// newPhone starts a phone bound to bind with the given RTP range.
func newPhone(bind, ports, user string, jitterMs int) (*voip.Phone, error) {
	ap, err := netip.ParseAddrPort(bind)
	if err != nil {
		return nil, fmt.Errorf("-bind %q: %v", bind, err)
	}
	lo, hi, ok := strings.Cut(ports, "-")
	if !ok {
		return nil, fmt.Errorf("-rtp-ports %q: want LOW-HIGH", ports)
	}
	cfg := voip.DefaultConfig()
	for _, kv := range [][2]string{
		{"bind_ip", ap.Addr().String()},
		{"bind_port", strconv.Itoa(int(ap.Port()))},
		{"rtp_port_low", lo},
		{"rtp_port_high", hi},
		{"user", user},
		{"codecs", "PCMU"},
		{"jitter_ms", strconv.Itoa(jitterMs)},
		{"max_calls", "0"}, // a load tool: as many calls as it is asked for
	} {
		if err := cfg.Set(kv[0], kv[1]); err != nil {
			return nil, err
		}
	}
	p := voip.NewPhone(cfg)
	if err := p.Start(); err != nil {
		return nil, err
	}
	return p, nil
}

// mediaStats mirrors the "stats" JSON of Call.Info.
type mediaStats struct {
	PacketsSent     uint64  `json:"packets_sent"`
	PacketsReceived uint64  `json:"packets_received"`
	PacketsLost     int64   `json:"packets_lost"`
	Late            uint64  `json:"late"`
	ReadOverruns    uint64  `json:"read_overruns"`
	JitterMs        float64 `json:"jitter_ms"`
}

func statsOf(c *voip.Call) mediaStats {
	var st mediaStats
	if s, err := c.Info("stats"); err == nil {
		_ = json.Unmarshal([]byte(s), &st)
	}
	return st
}

// summary is what voip-load reports (and writes with -json).
type summary struct {
	Label          string         `json:"label"`
	Target         string         `json:"target"`
	Calls          int            `json:"calls"`
	Answered       int            `json:"answered"`
	Failed         int            `json:"failed"`
	Failures       map[string]int `json:"failures,omitempty"`
	EndedEarly     int            `json:"ended_early"`
	SetupRate      float64        `json:"setup_rate_cps"`
	SetupMs        percentiles    `json:"setup_ms"`
	RampSeconds    float64        `json:"ramp_s"`
	WindowSeconds  float64        `json:"window_s"`
	Packets        packetSummary  `json:"packets"`
	Audio          audioSummary   `json:"audio"`
	SendTiming     *timingSummary `json:"send_timing,omitempty"`
	OwnSendTiming  *timingSummary `json:"generator_send_timing,omitempty"`
	TargetProc     *procSummary   `json:"target_proc,omitempty"`
	GeneratorProc  *procSummary   `json:"generator_proc,omitempty"`
	NoLoss         bool           `json:"no_loss"`
	GeneratorNotes []string       `json:"notes,omitempty"`
	Time           string         `json:"time"`
}

type packetSummary struct {
	Sent          uint64  `json:"sent"`            // by us, in the window
	Received      uint64  `json:"received"`        // from the target, in the window
	LostSeq       int64   `json:"lost_seq"`        // sequence gaps
	Expected      uint64  `json:"expected"`        // window / 20 ms per call
	Deficit       uint64  `json:"deficit"`         // expected - received, summed over calls (> 1 per call only)
	Late          uint64  `json:"late"`            // after their playout time
	LossPct       float64 `json:"loss_pct"`        // lost_seq / (received + lost_seq)
	CallsWithLoss int     `json:"calls_with_loss"` // calls with lost_seq > 0
	JitterMsP99   float64 `json:"jitter_ms_p99"`   // RFC 3550 interarrival jitter, p99 over calls
}

type audioSummary struct {
	Frames        uint64  `json:"frames"`          // 20 ms frames read in the window
	ToneFrames    uint64  `json:"tone_frames"`     // with the echoed tone
	GapFrames     uint64  `json:"gap_frames"`      // silent after the tone started
	GapPct        float64 `json:"gap_pct"`         // gap / frames
	CallsWithGaps int     `json:"calls_with_gaps"` // calls with a gap frame
	CallsNoTone   int     `json:"calls_no_tone"`   // calls that never returned the tone
}

type timingSummary struct {
	Source    string  `json:"source"`
	Calls     int     `json:"calls"`
	Intervals int     `json:"intervals"`
	SeqGaps   uint64  `json:"seq_gaps"`
	MeanUs    float64 `json:"mean_abs_dev_us"`
	P50Us     float64 `json:"p50_abs_dev_us"`
	P99Us     float64 `json:"p99_abs_dev_us"`
	P999Us    float64 `json:"p999_abs_dev_us"`
	MaxUs     float64 `json:"max_abs_dev_us"`
	Over2ms   int     `json:"over_2ms"`
}

type procSummary struct {
	PID             int     `json:"pid"`
	CPUSeconds      float64 `json:"cpu_s"`             // in the window
	CPUPct          float64 `json:"cpu_pct"`           // of one core
	CPUMsPerCallSec float64 `json:"cpu_ms_per_call_s"` // cpu / (calls * window)
	RSSBaseKiB      int64   `json:"rss_base_kib"`      // before the first call
	RSSHoldKiB      int64   `json:"rss_hold_kib"`      // at the end of the window
	RSSAfterKiB     int64   `json:"rss_after_kib"`     // after every call ended
	RSSPerCallKiB   float64 `json:"rss_per_call_kib"`  // (hold - base) / calls
	PeakRSSKiB      int64   `json:"peak_rss_kib"`
	Threads         int     `json:"threads_hold"`
}

type percentiles struct {
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

func pct(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func percentilesOf(v []float64) percentiles {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return percentiles{P50: pct(s, 50), P99: pct(s, 99), Max: pct(s, 100)}
}

func timingOf(source string, dev []float64, flows int, gaps uint64) *timingSummary {
	t := &timingSummary{Source: source, Calls: flows, Intervals: len(dev), SeqGaps: gaps}
	if len(dev) == 0 {
		return t
	}
	sort.Float64s(dev)
	var sum float64
	for _, d := range dev {
		sum += d
		if d > 2000 {
			t.Over2ms++
		}
	}
	t.MeanUs = sum / float64(len(dev))
	t.P50Us, t.P99Us, t.P999Us, t.MaxUs = pct(dev, 50), pct(dev, 99), pct(dev, 99.9), dev[len(dev)-1]
	return t
}

// printSummary writes the summary's lines to w, in one write.
func printSummary(w io.Writer, s summary) error {
	var b strings.Builder
	name := s.Label
	if name == "" {
		name = s.Target
	}
	fmt.Fprintf(&b, "voip-load: %s: %d calls (%d answered, %d failed, %d ended early), window %.1f s\n",
		name, s.Calls, s.Answered, s.Failed, s.EndedEarly, s.WindowSeconds)
	for r, n := range s.Failures {
		fmt.Fprintf(&b, "  failed: %d x %s\n", n, r)
	}
	p := s.Packets
	fmt.Fprintf(&b, "  set-up: %.0f calls/s, p50 %.1f ms, p99 %.1f ms\n", s.SetupRate, s.SetupMs.P50, s.SetupMs.P99)
	fmt.Fprintf(&b, "  packets: sent %d, received %d of %d expected, lost %d (%.4f%%, %d calls), deficit %d, late %d, jitter p99 %.2f ms\n",
		p.Sent, p.Received, p.Expected, p.LostSeq, p.LossPct, p.CallsWithLoss, p.Deficit, p.Late, p.JitterMsP99)
	a := s.Audio
	fmt.Fprintf(&b, "  audio: %d frames, %d tone, %d gaps (%.4f%%, %d calls), %d calls without the tone\n",
		a.Frames, a.ToneFrames, a.GapFrames, a.GapPct, a.CallsWithGaps, a.CallsNoTone)
	if t := s.SendTiming; t != nil {
		fmt.Fprintf(&b, "  target send timing (%d calls, %d intervals): |interval-20ms| p50 %.0f us, p99 %.0f us, p99.9 %.0f us, max %.0f us, >2ms %d\n",
			t.Calls, t.Intervals, t.P50Us, t.P99Us, t.P999Us, t.MaxUs, t.Over2ms)
	}
	if t := s.OwnSendTiming; t != nil {
		fmt.Fprintf(&b, "  our send timing: p50 %.0f us, p99 %.0f us, max %.0f us\n", t.P50Us, t.P99Us, t.MaxUs)
	}
	if t := s.TargetProc; t != nil {
		fmt.Fprintf(&b, "  target pid %d: CPU %.1f%% of a core = %.3f ms per call-second; RSS %d -> %d KiB (%.1f KiB/call), %d KiB after; %d threads\n",
			t.PID, t.CPUPct, t.CPUMsPerCallSec, t.RSSBaseKiB, t.RSSHoldKiB, t.RSSPerCallKiB, t.RSSAfterKiB, t.Threads)
	}
	if g := s.GeneratorProc; g != nil {
		fmt.Fprintf(&b, "  generator: CPU %.1f%% of a core (%.3f ms per call-second), RSS %d KiB\n", g.CPUPct, g.CPUMsPerCallSec, g.RSSHoldKiB)
	}
	for _, n := range s.GeneratorNotes {
		fmt.Fprintf(&b, "  note: %s\n", n)
	}
	fmt.Fprintf(&b, "  no loss: %v\n", s.NoLoss)
	_, err := io.WriteString(w, b.String())
	return err
}

// runEcho answers every call and echoes its audio back, one goroutine per
// call, like examples/voip-echo does with one C thread per call. It is the
// same engine without the C ABI, for profiling (-cpuprofile).
func runEcho(o options) error {
	phone, err := newPhone(o.bind, o.rtpPorts, "echo", o.jitterMs)
	if err != nil {
		return err
	}
	var calls, ended atomic.Int64
	phone.SetHandler(voip.Handler{
		IncomingCall: func(c *voip.Call) {
			if err := c.Answer(); err != nil {
				return
			}
			calls.Add(1)
			go func() {
				defer ended.Add(1)
				defer c.Release()
				buf := make([]byte, frameBytes)
				for {
					n, err := c.ReadAudio(buf, time.Second)
					if n > 0 {
						if _, werr := c.WriteAudio(buf[:n], 100*time.Millisecond); errors.Is(werr, voip.ErrCallEnded) {
							return
						}
					}
					if err != nil && !errors.Is(err, voip.ErrTimeout) {
						return
					}
				}
			}()
		},
	})
	uri, _ := phone.Option("uri")
	fmt.Fprintf(os.Stderr, "voip-load: echo listening on %s (GOMAXPROCS %d)\n", uri, runtime.GOMAXPROCS(0))
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	if o.memProfile != "" {
		time.AfterFunc(o.memProfileAfter, func() {
			f, err := os.Create(o.memProfile)
			if err != nil {
				fmt.Fprintf(os.Stderr, "voip-load: memprofile: %v\n", err)
				return
			}
			defer f.Close()
			runtime.GC()
			_ = pprof.Lookup("heap").WriteTo(f, 0)
		})
	}
	var limit <-chan time.Time
	if o.echoFor > 0 {
		limit = time.After(o.echoFor)
	}
	select {
	case <-sig:
	case <-limit:
	}
	err = phone.Stop()
	fmt.Fprintf(os.Stderr, "voip-load: echo answered %d calls, %d ended\n", calls.Load(), ended.Load())
	return err
}

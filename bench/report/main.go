// Command report turns the raw results of one `make bench` run
// (bench/run.sh) into the results table, the JSON summary and the plot.
//
//	go run ./bench/report -raw bench/results/raw/<stamp> -out bench/results
//
// It reads from -raw:
//
//	meta.json               machine and run settings (written by run.sh)
//	load-<target>-<N>.json  voip-load summaries (one per target and N)
//	sipp-<target>-<R>.json  call-rate runs (one per target and offered rate)
//	micro-go.txt            go test -bench output (rtp package)
//	micro-frame.txt         frame_bench (C ABI, Python, Node) output
//	*.benchstat             benchstat tables of the two above
//	floor-<N>.json          bench/floor runs (the kernel's floor, floor.go)
//	setup-profile.{txt,json} perf of voip-echo during a burst of short calls (profile.go)
//
// and writes to -out: latest.json, latest.md (the table, ready for the
// README); and to -raw plot.dat + plot.gp, which run.sh renders with gnuplot
// into latest.png.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// loadRun is the part of a voip-load summary the report uses.
type loadRun struct {
	Label      string         `json:"label"`
	Calls      int            `json:"calls"`
	Answered   int            `json:"answered"`
	Failed     int            `json:"failed"`
	Failures   map[string]int `json:"failures"`
	EndedEarly int            `json:"ended_early"`
	Window     float64        `json:"window_s"`
	NoLoss     bool           `json:"no_loss"`
	Packets    struct {
		Sent, Received, Expected, Deficit, Late uint64
		LostSeq                                 int64   `json:"lost_seq"`
		LossPct                                 float64 `json:"loss_pct"`
		CallsWithLoss                           int     `json:"calls_with_loss"`
		JitterMsP99                             float64 `json:"jitter_ms_p99"`
	} `json:"packets"`
	Audio struct {
		Frames        uint64  `json:"frames"`
		GapFrames     uint64  `json:"gap_frames"`
		GapPct        float64 `json:"gap_pct"`
		CallsWithGaps int     `json:"calls_with_gaps"`
		CallsNoTone   int     `json:"calls_no_tone"`
	} `json:"audio"`
	SendTiming *struct {
		Calls     int     `json:"calls"`
		Intervals int     `json:"intervals"`
		P50Us     float64 `json:"p50_abs_dev_us"`
		P99Us     float64 `json:"p99_abs_dev_us"`
		P999Us    float64 `json:"p999_abs_dev_us"`
		MaxUs     float64 `json:"max_abs_dev_us"`
	} `json:"send_timing"`
	TargetProc *struct {
		CPUPct          float64 `json:"cpu_pct"`
		CPUMsPerCallSec float64 `json:"cpu_ms_per_call_s"`
		RSSBaseKiB      int64   `json:"rss_base_kib"`
		RSSHoldKiB      int64   `json:"rss_hold_kib"`
		RSSAfterKiB     int64   `json:"rss_after_kib"`
		RSSPerCallKiB   float64 `json:"rss_per_call_kib"`
		Threads         int     `json:"threads_hold"`
	} `json:"target_proc"`
	GeneratorProc *struct {
		CPUPct float64 `json:"cpu_pct"`
	} `json:"generator_proc"`
	Notes []string `json:"notes"`
}

// sippRun is one call-rate run (written by run.sh from SIPp's statistics).
type sippRun struct {
	Target       string  `json:"target"`
	Rate         float64 `json:"offered_cps"`
	Calls        int     `json:"calls"`
	Successful   int     `json:"successful"`
	Failed       int     `json:"failed"`
	Elapsed      float64 `json:"elapsed_s"`
	Achieved     float64 `json:"achieved_cps"`
	Retrans      int     `json:"retransmissions"`
	CPUSeconds   float64 `json:"target_cpu_s"`
	CPUMsPerCall float64 `json:"target_cpu_ms_per_call"`
	OK           bool    `json:"ok"`
}

type row struct {
	Metric   string `json:"metric"`
	Target   string `json:"target"`
	Libvoip  string `json:"libvoip"`
	Baresip  string `json:"baresip"`
	Ratio    string `json:"libvoip_vs_baresip"`
	Met      string `json:"met"`
	Note     string `json:"note,omitempty"`
	libvoipV float64
	baresipV float64
}

func main() {
	raw := flag.String("raw", "", "raw results directory of one run")
	out := flag.String("out", "bench/results", "where latest.json, latest.md, plot.dat and plot.gp go")
	refN := flag.Int("n", 1000, "the number of calls the per-call figures are read at")
	flag.Parse()
	if *raw == "" {
		fmt.Fprintln(os.Stderr, "report: -raw is required")
		os.Exit(2)
	}
	// meta.json is optional: without it the table's header reads "?" for
	// the machine and the ramp has no top step, so a read error is dropped.
	var meta map[string]any
	_ = readJSON(filepath.Join(*raw, "meta.json"), &meta)
	loads, rates := readLoads(*raw), readRates(*raw)
	frame := parseFrame(filepath.Join(*raw, "micro-frame.txt"))
	floors := readFloors(*raw)
	prof := readSetupProfile(filepath.Join(*raw, "setup-profile.txt"), filepath.Join(*raw, "setup-profile.json"))
	rows := buildRows(loads, rates, frame, floors, *refN, rampTop(meta))
	goBench, _ := os.ReadFile(filepath.Join(*raw, "micro-go.benchstat"))
	frameBench, _ := os.ReadFile(filepath.Join(*raw, "micro-frame.benchstat"))
	knees := readKnees(*raw)

	summary := map[string]any{
		"meta":          meta,
		"targets":       rows,
		"ramp":          loads,
		"call_rate":     rates,
		"frame_path":    frame,
		"micro_go":      string(goBench),
		"micro_frame":   string(frameBench),
		"ramp_stopped":  knees,
		"floor":         floors,
		"setup_profile": prof,
	}
	b, _ := json.MarshalIndent(summary, "", "  ")
	must(os.WriteFile(filepath.Join(*out, "latest.json"), append(b, '\n'), 0o644))
	md := withKnees(markdown(meta, rows, loads, rates, *refN), knees) + floorMarkdown(floors, loads) + profileMarkdown(prof)
	must(os.WriteFile(filepath.Join(*out, "latest.md"), []byte(md), 0o644))
	fmt.Print(md)
	writePlot(*raw, loads, floors)
}

// readLoads reads the voip-load summaries of raw, by target, in the order
// of their number of calls.
func readLoads(raw string) map[string][]loadRun {
	loads := map[string][]loadRun{}
	files, _ := filepath.Glob(filepath.Join(raw, "load-*.json"))
	for _, f := range files {
		var r loadRun
		if readJSON(f, &r) == nil && r.Label != "" {
			loads[r.Label] = append(loads[r.Label], r)
		}
	}
	for k := range loads {
		sort.Slice(loads[k], func(i, j int) bool { return loads[k][i].Calls < loads[k][j].Calls })
	}
	return loads
}

// readRates reads the call-rate runs of raw, by target, in the order of
// their offered rate.
func readRates(raw string) map[string][]sippRun {
	rates := map[string][]sippRun{}
	files, _ := filepath.Glob(filepath.Join(raw, "sipp-*.json"))
	for _, f := range files {
		var r sippRun
		if readJSON(f, &r) == nil && r.Target != "" {
			rates[r.Target] = append(rates[r.Target], r)
		}
	}
	for k := range rates {
		sort.Slice(rates[k], func(i, j int) bool { return rates[k][i].Rate < rates[k][j].Rate })
	}
	return rates
}

// rampTop is the largest step of the ramp run.sh was asked for (meta's
// "ramp", a list of numbers of calls), 0 when unknown.
func rampTop(meta map[string]any) int {
	top := 0
	if r, ok := meta["ramp"].(string); ok {
		for _, f := range strings.Fields(r) {
			if v, err := strconv.Atoi(f); err == nil {
				top = max(top, v)
			}
		}
	}
	return top
}

// readKnees describes, one sentence per target, where run.sh stopped the
// ramp because the target had reached its knee.
func readKnees(raw string) []string {
	var knees []string
	kf, _ := filepath.Glob(filepath.Join(raw, "knee-*.json"))
	for _, f := range kf {
		var k struct {
			Target        string `json:"target"`
			StoppedBefore int    `json:"stopped_before"`
			CPUPctAt      int    `json:"cpu_pct_at"`
			CallsAt       int    `json:"calls_at"`
		}
		if readJSON(f, &k) == nil {
			knees = append(knees, fmt.Sprintf("%s: not run at %d calls and above (it used %d%% of a core at %d calls)",
				k.Target, k.StoppedBefore, k.CPUPctAt, k.CallsAt))
		}
	}
	return knees
}

// withKnees adds a note per stopped ramp to the markdown, before the
// call set-up rate table when there is one, else at the end.
func withKnees(md string, knees []string) string {
	for _, k := range knees {
		note := "\nRamp stopped past the knee: " + k + ".\n"
		if strings.Contains(md, "\nCall set-up rate") {
			md = strings.Replace(md, "\nCall set-up rate", note+"\nCall set-up rate", 1)
		} else {
			md += note
		}
	}
	return md
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// frameResult is the median over rounds of the mean ns per read+write.
type frameResult struct {
	Rounds   int     `json:"rounds"`
	MedianNs float64 `json:"median_of_means_ns"`
	MinNs    float64 `json:"min_ns"`
	MaxNs    float64 `json:"max_ns"`
	// The median pair within a round, median over rounds: what a frame
	// costs when nothing else interferes.
	TypicalNs float64 `json:"median_pair_ns"`
}

var frameLine = regexp.MustCompile(`^BenchmarkFrameReadWrite/(\S+)\s+\d+\s+([0-9.]+) ns/op\s+([0-9.]+) median-ns/op`)

func parseFrame(path string) map[string]frameResult {
	out := map[string]frameResult{}
	b, err := os.ReadFile(path)
	if err != nil {
		return out
	}
	means, meds := map[string][]float64{}, map[string][]float64{}
	for _, line := range strings.Split(string(b), "\n") {
		m := frameLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		v, _ := strconv.ParseFloat(m[2], 64)
		d, _ := strconv.ParseFloat(m[3], 64)
		means[m[1]] = append(means[m[1]], v)
		meds[m[1]] = append(meds[m[1]], d)
	}
	for k, v := range means {
		sort.Float64s(v)
		d := meds[k]
		sort.Float64s(d)
		out[k] = frameResult{Rounds: len(v), MedianNs: v[len(v)/2], MinNs: v[0], MaxNs: v[len(v)-1], TypicalNs: d[len(d)/2]}
	}
	return out
}

func at(runs []loadRun, n int) *loadRun {
	for i := range runs {
		if runs[i].Calls == n {
			return &runs[i]
		}
	}
	return nil
}

// held is the largest N of the ramp held with no loss, and whether that
// was the ramp's last step (then the figure is a lower bound).
func held(runs []loadRun, top int) (int, bool) {
	best := 0
	for _, r := range runs {
		if r.NoLoss {
			best = max(best, r.Calls)
		}
	}
	return best, best > 0 && best >= top
}

// bestRate is the highest offered rate with no failed call.
func bestRate(runs []sippRun) (float64, float64, bool) {
	var best, achieved float64
	all := len(runs) > 0
	for _, r := range runs {
		if r.OK {
			if r.Rate > best {
				best, achieved = r.Rate, r.Achieved
			}
		} else {
			all = false
		}
	}
	return best, achieved, all
}

func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
func f2(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }
func f3(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }

func ratio(a, b float64) string {
	if a <= 0 || b <= 0 || math.IsNaN(a) || math.IsNaN(b) {
		return "–"
	}
	return f2(a/b) + "×"
}

// buildRows is the results table: each target of the project against
// what libvoip (voip-echo) and baresip measured.
func buildRows(loads map[string][]loadRun, rates map[string][]sippRun, frame map[string]frameResult, floors []floorRun, n, top int) []row {
	lv, bs := loads["voip-echo"], loads["baresip"]
	ns := strconv.Itoa(n)
	// 1. Concurrent calls with no loss.
	rows := []row{heldRow(lv, bs, top)}
	// 2-4. Per-call figures at N.
	lr, br := at(lv, n), at(bs, n)
	timing := timingFigure.row("send timing: p99 of |interval − 20 ms| at "+ns+" calls", lr, br)
	timing.Note = "kernel timestamps of the answering side's packets on lo, sampled calls"
	rows = append(rows, cpuFigure.row("CPU per call-second, answering side, at "+ns+" calls", lr, br))
	rows = append(rows, floorRows(loads, floors, n)...)
	rows = append(rows,
		memFigure.row("memory per active call (RSS growth / calls) at "+ns, lr, br),
		timing,
		lossFigure.row("packets lost / echoed frames that came back silent, at "+ns, lr, br))
	// 2b-4b. The same at the largest N both measured, when that is not n.
	if common := largestCommon(lv, bs); common > 0 && common != n {
		cs := strconv.Itoa(common)
		lc, bc := at(lv, common), at(bs, common)
		rows = append(rows,
			cpuFigure.row("CPU per call-second at "+cs+" calls (largest N both ran)", lc, bc),
			memFigure.row("memory per active call at "+cs+" calls", lc, bc),
			timingFigure.row("send timing p99 at "+cs+" calls", lc, bc),
			lossFigure.row("packets lost / echoed frames silent at "+cs+" calls", lc, bc))
	}
	// 5. Call set-up rate.
	rows = append(rows, rateRow(rates["voip-echo"], rates["baresip"]))
	// 6-7. Frame paths, and the bindings' capacity.
	rows = append(rows,
		frameRow(frame, "C-ABI", 1, "one 20 ms frame read + written through the C ABI"),
		frameRow(frame, "Python", 10, "the same from Python (bindings/python)"),
		frameRow(frame, "Node", 20, "the same from Node.js (bindings/node)"))
	return append(rows, bindingRows(loads)...)
}

// yesNo is the table's "met" cell.
func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "NO"
}

// heldRow compares the largest number of calls held with no loss.
func heldRow(lv, bs []loadRun, top int) row {
	l, lall := held(lv, top)
	b, ball := held(bs, top)
	return row{Metric: "concurrent two-way G.711 calls held with no loss", Target: "≥ 2,000",
		Libvoip: heldCell(l, lall), Baresip: heldCell(b, ball), Ratio: ratio(float64(l), float64(b)), Met: yesNo(l >= 2000),
		Note: "largest N of the ramp with every call answered and held, no sequence gap, no missing packet"}
}

// heldCell is v, marked as a lower bound when it was the ramp's top.
func heldCell(v int, all bool) string {
	s := strconv.Itoa(v)
	if all && v > 0 {
		s = "≥ " + s
	}
	return s
}

// largestCommon is the largest number of calls both ramps ran.
func largestCommon(lv, bs []loadRun) int {
	common := 0
	for _, r := range lv {
		if at(bs, r.Calls) != nil {
			common = max(common, r.Calls)
		}
	}
	return common
}

// figure is one per-call figure of a voip-load run and its target.
type figure struct {
	cell   func(r *loadRun) (string, float64) // the table cell and the value; "–" when not measured
	target string
	met    func(r *loadRun, v float64) bool // for libvoip's run and value
	ratio  bool                             // whether the libvoip ÷ baresip ratio is shown
}

// row compares libvoip's run l with baresip's run b (either may be nil).
func (f figure) row(metric string, l, b *loadRun) row {
	lc, lv := f.cell(l)
	bc, bv := f.cell(b)
	r := row{Metric: metric, Target: f.target, Libvoip: lc, Baresip: bc, Met: yesNo(f.met(l, lv)), libvoipV: lv, baresipV: bv}
	if f.ratio {
		r.Ratio = ratio(lv, bv)
	}
	return r
}

var (
	cpuFigure = figure{target: "≤ 0.5 ms", ratio: true,
		cell: func(r *loadRun) (string, float64) {
			if r == nil || r.TargetProc == nil {
				return "–", 0
			}
			return f3(r.TargetProc.CPUMsPerCallSec) + " ms (" + f1(r.TargetProc.CPUPct) + "% of a core)", r.TargetProc.CPUMsPerCallSec
		},
		met: func(_ *loadRun, v float64) bool { return v > 0 && v <= 0.5 }}
	memFigure = figure{target: "≤ 48 KiB", ratio: true,
		cell: func(r *loadRun) (string, float64) {
			if r == nil || r.TargetProc == nil {
				return "–", 0
			}
			return f1(r.TargetProc.RSSPerCallKiB) + " KiB", r.TargetProc.RSSPerCallKiB
		},
		met: func(_ *loadRun, v float64) bool { return v > 0 && v <= 48 }}
	timingFigure = figure{target: "≤ 2 ms", ratio: true,
		cell: func(r *loadRun) (string, float64) {
			if r == nil || r.SendTiming == nil || r.SendTiming.Intervals == 0 {
				return "–", 0
			}
			return f2(r.SendTiming.P99Us/1000) + " ms", r.SendTiming.P99Us / 1000
		},
		met: func(_ *loadRun, v float64) bool { return v > 0 && v <= 2 }}
	lossFigure = figure{target: "0",
		cell: func(r *loadRun) (string, float64) {
			if r == nil {
				return "–", 0
			}
			return f3(r.Packets.LossPct) + "% lost, " + f3(r.Audio.GapPct) + "% silent", r.Audio.GapPct
		},
		met: func(r *loadRun, v float64) bool { return r != nil && r.NoLoss && v == 0 }}
)

// rateRow compares the call set-up rates SIPp reached with no failure.
func rateRow(lv, bs []sippRun) row {
	l, la, lall := bestRate(lv)
	b, ba, ball := bestRate(bs)
	return row{Metric: "call set-up rate, SIPp → answering side, short calls, 0 failed", Target: "≥ 1,500 calls/s",
		Libvoip: rateCell(l, la, lall), Baresip: rateCell(b, ba, ball), Ratio: ratio(l, b), Met: yesNo(l >= 1500)}
}

// rateCell is the best rate v and what was achieved at it, marked as a
// lower bound when every rate tried passed.
func rateCell(v, ach float64, all bool) string {
	if v == 0 {
		return "< lowest rate tried"
	}
	s := strconv.Itoa(int(v)) + " calls/s"
	if all {
		s = "≥ " + s
	}
	return s + " (" + strconv.Itoa(int(ach)) + " completed/s)"
}

// frameRow is the cost of one frame through binding k against limitUs.
func frameRow(frame map[string]frameResult, k string, limitUs float64, metric string) row {
	r, ok := frame[k]
	v := "–"
	if ok {
		v = f2(r.MedianNs/1000) + " µs (typical " + f2(r.TypicalNs/1000) + " µs)"
	}
	return row{Metric: metric, Target: "≤ " + strconv.FormatFloat(limitUs, 'f', -1, 64) + " µs", Libvoip: v, Baresip: "n/a",
		Met: yesNo(ok && r.MedianNs/1000 <= limitUs)}
}

func markdown(meta map[string]any, rows []row, loads map[string][]loadRun, rates map[string][]sippRun, n int) string {
	var b strings.Builder
	str := func(k string) string {
		if v, ok := meta[k]; ok {
			return fmt.Sprint(v)
		}
		return "?"
	}
	fmt.Fprintf(&b, "Measured %s on %s (%s cores, %s GiB RAM, %s, %s); command: `%s`.\n",
		str("date"), str("cpu"), str("cores"), str("mem_gib"), str("kernel"), str("go"), str("command"))
	fmt.Fprintf(&b, "Answering side on core 0, generator on core 1; hold window %s s per step; baresip %s (echo module) measured in the same run.\n\n",
		str("hold_s"), str("baresip"))
	b.WriteString("| target | goal | libvoip (voip-echo) | baresip | libvoip ÷ baresip | met |\n|---|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", r.Metric, r.Target, r.Libvoip, r.Baresip, r.Ratio, r.Met)
	}
	b.WriteString("\nThe ramp (answering side: CPU in % of one core, per call-second, RSS per call; loss; audio gaps; send timing p99):\n\n")
	b.WriteString("| target | calls | answered | CPU % | ms/call-s | KiB/call | threads | lost | silent frames | p99 send dev | generator CPU % |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
	var targets []string
	for k := range loads {
		targets = append(targets, k)
	}
	sort.Strings(targets)
	for _, t := range targets {
		for _, r := range loads[t] {
			cpu, ms, kib, thr := "–", "–", "–", "–"
			if p := r.TargetProc; p != nil {
				cpu, ms, kib, thr = f1(p.CPUPct), f3(p.CPUMsPerCallSec), f1(p.RSSPerCallKiB), strconv.Itoa(p.Threads)
			}
			tim := "–"
			if s := r.SendTiming; s != nil && s.Intervals > 0 {
				tim = f2(s.P99Us/1000) + " ms"
			}
			gcpu := "–"
			if g := r.GeneratorProc; g != nil {
				gcpu = f1(g.CPUPct)
			}
			fmt.Fprintf(&b, "| %s | %d | %d | %s | %s | %s | %s | %d (%.3f%%) | %d (%.3f%%) | %s | %s |\n",
				t, r.Calls, r.Answered, cpu, ms, kib, thr, r.Packets.LostSeq+int64(r.Packets.Deficit), r.Packets.LossPct,
				r.Audio.GapFrames, r.Audio.GapPct, tim, gcpu)
		}
	}
	if len(rates) > 0 {
		b.WriteString("\nCall set-up rate (SIPp, short calls):\n\n| target | offered calls/s | calls | successful | failed | retransmissions | CPU ms per call |\n|---|---|---|---|---|---|---|\n")
		var ts []string
		for k := range rates {
			ts = append(ts, k)
		}
		sort.Strings(ts)
		for _, t := range ts {
			for _, r := range rates[t] {
				fmt.Fprintf(&b, "| %s | %.0f | %d | %d | %d | %d | %s |\n", t, r.Rate, r.Calls, r.Successful, r.Failed, r.Retrans, f3(r.CPUMsPerCall))
			}
		}
	}
	return b.String()
}

// writePlot writes plot.dat (one block per target) and plot.gp.
func writePlot(out string, loads map[string][]loadRun, floors []floorRun) {
	var targets []string
	for k := range loads {
		targets = append(targets, k)
	}
	sort.Strings(targets)
	var dat strings.Builder
	for _, t := range targets {
		fmt.Fprintf(&dat, "# %s: calls cpu_pct loss_pct gap_pct kib_per_call\n", t)
		for _, r := range loads[t] {
			cpu, kib := math.NaN(), math.NaN()
			if p := r.TargetProc; p != nil {
				cpu, kib = p.CPUPct, p.RSSPerCallKiB
			}
			loss := r.Packets.LossPct
			if r.Packets.Expected > 0 && r.Packets.Deficit > 0 {
				loss = math.Max(loss, 100*float64(r.Packets.Deficit)/float64(r.Packets.Expected))
			}
			if r.Calls > 0 && r.Answered < r.Calls {
				loss = math.Max(loss, 100*float64(r.Calls-r.Answered)/float64(r.Calls))
			}
			fmt.Fprintf(&dat, "%d %.2f %.4f %.4f %.1f\n", r.Calls, cpu, loss, r.Audio.GapPct, kib)
		}
		dat.WriteString("\n\n")
	}
	if len(floors) > 0 {
		dat.WriteString(floorPlotBlock(floors)) // index len(targets)
	}
	must(os.WriteFile(filepath.Join(out, "plot.dat"), []byte(dat.String()), 0o644))
	var gp strings.Builder
	gp.WriteString(`set terminal pngcairo size 1100,800 font "sans,11"
set output OUT
set multiplot layout 2,1 title "libvoip make bench: answering side vs concurrent two-way G.711 calls (2-core machine, loopback)"
set grid
set key left top
set xlabel "concurrent calls"
set ylabel "CPU of the answering process (% of one core)"
set yrange [0:*]
set xrange [0:*]
`)
	colors := map[string]string{"voip-echo": "#1b9e77", "baresip": "#d95f02", "voip-echo-loop": "#7570b3", "go-echo": "#e7298a", "py-echo": "#66a61e", "node-echo": "#e6ab02"}
	color := func(t string) string {
		if c, ok := colors[t]; ok {
			return c
		}
		return "#666666"
	}
	var plots []string
	for i, t := range targets {
		plots = append(plots, fmt.Sprintf(`DAT index %d using 1:2 with linespoints lw 2 pt 7 lc rgb "%s" title "%s"`, i, color(t), t))
	}
	if len(floors) > 0 {
		plots = append(plots, fmt.Sprintf(`DAT index %d using 1:2 with linespoints lw 2 dt 3 pt 5 lc rgb "#000000" title "floor (kernel only: bench/floor)"`, len(targets)))
	}
	gp.WriteString("plot " + strings.Join(plots, ", \\\n     ") + "\n")
	gp.WriteString(`set ylabel "lost packets / silent echoed frames (%)"
set yrange [0:*]
`)
	plots = plots[:0]
	for i, t := range targets {
		plots = append(plots, fmt.Sprintf(`DAT index %d using 1:3 with linespoints lw 2 pt 7 lc rgb "%s" title "%s: packets lost or calls failed"`, i, color(t), t))
		plots = append(plots, fmt.Sprintf(`DAT index %d using 1:4 with linespoints lw 1 dt 2 pt 6 lc rgb "%s" title "%s: echoed frames silent"`, i, color(t), t))
	}
	gp.WriteString("plot " + strings.Join(plots, ", \\\n     ") + "\nunset multiplot\n")
	must(os.WriteFile(filepath.Join(out, "plot.gp"), []byte(gp.String()), 0o644))
}

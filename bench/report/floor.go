package main

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// This file holds the floor (bench/floor: the same packets on N UDP sockets
// with no library) and the figures read against it: the ratio rows of the
// main table, the floor's own table and its line on the plot.

// floorRun is one run of bench/floor (its JSON line).
type floorRun struct {
	Calls           int     `json:"calls"`
	Window          float64 `json:"window_s"`
	CPUMsPerCallSec float64 `json:"cpu_ms_per_call_s"`
	CPUPct          float64 `json:"cpu_pct"`
	SendP50Ms       float64 `json:"send_p50_ms"`
	SendP99Ms       float64 `json:"send_p99_ms"`
	SendMaxMs       float64 `json:"send_max_ms"`
	Received        uint64  `json:"received"`
	Expected        float64 `json:"expected"`
	Lost            uint64  `json:"lost"`
}

// readFloors reads raw's floor-<N>.json files, in the order of N.
func readFloors(raw string) []floorRun {
	var runs []floorRun
	files, _ := filepath.Glob(filepath.Join(raw, "floor-*.json"))
	for _, f := range files {
		var r floorRun
		if readJSON(f, &r) == nil && r.Calls > 0 {
			runs = append(runs, r)
		}
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].Calls < runs[j].Calls })
	return runs
}

// floorAt is the floor run with n sockets, else the one nearest to n (the
// floor's cost per call barely moves with n), nil when there is none.
func floorAt(runs []floorRun, n int) *floorRun {
	var best *floorRun
	for i := range runs {
		if best == nil || abs(runs[i].Calls-n) < abs(best.Calls-n) {
			best = &runs[i]
		}
	}
	return best
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// floorRatio is the table cell "CPU per call-second ÷ the floor's" for a
// ramp run r, and the ratio (0 when either side is missing).
func floorRatio(r *loadRun, floors []floorRun) (string, float64) {
	if r == nil || r.TargetProc == nil || r.TargetProc.CPUMsPerCallSec <= 0 {
		return "–", 0
	}
	f := floorAt(floors, r.Calls)
	if f == nil || f.CPUMsPerCallSec <= 0 {
		return "–", 0
	}
	v := r.TargetProc.CPUMsPerCallSec / f.CPUMsPerCallSec
	at := ""
	if f.Calls != r.Calls {
		at = " at " + strconv.Itoa(f.Calls)
	}
	cell := fmt.Sprintf("%s× (%s ÷ %s ms%s)", f2(v), f3(r.TargetProc.CPUMsPerCallSec), f3(f.CPUMsPerCallSec), at)
	return cell + saturated(r), v
}

// saturated marks a figure taken while the answering side used 90 % of its
// core or more: its CPU per call-second is then a lower bound.
func saturated(r *loadRun) string {
	if r != nil && r.TargetProc != nil && r.TargetProc.CPUPct >= 90 {
		return " (saturated: a lower bound)"
	}
	return ""
}

// floorRows are the main table's rows read against the floor: voip-echo's
// (and baresip's, at its largest N) CPU per call-second over the floor's.
func floorRows(loads map[string][]loadRun, floors []floorRun, n int) []row {
	if len(floors) == 0 {
		return nil
	}
	lc, lv := floorRatio(at(loads["voip-echo"], n), floors)
	var b *loadRun
	if bs := loads["baresip"]; len(bs) > 0 {
		b = &bs[len(bs)-1]
	}
	bc, bv := floorRatio(b, floors)
	if b != nil && b.Calls != n && bc != "–" {
		bc += " at " + strconv.Itoa(b.Calls) + " calls"
	}
	f := floorAt(floors, n)
	return []row{
		{Metric: "CPU per call-second at " + strconv.Itoa(n) + " calls ÷ the floor's (bench/floor: the same packets, no library)",
			Target: "≤ 1.3×", Libvoip: lc, Baresip: bc, Met: yesNo(lv > 0 && lv <= 1.3), libvoipV: lv, baresipV: bv},
		{Metric: "the floor itself at " + strconv.Itoa(f.Calls) + " sockets: CPU per call-second / send timing p99",
			Target: "(reference)", Libvoip: f3(f.CPUMsPerCallSec) + " ms / " + f2(f.SendP99Ms) + " ms", Baresip: "n/a", Met: "–"},
	}
}

// bindingRows are the capacity rows of the bindings: calls held by one
// Python and one Node echo process (bench/echo-py, bench/echo-node).
func bindingRows(loads map[string][]loadRun) []row {
	var rows []row
	for _, b := range []struct{ label, metric string }{
		{"py-echo", "calls held with no loss by one Python echo process (bindings/python, a thread per call)"},
		{"node-echo", "calls held with no loss by one Node echo process (bindings/node, async read/write per call)"},
	} {
		runs := loads[b.label]
		v := "not measured"
		ok := false
		if len(runs) > 0 {
			h, all := held(runs, runs[len(runs)-1].Calls)
			v = heldCell(h, all)
			if h == 0 {
				v = "< " + strconv.Itoa(runs[0].Calls)
			}
			ok = h >= 500
		}
		rows = append(rows, row{Metric: b.metric, Target: "≥ 500", Libvoip: v, Baresip: "n/a", Met: yesNo(ok)})
	}
	return rows
}

// floorMarkdown is the floor's table: per number of sockets, its figures and
// voip-echo's at the same number of calls.
func floorMarkdown(floors []floorRun, loads map[string][]loadRun) string {
	if len(floors) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\nThe floor (bench/floor: N UDP socket pairs, 172-byte packets at 50/s each way, one epoll thread per side, no SIP, no codec), and voip-echo at the same N:\n\n")
	b.WriteString("| sockets | CPU % | ms/call-s | send p50 | send p99 | send max | received / expected | voip-echo ms/call-s | voip-echo ÷ floor | voip-echo send p99 |\n|---|---|---|---|---|---|---|---|---|---|\n")
	for _, f := range floors {
		ve, ratioCell, p99 := "–", "–", "–"
		if r := at(loads["voip-echo"], f.Calls); r != nil && r.TargetProc != nil {
			ve = f3(r.TargetProc.CPUMsPerCallSec)
			ratioCell = ratio(r.TargetProc.CPUMsPerCallSec, f.CPUMsPerCallSec) + saturated(r)
			if r.SendTiming != nil && r.SendTiming.Intervals > 0 {
				p99 = f2(r.SendTiming.P99Us/1000) + " ms"
			}
		}
		fmt.Fprintf(&b, "| %d | %s | %s | %s ms | %s ms | %s ms | %d / %.0f | %s | %s | %s |\n",
			f.Calls, f1(f.CPUPct), f3(f.CPUMsPerCallSec), f2(f.SendP50Ms), f2(f.SendP99Ms), f2(f.SendMaxMs),
			f.Received, f.Expected, ve, ratioCell, p99)
	}
	return b.String()
}

// floorPlotBlock is the floor's block of plot.dat, in writePlot's columns
// (calls cpu_pct loss_pct gap_pct kib_per_call).
func floorPlotBlock(floors []floorRun) string {
	var b strings.Builder
	b.WriteString("# floor: calls cpu_pct loss_pct gap_pct kib_per_call\n")
	for _, f := range floors {
		loss := 0.0
		if f.Expected > 0 && float64(f.Received) < f.Expected {
			loss = 100 * (f.Expected - float64(f.Received)) / f.Expected
		}
		fmt.Fprintf(&b, "%d %.2f %.4f 0 NaN\n", f.Calls, f.CPUPct, loss)
	}
	return b.String() + "\n\n"
}

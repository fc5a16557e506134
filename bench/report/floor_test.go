package main

import (
	"strings"
	"testing"
)

func TestFloorAt(t *testing.T) {
	runs := []floorRun{{Calls: 500, CPUMsPerCallSec: 0.2}, {Calls: 1000, CPUMsPerCallSec: 0.25}, {Calls: 2000, CPUMsPerCallSec: 0.3}}
	for _, tc := range []struct{ n, want int }{{1000, 1000}, {250, 500}, {1400, 1000}, {1600, 2000}, {5000, 2000}} {
		if got := floorAt(runs, tc.n); got == nil || got.Calls != tc.want {
			t.Errorf("floorAt(%d) = %+v, want the run at %d", tc.n, got, tc.want)
		}
	}
	if floorAt(nil, 1000) != nil {
		t.Error("floorAt with no runs is not nil")
	}
}

func TestFloorRatio(t *testing.T) {
	floors := []floorRun{{Calls: 500, CPUMsPerCallSec: 0.2}, {Calls: 1000, CPUMsPerCallSec: 0.25}}
	run := func(calls int, ms float64) *loadRun {
		r := &loadRun{Calls: calls}
		r.TargetProc = &struct {
			CPUPct          float64 `json:"cpu_pct"`
			CPUMsPerCallSec float64 `json:"cpu_ms_per_call_s"`
			RSSBaseKiB      int64   `json:"rss_base_kib"`
			RSSHoldKiB      int64   `json:"rss_hold_kib"`
			RSSAfterKiB     int64   `json:"rss_after_kib"`
			RSSPerCallKiB   float64 `json:"rss_per_call_kib"`
			Threads         int     `json:"threads_hold"`
		}{CPUMsPerCallSec: ms}
		return r
	}
	for _, tc := range []struct {
		name   string
		r      *loadRun
		floors []floorRun
		want   float64
		cell   string
	}{
		{"same N", run(1000, 0.5), floors, 2, "2.00× (0.500 ÷ 0.250 ms)"},
		{"nearest N", run(250, 0.8), floors, 4, "4.00× (0.800 ÷ 0.200 ms at 500)"},
		{"saturated", func() *loadRun { r := run(1000, 0.95); r.TargetProc.CPUPct = 95; return r }(), floors, 3.8,
			"3.80× (0.950 ÷ 0.250 ms) (saturated: a lower bound)"},
		{"no run", nil, floors, 0, "–"},
		{"no floor", run(1000, 0.5), nil, 0, "–"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cell, v := floorRatio(tc.r, tc.floors)
			if v != tc.want || cell != tc.cell {
				t.Errorf("floorRatio = %q, %v; want %q, %v", cell, v, tc.cell, tc.want)
			}
		})
	}
}

func TestBindingRows(t *testing.T) {
	loads := map[string][]loadRun{
		"py-echo":   {{Calls: 100, NoLoss: true}, {Calls: 250, NoLoss: true}, {Calls: 500, NoLoss: false}},
		"node-echo": {{Calls: 25, NoLoss: false}},
	}
	rows := bindingRows(loads)
	want := []struct{ cell, met string }{{"250", "NO"}, {"< 25", "NO"}}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(rows), len(want))
	}
	for i, w := range want {
		if rows[i].Libvoip != w.cell || rows[i].Met != w.met {
			t.Errorf("row %d (%s) = %q %s, want %q %s", i, rows[i].Metric, rows[i].Libvoip, rows[i].Met, w.cell, w.met)
		}
	}
	loads["py-echo"] = []loadRun{{Calls: 500, NoLoss: true}}
	if r := bindingRows(loads)[0]; r.Libvoip != "≥ 500" || r.Met != "yes" {
		t.Errorf("500 held at the top step: %q %s, want ≥ 500 yes", r.Libvoip, r.Met)
	}
	if r := bindingRows(map[string][]loadRun{})[1]; r.Libvoip != "not measured" {
		t.Errorf("no Node runs: %q", r.Libvoip)
	}
}

func TestFloorPlotBlock(t *testing.T) {
	got := floorPlotBlock([]floorRun{{Calls: 1000, CPUPct: 21, Received: 900, Expected: 1000}})
	if !strings.Contains(got, "1000 21.00 10.0000 0 NaN\n") {
		t.Errorf("floor plot block:\n%s", got)
	}
}

package main

import (
	"encoding/json"
	"os"
	"time"
)

// procWindow is what was sampled of the target and of this process around
// the measuring window.
type procWindow struct {
	win                time.Duration
	baseTarget, t0, t1 procSample // target: before the calls, at the window's start and end
	gen0, gs0, gs1     procSample // this process: the same
}

// finish completes sum with the processes' CPU and memory over the window
// (the target's after it had 2 s to free what it frees), writes the
// per-call and summary files asked for, and prints the summary. up is the
// number of calls that were up during the window.
func finish(o options, sum *summary, up int, pw procWindow, writeCalls func(path string) error) error {
	if o.pid > 0 {
		time.Sleep(2 * time.Second) // let the target free what it frees
		after, _ := readProc(o.pid)
		cpu := (pw.t1.CPU - pw.t0.CPU).Seconds()
		ps := &procSummary{PID: o.pid, CPUSeconds: cpu, CPUPct: 100 * cpu / pw.win.Seconds(),
			RSSBaseKiB: pw.baseTarget.RSSKiB, RSSHoldKiB: pw.t1.RSSKiB, RSSAfterKiB: after.RSSKiB,
			PeakRSSKiB: after.HWMKiB, Threads: pw.t1.Threads}
		if up > 0 {
			ps.CPUMsPerCallSec = 1000 * cpu / (float64(up) * pw.win.Seconds())
			ps.RSSPerCallKiB = float64(pw.t1.RSSKiB-pw.baseTarget.RSSKiB) / float64(up)
		}
		sum.TargetProc = ps
	}
	gcpu := (pw.gs1.CPU - pw.gs0.CPU).Seconds()
	sum.GeneratorProc = &procSummary{PID: os.Getpid(), CPUSeconds: gcpu, CPUPct: 100 * gcpu / pw.win.Seconds(),
		RSSBaseKiB: pw.gen0.RSSKiB, RSSHoldKiB: pw.gs1.RSSKiB, Threads: pw.gs1.Threads}
	if up > 0 {
		sum.GeneratorProc.CPUMsPerCallSec = 1000 * gcpu / (float64(up) * pw.win.Seconds())
		sum.GeneratorProc.RSSPerCallKiB = float64(pw.gs1.RSSKiB-pw.gen0.RSSKiB) / float64(up)
	}
	if len(sum.Failures) == 0 {
		sum.Failures = nil
	}
	if o.callsOut != "" {
		if err := writeCalls(o.callsOut); err != nil {
			return err
		}
	}
	if o.jsonOut != "" {
		b, _ := json.MarshalIndent(sum, "", "  ")
		if err := os.WriteFile(o.jsonOut, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	return printSummary(os.Stdout, *sum)
}

// writeJSONLines writes n records, one JSON object a line, to path.
func writeJSONLines(path string, n int, record func(i int) map[string]any) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	for i := 0; i < n; i++ {
		if err := enc.Encode(record(i)); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

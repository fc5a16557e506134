package main

import (
	"math"
	"testing"
)

const perfSample = `# Children      Self  Symbol
# ........  ........  ......
#
    51.58%     0.00%  [.] runtime.goexit.abi0                                  -      -
    44.00%     0.63%  [k] do_syscall_64                                        -      -
    26.74%    26.74%  [k] finish_task_switch.isra.0                            -      -
    18.11%     0.21%  [.] github.com/emiago/sipgo/sip.(*TransactionLayer).handleRequest   -      -
    18.11%     0.00%  [.] github.com/emiago/sipgo/sip.(*TransactionLayer).handleRequestBackground   -      -
     6.95%     0.00%  [.] voip_call_answer                                     -      -
     6.11%     0.21%  [.] github.com/emiago/sipgo/sip.(*Parser).Parse
not a perf line
`

func TestParsePerf(t *testing.T) {
	syms := parsePerf(perfSample)
	want := []perfSym{
		{"runtime.goexit.abi0", 51.58, 0},
		{"do_syscall_64", 44, 0.63},
		{"finish_task_switch.isra.0", 26.74, 26.74},
		{"github.com/emiago/sipgo/sip.(*TransactionLayer).handleRequest", 18.11, 0.21},
		{"github.com/emiago/sipgo/sip.(*TransactionLayer).handleRequestBackground", 18.11, 0},
		{"voip_call_answer", 6.95, 0},
		{"github.com/emiago/sipgo/sip.(*Parser).Parse", 6.11, 0.21},
	}
	if len(syms) != len(want) {
		t.Fatalf("parsed %d symbols, want %d: %+v", len(syms), len(want), syms)
	}
	for i := range want {
		if syms[i] != want[i] {
			t.Errorf("line %d: %+v, want %+v", i, syms[i], want[i])
		}
	}
}

func TestStageShares(t *testing.T) {
	shares := stageShares(parsePerf(perfSample), 2.0)
	byName := map[string]stageShare{}
	for _, s := range shares {
		byName[s.Stage] = s
	}
	for _, tc := range []struct {
		stage string
		pct   float64
	}{
		{"transactions and request handlers (sipgo's TransactionLayer)", 18.11}, // not handleRequestBackground's
		{"answering from C: voip_call_answer (SDP, RTP socket, 200)", 6.95},
		{"parsing SIP messages (sipgo's Parser)", 6.11},
		{"kernel context switches (finish_task_switch, self)", 26.74},
		{"Go sysmon (runtime.sysmon)", 0},
	} {
		s, ok := byName[tc.stage]
		if !ok {
			t.Errorf("stage %q missing", tc.stage)
			continue
		}
		if s.Pct != tc.pct || math.Abs(s.MsPer-tc.pct/100*2) > 1e-9 {
			t.Errorf("%s: %.2f%% %.4f ms, want %.2f%% %.4f ms", tc.stage, s.Pct, s.MsPer, tc.pct, tc.pct/100*2)
		}
	}
}

package main

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// This file reads the call set-up profile: run.sh's perf report of
// voip-echo during a burst of short SIPp calls (setup-profile.txt,
// `perf report --children --sort symbol`) and what the burst cost
// (setup-profile.json), and says which stages of a set-up dominate.

// perfSym is one line of perf report: the share of samples in the symbol
// and everything it called (children), and in the symbol itself (self).
type perfSym struct {
	Symbol   string  `json:"symbol"`
	Children float64 `json:"children_pct"`
	Self     float64 `json:"self_pct"`
}

var perfLine = regexp.MustCompile(`^\s*([0-9.]+)%\s+([0-9.]+)%\s+\[[.k]\]\s+(\S.*?)\s*(?:\s-\s+-\s*)?$`)

// parsePerf reads perf report's lines; unknown lines are skipped.
func parsePerf(text string) []perfSym {
	var syms []perfSym
	for _, line := range strings.Split(text, "\n") {
		m := perfLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		c, _ := strconv.ParseFloat(m[1], 64)
		s, _ := strconv.ParseFloat(m[2], 64)
		syms = append(syms, perfSym{Symbol: strings.TrimSpace(m[3]), Children: c, Self: s})
	}
	return syms
}

// setupStages are the parts of a call set-up, each the inclusive share of
// the symbols matching its pattern (the largest match: callers include
// their callees). Stages overlap (a handler runs inside the transaction
// layer), so they do not add up to 100 %.
var setupStages = []struct{ name, pattern string }{
	{"reading SIP datagrams (sipgo's UDP transport, with parsing)", `sipgo/sip\.\(\*TransportUDP\)\.readListenerConnection$`},
	{"parsing SIP messages (sipgo's Parser)", `sipgo/sip\.\(\*Parser\)\.Parse$`},
	{"libvoip's request screening before sipgo (sip.screen)", `libvoip/sip\.screen$`},
	{"transactions and request handlers (sipgo's TransactionLayer)", `sipgo/sip\.\(\*TransactionLayer\)\.handleRequest$`},
	{"INVITE handling in libvoip (UA.handleInvite)", `libvoip/sip\.\(\*UA\)\.handleInvite$`},
	{"answering from C: voip_call_answer (SDP, RTP socket, 200)", `^voip_call_answer$`},
	{"RTP socket creation (listenUDP)", `net\.\(\*sysListener\)\.listenUDP$`},
	{"C callbacks into the application (cgocallbackg)", `^runtime\.cgocallbackg$`},
	{"thread creation (clone3: C threads, Go Ms)", `^clone3$`},
	{"Go heap allocation (mallocgc)", `^runtime\.mallocgc$`},
	{"Go garbage collector (gcBgMarkWorker)", `^runtime\.gcBgMarkWorker$`},
	{"Go scheduler (runtime.schedule)", `^runtime\.schedule$`},
	{"Go sysmon (runtime.sysmon)", `^runtime\.sysmon$`},
	{"handing Ps to locked C threads (startlockedm)", `^runtime\.startlockedm$`},
	{"media pacer ticks (rtp.Pacer.run)", `libvoip/rtp\.\(\*Pacer\)\.run$`},
	{"system calls, all (do_syscall_64)", `^do_syscall_64$`},
	{"kernel context switches (finish_task_switch, self)", `^finish_task_switch`},
}

// stageShare is one stage's share of the profile.
type stageShare struct {
	Stage string  `json:"stage"`
	Pct   float64 `json:"pct"`
	MsPer float64 `json:"ms_per_call"`
}

// setupProfile is the set-up profile's summary for latest.json.
type setupProfile struct {
	Burst   *sippRun     `json:"burst"`
	Stages  []stageShare `json:"stages"`
	TopSelf []perfSym    `json:"top_self"`
}

// stageShares applies setupStages to syms; msPerCall converts shares to CPU
// milliseconds per call (0: not known).
func stageShares(syms []perfSym, msPerCall float64) []stageShare {
	var out []stageShare
	for _, st := range setupStages {
		re := regexp.MustCompile(st.pattern)
		best := 0.0
		for _, s := range syms {
			if re.MatchString(s.Symbol) {
				v := s.Children
				if strings.Contains(st.name, "self") {
					v = s.Self
				}
				best = max(best, v)
			}
		}
		out = append(out, stageShare{Stage: st.name, Pct: best, MsPer: best / 100 * msPerCall})
	}
	return out
}

// readSetupProfile reads raw's setup-profile.{txt,json}; nil without them.
func readSetupProfile(txtPath, jsonPath string) *setupProfile {
	b, err := os.ReadFile(txtPath)
	if err != nil {
		return nil
	}
	syms := parsePerf(string(b))
	if len(syms) == 0 {
		return nil
	}
	p := &setupProfile{}
	var burst sippRun
	ms := 0.0
	if readJSON(jsonPath, &burst) == nil {
		p.Burst, ms = &burst, burst.CPUMsPerCall
	}
	p.Stages = stageShares(syms, ms)
	sort.SliceStable(syms, func(i, j int) bool { return syms[i].Self > syms[j].Self })
	p.TopSelf = syms[:min(10, len(syms))]
	return p
}

// profileMarkdown is the set-up profile's section of latest.md.
func profileMarkdown(p *setupProfile) string {
	if p == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString("\nWhat a call set-up costs: perf (cpu-clock, call graphs) of voip-echo during a burst of short SIPp calls")
	if p.Burst != nil {
		fmt.Fprintf(&b, " at %.0f calls/s (%d calls, %d failed, %s ms of CPU per call)", p.Burst.Rate, p.Burst.Calls, p.Burst.Failed, f3(p.Burst.CPUMsPerCall))
	}
	b.WriteString(". Shares are inclusive (a stage's callees count in it) and overlap:\n\n| stage | share of voip-echo's CPU | ms per call |\n|---|---|---|\n")
	for _, s := range p.Stages {
		fmt.Fprintf(&b, "| %s | %s%% | %s |\n", s.Stage, f1(s.Pct), f3(s.MsPer))
	}
	b.WriteString("\nTop symbols by their own samples: ")
	var top []string
	for _, s := range p.TopSelf {
		top = append(top, fmt.Sprintf("`%s` %s%%", s.Symbol, f1(s.Self)))
	}
	b.WriteString(strings.Join(top, ", ") + ".\n")
	return b.String()
}

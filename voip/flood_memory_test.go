package voip

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// floodLimitEnv runs TestOptionsFloodMemory's child: a phone, an OPTIONS
// flood against it, RSS reports; its value is the memory limit in MiB
// ("0" = none).
const floodLimitEnv = "VOIP_TEST_FLOOD_LIMIT_MB"

// rssMB is the process's resident set in MiB, from /proc/self/status.
func rssMB(t *testing.T) float64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status")
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	t.Skip("no VmRSS")
	return 0
}

// optionsFlood sends rate OPTIONS a second for d to the phone at port from
// one socket, each a new transaction, and drains the answers; it returns
// how many answers came.
func optionsFlood(t *testing.T, port, rate int, d time.Duration) int {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetReadBuffer(4 << 20)
	answers := make(chan int)
	go func() {
		buf, n := make([]byte, 65535), 0
		for {
			_ = conn.SetReadDeadline(time.Now().Add(time.Second))
			if _, _, err := conn.ReadFromUDP(buf); err != nil {
				answers <- n
				return
			}
			n++
		}
	}()
	to := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}
	sport := conn.LocalAddr().(*net.UDPAddr).Port
	msg := make([]byte, 0, 1024)
	start, total := time.Now(), int(d.Seconds()*float64(rate))
	for i := 0; i < total; i++ {
		msg = fmt.Appendf(msg[:0], "OPTIONS sip:127.0.0.1:%d SIP/2.0\r\n"+
			"Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-flood-%d;rport\r\n"+
			"Max-Forwards: 70\r\nFrom: <sip:flood@127.0.0.1>;tag=f%d\r\nTo: <sip:127.0.0.1>\r\n"+
			"Call-ID: flood-%d@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
			port, sport, i, i, i)
		if _, err := conn.WriteToUDP(msg, to); err != nil {
			t.Fatal(err)
		}
		if next := start.Add(time.Duration(i+1) * time.Second / time.Duration(rate)); time.Until(next) > 0 {
			time.Sleep(time.Until(next))
		}
	}
	return <-answers
}

// floodMeasureEnv enables TestOptionsFloodMemory: a measurement of about
// 45 s per run, meaningless under the race detector (which multiplies
// memory), so not part of make test's go test -race.
const floodMeasureEnv = "VOIP_MEASURE_FLOOD"

// TestOptionsFloodMemory measures the process's RSS after an OPTIONS flood
// (5,000/s for 3 s, each a new transaction that sipgo keeps for Timer J,
// 32 s) without and with memory limits (SetMemoryLimit), each in a process
// of its own. With a 64 MiB limit, RSS must stay below 100 MiB (README's
// Robustness section has the figures). Run it with VOIP_MEASURE_FLOOD=1.
func TestOptionsFloodMemory(t *testing.T) {
	if v := os.Getenv(floodLimitEnv); v != "" {
		floodChild(t, v)
		return
	}
	if os.Getenv(floodMeasureEnv) == "" {
		t.Skip("a measurement: set " + floodMeasureEnv + "=1")
	}
	rss := map[string]float64{}
	for _, limit := range []string{"0", "64", "32"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestOptionsFloodMemory$", "-test.v", "-test.count=1")
		cmd.Env = append(os.Environ(), floodLimitEnv+"="+limit)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("flood child (limit %s MiB): %v\n%s", limit, err, out)
		}
		for _, l := range strings.Split(string(out), "\n") {
			if i := strings.Index(l, "flood:"); i >= 0 {
				t.Log(strings.TrimSpace(l[i:]))
			}
			if i := strings.Index(l, "settled_rss_mb="); i >= 0 {
				rss[limit], _ = strconv.ParseFloat(strings.Fields(l[i+len("settled_rss_mb="):])[0], 64)
			}
		}
	}
	if rss["0"] == 0 || rss["64"] == 0 {
		t.Fatalf("no measurement: %v", rss)
	}
	if rss["64"] > 100 {
		t.Errorf("with a 64 MiB limit RSS settles at %.0f MiB (without: %.0f MiB), want <= 100", rss["64"], rss["0"])
	}
}

func floodChild(t *testing.T, limit string) {
	mb, _ := strconv.ParseInt(limit, 10, 64)
	if _, err := SetMemoryLimit(mb); err != nil {
		t.Fatal(err)
	}
	p := testPhone(t, 44300, Handler{})
	port, _ := p.Option("sip_port")
	pn, _ := strconv.Atoi(port)
	report := func(when string) {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		t.Logf("flood: limit %s MiB, %s: rss %.0f MiB, heap in use %.0f MiB, heap released %.0f MiB, %d GCs",
			limit, when, rssMB(t), float64(ms.HeapInuse)/(1<<20), float64(ms.HeapReleased)/(1<<20), ms.NumGC)
	}
	report("before")
	start := time.Now()
	n := optionsFlood(t, pn, 5000, 3*time.Second)
	t.Logf("flood: limit %s MiB: 15000 OPTIONS sent in %v, %d answers", limit, time.Since(start).Round(100*time.Millisecond), n)
	report("just after")
	time.Sleep(10 * time.Second)
	report("10 s after")
	time.Sleep(30 * time.Second) // Timer J (32 s) has expired every transaction
	report("40 s after")
	t.Logf("settled_rss_mb=%.0f", rssMB(t))
	runtime.GC()
	report("after a forced GC")
}

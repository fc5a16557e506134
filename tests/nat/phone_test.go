package nat

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libvoip/libvoip/internal/audiotest"
	"github.com/libvoip/libvoip/rtp"
	"github.com/libvoip/libvoip/voip"
)

// The phones of these tests run in their own namespaces: the test binary
// runs itself there (ip netns exec) with LV_ROLE set, as a phone that
// calls or answers, plays a tone and reports what it heard on one line:
// "RESULT freq=<Hz> rms=<level> remote_rtp=<addr> ice="<pair>" stats=<json>".

const (
	envRole   = "LV_ROLE"   // "call" or "answer"
	envOpts   = "LV_OPTS"   // phone options "k=v k=v"
	envTarget = "LV_TARGET" // what "call" dials
	envFreq   = "LV_FREQ"   // the tone it plays, Hz
	toneTime  = 5 * time.Second
)

// roles are the processes other than phones the test binary can be.
var roles = map[string]func() error{}

func TestMain(m *testing.M) {
	if role := os.Getenv(envRole); role != "" {
		run := func() error { return runPhone(role) }
		if f, ok := roles[role]; ok {
			run = f
		}
		if err := run(); err != nil {
			fmt.Println("ERROR", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runPhone is the phone process: start, call or answer, exchange tones,
// report, hang up.
func runPhone(role string) error {
	cfg := voip.DefaultConfig()
	for _, kv := range strings.Fields(os.Getenv(envOpts)) {
		k, v, _ := strings.Cut(kv, "=")
		if err := cfg.Set(k, v); err != nil {
			return err
		}
	}
	freq, _ := strconv.ParseFloat(os.Getenv(envFreq), 64)
	calls := make(chan *voip.Call, 1)
	p := voip.NewPhone(cfg)
	p.SetHandler(voip.Handler{IncomingCall: func(c *voip.Call) { calls <- c }})
	if os.Getenv("LV_DEBUG") != "" {
		p.SetLog(slog.LevelDebug, func(level slog.Level, msg string) { fmt.Println("LOG", level, msg) })
	}
	if err := p.Start(); err != nil {
		return err
	}
	defer p.Close(true)
	fmt.Println("READY")
	var c *voip.Call
	if role == "call" {
		var err error
		if c, err = p.Call(os.Getenv(envTarget)); err != nil {
			return err
		}
	} else {
		select {
		case c = <-calls:
		case <-time.After(20 * time.Second):
			return errors.New("no incoming call")
		}
		if err := c.Answer(); err != nil {
			return err
		}
	}
	if err := waitAnswered(c); err != nil {
		return err
	}
	if os.Getenv("LV_DEBUG") != "" {
		sdp, _ := c.Info("remote_sdp")
		fmt.Printf("DEBUG remote SDP:\n%s\n", sdp)
	}
	hz, level := exchange(c, freq)
	remote, _ := c.Info("remote_rtp")
	stats, _ := c.Info("stats")
	pair, _ := c.Info("ice")
	fmt.Printf("RESULT freq=%.1f rms=%.0f remote_rtp=%s ice=%q stats=%s\n", hz, level, remote, pair, stats)
	if role == "call" {
		_ = c.Hangup()
	} else {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = c.Wait(ctx, voip.Ended.Mask())
	}
	return nil
}

// waitAnswered waits up to 10 s for c to be answered.
func waitAnswered(c *voip.Call) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if s, err := c.Wait(ctx, voip.Answered.Mask()); err != nil || s != voip.Answered {
		r, code := c.EndReason()
		return fmt.Errorf("call not answered: %v %v (%s %d)", s, err, r, code)
	}
	return nil
}

// ftoa formats a measurement for a RESULT line.
func ftoa(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// exchange plays freq for toneTime while reading as long, and returns the
// dominant frequency and level of what was heard after its first second.
func exchange(c *voip.Call, freq float64) (float64, float64) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var phase float64
		pcm := make([]int16, rtp.SamplesPerFrame)
		buf := make([]byte, 2*rtp.SamplesPerFrame)
		for i := 0; i < int(toneTime/rtp.FrameInterval); i++ {
			pcm = audiotest.Tone(pcm, freq, 8000, 8000, &phase)
			for j, s := range pcm {
				binary.LittleEndian.PutUint16(buf[2*j:], uint16(s))
			}
			if _, err := c.WriteAudio(buf, time.Second); err != nil {
				return
			}
		}
	}()
	var pcm []int16
	buf := make([]byte, 2*rtp.SamplesPerFrame)
	for deadline := time.Now().Add(toneTime); time.Now().Before(deadline); {
		n, err := c.ReadAudio(buf, time.Second)
		if err != nil && !errors.Is(err, voip.ErrTimeout) {
			break
		}
		for i := 0; i+1 < n; i += 2 {
			pcm = append(pcm, int16(binary.LittleEndian.Uint16(buf[i:])))
		}
	}
	wg.Wait()
	if len(pcm) > 8000 {
		pcm = pcm[8000:]
	}
	return audiotest.DominantFrequency(pcm, 8000)
}

// phoneProc is a phone process started in a namespace.
type phoneProc struct {
	cmd  *exec.Cmd
	out  bytes.Buffer
	mu   sync.Mutex
	done chan struct{}
}

// startPhone runs a phone in ns with role, options and tone frequency.
func (l *lab) startPhone(ns, role, opts, target string, freq int) *phoneProc {
	l.t.Helper()
	return l.startProc(ns, envRole+"="+role, envOpts+"="+opts, envTarget+"="+target, envFreq+"="+strconv.Itoa(freq))
}

// startRole runs the test binary in ns as one of roles.
func (l *lab) startRole(ns, role string) *phoneProc {
	l.t.Helper()
	return l.startProc(ns, envRole+"="+role)
}

// startProc runs the test binary in ns with env added.
func (l *lab) startProc(ns string, env ...string) *phoneProc {
	l.t.Helper()
	p := &phoneProc{done: make(chan struct{})}
	p.cmd = exec.Command("ip", "netns", "exec", ns, os.Args[0], "-test.run=^$")
	p.cmd.Env = append(os.Environ(), env...)
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		l.t.Fatal(err)
	}
	p.cmd.Stderr = p.cmd.Stdout
	if err := p.cmd.Start(); err != nil {
		l.t.Fatal(err)
	}
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.mu.Lock()
			p.out.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
		}
		_ = p.cmd.Wait()
	}()
	l.t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

// waitFor waits up to d for a line starting with prefix and returns it.
func (p *phoneProc) waitFor(t *testing.T, prefix string, d time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		p.mu.Lock()
		out := p.out.String()
		p.mu.Unlock()
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(line, prefix) {
				return line
			}
			if strings.HasPrefix(line, "ERROR") {
				t.Fatalf("phone failed: %s\n%s", line, out)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	t.Fatalf("no %q line within %v; output:\n%s", prefix, d, p.out.String())
	return ""
}

// heard parses a RESULT line: the frequency and level heard.
func heard(t *testing.T, line string) (float64, float64) {
	t.Helper()
	var hz, level float64
	for _, f := range strings.Fields(line) {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "freq":
			hz, _ = strconv.ParseFloat(v, 64)
		case "rms":
			level, _ = strconv.ParseFloat(v, 64)
		}
	}
	return hz, level
}

// hears reports whether a RESULT line shows the tone freq.
func hears(t *testing.T, line string, freq float64) bool {
	hz, level := heard(t, line)
	return hz > freq-10 && hz < freq+10 && level > 1000
}

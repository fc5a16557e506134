package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libvoip/libvoip/internal/audiotest"
	"github.com/libvoip/libvoip/voip"
)

func TestParseArgs(t *testing.T) {
	tests := []struct {
		args    []string
		wantErr string // "" = ok
		check   func(*settings) bool
	}{
		{[]string{"call", "sip:a@127.0.0.1", "--dtmf", "12#", "--hold"}, "", func(s *settings) bool {
			return s.target == "sip:a@127.0.0.1" && s.dtmf == "12#" && s.hold
		}},
		{[]string{"call", "--duration", "2s", "sip:a@h", "--option", "jitter_ms=80", "--option", "codecs=PCMA"}, "", func(s *settings) bool {
			return s.duration == 2*time.Second && len(s.options) == 2 && s.target == "sip:a@h"
		}},
		{[]string{"register", "--register", "sip:alice@pbx:5070"}, "", func(s *settings) bool { return s.register != "" }},
		{[]string{"answer", "--sound", "--sound-backend", "null"}, "", func(s *settings) bool { return s.sound }},
		{nil, "no command", nil},
		{[]string{"dial", "x"}, "unknown command", nil},
		{[]string{"call"}, "one URI", nil},
		{[]string{"call", "a", "b"}, "one URI", nil},
		{[]string{"answer", "x"}, "takes no argument", nil},
		{[]string{"register"}, "needs --server", nil},
		{[]string{"call", "x", "--dtmf", "12x"}, "not a DTMF digit", nil},
		{[]string{"call", "x", "--sound-backend", "alsa"}, "want default or null", nil},
		{[]string{"call", "x", "--interactive", "--no-interactive"}, "exclude", nil},
		{[]string{"call", "x", "--timeout", "soon"}, "invalid value", nil},
		{[]string{"call", "x", "--nope"}, "not defined", nil},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			s, err := parseArgs(tc.args)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !tc.check(s) {
				t.Fatalf("parseArgs = %+v, %v", s, err)
			}
		})
	}
}

func TestConfigFromFlags(t *testing.T) {
	tests := []struct {
		args    []string
		key     string // option to look at ("" = expect an error)
		want    string
		wantErr string
	}{
		{[]string{"call", "x", "--register", "sip:alice@127.0.0.1:5070"}, "server", "127.0.0.1:5070", ""},
		{[]string{"call", "x", "--register", "sip:alice@127.0.0.1:5070"}, "user", "alice", ""},
		{[]string{"call", "x", "--rtp-ports", "30000-30010"}, "rtp_port_high", "30010", ""},
		{[]string{"answer"}, "bind_port", "5060", ""},
		{[]string{"call", "x", "--option", "jitter_ms=80"}, "jitter_ms", "80", ""},
		{[]string{"call", "x", "--option", "nope=1"}, "", "", "--option"},
		{[]string{"call", "x", "--option", "jitter_ms"}, "", "", "KEY=VALUE"},
		{[]string{"call", "x", "--bind", "5060"}, "", "", "IP:PORT"},
		{[]string{"call", "x", "--transport", "carrier-pigeon"}, "", "", "--transport"},
		{[]string{"call", "x", "--register", "alice"}, "", "", "sip:USER@HOST"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			s, err := parseArgs(tc.args)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := s.config(func(string) {})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := cfg.Get(tc.key); got != tc.want {
				t.Fatalf("%s = %q, want %q", tc.key, got, tc.want)
			}
		})
	}
}

func TestExitCode(t *testing.T) {
	tests := []struct {
		name                     string
		answered, intr, timedOut bool
		actionFailed             bool
		code                     int
		reason                   string
		want                     int
	}{
		{"answered, remote hangup", true, false, false, false, 0, "remote hangup", exitOK},
		{"answered, interrupted", true, true, false, false, 0, "local hangup", exitOK},
		{"answered, action failed", true, false, false, true, 0, "local hangup", exitAction},
		{"busy", false, false, false, false, 486, "486 Busy Here", exitRejected},
		{"declined", false, false, false, false, 603, "603 Decline", exitRejected},
		{"not found", false, false, false, false, 404, "404 Not Found", exitRejected},
		{"request timeout", false, false, false, false, 408, "408 Request Timeout", exitNoAnswer},
		{"unavailable", false, false, false, false, 480, "480 Temporarily Unavailable", exitNoAnswer},
		{"our --timeout", false, false, true, false, 487, "canceled", exitNoAnswer},
		{"interrupted while ringing", false, true, false, false, 487, "canceled", exitInterrupted},
		{"no final answer", false, false, false, false, 0, "timeout", exitNoAnswer},
		{"transport failure", false, false, false, false, 0, "INVITE failed: connection refused", exitNetwork},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &session{interrupted: tc.intr, timedOut: tc.timedOut}
			if tc.answered {
				s.answeredAt = time.Now()
			}
			if tc.actionFailed {
				s.actionErr = voip.ErrRejected
			}
			if got := s.exitCode(tc.code, tc.reason); got != tc.want {
				t.Fatalf("exit %d, want %d", got, tc.want)
			}
		})
	}
}

// peer is an in-process phone that calls are placed to.
type peer struct {
	phone *voip.Phone
	uri   string
	mu    sync.Mutex
	calls []*voip.Call
	// what it does with an incoming call
	deny     int           // 0: answer
	tone     time.Duration // a tone this long after the answer
	hz       float64       // its frequency (0: 1 kHz)
	answered time.Time
	digits   []time.Time
	got      string
}

func newPeer(t *testing.T, rtpLow int, p *peer) *peer {
	t.Helper()
	cfg := voip.DefaultConfig()
	for k, v := range map[string]string{"bind_ip": "127.0.0.1", "bind_port": "0",
		"rtp_port_low": strconv.Itoa(rtpLow), "rtp_port_high": strconv.Itoa(rtpLow + 19)} {
		if err := cfg.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	p.phone = voip.NewPhone(cfg)
	p.phone.SetHandler(voip.Handler{IncomingCall: p.incoming, DTMF: func(c *voip.Call, d byte) {
		p.mu.Lock()
		p.digits = append(p.digits, time.Now())
		p.got += string(d)
		p.mu.Unlock()
	}})
	if err := p.phone.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.phone.Close(true) })
	port, _ := p.phone.Option("sip_port")
	p.uri = "sip:peer@127.0.0.1:" + port
	return p
}

func (p *peer) incoming(c *voip.Call) {
	p.mu.Lock()
	p.calls = append(p.calls, c)
	p.mu.Unlock()
	if p.deny != 0 {
		_ = c.Deny(p.deny)
		return
	}
	_ = c.Answer()
	p.mu.Lock()
	p.answered = time.Now()
	p.mu.Unlock()
	if p.tone > 0 {
		hz := p.hz
		if hz == 0 {
			hz = 1000
		}
		pcm := make([]byte, 2*8*int(p.tone/time.Millisecond))
		for i := 0; i < len(pcm)/2; i++ {
			v := int16(8000 * math.Sin(2*math.Pi*hz*float64(i)/8000))
			binary.LittleEndian.PutUint16(pcm[2*i:], uint16(v))
		}
		_, _ = c.WriteAudio(pcm, 0)
	}
}

func (p *peer) state() (got string, digits []time.Time, answered time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.got, append([]time.Time(nil), p.digits...), p.answered
}

// runCLI runs the command in-process with stdin from in (nil: /dev/null).
func runCLI(t *testing.T, in *os.File, args ...string) (int, string, string) {
	t.Helper()
	if in == nil {
		f, err := os.Open(os.DevNull)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		in = f
	}
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code := run(ctx, args, in, &out, &errb)
	return code, out.String(), errb.String()
}

func cliArgs(rtpLow int, args ...string) []string {
	return append(args, "--bind", "127.0.0.1:0", "--rtp-ports", strconv.Itoa(rtpLow)+"-"+strconv.Itoa(rtpLow+19))
}

// TestDTMFAfterSilence: the digits go out once the far end's tone is over
// and the line was quiet for the time asked, then the CLI hangs up.
func TestDTMFAfterSilence(t *testing.T) {
	p := newPeer(t, 39000, &peer{tone: 800 * time.Millisecond})
	code, out, errs := runCLI(t, nil, cliArgs(39100, "call", p.uri, "--dtmf", "5#", "--dtmf-after-silence", "400ms", "--hangup")...)
	if code != exitOK || !strings.Contains(out, "SENT 5#\n") || !strings.Contains(out, `END code=0 reason="local hangup"`) {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	got, digits, answered := p.state()
	if got != "5#" {
		t.Fatalf("peer got %q, want 5#", got)
	}
	if d := digits[0].Sub(answered); d < 1100*time.Millisecond {
		t.Errorf("first digit %v after the answer, before the 800 ms tone and 400 ms of silence", d)
	}
}

func TestRefusedAndUnanswered(t *testing.T) {
	busy := newPeer(t, 39020, &peer{deny: 486})
	code, out, _ := runCLI(t, nil, cliArgs(39120, "call", busy.uri)...)
	if code != exitRejected || !strings.Contains(out, `END code=486 reason="486 Busy Here" talk=0.0s exit=3`) {
		t.Fatalf("busy: exit %d\n%s", code, out)
	}
	code, out, errs := runCLI(t, nil, cliArgs(39140, "call", "http://x")...)
	if code != exitUsage {
		t.Fatalf("bad URI: exit %d\n%s%s", code, out, errs)
	}
	code, _, errs = runCLI(t, nil, "register", "--server", "127.0.0.1:1", "--bind", "127.0.0.1:0", "--option", "nope=1")
	if code != exitUsage || !strings.Contains(errs, "nope") {
		t.Fatalf("unknown option: exit %d\n%s", code, errs)
	}
}

// TestInteractiveKeys drives the interactive mode through a pipe: two
// digits, hold, resume, hang up.
func TestInteractiveKeys(t *testing.T) {
	p := newPeer(t, 39040, &peer{})
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	go func() {
		defer w.Close()
		time.Sleep(1500 * time.Millisecond) // answered by then
		for _, k := range []string{"1", "2", "o", "", "o", "", "h"} {
			if k != "" {
				_, _ = w.WriteString(k)
			}
			time.Sleep(400 * time.Millisecond)
		}
	}()
	code, out, errs := runCLI(t, r, cliArgs(39140, "call", p.uri, "--interactive")...)
	for _, want := range []string{"SENT 1\n", "SENT 2\n", "EVENT hold local\n", "EVENT resume local\n", `reason="local hangup"`} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
	if code != exitOK || t.Failed() {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	if got, _, _ := p.state(); got != "12" {
		t.Errorf("peer got %q, want 12", got)
	}
}

// wavTone writes a mono 16-bit WAV of a 1 kHz tone at rate for d.
func wavTone(t *testing.T, path string, rate int, d time.Duration) {
	t.Helper()
	n := rate * int(d/time.Millisecond) / 1000
	b := make([]byte, 44+2*n)
	copy(b, "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+2*n))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1)
	binary.LittleEndian.PutUint16(b[22:], 1)
	binary.LittleEndian.PutUint32(b[24:], uint32(rate))
	binary.LittleEndian.PutUint32(b[28:], uint32(2*rate))
	binary.LittleEndian.PutUint16(b[32:], 2)
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(2*n))
	for i := 0; i < n; i++ {
		binary.LittleEndian.PutUint16(b[44+2*i:], uint16(int16(8000*math.Sin(2*math.Pi*1000*float64(i)/float64(rate)))))
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// stereoWAV returns the two channels of a 16-bit stereo WAV.
func stereoWAV(t *testing.T, path string) (left, right []int16) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(b, []byte("data"))
	if i < 0 || binary.LittleEndian.Uint16(b[22:]) != 2 {
		t.Fatalf("%s: not a stereo WAV", path)
	}
	pcm := b[i+8:]
	for j := 0; j+3 < len(pcm); j += 4 {
		left = append(left, int16(binary.LittleEndian.Uint16(pcm[j:])))
		right = append(right, int16(binary.LittleEndian.Uint16(pcm[j+2:])))
	}
	return left, right
}

// TestPlayAndRecord: --play's file reaches the far end and the call ends
// after it (--hangup); --record holds what came (left) and went (right).
func TestPlayAndRecord(t *testing.T) {
	p := newPeer(t, 39060, &peer{tone: 3 * time.Second, hz: 440})
	dir := t.TempDir()
	wavTone(t, dir+"/play.wav", 16000, time.Second)
	rec := dir + "/call.wav"
	code, out, errs := runCLI(t, nil, cliArgs(39160, "call", p.uri, "--play", dir+"/play.wav", "--record", rec, "--hangup")...)
	if code != exitOK || !strings.Contains(out, "EVENT playback_ended finished\n") || !strings.Contains(out, "RECORDED "+rec+" 1.0s\n") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	left, right := stereoWAV(t, rec)
	if len(left) < 7000 {
		t.Fatalf("recording of %d frames, want about 8000", len(left))
	}
	if hz, _ := audiotest.DominantFrequency(left[2000:], 8000); math.Abs(hz-440) > 10 {
		t.Errorf("received channel at %.1f Hz, want the peer's 440 Hz tone", hz)
	}
	if hz, _ := audiotest.DominantFrequency(right[1000:7000], 8000); math.Abs(hz-1000) > 10 {
		t.Errorf("sent channel at %.1f Hz, want the played 1000 Hz file", hz)
	}
	code, _, errs = runCLI(t, nil, cliArgs(39160, "call", p.uri, "--play", dir+"/missing.wav")...)
	if code != exitUsage || !strings.Contains(errs, "missing.wav") {
		t.Errorf("missing file: exit %d, %s", code, errs)
	}
}

// TestTrace: --trace sets the phone option sip_trace, whose log lines
// (every SIP message) go to stderr; a library without the option is
// named in a warning and the call goes on.
func TestTrace(t *testing.T) {
	p := newPeer(t, 39080, &peer{})
	code, out, errs := runCLI(t, nil, cliArgs(39180, "call", p.uri, "--trace", "--duration", "300ms")...)
	if code != exitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	cfg := voip.DefaultConfig()
	if cfg.Set(traceOption, "1") != nil {
		if !strings.Contains(errs, "--trace: this libvoip cannot trace SIP yet") {
			t.Errorf("no warning about the missing sip_trace option:\n%s", errs)
		}
		return
	}
	if !strings.Contains(errs, "INVITE sip:") {
		t.Errorf("--trace logged no INVITE:\n%s", errs)
	}
}

// TestSoundNullDevice runs miniaudio's null device for the whole call at
// the phone's sample_rate: it captures and plays that many frames a
// second.
func TestSoundNullDevice(t *testing.T) {
	for i, rate := range []int{8000, 16000} {
		t.Run(strconv.Itoa(rate), func(t *testing.T) {
			p := newPeer(t, 39200+40*i, &peer{})
			args := cliArgs(39220+40*i, "call", p.uri, "--sound", "--sound-backend", "null",
				"--duration", "1s", "--option", "sample_rate="+strconv.Itoa(rate))
			code, out, errs := runCLI(t, nil, args...)
			if code != exitOK {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
			}
			var captured, played int
			for _, line := range strings.Split(out, "\n") {
				if strings.HasPrefix(line, "SOUND ") {
					_, _ = fmt.Sscanf(line, "SOUND backend=null captured=%d played=%d", &captured, &played)
				}
			}
			// 1 s of audio; the device starts a little after the answer.
			if captured < rate*6/10 || captured > rate*15/10 || played < rate*6/10 || played > rate*15/10 {
				t.Fatalf("null device at %d Hz: captured %d, played %d frames in 1 s\n%s", rate, captured, played, out)
			}
		})
	}
}

package voip

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libvoip/libvoip/internal/audiotest"
	"github.com/libvoip/libvoip/rtp"
)

// testPhone starts a phone on 127.0.0.1 with a free SIP port and its own
// RTP range.
func testPhone(t *testing.T, rtpLow int, h Handler) *Phone {
	t.Helper()
	return testPhoneWith(t, rtpLow, nil, h)
}

// testPhoneWith is testPhone with extra options.
func testPhoneWith(t *testing.T, rtpLow int, opts map[string]string, h Handler) *Phone {
	t.Helper()
	p := newTestPhone(t, rtpLow, opts, h)
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	return p
}

// newTestPhone is a stopped phone on 127.0.0.1 with a free SIP port, 50 RTP
// ports from rtpLow, and opts; it is closed when the test ends.
func newTestPhone(t *testing.T, rtpLow int, opts map[string]string, h Handler) *Phone {
	t.Helper()
	cfg := DefaultConfig()
	all := map[string]string{
		"bind_ip": "127.0.0.1", "bind_port": "0",
		"rtp_port_low": strconv.Itoa(rtpLow), "rtp_port_high": strconv.Itoa(rtpLow + 49),
	}
	for k, v := range opts {
		all[k] = v
	}
	for k, v := range all {
		if err := cfg.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	p := NewPhone(cfg)
	p.SetHandler(h)
	t.Cleanup(func() { p.Close(true) })
	return p
}

// exchangeTones has a send 440 Hz and b 1000 Hz for two seconds and checks
// that each hears the other's tone, by frequency and level.
func exchangeTones(t *testing.T, a, b *Call) {
	t.Helper()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = writeTone(a, 440, 2*time.Second) }()
	go func() { defer wg.Done(); _ = writeTone(b, 1000, 2*time.Second) }()
	var fa, ra, fb, rb float64
	var rwg sync.WaitGroup
	rwg.Add(2)
	go func() { defer rwg.Done(); fb, rb = readFor(t, b, 2*time.Second) }()
	go func() { defer rwg.Done(); fa, ra = readFor(t, a, 2*time.Second) }()
	rwg.Wait()
	wg.Wait()
	if math.Abs(fb-440) > 10 || rb < 1000 {
		t.Errorf("b heard %.1f Hz rms %.0f, want 440 Hz", fb, rb)
	}
	if math.Abs(fa-1000) > 10 || ra < 1000 {
		t.Errorf("a heard %.1f Hz rms %.0f, want 1000 Hz", fa, ra)
	}
}

func uriOf(t *testing.T, p *Phone) string {
	t.Helper()
	port, err := p.Option("sip_port")
	if err != nil {
		t.Fatal(err)
	}
	return "sip:test@127.0.0.1:" + port
}

func waitState(t *testing.T, c *Call, s CallState, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	got, err := c.Wait(ctx, s.Mask())
	if err != nil || got != s {
		reason, code := c.EndReason()
		t.Fatalf("want %s, got %s (err %v, end reason %q %d)", s, got, err, reason, code)
	}
}

// incoming collects calls a phone receives.
type incoming struct {
	mu     sync.Mutex
	calls  chan *Call
	digits map[*Call][]byte
	states map[*Call][]CallState
}

func newIncoming() *incoming {
	return &incoming{calls: make(chan *Call, 16), digits: map[*Call][]byte{}, states: map[*Call][]CallState{}}
}

func (in *incoming) handler(answer bool) Handler {
	return Handler{
		IncomingCall: func(c *Call) {
			if answer {
				_ = c.Answer()
			}
			in.calls <- c
		},
		CallState: func(c *Call, s CallState, _ string) {
			in.mu.Lock()
			in.states[c] = append(in.states[c], s)
			in.mu.Unlock()
		},
		DTMF: func(c *Call, d byte) {
			in.mu.Lock()
			in.digits[c] = append(in.digits[c], d)
			in.mu.Unlock()
		},
	}
}

func (in *incoming) next(t *testing.T) *Call {
	t.Helper()
	select {
	case c := <-in.calls:
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("no incoming call")
		return nil
	}
}

// tone writes a sine of freq for d in 20 ms frames, paced by the queue.
func writeTone(c *Call, freq float64, d time.Duration) error {
	var phase float64
	pcm := make([]int16, rtp.SamplesPerFrame)
	buf := make([]byte, 2*rtp.SamplesPerFrame)
	for i := 0; i < int(d/rtp.FrameInterval); i++ {
		pcm = audiotest.Tone(pcm, freq, 8000, 8000, &phase)
		for j, s := range pcm {
			binary.LittleEndian.PutUint16(buf[2*j:], uint16(s))
		}
		if _, err := c.WriteAudio(buf, time.Second); err != nil {
			return err
		}
	}
	return nil
}

// readFor reads d of audio and returns its dominant frequency and RMS.
func readFor(t *testing.T, c *Call, d time.Duration) (float64, float64) {
	t.Helper()
	var pcm []int16
	buf := make([]byte, 2*rtp.SamplesPerFrame)
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		n, err := c.ReadAudio(buf, time.Second)
		if err != nil && !errors.Is(err, ErrTimeout) {
			t.Fatal(err)
		}
		for i := 0; i+1 < n; i += 2 {
			pcm = append(pcm, int16(binary.LittleEndian.Uint16(buf[i:])))
		}
	}
	// Skip the first half second (jitter buffer fill, silence).
	if len(pcm) > 4000 {
		pcm = pcm[4000:]
	}
	return audiotest.DominantFrequency(pcm, 8000)
}

func TestCallAudioAndDTMFBothWays(t *testing.T) {
	in := newIncoming()
	b := testPhone(t, 41000, in.handler(true))
	out := newIncoming()
	a := testPhone(t, 41100, out.handler(false))

	ca, err := a.Call(uriOf(t, b))
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, ca, Answered, 5*time.Second)
	cb := in.next(t)
	waitState(t, cb, Answered, 5*time.Second)

	exchangeTones(t, ca, cb)

	if err := ca.SendDTMF("0123456789*#", 0); err != nil {
		t.Fatal(err)
	}
	if err := cb.SendDTMF("#*9876543210", 0); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(8 * time.Second)
	var gotB, gotA string
	for time.Now().Before(deadline) && (len(gotB) < 12 || len(gotA) < 12) {
		gotB += cb.GetDTMF(-1)
		gotA += ca.GetDTMF(-1)
		time.Sleep(50 * time.Millisecond)
	}
	if gotB != "0123456789*#" {
		t.Errorf("B got digits %q", gotB)
	}
	if gotA != "#*9876543210" {
		t.Errorf("A got digits %q", gotA)
	}

	if err := ca.Hangup(); err != nil {
		t.Fatal(err)
	}
	waitState(t, cb, Ended, 3*time.Second)
	if r, _ := cb.EndReason(); r != "remote hangup" {
		t.Errorf("callee end reason %q", r)
	}
	// What was received before the end can still be read, then reads
	// report the end.
	var err2 error
	for i := 0; i < 200 && err2 == nil; i++ {
		_, err2 = cb.ReadAudio(make([]byte, 320), 100*time.Millisecond)
	}
	if !errors.Is(err2, ErrCallEnded) {
		t.Errorf("read after end: %v", err2)
	}
	if err := ca.Hangup(); !errors.Is(err, ErrInvalidState) {
		t.Errorf("second hangup: %v", err)
	}
}

func TestDenyCancelAndNoListener(t *testing.T) {
	in := newIncoming()
	b := testPhone(t, 41200, in.handler(false))
	a := testPhone(t, 41300, Handler{})

	// Deny.
	ca, err := a.Call(uriOf(t, b))
	if err != nil {
		t.Fatal(err)
	}
	cb := in.next(t)
	waitState(t, cb, Ringing, 2*time.Second)
	if err := cb.Deny(0); err != nil {
		t.Fatal(err)
	}
	waitState(t, ca, Ended, 5*time.Second)
	if r, code := ca.EndReason(); code != 486 || !strings.Contains(r, "Busy") {
		t.Errorf("deny: %q %d", r, code)
	}

	// Cancel while ringing.
	ca, err = a.Call(uriOf(t, b))
	if err != nil {
		t.Fatal(err)
	}
	cb = in.next(t)
	waitState(t, ca, Progress, 3*time.Second)
	if err := ca.Cancel(); err != nil {
		t.Fatal(err)
	}
	waitState(t, ca, Ended, 5*time.Second)
	waitState(t, cb, Ended, 5*time.Second)
	if r, code := ca.EndReason(); code != 487 {
		t.Errorf("cancel: caller %q %d", r, code)
	}
	if r, _ := cb.EndReason(); r != "canceled" {
		t.Errorf("cancel: callee %q", r)
	}
	if err := cb.Answer(); !errors.Is(err, ErrInvalidState) {
		t.Errorf("answer after cancel: %v", err)
	}

	// Nobody listens.
	if err := a.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := a.SetOption("invite_timeout_ms", "1500"); err != nil {
		t.Fatal(err)
	}
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	// A socket that reads and never answers: invite_timeout_ms ends the
	// call (a closed port would fail it at once, by its ICMP error).
	silent, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	ca, err = a.Call(fmt.Sprintf("sip:nobody@%s", silent.LocalAddr()))
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, ca, Ended, 6*time.Second)
	if r, code := ca.EndReason(); code != 408 || !strings.Contains(r, "timeout") {
		t.Errorf("no listener: %q %d", r, code)
	}
	ca, err = a.Call("sip:nobody@127.0.0.1:9")
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, ca, Ended, time.Second)
	if r, _ := ca.EndReason(); r != "port unreachable: 127.0.0.1:9 (ICMP)" {
		t.Errorf("closed port: %q", r)
	}
}

func TestNoIncomingHandlerIsBusy(t *testing.T) {
	b := testPhone(t, 41400, Handler{})
	a := testPhone(t, 41500, Handler{})
	ca, err := a.Call(uriOf(t, b))
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, ca, Ended, 5*time.Second)
	if _, code := ca.EndReason(); code != 486 {
		t.Errorf("end code %d, want 486", code)
	}
}

func TestStopHangsUpActiveCalls(t *testing.T) {
	in := newIncoming()
	b := testPhone(t, 41600, in.handler(true))
	a := testPhone(t, 41700, Handler{})
	ca, err := a.Call(uriOf(t, b))
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, ca, Answered, 5*time.Second)
	cb := in.next(t)
	if err := a.Stop(); err != nil {
		t.Fatal(err)
	}
	if s := ca.State(); s != Ended {
		t.Fatalf("caller %s after Stop", s)
	}
	waitState(t, cb, Ended, 3*time.Second)
	if r, _ := cb.EndReason(); r != "remote hangup" {
		t.Errorf("callee end reason %q", r)
	}
	if st, _ := a.Status(); st != PhoneInactive {
		t.Errorf("status %s after Stop", st)
	}
	if _, err := a.Call(uriOf(t, b)); !errors.Is(err, ErrInvalidState) {
		t.Errorf("call on stopped phone: %v", err)
	}
}

func TestConfigSet(t *testing.T) {
	tests := []struct {
		key, value string
		want       error
	}{
		{"bind_ip", "127.0.0.1", nil},
		{"bind_ip", "not-an-ip", ErrInvalidArgument},
		{"bind_port", "0", nil},
		{"bind_port", "70000", ErrInvalidArgument},
		{"bind_port", "x", ErrInvalidArgument},
		{"rtp_port_low", "0", ErrInvalidArgument},
		{"user", "alice", nil},
		{"user", "a b", ErrInvalidArgument},
		{"user", "", ErrInvalidArgument},
		{"audio_format", "u8", nil},
		{"audio_format", "f32", ErrInvalidArgument},
		{"codecs", "pcma, PCMU", nil},
		{"codecs", "G729", ErrInvalidArgument},
		{"dtmf_payload_type", "96", nil},
		{"dtmf_payload_type", "8", ErrInvalidArgument},
		{"jitter_ms", "60", nil},
		{"jitter_ms", "65", ErrInvalidArgument},
		{"invite_timeout_ms", "-1", ErrInvalidArgument},
		{"display_name", "Bob \"x\"", ErrInvalidArgument},
		{"no_such_option", "1", ErrInvalidArgument},
	}
	for _, tt := range tests {
		cfg := DefaultConfig()
		err := cfg.Set(tt.key, tt.value)
		if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("Set(%q, %q) = %v, want %v", tt.key, tt.value, err, tt.want)
			continue
		}
		if err == nil {
			if _, gerr := cfg.Get(tt.key); gerr != nil {
				t.Errorf("Get(%q): %v", tt.key, gerr)
			}
		}
	}
	// A rejected value leaves the option as it was.
	cfg := DefaultConfig()
	for _, bad := range []string{"abc", "70000", "-1", ""} {
		if err := cfg.Set("bind_port", bad); err == nil {
			t.Errorf("bind_port %q accepted", bad)
		}
	}
	if cfg.BindPort != 5060 {
		t.Errorf("bind_port %d after rejected values, want 5060", cfg.BindPort)
	}
	if err := cfg.Set("audio_format", ""); err == nil {
		t.Error(`audio_format "" accepted`)
	}
	cfg = DefaultConfig()
	_ = cfg.Set("rtp_port_low", "2000")
	_ = cfg.Set("rtp_port_high", "1000")
	p := NewPhone(cfg)
	defer p.Close(true)
	if err := p.Start(); !errors.Is(err, ErrInvalidRange) {
		t.Errorf("start with low > high: %v", err)
	}
}

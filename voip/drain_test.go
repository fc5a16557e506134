package voip

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/libvoip/libvoip/internal/audiotest"
	"github.com/libvoip/libvoip/rtp"
)

// dialPair calls b from a and returns both answered calls.
func dialPair(t *testing.T, a, b *Phone, in *incoming) (*Call, *Call) {
	t.Helper()
	ca, err := a.Call(uriOf(t, b))
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, ca, Answered, 5*time.Second)
	cb := in.next(t)
	waitState(t, cb, Answered, 5*time.Second)
	return ca, cb
}

// TestDrainDTMFBeforeHangup: the caller hangs up right after Drain, and
// the callee has received every digit, by RFC 4733 and by SIP INFO.
func TestDrainDTMFBeforeHangup(t *testing.T) {
	for i, mode := range []string{"rfc4733", "info"} {
		t.Run(mode, func(t *testing.T) {
			in := newIncoming()
			b := testPhone(t, 49100+100*i, in.handler(true))
			a := testPhoneWith(t, 49150+100*i, map[string]string{"dtmf_mode": mode}, Handler{})
			ca, cb := dialPair(t, a, b, in)
			if err := ca.SendDTMF("123#", 60*time.Millisecond); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			start := time.Now()
			if err := ca.Drain(ctx, DrainDTMF); err != nil {
				t.Fatal(err)
			}
			// Four 60 ms digits with their gaps cannot go out faster.
			if d := time.Since(start); d < 240*time.Millisecond {
				t.Errorf("Drain returned after %v, before the digits could be sent", d)
			}
			if err := ca.Hangup(); err != nil {
				t.Fatal(err)
			}
			waitState(t, cb, Ended, 3*time.Second)
			if got := cb.GetDTMF(-1); got != "123#" {
				t.Errorf("callee got %q before the hang-up, want all of %q", got, "123#")
			}
			if err := ca.Drain(ctx, DrainDTMF|DrainAudio); !errors.Is(err, ErrCallEnded) {
				t.Errorf("Drain of an ended call = %v, want ErrCallEnded", err)
			}
			if err := ca.Drain(ctx, 0); !errors.Is(err, ErrInvalidArgument) {
				t.Errorf("Drain(0) = %v, want ErrInvalidArgument", err)
			}
		})
	}
}

// writeToneFor queues d of a 1 kHz tone without waiting.
func writeToneFor(t *testing.T, c *Call, d time.Duration) {
	t.Helper()
	var phase float64
	pcm := audiotest.Tone(make([]int16, int(d/rtp.FrameInterval)*rtp.SamplesPerFrame), 1000, 8000, 8000, &phase)
	buf := make([]byte, 2*len(pcm))
	for i, s := range pcm {
		binary.LittleEndian.PutUint16(buf[2*i:], uint16(s))
	}
	if _, err := c.WriteAudio(buf, 0); err != nil {
		t.Fatal(err)
	}
}

// levelOf reads d of audio and returns its RMS level.
func levelOf(t *testing.T, c *Call, d time.Duration) float64 {
	t.Helper()
	buf := make([]byte, 2*int(d/rtp.FrameInterval)*rtp.SamplesPerFrame)
	n, err := c.ReadAudio(buf, d+time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for i := 0; i+1 < n; i += 2 {
		v := float64(int16(binary.LittleEndian.Uint16(buf[i:])))
		sum += v * v
	}
	return math.Sqrt(sum / float64(n/2))
}

// TestDrainAndFlushAudio: Drain waits for written audio to be sent; a
// flushed announcement is not heard; flushed received audio is not read.
func TestDrainAndFlushAudio(t *testing.T) {
	in := newIncoming()
	b := testPhone(t, 49300, in.handler(true))
	a := testPhone(t, 49350, Handler{})
	ca, cb := dialPair(t, a, b, in)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	// Drain: 400 ms of tone takes at least 400 ms to go out.
	writeToneFor(t, ca, 400*time.Millisecond)
	start := time.Now()
	if err := ca.Drain(ctx, DrainAudio); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 360*time.Millisecond || d > 2*time.Second {
		t.Errorf("Drain of 400 ms of audio took %v", d)
	}

	// Barge-in: 1.5 s queued, flushed after 300 ms; b hears the tone,
	// then silence.
	time.Sleep(300 * time.Millisecond)
	if err := cb.Flush(FlushReceivedAudio); err != nil {
		t.Fatal(err)
	}
	writeToneFor(t, ca, 1500*time.Millisecond)
	if lvl := levelOf(t, cb, 300*time.Millisecond); lvl < 1000 {
		t.Fatalf("before the flush b heard level %.0f, want the tone", lvl)
	}
	if err := ca.Flush(FlushSendAudio); err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond) // what was in flight: the network and b's jitter buffer
	if err := cb.Flush(FlushReceivedAudio); err != nil {
		t.Fatal(err)
	}
	if lvl := levelOf(t, cb, 500*time.Millisecond); lvl > 50 {
		t.Errorf("after the flush b heard level %.0f, want silence", lvl)
	}

	// Received audio not read is dropped by FlushReceivedAudio: b does not
	// read during a 600 ms tone, flushes, and reads silence.
	writeToneFor(t, ca, 600*time.Millisecond)
	if err := ca.Drain(ctx, DrainAudio); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	if err := cb.Flush(FlushReceivedAudio); err != nil {
		t.Fatal(err)
	}
	if lvl := levelOf(t, cb, 300*time.Millisecond); lvl > 50 {
		t.Errorf("after flushing what was received b read level %.0f, want silence", lvl)
	}
	if err := ca.Flush(FlushFlags(64)); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("Flush(64) = %v, want ErrInvalidArgument", err)
	}
}

// TestCollectDTMF checks each stop condition on a real call.
func TestCollectDTMF(t *testing.T) {
	in := newIncoming()
	b := testPhone(t, 49400, in.handler(true))
	a := testPhone(t, 49450, Handler{})
	ca, cb := dialPair(t, a, b, in)
	tests := []struct {
		name string
		send string
		opts CollectOptions
		want Collected
	}{
		{"max digits", "1234", CollectOptions{MaxDigits: 3, Timeout: 5 * time.Second}, Collected{Digits: "123", Stop: CollectMaxDigits}},
		{"terminator", "12#", CollectOptions{Terminators: "*#", Timeout: 5 * time.Second}, Collected{Digits: "12", Stop: CollectTerminator, Terminator: '#'}},
		{"timeout", "", CollectOptions{MaxDigits: 4, Timeout: 300 * time.Millisecond}, Collected{Stop: CollectTimeout}},
		{"inter-digit timeout", "56", CollectOptions{InterDigitTimeout: 600 * time.Millisecond, Timeout: 5 * time.Second}, Collected{Digits: "56", Stop: CollectInterDigit}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := cb.Flush(FlushReceivedDTMF); err != nil {
				t.Fatal(err)
			}
			if tc.send != "" {
				if err := ca.SendDTMF(tc.send, 0); err != nil {
					t.Fatal(err)
				}
			}
			start := time.Now()
			got, err := cb.CollectDTMF(context.Background(), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("CollectDTMF = %+v (%s), want %+v", got, got.Stop, tc.want)
			}
			if tc.want.Stop == CollectTimeout && time.Since(start) < tc.opts.Timeout {
				t.Errorf("timed out after %v, want %v", time.Since(start), tc.opts.Timeout)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			if err := ca.Drain(ctx, DrainDTMF); err != nil {
				t.Fatal(err)
			}
		})
	}
	if _, err := cb.CollectDTMF(context.Background(), CollectOptions{Terminators: "x"}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("terminator x: %v, want ErrInvalidArgument", err)
	}
	// The call ends during the collection: the digits so far, "ended".
	_ = cb.Flush(FlushReceivedDTMF)
	if err := ca.SendDTMF("9", 0); err != nil {
		t.Fatal(err)
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_ = ca.Drain(ctx, DrainDTMF)
		_ = ca.Hangup()
	}()
	got, err := cb.CollectDTMF(context.Background(), CollectOptions{Terminators: "#"})
	if err != nil || got.Digits != "9" || got.Stop != CollectEnded {
		t.Errorf("collect across the hang-up = %+v, %v; want 9, ended", got, err)
	}
}

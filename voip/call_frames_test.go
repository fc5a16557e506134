package voip

import (
	"encoding/binary"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/libvoip/libvoip/internal/audiotest"
	"github.com/libvoip/libvoip/rtp"
)

// queueTone queues d of a tone at hz on c at once (the send queue holds 2 s).
func queueTone(t *testing.T, c *Call, hz float64, d time.Duration) {
	t.Helper()
	pcm := audiotest.Tone(make([]int16, int(d/rtp.FrameInterval)*rtp.SamplesPerFrame), hz, 8000, 8000, nil)
	buf := make([]byte, 2*len(pcm))
	for i, s := range pcm {
		binary.LittleEndian.PutUint16(buf[2*i:], uint16(s))
	}
	if _, err := c.WriteAudio(buf, 0); err != nil {
		t.Fatal(err)
	}
}

// appendS16 appends s16le samples to pcm.
func appendS16(pcm []int16, b []byte) []int16 {
	for i := 0; i+1 < len(b); i += 2 {
		pcm = append(pcm, int16(binary.LittleEndian.Uint16(b[i:])))
	}
	return pcm
}

// TestReadFramesManyCalls: one goroutine serves twelve calls by the media
// clock (WaitMediaTick + ReadFrame); each call hears its own caller's
// tone, and takes exactly one frame per tick: none lost, none repeated.
func TestReadFramesManyCalls(t *testing.T) {
	const calls = 12
	in := newIncoming()
	b := testPhone(t, 52800, in.handler(true))
	a := testPhone(t, 52850, Handler{})
	legs := make([]*Call, calls)
	for i := range legs {
		out, leg := mediaCallPair(t, a, b, in)
		queueTone(t, out, 400+float64(i)*100, 1600*time.Millisecond)
		legs[i] = leg
	}
	pcm := make([][]int16, calls)
	frame := make([]byte, 2*rtp.SamplesPerFrame)
	// takeAll reads every whole frame queued on every call.
	takeAll := func(keep bool) {
		for i, c := range legs {
			for {
				ok, err := c.ReadFrame(frame)
				if err != nil {
					t.Fatal(err)
				}
				if !ok {
					break
				}
				if keep {
					pcm[i] = appendS16(pcm[i], frame)
				}
			}
		}
	}
	// Drop what queued while the calls were set up, then count the
	// clock's ticks: each played one frame out on every call.
	t0 := b.pacer.Stats().Ticks
	takeAll(false)
	for range 60 {
		if err := b.WaitMediaTick(time.Second); err != nil {
			t.Fatal(err)
		}
		takeAll(true)
	}
	ticks := int(b.pacer.Stats().Ticks - t0)
	takeAll(true)
	for i, p := range pcm {
		frames := len(p) / rtp.SamplesPerFrame
		if frames < ticks-1 || frames > ticks+1 {
			t.Errorf("call %d: %d frames in %d ticks", i, frames, ticks)
		}
		want := 400 + float64(i)*100
		hz, rms := audiotest.DominantFrequency(p[len(p)/3:], 8000)
		if math.Abs(hz-want) > 5 || rms < 3000 {
			t.Errorf("call %d heard %.1f Hz rms %.0f, want %.0f Hz", i, hz, rms, want)
		}
	}
	// Ended: drained, then ErrCallEnded.
	if err := legs[0].Hangup(); err != nil {
		t.Fatal(err)
	}
	waitState(t, legs[0], Ended, 5*time.Second)
	var err error
	for ok := true; ok; ok, err = legs[0].ReadFrame(frame) {
	}
	if !errors.Is(err, ErrCallEnded) {
		t.Fatalf("ended call: %v, want ErrCallEnded", err)
	}
}

// TestWaitMediaTick: ticks come every 20 ms; a stopped phone refuses.
func TestWaitMediaTick(t *testing.T) {
	p := testPhone(t, 52900, Handler{})
	_ = p.WaitMediaTick(time.Second) // a tick may be pending from before
	start := time.Now()
	for range 10 {
		if err := p.WaitMediaTick(time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if el := time.Since(start); el < 160*time.Millisecond || el > 400*time.Millisecond {
		t.Errorf("10 ticks took %v, want about 200 ms", el)
	}
	if err := p.WaitMediaTick(0); !errors.Is(err, ErrTimeout) {
		t.Errorf("no pending tick, timeout 0: %v, want ErrTimeout", err)
	}
	if n := testing.AllocsPerRun(5, func() { _ = p.WaitMediaTick(time.Second) }); n != 0 {
		t.Errorf("%v allocations per wait, want 0", n)
	}
	_ = p.Stop()
	if err := p.WaitMediaTick(10 * time.Millisecond); !errors.Is(err, ErrInvalidState) {
		t.Errorf("stopped phone: %v, want ErrInvalidState", err)
	}
}

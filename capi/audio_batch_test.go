package main

import (
	"context"
	"encoding/binary"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/libvoip/libvoip/internal/audiotest"
	"github.com/libvoip/libvoip/voip"
)

// batchPhone starts a phone on 127.0.0.1 (50 RTP ports from rtpLow)
// whose incoming calls are answered and sent to calls.
func batchPhone(t *testing.T, rtpLow int, calls chan *voip.Call) *voip.Phone {
	t.Helper()
	cfg := voip.DefaultConfig()
	for k, v := range map[string]string{"bind_ip": "127.0.0.1", "bind_port": "0",
		"rtp_port_low": strconv.Itoa(rtpLow), "rtp_port_high": strconv.Itoa(rtpLow + 49)} {
		if err := cfg.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	p := voip.NewPhone(cfg)
	p.SetHandler(voip.Handler{IncomingCall: func(c *voip.Call) {
		_ = c.Answer()
		if calls != nil {
			calls <- c
		}
	}})
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(true) })
	return p
}

func waitAnswered(t *testing.T, c *voip.Call) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if s, err := c.Wait(ctx, voip.Answered.Mask()); err != nil || s != voip.Answered {
		t.Fatalf("call is %s: %v", s, err)
	}
}

// batchCalls places n calls from a fresh phone to an echo phone whose
// legs get handles of pe; it returns the callers' calls.
func batchCalls(t *testing.T, n int) (*phoneEntry, []*voip.Call) {
	t.Helper()
	legs := make(chan *voip.Call, n)
	echo := batchPhone(t, 53000, legs)
	caller := batchPhone(t, 53050, nil)
	pe := handles.addPhone(echo)
	t.Cleanup(func() { handles.removePhone(pe.id) })
	port, _ := echo.Option("sip_port")
	out := make([]*voip.Call, n)
	for i := range out {
		c, err := caller.Call("sip:echo@127.0.0.1:" + port)
		if err != nil {
			t.Fatal(err)
		}
		waitAnswered(t, c)
		handles.addCall(pe, <-legs)
		out[i] = c
	}
	return pe, out
}

func batchOf(n, size int) *frameBatch {
	return &frameBatch{calls: make([]uint64, n), frames: make([]byte, n*size), status: make([]int32, n), size: size}
}

// TestBatchEchoManyCalls: one goroutine echoes sixteen calls with
// readFrames/writeFrames; every caller hears its own tone back at its
// level, and every call gets one frame per tick: none lost or repeated.
func TestBatchEchoManyCalls(t *testing.T) {
	const n = 16
	pe, out := batchCalls(t, n)
	for i, c := range out {
		pcm := audiotest.Tone(make([]int16, 100*160), 500+float64(i)*150, 8000, 8000, nil)
		buf := make([]byte, 2*len(pcm))
		for j, s := range pcm {
			binary.LittleEndian.PutUint16(buf[2*j:], uint16(s))
		}
		if _, err := c.WriteAudio(buf, 0); err != nil {
			t.Fatal(err)
		}
	}
	in, back := batchOf(n, 320), batchOf(n, 320)
	got := map[uint64]int{}
	deadline := time.Now().Add(1500 * time.Millisecond)
	for time.Now().Before(deadline) {
		k, err := readFrames(pe, in, time.Second)
		if err != nil || k == 0 {
			t.Fatalf("readFrames: %d %v", k, err)
		}
		for i := range k {
			if in.status[i] != vOK {
				t.Fatalf("call %d: status %d", in.calls[i], in.status[i])
			}
			got[in.calls[i]]++
		}
		copy(back.calls, in.calls[:k])
		copy(back.frames, in.frames[:k*320])
		w := &frameBatch{calls: back.calls[:k], frames: back.frames[:k*320], status: back.status[:k], size: 320}
		if ok := writeFrames(pe, w); ok != k {
			t.Fatalf("writeFrames queued %d of %d: %v", ok, k, w.status)
		}
	}
	if len(got) != n {
		t.Fatalf("frames from %d calls, want %d", len(got), n)
	}
	lo, hi := math.MaxInt, 0
	for _, c := range got {
		lo, hi = min(lo, c), max(hi, c)
	}
	if hi-lo > 2 || lo < 60 {
		t.Errorf("frames per call %d..%d in 1.5 s: want about 75 each, within 2", lo, hi)
	}
	for i, c := range out {
		buf := make([]byte, 2*8000)
		if _, err := c.ReadAudio(buf, 2*time.Second); err != nil {
			t.Fatal(err)
		}
		pcm := make([]int16, len(buf)/2)
		for j := range pcm {
			pcm[j] = int16(binary.LittleEndian.Uint16(buf[2*j:]))
		}
		want := 500 + float64(i)*150
		hz, rms := audiotest.DominantFrequency(pcm[len(pcm)/2:], 8000)
		if math.Abs(hz-want) > 5 || rms < 3000 {
			t.Errorf("caller %d heard %.1f Hz rms %.0f back, want %.0f Hz", i, hz, rms, want)
		}
	}
}

// TestBatchEndedAndErrors: an ended call is reported once with
// VOIP_EENDED; writes to unknown handles say so; a stopped phone is
// VOIP_ESTATE.
func TestBatchEndedAndErrors(t *testing.T) {
	pe, out := batchCalls(t, 2)
	if err := out[0].Hangup(); err != nil {
		t.Fatal(err)
	}
	in := batchOf(4, 320)
	ended := 0
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline) && ended == 0; {
		k, _ := readFrames(pe, in, time.Second)
		for i := range k {
			if in.status[i] == vEEnded {
				ended++
			}
		}
	}
	if ended != 1 {
		t.Fatalf("ended reported %d times, want 1", ended)
	}
	for range 10 {
		k, _ := readFrames(pe, in, time.Second)
		for i := range k {
			if in.status[i] != vOK {
				t.Fatalf("after the end: status %d for call %d", in.status[i], in.calls[i])
			}
		}
	}
	w := &frameBatch{calls: []uint64{1 << 60}, frames: make([]byte, 320), status: make([]int32, 1), size: 320}
	if writeFrames(pe, w); w.status[0] != vENotFound {
		t.Errorf("unknown handle: status %d, want VOIP_ENOTFOUND", w.status[0])
	}
	_ = pe.phone.Stop()
	// The other call's end first, then nothing more: VOIP_ESTATE.
	k, err := readFrames(pe, in, 100*time.Millisecond)
	if err == nil && (k != 1 || in.status[0] != vEEnded) {
		t.Fatalf("stop: %d entries %v, want the other call's end", k, in.status[:k])
	}
	if _, err = readFrames(pe, in, 100*time.Millisecond); codeOf(err) != vEState {
		t.Errorf("stopped phone: %v, want VOIP_ESTATE", err)
	}
}

// TestBatchZeroAllocs: a tick's batch read and write allocate nothing on
// the Go side, however many calls.
func TestBatchZeroAllocs(t *testing.T) {
	pe, _ := batchCalls(t, 4)
	in := batchOf(4, 320)
	if k, err := readFrames(pe, in, time.Second); err != nil || k == 0 {
		t.Fatalf("readFrames: %d %v", k, err)
	}
	w := &frameBatch{calls: in.calls, frames: in.frames, status: make([]int32, 4), size: 320}
	if n := testing.AllocsPerRun(50, func() {
		k, _ := readFrames(pe, in, time.Second)
		w.calls, w.frames, w.status = in.calls[:k], in.frames[:k*320], w.status[:k]
		writeFrames(pe, w)
		w.status = w.status[:4]
	}); n != 0 {
		t.Fatalf("%v allocations per batch, want 0", n)
	}
}

package media

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/libvoip/libvoip/internal/audiotest"
)

// checkWAV reads a recorder's file and checks its header against the data
// present; it returns the channels' samples.
func checkWAV(t *testing.T, path string, rate, channels int) [][]int16 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	if len(b) < 44 || string(b[0:4]) != "RIFF" || string(b[36:40]) != "data" {
		t.Fatalf("not a canonical WAV: %q", b[:min(len(b), 44)])
	}
	size := int(le.Uint32(b[40:]))
	if int(le.Uint32(b[4:])) != 36+size || size > len(b)-44 || size%(2*channels) != 0 {
		t.Fatalf("header: RIFF %d, data %d, file %d", le.Uint32(b[4:]), size, len(b))
	}
	pcm, info, err := DecodeWAV(b[:44+size])
	if err != nil || info.Rate != rate || info.Channels != channels || info.Bits != 16 {
		t.Fatalf("DecodeWAV: %v %+v", err, info)
	}
	_ = pcm
	out := make([][]int16, channels)
	for i := 0; i < size/2; i++ {
		out[i%channels] = append(out[i%channels], int16(le.Uint16(b[44+2*i:])))
	}
	return out
}

func TestRecorderTone(t *testing.T) {
	for _, rate := range []int{8000, 16000} {
		b, _ := NewBridge(rate)
		path := filepath.Join(t.TempDir(), "r.wav")
		rec, err := CreateRecorder(path, rate, RecorderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		tone, _ := NewTone("1000", rate, nil)
		addPorts(t, b, rec, tone)
		if err := b.Connect(tone, rec); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 100; i++ {
			b.Tick()
		}
		if d := rec.Duration(); d != 2*time.Second {
			t.Fatalf("duration %v", d)
		}
		if err := rec.Close(); err != nil {
			t.Fatal(err)
		}
		ch := checkWAV(t, path, rate, 1)
		hz, _ := audiotest.DominantFrequency(ch[0], rate)
		if len(ch[0]) != 2*rate || math.Abs(hz-1000) > 2 {
			t.Fatalf("%d Hz: %d samples at %.1f Hz", rate, len(ch[0]), hz)
		}
	}
}

// callPort stands for a call: what it received (Read) and sent (ReadSent).
type callPort struct{ rx, tx int16 }

func (c *callPort) Caps() (bool, bool) { return true, true }
func (c *callPort) Read(dst []int16) bool {
	for i := range dst {
		dst[i] = c.rx
	}
	return true
}
func (c *callPort) Write([]int16) {}
func (c *callPort) ReadSent(dst []int16) bool {
	for i := range dst {
		dst[i] = c.tx
	}
	return true
}

func TestRecorderStereoAndAbruptStop(t *testing.T) {
	b, _ := NewBridge(8000)
	path := filepath.Join(t.TempDir(), "s.wav")
	var reason string
	rec, err := CreateRecorder(path, 8000, RecorderOptions{Stereo: true, MaxDuration: 3 * time.Second,
		OnEnd: func(r string) { reason = r }})
	if err != nil {
		t.Fatal(err)
	}
	call := &callPort{rx: 111, tx: -222}
	addPorts(t, b, rec, call)
	if err := b.Connect(call, rec); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 75; i++ { // 1.5 s
		b.Tick()
	}
	// As a killed process would leave it: the header covers what was
	// flushed at the last second.
	ch := checkWAV(t, path, 8000, 2)
	if len(ch[0]) != 8000 || ch[0][0] != 111 || ch[1][0] != -222 {
		t.Fatalf("mid-recording: %d frames, left %d right %d", len(ch[0]), ch[0][0], ch[1][0])
	}
	for i := 0; i < 200; i++ { // past the 3 s limit
		b.Tick()
	}
	if reason != ReasonMaxDuration {
		t.Fatalf("ended %q, want max duration", reason)
	}
	ch = checkWAV(t, path, 8000, 2)
	if len(ch[0]) != 3*8000 || len(ch[1]) != 3*8000 {
		t.Fatalf("after the limit: %d frames, want 24000", len(ch[0]))
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
}

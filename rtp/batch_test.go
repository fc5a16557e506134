package rtp

import (
	"errors"
	"slices"
	"testing"
)

// TestStreamReadFrame: ReadFrame takes whole frames only, in order, never
// splitting or repeating one; once closed, a partial remainder ends it.
func TestStreamReadFrame(t *testing.T) {
	for _, f := range []Format{FormatS16LE, FormatU8} {
		t.Run(f.String(), func(t *testing.T) {
			cfg := stConfig()
			cfg.Format = f
			s, _ := stNew(t, cfg)
			frame := make([]byte, SamplesPerFrame*f.BytesPerSample())
			if ok, err := s.ReadFrame(frame); ok || err != nil {
				t.Fatalf("empty queue: %v %v, want false nil", ok, err)
			}
			// Two and a half frames of distinct samples (multiples of
			// 256 survive u8).
			in := make([]int16, 5*SamplesPerFrame/2)
			for i := range in {
				in[i] = int16((i%200 - 100) * 256)
			}
			s.mu.Lock()
			s.rx.push(in)
			s.mu.Unlock()
			var got []int16
			for range 2 {
				ok, err := s.ReadFrame(frame)
				if !ok || err != nil {
					t.Fatalf("a queued frame: %v %v", ok, err)
				}
				got = append(got, stSamples(f, frame)...)
			}
			if !slices.Equal(got, in[:2*SamplesPerFrame]) {
				t.Fatal("frames differ from the queued samples (lost, split or repeated)")
			}
			if ok, err := s.ReadFrame(frame); ok || err != nil {
				t.Fatalf("half a frame queued: %v %v, want false nil (not split)", ok, err)
			}
			s.mu.Lock()
			left := s.rx.len()
			s.mu.Unlock()
			if left != SamplesPerFrame/2 {
				t.Fatalf("%d samples left, want %d untouched", left, SamplesPerFrame/2)
			}
			s.Close()
			if ok, err := s.ReadFrame(frame); ok || !errors.Is(err, ErrClosed) {
				t.Fatalf("closed: %v %v, want false ErrClosed", ok, err)
			}
		})
	}
}

// TestStreamReadFrameZeroAllocs: the batched read allocates nothing.
func TestStreamReadFrameZeroAllocs(t *testing.T) {
	s, _ := stNew(t, stConfig())
	frame := make([]byte, 2*SamplesPerFrame)
	pcm := make([]int16, SamplesPerFrame)
	if n := testing.AllocsPerRun(200, func() {
		s.mu.Lock()
		s.rx.push(pcm)
		s.mu.Unlock()
		if ok, _ := s.ReadFrame(frame); !ok {
			t.Fatal("no frame")
		}
	}); n != 0 {
		t.Fatalf("%v allocations per frame, want 0", n)
	}
}

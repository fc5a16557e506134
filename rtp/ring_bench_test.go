package rtp

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSampleRingGrowthModel drives rings that start small and grow (see
// ringInitial) with random pushes, silences, pops and byte transfers, and
// checks every step against a plain slice model of a FIFO that keeps at
// most capacity samples.
func TestSampleRingGrowthModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, capacity := range []int{1, 7, ringInitial - 1, ringInitial, ringInitial + 1, 3*ringInitial + 5, 16000} {
		r := newSampleRing(capacity)
		var model []int16
		next := int16(1)
		keep := func(dropped int, added []int16) {
			model = append(model, added...)
			over := max(0, len(model)-capacity)
			if dropped != over {
				t.Fatalf("capacity %d: dropped %d, want %d", capacity, dropped, over)
			}
			model = model[over:]
		}
		for step := 0; step < 3000; step++ {
			switch rng.IntN(5) {
			case 0: // push
				s := make([]int16, rng.IntN(3*SamplesPerFrame))
				for i := range s {
					s[i] = next
					next++
				}
				keep(r.push(s), s)
			case 1: // silence
				n := rng.IntN(2 * SamplesPerFrame)
				keep(r.pushSilence(n), make([]int16, n))
			case 2: // pop
				dst := make([]int16, rng.IntN(3*SamplesPerFrame))
				n := r.pop(dst)
				want := min(len(dst), len(model))
				if n != want || !slices.Equal(dst[:n], model[:n]) {
					t.Fatalf("capacity %d step %d: pop %d %v, want %v", capacity, step, n, dst[:n], model[:want])
				}
				model = model[n:]
			case 3: // pushBytes (s16le): no drops, limited by room
				b := make([]byte, 2*rng.IntN(2*SamplesPerFrame))
				var s []int16
				for i := 0; i < len(b); i += 2 {
					b[i], b[i+1] = byte(next), byte(uint16(next)>>8)
					s = append(s, next)
					next++
				}
				n := r.pushBytes(b, FormatS16LE) / 2
				if n != min(len(s), capacity-len(model)) {
					t.Fatalf("capacity %d: pushBytes took %d samples, room was %d", capacity, n, capacity-len(model))
				}
				model = append(model, s[:n]...)
				next -= int16(len(s) - n)
			case 4: // popBytes (s16le)
				b := make([]byte, 2*rng.IntN(3*SamplesPerFrame))
				n := r.popBytes(b, FormatS16LE) / 2
				if n != min(len(b)/2, len(model)) {
					t.Fatalf("capacity %d: popBytes gave %d samples of %d", capacity, n, len(model))
				}
				for i := 0; i < n; i++ {
					if got := int16(uint16(b[2*i]) | uint16(b[2*i+1])<<8); got != model[i] {
						t.Fatalf("capacity %d: popBytes sample %d = %d, want %d", capacity, i, got, model[i])
					}
				}
				model = model[n:]
			}
			if r.len() != len(model) || r.room() != capacity-len(model) || len(r.buf) > capacity {
				t.Fatalf("capacity %d step %d: len %d room %d buf %d, model %d", capacity, step, r.len(), r.room(), len(r.buf), len(model))
			}
			if got := ringContents(&r); !slices.Equal(got, model) {
				t.Fatalf("capacity %d step %d: contents differ", capacity, step)
			}
		}
	}
}

// BenchmarkSampleRingFrame is one frame through a ring in each direction of
// the application boundary: pushed by a tick, read as s16le bytes, written
// as s16le bytes, popped by a tick.
func BenchmarkSampleRingFrame(b *testing.B) {
	r := newSampleRing(queueSeconds * DefaultSampleRate)
	frame := make([]int16, SamplesPerFrame)
	bytes := make([]byte, 2*SamplesPerFrame)
	b.ReportAllocs()
	for b.Loop() {
		r.push(frame)
		r.popBytes(bytes, FormatS16LE)
		r.pushBytes(bytes, FormatS16LE)
		r.pop(frame)
	}
}

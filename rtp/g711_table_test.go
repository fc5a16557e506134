package rtp

import (
	"testing"

	"github.com/zaf/g711"
)

// TestG711TablesMatchEncoders: the tables give g711's code for every one
// of the 65,536 samples.
func TestG711TablesMatchEncoders(t *testing.T) {
	dst := make([]byte, 1)
	for v := -32768; v <= 32767; v++ {
		s := []int16{int16(v)}
		encodeG711(dst, s, ulawTable, 2)
		if want := g711.EncodeUlawFrame(int16(v)); dst[0] != want {
			t.Fatalf("μ-law %d: table %#x, g711 %#x", v, dst[0], want)
		}
		encodeG711(dst, s, alawTable, 3)
		if want := g711.EncodeAlawFrame(int16(v)); dst[0] != want {
			t.Fatalf("A-law %d: table %#x, g711 %#x", v, dst[0], want)
		}
	}
}

// BenchmarkG711Encode: one 20 ms frame, by the table and by g711's
// per-sample arithmetic.
func BenchmarkG711Encode(b *testing.B) {
	pcm := pbFrame()
	dst := make([]byte, SamplesPerFrame)
	b.Run("ulaw-table", func(b *testing.B) {
		for b.Loop() {
			encodeG711(dst, pcm, ulawTable, 2)
		}
	})
	b.Run("ulaw-arith", func(b *testing.B) {
		for b.Loop() {
			for i, s := range pcm {
				dst[i] = g711.EncodeUlawFrame(s)
			}
		}
	})
	b.Run("alaw-table", func(b *testing.B) {
		for b.Loop() {
			encodeG711(dst, pcm, alawTable, 3)
		}
	})
	b.Run("alaw-arith", func(b *testing.B) {
		for b.Loop() {
			for i, s := range pcm {
				dst[i] = g711.EncodeAlawFrame(s)
			}
		}
	})
}

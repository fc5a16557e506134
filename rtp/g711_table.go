package rtp

import "github.com/zaf/g711"

// Table-driven G.711 encoding. μ-law's code depends only on the sample's
// top 14 bits (s >> 2) and A-law's on its top 13 (s >> 3), so a 16 KiB and
// an 8 KiB table (small enough to stay in the L1 cache) replace the
// per-sample arithmetic of g711.EncodeUlawFrame / EncodeAlawFrame; the
// tables are built once from those functions and are read-only afterwards
// (g711_table_test.go checks all 65,536 samples).
var (
	ulawTable = g711Table(2, g711.EncodeUlawFrame)
	alawTable = g711Table(3, g711.EncodeAlawFrame)
)

func g711Table(shift uint, encode func(int16) uint8) []uint8 {
	t := make([]uint8, 1<<(16-shift))
	for i := range t {
		// Index i is the sample's top bits as an unsigned number.
		t[i] = encode(int16(uint16(i) << shift))
	}
	return t
}

// encodeG711 encodes pcm into dst (len(dst) >= len(pcm)) with table t,
// indexed by the sample's top 16-shift bits.
func encodeG711(dst []byte, pcm []int16, t []uint8, shift uint) {
	dst = dst[:len(pcm)]
	for i, s := range pcm {
		dst[i] = t[uint16(s)>>shift]
	}
}

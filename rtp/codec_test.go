package rtp

import (
	"math/rand/v2"
	"testing"

	"github.com/libvoip/libvoip/internal/audiotest"
)

func TestCodecKnownValues(t *testing.T) {
	tests := []struct {
		codec   *Codec
		sample  int16
		encoded byte
		decoded int16 // decode(encoded)
	}{
		{PCMU, 0, 0xff, 0},
		{PCMU, 32767, 0x80, 32124},
		{PCMU, -32768, 0x00, -32124},
		{PCMU, 1000, 0xce, 988},
		{PCMA, 0, 0xd5, 8},
		{PCMA, 32767, 0xaa, 32256},
		{PCMA, -32768, 0x2a, -32256},
		{PCMA, 1000, 0xfa, 1008},
	}
	for _, tt := range tests {
		enc := tt.codec.Encode(nil, []int16{tt.sample})
		if len(enc) != 1 || enc[0] != tt.encoded {
			t.Errorf("%s.Encode(%d) = %#x, want %#x", tt.codec, tt.sample, enc, tt.encoded)
		}
		dec := tt.codec.Decode(nil, []byte{tt.encoded})
		if len(dec) != 1 || dec[0] != tt.decoded {
			t.Errorf("%s.Decode(%#x) = %v, want %d", tt.codec, tt.encoded, dec, tt.decoded)
		}
	}
}

func TestCodecRoundTrip(t *testing.T) {
	for _, c := range []*Codec{PCMU, PCMA} {
		t.Run(c.Name, func(t *testing.T) {
			// Every code word decodes to a value that encodes back to a
			// code word with the same value (µ-law has two zeros).
			all := make([]byte, 256)
			for i := range all {
				all[i] = byte(i)
			}
			pcm := c.Decode(nil, all)
			again := c.Decode(nil, c.Encode(nil, pcm))
			for i := range pcm {
				if pcm[i] != again[i] {
					t.Errorf("code %#x: decode %d, re-decode %d", i, pcm[i], again[i])
				}
			}
			// Linear samples survive with G.711's quantisation error.
			lin := make([]int16, 0, 1<<16)
			for s := -32768; s <= 32767; s++ {
				lin = append(lin, int16(s))
			}
			out := c.Decode(nil, c.Encode(nil, lin))
			for i, s := range lin {
				e := int(out[i]) - int(s)
				if e < 0 {
					e = -e
				}
				if limit := max(codecTestAbs(int(s))/16, 32); e > limit {
					t.Fatalf("sample %d: round trip %d, error %d > %d", s, out[i], e, limit)
				}
			}
		})
	}
}

func codecTestAbs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func TestCodecBufferReuse(t *testing.T) {
	pcm := make([]int16, 160)
	tests := []struct {
		name   string
		dst    []byte
		reused bool
	}{
		{"nil", nil, false},
		{"small", make([]byte, 0, 80), false},
		{"exact", make([]byte, 0, 160), true},
		{"large-len", make([]byte, 400), true},
	}
	for _, tt := range tests {
		out := PCMU.Encode(tt.dst, pcm)
		if len(out) != 160 {
			t.Errorf("%s: Encode len %d, want 160", tt.name, len(out))
		}
		if reused := cap(tt.dst) > 0 && &out[0] == &tt.dst[:1][0]; reused != tt.reused {
			t.Errorf("%s: Encode reused dst = %v, want %v", tt.name, reused, tt.reused)
		}
		dec := make([]int16, 0, cap(tt.dst))
		got := PCMA.Decode(dec, out)
		if len(got) != 160 {
			t.Errorf("%s: Decode len %d, want 160", tt.name, len(got))
		}
		if reused := cap(dec) > 0 && &got[0] == &dec[:1][0]; reused != tt.reused {
			t.Errorf("%s: Decode reused dst = %v, want %v", tt.name, reused, tt.reused)
		}
	}
	if got := PCMU.Encode(nil, nil); len(got) != 0 {
		t.Errorf("Encode(nil, nil) = %v", got)
	}
}

func TestCodecLookup(t *testing.T) {
	byName := []struct {
		name string
		want *Codec
	}{
		{"PCMU", PCMU}, {"pcmu", PCMU}, {"PcMu", PCMU},
		{"PCMA", PCMA}, {"pcma", PCMA},
		{"G722", G722}, {"g722", G722}, {"opus", Opus}, {"OPUS", Opus},
		{"", nil}, {"G729", nil}, {"PCMU/8000", nil}, {"telephone-event", nil},
	}
	for _, tt := range byName {
		if got := CodecByName(tt.name); got != tt.want {
			t.Errorf("CodecByName(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
	byPT := []struct {
		pt   uint8
		want *Codec
	}{
		{0, PCMU}, {8, PCMA}, {9, G722}, {3, nil}, {101, nil}, {111, nil}, {255, nil},
	}
	for _, tt := range byPT {
		if got := CodecByPayloadType(tt.pt); got != tt.want {
			t.Errorf("CodecByPayloadType(%d) = %v, want %v", tt.pt, got, tt.want)
		}
	}
	for _, c := range []*Codec{PCMU, PCMA} {
		if c.ClockRate != 8000 {
			t.Errorf("%s.ClockRate = %d", c, c.ClockRate)
		}
		if c.String() != c.Name {
			t.Errorf("String() = %q, want %q", c.String(), c.Name)
		}
	}
}

func TestCodecZeroAlloc(t *testing.T) {
	pcm := make([]int16, 160)
	for i := range pcm {
		pcm[i] = int16(rand.IntN(65536) - 32768)
	}
	enc := make([]byte, 160)
	dec := make([]int16, 160)
	for _, c := range []*Codec{PCMU, PCMA} {
		if n := testing.AllocsPerRun(100, func() { enc = c.Encode(enc, pcm) }); n != 0 {
			t.Errorf("%s.Encode allocs = %v, want 0", c, n)
		}
		if n := testing.AllocsPerRun(100, func() { dec = c.Decode(dec, enc) }); n != 0 {
			t.Errorf("%s.Decode allocs = %v, want 0", c, n)
		}
	}
}

func BenchmarkPCMUEncodeFrame(b *testing.B) {
	pcm := make([]int16, 160)
	audiotest.Tone(pcm, 440, 0.5, 8000, nil)
	dst := make([]byte, 160)
	b.SetBytes(int64(len(pcm) * 2))
	b.ReportAllocs()
	for b.Loop() {
		dst = PCMU.Encode(dst, pcm)
	}
}

func BenchmarkPCMUDecodeFrame(b *testing.B) {
	pcm := make([]int16, 160)
	audiotest.Tone(pcm, 440, 0.5, 8000, nil)
	payload := PCMU.Encode(nil, pcm)
	dst := make([]int16, 160)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		dst = PCMU.Decode(dst, payload)
	}
}

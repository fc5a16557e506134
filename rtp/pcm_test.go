package rtp

import (
	"slices"
	"testing"
)

func TestS16LE(t *testing.T) {
	tests := []struct {
		bytes []byte
		pcm   []int16
	}{
		{nil, []int16{}},
		{[]byte{0x00, 0x00}, []int16{0}},
		{[]byte{0x01, 0x00, 0xff, 0xff}, []int16{1, -1}},
		{[]byte{0xff, 0x7f, 0x00, 0x80}, []int16{32767, -32768}},
		{[]byte{0x34, 0x12, 0xcc, 0xed}, []int16{0x1234, -0x1234}},
	}
	for _, tt := range tests {
		if got := PCMFromS16LE(nil, tt.bytes); !slices.Equal(got, tt.pcm) {
			t.Errorf("PCMFromS16LE(% x) = %v, want %v", tt.bytes, got, tt.pcm)
		}
		want := tt.bytes
		if want == nil {
			want = []byte{}
		}
		if got := S16LEFromPCM(nil, tt.pcm); !slices.Equal(got, want) {
			t.Errorf("S16LEFromPCM(%v) = % x, want % x", tt.pcm, got, want)
		}
	}
	// A trailing odd byte is ignored.
	if got := PCMFromS16LE(nil, []byte{1, 0, 9}); !slices.Equal(got, []int16{1}) {
		t.Errorf("odd length: got %v", got)
	}
}

func TestU8(t *testing.T) {
	tests := []struct {
		b    byte
		pcm  int16
		back byte // U8FromPCM(pcm)
	}{
		{128, 0, 128},
		{0, -32768, 0},
		{255, 32512, 255},
		{129, 256, 129},
		{127, -256, 127},
	}
	for _, tt := range tests {
		if got := PCMFromU8(nil, []byte{tt.b}); got[0] != tt.pcm {
			t.Errorf("PCMFromU8(%d) = %d, want %d", tt.b, got[0], tt.pcm)
		}
		if got := U8FromPCM(nil, []int16{tt.pcm}); got[0] != tt.back {
			t.Errorf("U8FromPCM(%d) = %d, want %d", tt.pcm, got[0], tt.back)
		}
	}
	conv := []struct {
		pcm int16
		b   byte
	}{
		{32767, 255}, {-32768, 0}, {-1, 127}, {255, 128}, {-129, 127},
	}
	for _, tt := range conv {
		if got := U8FromPCM(nil, []int16{tt.pcm}); got[0] != tt.b {
			t.Errorf("U8FromPCM(%d) = %d, want %d", tt.pcm, got[0], tt.b)
		}
	}
	// Every byte round-trips.
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	if got := U8FromPCM(nil, PCMFromU8(nil, all)); !slices.Equal(got, all) {
		t.Errorf("u8 round trip: %v", got)
	}
}

func TestPCMConversionsZeroAlloc(t *testing.T) {
	pcm := make([]int16, 160)
	b16 := make([]byte, 320)
	b8 := make([]byte, 160)
	tests := []struct {
		name string
		f    func()
	}{
		{"PCMFromS16LE", func() { pcm = PCMFromS16LE(pcm, b16) }},
		{"S16LEFromPCM", func() { b16 = S16LEFromPCM(b16, pcm) }},
		{"PCMFromU8", func() { pcm = PCMFromU8(pcm, b8) }},
		{"U8FromPCM", func() { b8 = U8FromPCM(b8, pcm) }},
	}
	for _, tt := range tests {
		if n := testing.AllocsPerRun(100, tt.f); n != 0 {
			t.Errorf("%s allocs = %v, want 0", tt.name, n)
		}
	}
}

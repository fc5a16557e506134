package rtp

import (
	"bytes"
	"slices"
	"testing"
)

// ringContents returns the samples stored in r, oldest first, without
// changing r.
func ringContents(r *sampleRing) []int16 {
	out := make([]int16, 0, r.n)
	for i := 0; i < r.n; i++ {
		out = append(out, r.buf[(r.head+i)%len(r.buf)])
	}
	return out
}

// ringStep is one operation on a sampleRing and what it must produce.
type ringStep struct {
	op      string  // "push", "silence", "pop", "discard"
	in      []int16 // samples for push
	n       int     // count for silence, pop (len(dst)) and discard
	dropped int     // push/silence: samples reported dropped
	out     []int16 // pop: samples returned
	after   []int16 // contents afterwards, oldest first
}

func ringSeq(from, to int16) []int16 {
	var s []int16
	for v := from; v <= to; v++ {
		s = append(s, v)
	}
	return s
}

func TestSampleRing(t *testing.T) {
	tests := []struct {
		name     string
		capacity int
		steps    []ringStep
	}{
		{"fifo order", 4, []ringStep{
			{op: "push", in: []int16{1, 2}, after: []int16{1, 2}},
			{op: "push", in: []int16{3}, after: []int16{1, 2, 3}},
			{op: "pop", n: 2, out: []int16{1, 2}, after: []int16{3}},
			{op: "pop", n: 2, out: []int16{3}, after: []int16{}},
		}},
		{"pop from empty", 4, []ringStep{
			{op: "pop", n: 3, out: []int16{}, after: []int16{}},
		}},
		{"pop zero", 4, []ringStep{
			{op: "push", in: []int16{7}, after: []int16{7}},
			{op: "pop", n: 0, out: []int16{}, after: []int16{7}},
		}},
		{"fill exactly", 4, []ringStep{
			{op: "push", in: []int16{1, 2, 3, 4}, after: []int16{1, 2, 3, 4}},
			{op: "pop", n: 4, out: []int16{1, 2, 3, 4}, after: []int16{}},
		}},
		{"wrap around the end", 4, []ringStep{
			{op: "push", in: []int16{1, 2, 3}, after: []int16{1, 2, 3}},
			{op: "pop", n: 2, out: []int16{1, 2}, after: []int16{3}},
			{op: "push", in: []int16{4, 5, 6}, after: []int16{3, 4, 5, 6}},
			{op: "pop", n: 3, out: []int16{3, 4, 5}, after: []int16{6}},
			{op: "push", in: []int16{7, 8}, after: []int16{6, 7, 8}},
			{op: "pop", n: 10, out: []int16{6, 7, 8}, after: []int16{}},
		}},
		{"drop oldest when full", 4, []ringStep{
			{op: "push", in: []int16{1, 2, 3}, after: []int16{1, 2, 3}},
			{op: "push", in: []int16{4, 5, 6}, dropped: 2, after: []int16{3, 4, 5, 6}},
			{op: "push", in: []int16{7}, dropped: 1, after: []int16{4, 5, 6, 7}},
			{op: "pop", n: 4, out: []int16{4, 5, 6, 7}, after: []int16{}},
		}},
		{"drop oldest across wrap", 4, []ringStep{
			{op: "push", in: []int16{1, 2, 3}},
			{op: "pop", n: 2, out: []int16{1, 2}, after: []int16{3}},
			{op: "push", in: []int16{4, 5, 6, 7, 8}, dropped: 2, after: []int16{5, 6, 7, 8}},
			{op: "pop", n: 4, out: []int16{5, 6, 7, 8}, after: []int16{}},
		}},
		{"push longer than capacity keeps the newest", 4, []ringStep{
			{op: "push", in: []int16{1, 2}, after: []int16{1, 2}},
			// 3 of the new samples and both old ones are dropped.
			{op: "push", in: ringSeq(3, 9), dropped: 5, after: []int16{6, 7, 8, 9}},
			{op: "pop", n: 4, out: []int16{6, 7, 8, 9}, after: []int16{}},
		}},
		{"silence", 4, []ringStep{
			{op: "push", in: []int16{1, 2, 3, 4}},
			{op: "pop", n: 3, out: []int16{1, 2, 3}, after: []int16{4}},
			// The slots reused by the silence held old samples.
			{op: "silence", n: 2, after: []int16{4, 0, 0}},
			{op: "silence", n: 2, dropped: 1, after: []int16{0, 0, 0, 0}},
			{op: "push", in: []int16{9}, dropped: 1, after: []int16{0, 0, 0, 9}},
		}},
		{"silence longer than capacity", 4, []ringStep{
			{op: "push", in: []int16{1}, after: []int16{1}},
			{op: "silence", n: 6, dropped: 3, after: []int16{0, 0, 0, 0}},
			{op: "push", in: []int16{5, 6}, dropped: 2, after: []int16{0, 0, 5, 6}},
			{op: "pop", n: 8, out: []int16{0, 0, 5, 6}, after: []int16{}},
		}},
		{"discard", 4, []ringStep{
			{op: "push", in: []int16{1, 2, 3, 4}},
			{op: "discard", n: 1, after: []int16{2, 3, 4}},
			{op: "push", in: []int16{5}, after: []int16{2, 3, 4, 5}},
			{op: "discard", n: 10, after: []int16{}},
			{op: "push", in: []int16{6, 7}, after: []int16{6, 7}},
			{op: "discard", n: 0, after: []int16{6, 7}},
		}},
		{"capacity one", 1, []ringStep{
			{op: "push", in: []int16{1}, after: []int16{1}},
			{op: "push", in: []int16{2, 3}, dropped: 2, after: []int16{3}},
			{op: "silence", n: 1, dropped: 1, after: []int16{0}},
			{op: "pop", n: 1, out: []int16{0}, after: []int16{}},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newSampleRing(tc.capacity)
			for i, st := range tc.steps {
				switch st.op {
				case "push":
					if got := r.push(st.in); got != st.dropped {
						t.Fatalf("step %d: push(%v) dropped %d, want %d", i, st.in, got, st.dropped)
					}
				case "silence":
					if got := r.pushSilence(st.n); got != st.dropped {
						t.Fatalf("step %d: pushSilence(%d) dropped %d, want %d", i, st.n, got, st.dropped)
					}
				case "pop":
					dst := make([]int16, st.n)
					n := r.pop(dst)
					if !slices.Equal(dst[:n], st.out) {
						t.Fatalf("step %d: pop(%d) = %v, want %v", i, st.n, dst[:n], st.out)
					}
				case "discard":
					r.discard(st.n)
				default:
					t.Fatalf("bad op %q", st.op)
				}
				if st.after == nil {
					continue
				}
				if got := ringContents(&r); !slices.Equal(got, st.after) {
					t.Fatalf("step %d (%s): contents %v, want %v", i, st.op, got, st.after)
				}
				if r.len() != len(st.after) || r.room() != tc.capacity-len(st.after) {
					t.Fatalf("step %d: len %d room %d, want %d and %d",
						i, r.len(), r.room(), len(st.after), tc.capacity-len(st.after))
				}
			}
		})
	}
}

func TestSampleRingBytes(t *testing.T) {
	tests := []struct {
		name     string
		format   Format
		capacity int
		pre      []int16 // pushed (and popped) first to move the head: see skew
		skew     int     // samples of pre popped before the byte operations
		in       []byte  // pushBytes input
		consumed int     // bytes pushBytes must consume
		samples  []int16 // ring contents afterwards
		dst      int     // popBytes buffer length
		out      []byte  // popBytes output
	}{
		{
			name: "s16le", format: FormatS16LE, capacity: 8,
			in:       []byte{0x01, 0x00, 0xff, 0xff, 0x00, 0x80, 0xff, 0x7f},
			consumed: 8,
			samples:  []int16{1, -1, -32768, 32767},
			dst:      8,
			out:      []byte{0x01, 0x00, 0xff, 0xff, 0x00, 0x80, 0xff, 0x7f},
		},
		{
			name: "s16le odd byte ignored", format: FormatS16LE, capacity: 8,
			in:       []byte{0x34, 0x12, 0x99},
			consumed: 2,
			samples:  []int16{0x1234},
			dst:      3, // room for one whole sample only
			out:      []byte{0x34, 0x12},
		},
		{
			name: "s16le limited by room", format: FormatS16LE, capacity: 2,
			in:       []byte{1, 0, 2, 0, 3, 0},
			consumed: 4,
			samples:  []int16{1, 2},
			dst:      10,
			out:      []byte{1, 0, 2, 0},
		},
		{
			name: "s16le across wrap", format: FormatS16LE, capacity: 4,
			pre: []int16{9, 9, 9}, skew: 3,
			in:       []byte{1, 0, 2, 0, 3, 0, 4, 0, 5, 0},
			consumed: 8,
			samples:  []int16{1, 2, 3, 4},
			dst:      8,
			out:      []byte{1, 0, 2, 0, 3, 0, 4, 0},
		},
		{
			name: "s16le pop part", format: FormatS16LE, capacity: 4,
			in:       []byte{1, 0, 2, 0, 3, 0},
			consumed: 6,
			samples:  []int16{1, 2, 3},
			dst:      4,
			out:      []byte{1, 0, 2, 0},
		},
		{
			name: "u8", format: FormatU8, capacity: 8,
			in:       []byte{0, 1, 127, 128, 129, 255},
			consumed: 6,
			samples:  []int16{-32768, -32512, -256, 0, 256, 32512},
			dst:      6,
			out:      []byte{0, 1, 127, 128, 129, 255},
		},
		{
			name: "u8 limited by room", format: FormatU8, capacity: 3,
			in:       []byte{10, 20, 30, 40},
			consumed: 3,
			samples:  []int16{(10 - 128) << 8, (20 - 128) << 8, (30 - 128) << 8},
			dst:      2,
			out:      []byte{10, 20},
		},
		{
			name: "u8 across wrap", format: FormatU8, capacity: 4,
			pre: []int16{5, 5}, skew: 1,
			in:       []byte{200, 100, 50},
			consumed: 3,
			samples:  []int16{5, (200 - 128) << 8, (100 - 128) << 8, (50 - 128) << 8},
			dst:      3,
			out:      []byte{128, 200, 100},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newSampleRing(tc.capacity)
			r.push(tc.pre)
			r.discard(tc.skew)
			if got := r.pushBytes(tc.in, tc.format); got != tc.consumed {
				t.Fatalf("pushBytes consumed %d, want %d", got, tc.consumed)
			}
			if got := ringContents(&r); !slices.Equal(got, tc.samples) {
				t.Fatalf("contents %v, want %v", got, tc.samples)
			}
			dst := make([]byte, tc.dst)
			n := r.popBytes(dst, tc.format)
			if !bytes.Equal(dst[:n], tc.out) {
				t.Fatalf("popBytes = % x, want % x", dst[:n], tc.out)
			}
			if left := len(tc.samples) - n/tc.format.BytesPerSample(); r.len() != left {
				t.Fatalf("len after popBytes = %d, want %d", r.len(), left)
			}
		})
	}
}

// TestSampleRingU8Quantization checks the u8 output of arbitrary 16-bit
// samples: the high byte, offset by 128.
func TestSampleRingU8Quantization(t *testing.T) {
	in := []int16{-32768, -32767, -257, -256, -255, -1, 0, 1, 255, 256, 32767}
	want := []byte{0, 0, 126, 127, 127, 127, 128, 128, 128, 129, 255}
	r := newSampleRing(16)
	r.push(in)
	dst := make([]byte, len(in))
	if n := r.popBytes(dst, FormatU8); n != len(in) {
		t.Fatalf("popBytes = %d, want %d", n, len(in))
	}
	if !bytes.Equal(dst, want) {
		t.Fatalf("u8 = %v, want %v", dst, want)
	}
}

// TestSampleRingBytesRoundTrip pushes every byte value (u8) and a spread of
// samples (s16le) through a small ring many times, wrapping repeatedly.
func TestSampleRingBytesRoundTrip(t *testing.T) {
	for _, f := range []Format{FormatS16LE, FormatU8} {
		t.Run(f.String(), func(t *testing.T) {
			src := make([]byte, 256*f.BytesPerSample())
			for i := range src {
				src[i] = byte(i*7 + i/256)
			}
			r := newSampleRing(37) // not a divisor of anything involved
			var got []byte
			in := src
			buf := make([]byte, 11*f.BytesPerSample()+1)
			for len(in) > 0 || r.len() > 0 {
				c := r.pushBytes(in[:min(len(in), 23*f.BytesPerSample())], f)
				in = in[c:]
				n := r.popBytes(buf, f)
				got = append(got, buf[:n]...)
			}
			if !bytes.Equal(got, src) {
				t.Fatalf("round trip mismatch:\n got % x\nwant % x", got, src)
			}
		})
	}
}

package rtp

import (
	"testing"
)

// jbFrame is the test payload of sequence number seq: 4 bytes naming it.
func jbFrame(seq uint16) []byte {
	return []byte{byte(seq >> 8), byte(seq), 0xab, byte(seq)}
}

// jbStep is one action in a jitter buffer scenario: push the listed
// sequence numbers, or pop and expect a status (and, for PopFrame, the
// sequence number of the frame).
type jbStep struct {
	push []uint16
	pop  PopStatus
	seq  uint16
}

func jbPush(seqs ...uint16) jbStep { return jbStep{push: seqs} }
func jbPlay(seq uint16) jbStep     { return jbStep{pop: PopFrame, seq: seq} }

var (
	jbEmpty   = jbStep{pop: PopEmpty}
	jbMissing = jbStep{pop: PopMissing}
)

func TestJitterBuffer(t *testing.T) {
	tests := []struct {
		name  string
		delay int
		steps []jbStep
		stats JitterStats
	}{
		{
			name:  "in order",
			delay: 3,
			steps: []jbStep{
				jbPush(10), jbEmpty, jbPush(11), jbEmpty, jbPush(12),
				jbPlay(10), jbPush(13), jbPlay(11), jbPush(14), jbPlay(12), jbPlay(13), jbPlay(14),
			},
			stats: JitterStats{Pushed: 5, Played: 5},
		},
		{
			name:  "reorder within delay",
			delay: 3,
			steps: []jbStep{
				jbPush(101, 100, 103), jbPlay(100), jbPush(102), jbPlay(101), jbPlay(102), jbPlay(103),
			},
			stats: JitterStats{Pushed: 4, Played: 4},
		},
		{
			name:  "lowest seq starts playout",
			delay: 2,
			steps: []jbStep{jbPush(7), jbEmpty, jbPush(5), jbPlay(5), jbMissing, jbPlay(7)},
			stats: JitterStats{Pushed: 2, Played: 2, Missing: 1},
		},
		{
			name:  "loss then continues",
			delay: 2,
			steps: []jbStep{
				jbPush(1, 2), jbPlay(1), jbPush(4), jbPlay(2), jbPush(5), jbMissing, jbPlay(4), jbPlay(5),
			},
			stats: JitterStats{Pushed: 4, Played: 4, Missing: 1},
		},
		{
			name:  "late packet dropped",
			delay: 2,
			steps: []jbStep{
				jbPush(1, 3), jbPlay(1), jbMissing, jbPush(2), jbPlay(3), jbPush(1),
			},
			stats: JitterStats{Pushed: 4, Played: 2, Missing: 1, Late: 2},
		},
		{
			name:  "duplicate",
			delay: 2,
			steps: []jbStep{
				jbPush(1, 1, 2, 2), jbPlay(1), jbPush(2, 3, 3), jbPlay(2), jbPlay(3),
			},
			stats: JitterStats{Pushed: 7, Played: 3, Duplicates: 4},
		},
		{
			name:  "wraparound",
			delay: 3,
			steps: []jbStep{
				jbPush(65534, 0, 65535), jbPlay(65534), jbPush(1), jbPlay(65535), jbPush(2),
				jbPlay(0), jbPlay(1), jbPlay(2),
			},
			stats: JitterStats{Pushed: 5, Played: 5},
		},
		{
			name:  "wraparound late and duplicate",
			delay: 2,
			steps: []jbStep{
				jbPush(65535, 0), jbPlay(65535), jbPlay(0), jbPush(65535, 1, 1), jbPlay(1),
			},
			stats: JitterStats{Pushed: 5, Played: 3, Late: 1, Duplicates: 1},
		},
		{
			name:  "big jump resets",
			delay: 2,
			steps: []jbStep{
				jbPush(10, 11), jbPlay(10), jbPush(5000), jbEmpty, jbPush(5001), jbPlay(5000), jbPlay(5001),
			},
			stats: JitterStats{Pushed: 4, Played: 3, Resets: 1},
		},
		{
			name:  "jump of exactly capacity resets, capacity-1 does not",
			delay: 2,
			steps: []jbStep{
				jbPush(0, 1), jbPlay(0), jbPush(64), jbPlay(1), jbMissing, // 64 is 63 ahead of 1: kept
				jbPush(67), jbEmpty, jbPush(68), jbPlay(67), jbPlay(68), // 67 is 64 ahead of 3: reset
			},
			stats: JitterStats{Pushed: 5, Played: 4, Missing: 1, Resets: 1},
		},
		{
			name:  "jump while buffering resets",
			delay: 3,
			steps: []jbStep{
				jbPush(1, 2, 1000), jbEmpty, jbPush(1001, 1002), jbPlay(1000), jbPlay(1001), jbPlay(1002),
			},
			stats: JitterStats{Pushed: 5, Played: 3, Resets: 1},
		},
		{
			name:  "underrun rebuffers",
			delay: 2,
			steps: []jbStep{
				jbPush(1, 2), jbPlay(1), jbPlay(2),
				jbMissing, jbMissing, jbMissing, jbMissing, jbMissing,
				jbMissing, jbMissing, jbMissing, jbMissing, jbMissing, // 10 pops on an jbEmpty buffer
				jbEmpty, jbEmpty, jbPush(40), jbEmpty, jbPush(41), jbPlay(40), jbPlay(41),
			},
			stats: JitterStats{Pushed: 4, Played: 4, Missing: 10},
		},
		{
			name:  "short underrun recovers without rebuffering",
			delay: 2,
			steps: []jbStep{
				jbPush(1, 2), jbPlay(1), jbPlay(2), jbMissing, jbMissing, jbPush(5), jbPlay(5),
				jbMissing, jbPush(7), jbPlay(7),
			},
			stats: JitterStats{Pushed: 4, Played: 4, Missing: 3},
		},
		{
			name:  "delay 1",
			delay: 1,
			steps: []jbStep{jbEmpty, jbPush(9), jbPlay(9), jbMissing, jbPush(11), jbPlay(11)},
			stats: JitterStats{Pushed: 2, Played: 2, Missing: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := NewJitterBuffer(tt.delay, 64)
			buf := make([]byte, MaxFramePayload)
			for i, st := range tt.steps {
				if st.push != nil {
					for _, seq := range st.push {
						j.Push(seq, jbFrame(seq))
					}
					continue
				}
				n, got := j.Pop(buf)
				if got != st.pop {
					t.Fatalf("step %d: Pop = %v, want %v", i, got, st.pop)
				}
				if got == PopFrame {
					if want := jbFrame(st.seq); string(buf[:n]) != string(want) {
						t.Fatalf("step %d: frame % x, want % x (seq %d)", i, buf[:n], want, st.seq)
					}
				} else if n != 0 {
					t.Fatalf("step %d: n = %d with %v", i, n, got)
				}
			}
			if got := j.Stats(); got != tt.stats {
				t.Errorf("stats = %+v\n          want %+v", got, tt.stats)
			}
		})
	}
}

func TestJitterBufferPayloads(t *testing.T) {
	j := NewJitterBuffer(1, 8)
	big := make([]byte, MaxFramePayload+1)
	full := make([]byte, MaxFramePayload)
	for i := range full {
		full[i] = byte(i)
	}
	j.Push(1, big)  // oversize: dropped
	j.Push(1, nil)  // placeholder (e.g. a DTMF packet's seq)
	j.Push(2, full) // largest payload
	j.Push(3, []byte{1, 2, 3})
	buf := make([]byte, MaxFramePayload)
	if n, st := j.Pop(buf); st != PopFrame || n != 0 {
		t.Errorf("placeholder: %d, %v", n, st)
	}
	if n, st := j.Pop(buf); st != PopFrame || string(buf[:n]) != string(full) {
		t.Errorf("full frame: %d, %v", n, st)
	}
	// A short dst truncates.
	small := make([]byte, 2)
	if n, st := j.Pop(small); st != PopFrame || n != 2 || small[0] != 1 || small[1] != 2 {
		t.Errorf("short dst: %d, %v, %v", n, st, small)
	}
	// The caller's slice is copied, not retained.
	src := []byte{7, 7}
	j.Push(4, src)
	src[0] = 0
	if n, st := j.Pop(buf); st != PopFrame || buf[0] != 7 || n != 2 {
		t.Errorf("payload not copied: % x", buf[:n])
	}
	if s := j.Stats(); s.Oversize != 1 || s.Pushed != 5 || s.Played != 4 {
		t.Errorf("stats %+v", s)
	}
}

func TestJitterBufferSizing(t *testing.T) {
	tests := []struct {
		delay, capacity    int
		wantDelay, wantCap int
	}{
		{3, 64, 3, 64},
		{3, 50, 3, 64},
		{3, 0, 3, 8},
		{0, 0, 1, 4},
		{-5, 3, 1, 4},
		{20, 16, 20, 64},
		{1, 1 << 20, 1, 1 << 14},
	}
	for _, tt := range tests {
		j := NewJitterBuffer(tt.delay, tt.capacity)
		if j.Delay() != tt.wantDelay || j.Capacity() != tt.wantCap {
			t.Errorf("NewJitterBuffer(%d, %d): delay %d capacity %d; want %d, %d",
				tt.delay, tt.capacity, j.Delay(), j.Capacity(), tt.wantDelay, tt.wantCap)
		}
	}
}

func TestJitterBufferReset(t *testing.T) {
	j := NewJitterBuffer(2, 16)
	j.Push(1, jbFrame(1))
	j.Push(2, jbFrame(2))
	buf := make([]byte, 16)
	j.Pop(buf)
	j.Reset()
	if j.Len() != 0 {
		t.Fatalf("Len after Reset = %d", j.Len())
	}
	if _, st := j.Pop(buf); st != PopEmpty {
		t.Fatalf("Pop after Reset = %v", st)
	}
	// Re-anchors anywhere, even behind the old playout point.
	j.Push(0, jbFrame(0))
	j.Push(1, jbFrame(1))
	if n, st := j.Pop(buf); st != PopFrame || string(buf[:n]) != string(jbFrame(0)) {
		t.Fatalf("after Reset: %v % x", st, buf[:n])
	}
	if s := j.Stats(); s.Pushed != 4 || s.Played != 2 {
		t.Errorf("stats not kept: %+v", s)
	}
}

func TestPopStatusString(t *testing.T) {
	tests := []struct {
		st   PopStatus
		want string
	}{
		{PopEmpty, "PopEmpty"}, {PopFrame, "PopFrame"}, {PopMissing, "PopMissing"}, {PopStatus(9), "PopStatus(9)"},
	}
	for _, tt := range tests {
		if got := tt.st.String(); got != tt.want {
			t.Errorf("%d.String() = %q, want %q", int(tt.st), got, tt.want)
		}
	}
}

func TestJitterBufferZeroAlloc(t *testing.T) {
	j := NewJitterBuffer(3, 64)
	payload := make([]byte, 160)
	buf := make([]byte, MaxFramePayload)
	var seq uint16
	n := testing.AllocsPerRun(1000, func() {
		j.Push(seq, payload)
		j.Push(seq, payload) // duplicate
		j.Push(seq-10, payload)
		seq++
		j.Pop(buf)
	})
	if n != 0 {
		t.Errorf("Push/Pop allocs = %v, want 0", n)
	}
}

// FuzzJitterBuffer runs random Push/Pop sequences. It checks that nothing
// panics, that frames come out intact, and that between re-anchorings the
// playout advances by exactly one sequence number per non-jbEmpty Pop.
func FuzzJitterBuffer(f *testing.F) {
	f.Add(uint8(3), []byte{0, 1, 4, 0, 2, 4, 0, 3, 4, 0x80, 0x80, 0x80, 0, 9, 0, 0x80})
	f.Add(uint8(1), []byte{0, 0xff, 4, 0x80, 0, 0xfe, 4, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80})
	f.Add(uint8(2), []byte{0x40, 0, 0, 0x7f, 0xff, 200, 0x80})
	f.Fuzz(func(t *testing.T, delay uint8, ops []byte) {
		ops = ops[:min(len(ops), 512)] // keeps minimisation of new inputs short
		j := NewJitterBuffer(int(delay%16), 64)
		buf := make([]byte, MaxFramePayload)
		payload := make([]byte, MaxFramePayload+2)
		var (
			expect    uint16
			tracking  bool
			resets    uint64
			nonEmpty  uint64
			popsTotal uint64
			emptyRun  int // consecutive Pops that found the buffer empty
		)
		for len(ops) > 0 {
			op := ops[0]
			if op&0x80 != 0 {
				ops = ops[1:]
				if j.Len() == 0 {
					emptyRun++
				} else {
					emptyRun = 0
				}
				n, st := j.Pop(buf)
				popsTotal++
				if st != PopEmpty {
					nonEmpty++
				}
				if s := j.Stats(); s.Resets != resets {
					resets, tracking = s.Resets, false
				}
				switch st {
				case PopEmpty:
					tracking, emptyRun = false, 0
				case PopMissing:
					expect++
					if emptyRun >= 10 {
						// Underrun: the buffer re-anchors on the next frames.
						tracking, emptyRun = false, 0
					}
				case PopFrame:
					if n == 0 {
						tracking = false // placeholder: seq unknown
						break
					}
					if n < 2 || n > MaxFramePayload {
						t.Fatalf("frame length %d", n)
					}
					seq := uint16(buf[0])<<8 | uint16(buf[1])
					for i := 2; i < n; i++ {
						if buf[i] != byte(seq)+byte(i) {
							t.Fatalf("frame %d corrupted at %d", seq, i)
						}
					}
					if tracking && seq != expect {
						t.Fatalf("played seq %d, want %d", seq, expect)
					}
					tracking, expect = true, seq+1
				}
				continue
			}
			if len(ops) < 3 {
				break
			}
			seq := uint16(ops[0])<<8 | uint16(ops[1])
			size := int(ops[2]) * 2
			if size == 2 {
				size = 0 // placeholder
			}
			ops = ops[3:]
			payload[0], payload[1] = byte(seq>>8), byte(seq)
			for i := 2; i < len(payload); i++ {
				payload[i] = byte(seq) + byte(i)
			}
			j.Push(seq, payload[:min(size, len(payload))])
			if j.Len() > j.Capacity() {
				t.Fatalf("Len %d > Capacity %d", j.Len(), j.Capacity())
			}
		}
		s := j.Stats()
		if s.Played+s.Missing != nonEmpty {
			t.Fatalf("Played %d + Missing %d != %d non-jbEmpty pops of %d", s.Played, s.Missing, nonEmpty, popsTotal)
		}
	})
}

func BenchmarkJitterPushPop(b *testing.B) {
	j := NewJitterBuffer(3, 64)
	payload := make([]byte, 160)
	buf := make([]byte, MaxFramePayload)
	var seq uint16
	b.ReportAllocs()
	for b.Loop() {
		j.Push(seq, payload)
		seq++
		j.Pop(buf)
	}
}

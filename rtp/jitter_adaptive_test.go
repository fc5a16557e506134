package rtp

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"
)

// playoutRun is the outcome of feeding a Playout a simulated call.
type playoutRun struct {
	played, missing int
	maxTarget       int         // ms
	targetAt        map[int]int // target (ms) at tick i
	delayAt         map[int]int // delay (ms) at tick i
	stats           PlayoutStats
}

// simulate sends n packets 20 ms apart, each delayed by delay(i), into a
// Playout popped every 20 ms (offset by 7 ms from the sender's clock);
// quiet(tick) says whether the audio then is silence.
func simulate(cfg PlayoutConfig, n int, delay func(i int) time.Duration, quiet func(tick int) bool) playoutRun {
	p := NewPlayout(cfg)
	type arrival struct {
		at  time.Duration
		seq int
	}
	arr := make([]arrival, n)
	for i := range arr {
		arr[i] = arrival{time.Duration(i)*FrameInterval + delay(i), i}
	}
	sort.SliceStable(arr, func(a, b int) bool { return arr[a].at < arr[b].at })
	base := time.Unix(1000, 0)
	run := playoutRun{targetAt: map[int]int{}, delayAt: map[int]int{}}
	buf := make([]byte, MaxFramePayload)
	payload := make([]byte, 160)
	next := 0
	ticks := n + 100
	for tick := 0; tick < ticks; tick++ {
		now := time.Duration(tick)*FrameInterval + 7*time.Millisecond
		for next < n && arr[next].at <= now {
			seq := arr[next].seq
			p.Push(uint16(1000+seq), payload, true, uint32(5000+seq*160), base.Add(arr[next].at), 8000)
			next++
		}
		_, st := p.Pop(buf, quiet(tick))
		switch st {
		case PopFrame:
			run.played++
		case PopMissing:
			run.missing++
		}
		s := p.Stats()
		run.targetAt[tick], run.delayAt[tick] = s.TargetMs, s.DelayMs
		run.maxTarget = max(run.maxTarget, s.TargetMs)
	}
	run.stats = p.Stats()
	return run
}

func TestPlayoutAdaptive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	// 10 s: 2 s calm (0-5 ms), 3 s of a jitter burst (0-150 ms: every
	// delay under 200 ms), then 15 s calm. Speech until 8 s, then silence.
	burst := func(i int) time.Duration {
		if i >= 100 && i < 250 {
			return time.Duration(rng.IntN(150)) * time.Millisecond
		}
		return time.Duration(rng.IntN(5)) * time.Millisecond
	}
	delays := make([]time.Duration, 1000)
	for i := range delays {
		delays[i] = burst(i)
	}
	talk := func(tick int) bool { return tick >= 400 }
	adaptive := simulate(PlayoutConfig{Adaptive: true, Delay: 3, Min: 3, Max: 15}, len(delays),
		func(i int) time.Duration { return delays[i] }, talk)
	fixed := simulate(PlayoutConfig{Delay: 3}, len(delays),
		func(i int) time.Duration { return delays[i] }, talk)
	t.Logf("adaptive: played %d missing %d late %d dup %d, grows %d shrinks %d; target at 1.5 s %d ms, 4 s %d ms, 7.5 s %d ms, 19.6 s %d ms; delay at 4 s %d ms, 19.6 s %d ms",
		adaptive.played, adaptive.missing, adaptive.stats.Late, adaptive.stats.Duplicates, adaptive.stats.Grows, adaptive.stats.Shrinks,
		adaptive.targetAt[75], adaptive.targetAt[200], adaptive.targetAt[375], adaptive.targetAt[980],
		adaptive.delayAt[200], adaptive.delayAt[980])
	t.Logf("fixed 60 ms: played %d missing %d late %d", fixed.played, fixed.missing, fixed.stats.Late)

	// Every frame is played, or dropped on purpose in silence to shrink
	// the delay (or still buffered at the end): none lost to lateness.
	if left := len(delays) - adaptive.played - int(adaptive.stats.Shrinks); adaptive.stats.Late != 0 ||
		adaptive.missing != 0 || left < 0 || left > 5 {
		t.Errorf("adaptive: %d late, %d missing, %d of %d played, %d shrinks: a 200 ms buffer would have kept them all",
			adaptive.stats.Late, adaptive.missing, adaptive.played, len(delays), adaptive.stats.Shrinks)
	}
	if adaptive.stats.Shrinks == 0 || adaptive.stats.Shrinks > 20 {
		t.Errorf("%d shrinks: want a few (the delay came back down)", adaptive.stats.Shrinks)
	}
	if fixed.stats.Late == 0 {
		t.Error("fixed 60 ms buffer lost nothing to lateness: the burst is too mild to test anything")
	}
	if adaptive.targetAt[75] != 60 {
		t.Errorf("target before the burst %d ms, want 60 (the minimum)", adaptive.targetAt[75])
	}
	if adaptive.targetAt[200] < 140 || adaptive.delayAt[200] < 120 {
		t.Errorf("during the burst: target %d ms, delay %d ms; want >= 140 and >= 120",
			adaptive.targetAt[200], adaptive.delayAt[200])
	}
	// While speech goes on the delay is not cut; in the silence it falls.
	if adaptive.delayAt[390] < 120 {
		t.Errorf("delay during speech after the burst %d ms: shrank while talking", adaptive.delayAt[390])
	}
	if adaptive.delayAt[980] > 100 || adaptive.targetAt[980] > 80 {
		t.Errorf("19.6 s in (12 s of calm silence): delay %d ms, target %d ms; want back near 60",
			adaptive.delayAt[980], adaptive.targetAt[980])
	}
}

// Late and duplicate packets are counted.
func TestPlayoutLateAndDuplicate(t *testing.T) {
	p := NewPlayout(PlayoutConfig{Adaptive: true, Delay: 2, Min: 2, Max: 10})
	now := time.Unix(0, 0)
	buf := make([]byte, MaxFramePayload)
	for seq := uint16(0); seq < 4; seq++ {
		p.Push(seq, []byte{1}, true, uint32(seq)*160, now.Add(time.Duration(seq)*FrameInterval), 8000)
	}
	p.Push(2, []byte{1}, true, 320, now.Add(80*time.Millisecond), 8000) // duplicate
	for i := 0; i < 3; i++ {
		p.Pop(buf, false)
	}
	p.Push(0, []byte{1}, true, 0, now.Add(100*time.Millisecond), 8000) // late
	st := p.Stats()
	if st.Late != 1 || st.Duplicates != 1 {
		t.Errorf("late %d duplicates %d, want 1 and 1", st.Late, st.Duplicates)
	}
}

// The fixed mode is the JitterBuffer as before.
func TestPlayoutFixedIsJitterBuffer(t *testing.T) {
	p := NewPlayout(PlayoutConfig{Delay: 2})
	jb := NewJitterBuffer(2, jitterCapacity)
	buf1, buf2 := make([]byte, 8), make([]byte, 8)
	order := []uint16{1, 0, 3, 5, 4, 9, 7, 8, 6, 10}
	for i, seq := range order {
		p.Push(seq, []byte{byte(seq)}, true, uint32(seq)*160, time.Unix(int64(i), 0), 8000)
		jb.Push(seq, []byte{byte(seq)})
		n1, s1 := p.Pop(buf1, true)
		n2, s2 := jb.Pop(buf2)
		if n1 != n2 || s1 != s2 || buf1[0] != buf2[0] {
			t.Fatalf("step %d: playout %d %v %d, jitter buffer %d %v %d", i, n1, s1, buf1[0], n2, s2, buf2[0])
		}
	}
	if st := p.Stats(); st.Adaptive || st.TargetMs != 40 {
		t.Errorf("stats %+v", st)
	}
}

func TestPlayoutZeroAlloc(t *testing.T) {
	p := NewPlayout(PlayoutConfig{Adaptive: true, Delay: 3, Min: 3, Max: 15})
	buf := make([]byte, MaxFramePayload)
	payload := make([]byte, 160)
	seq := uint16(0)
	now := time.Now()
	if n := testing.AllocsPerRun(200, func() {
		p.Push(seq, payload, true, uint32(seq)*160, now.Add(time.Duration(seq)*FrameInterval), 8000)
		p.Pop(buf, seq%7 == 0)
		seq++
	}); n != 0 {
		t.Errorf("%v allocations per frame, want 0", n)
	}
}

// A peer that goes quiet (silence suppression, hold): what it sent is
// played out after at most the target's wait, then nothing is played nor
// consumed; its next packets play, after the target delay.
func TestPlayoutPlaysOutWhenPeerGoesQuiet(t *testing.T) {
	p := NewPlayout(PlayoutConfig{Adaptive: true, Delay: 2, Min: 2, Max: 10})
	buf := make([]byte, MaxFramePayload)
	start := time.Unix(0, 0)
	// push sends seq at time at, with the matching RTP timestamp (which,
	// unlike the sequence number, advances through silence).
	push := func(seq uint16, at time.Duration) {
		p.Push(seq, []byte{byte(seq)}, true, uint32(at/time.Millisecond)*8, start.Add(at), 8000)
	}
	push(0, 0)
	push(1, 20*time.Millisecond)
	var got []string
	for i := 0; i < 20 && (i < 2 || p.Playing()); i++ {
		n, st := p.Pop(buf, false)
		if st == PopFrame {
			got = append(got, fmt.Sprintf("frame %d", buf[:n][0]))
		} else {
			got = append(got, st.String())
		}
	}
	// frame 0; two waits (the target) for frame 1's successor; frame 1;
	// then quiet: nothing consumed, no concealment.
	want := "frame 0,PopEmpty,PopEmpty,frame 1,PopEmpty"
	if strings.Join(got, ",") != want || p.Playing() {
		t.Fatalf("pops %s (playing %v), want %s", strings.Join(got, ","), p.Playing(), want)
	}
	// The peer talks again, sequence numbers contiguous.
	push(2, 2*time.Second)
	if _, st := p.Pop(buf, false); st != PopEmpty {
		t.Fatalf("one frame of a target of 2 played at once: %v", st)
	}
	push(3, 2*time.Second+20*time.Millisecond)
	if n, st := p.Pop(buf, false); st != PopFrame || buf[0] != 2 || n != 1 {
		t.Fatalf("after the silence: %v %d", st, buf[0])
	}
}

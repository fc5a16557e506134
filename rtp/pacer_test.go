package rtp

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The tests in this file run a real Pacer and look at its timing from the
// outside: the packets streams send, time-stamped on arrival at a peer
// socket. The "deadline" of a packet is t0 + (k+1)*interval, where t0 is
// taken just before Pacer.Start and k is the packet's tick number counted
// from its RTP timestamp; a packet can never arrive before its deadline,
// and a pacer that keeps time sends it right after.

// pcArrival is one packet as the collector saw it.
type pcArrival struct {
	at  time.Time
	seq uint16
	ts  uint32
}

// pcCollector receives every stream's packets on one socket.
type pcCollector struct {
	conn *net.UDPConn
	mu   sync.Mutex
	got  map[netip.AddrPort][]pcArrival
	done chan struct{}
}

func pcCollect(t testing.TB) *pcCollector {
	t.Helper()
	c := &pcCollector{conn: stListen(t), got: map[netip.AddrPort][]pcArrival{}, done: make(chan struct{})}
	c.conn.SetReadBuffer(1 << 20)
	go func() {
		defer close(c.done)
		buf := make([]byte, 2048)
		for {
			n, from, err := c.conn.ReadFromUDPAddrPort(buf)
			at := time.Now()
			if err != nil {
				return
			}
			if n < 12 {
				continue
			}
			c.mu.Lock()
			c.got[from] = append(c.got[from], pcArrival{at, binary.BigEndian.Uint16(buf[2:]), binary.BigEndian.Uint32(buf[4:])})
			c.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		c.conn.Close()
		<-c.done
	})
	return c
}

func (c *pcCollector) packets(s *Stream) []pcArrival {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.got[s.LocalAddr()])
}

// waitAll waits until the collector has every packet the streams sent.
func (c *pcCollector) waitAll(t testing.TB, streams []*Stream) {
	t.Helper()
	stWaitFor(t, "all packets at the peer", func() bool {
		for _, s := range streams {
			if uint64(len(c.packets(s))) != s.Stats().PacketsSent {
				return false
			}
		}
		return true
	})
}

// pcStreams makes n sending streams registered with p, sending to c.
func pcStreams(t testing.TB, p *Pacer, c *pcCollector, n int) []*Stream {
	t.Helper()
	var out []*Stream
	for i := 0; i < n; i++ {
		cfg := stConfig()
		cfg.Receive = false
		cfg.Remote = stAddr(c.conn)
		s, _ := stNew(t, cfg)
		s.Start(p)
		out = append(out, s)
	}
	return out
}

// pcLateness returns each packet's arrival time minus its deadline.
func pcLateness(arr []pcArrival, t0 time.Time, interval time.Duration) []time.Duration {
	out := make([]time.Duration, len(arr))
	for i, a := range arr {
		k := (a.ts - arr[0].ts) / SamplesPerFrame
		out[i] = a.at.Sub(t0.Add(time.Duration(k+1) * interval))
	}
	return out
}

func pcMedian(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// pcCheckSequence checks that the packets are consecutive: one per tick, in
// order, nothing lost.
func pcCheckSequence(t *testing.T, name string, arr []pcArrival) {
	t.Helper()
	for i := 1; i < len(arr); i++ {
		if arr[i].seq != arr[i-1].seq+1 || arr[i].ts != arr[i-1].ts+SamplesPerFrame {
			t.Fatalf("%s: packet %d seq %d ts %d after seq %d ts %d", name, i, arr[i].seq, arr[i].ts, arr[i-1].seq, arr[i-1].ts)
		}
	}
}

// sleepUntil sleeps until the deadline (not for a duration, so that time
// spent elsewhere in the test does not add up).
func sleepUntil(d time.Time) { time.Sleep(time.Until(d)) }

// pcQuiet is how long the test process may be held up (descheduled, stopped
// by the GC) for a timing measurement to be trusted.
const pcQuiet = 4 * time.Millisecond

// pcCanary measures, independently of the pacer, how late the test process
// gets the CPU: a goroutine sleeps 1 ms at a time and records its largest
// oversleep. Any stall of the process long enough to make a tick late by
// milliseconds shows up here too.
type pcCanary struct {
	stop, done chan struct{}
	worst      time.Duration
}

func pcStartCanary() *pcCanary {
	c := &pcCanary{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(c.done)
		last := time.Now()
		for {
			select {
			case <-c.stop:
				return
			default:
			}
			time.Sleep(time.Millisecond)
			now := time.Now()
			c.worst = max(c.worst, now.Sub(last)-time.Millisecond)
			last = now
		}
	}()
	return c
}

func (c *pcCanary) Stop() time.Duration {
	close(c.stop)
	<-c.done
	return c.worst
}

// pcProblems collects the failures of the timing assertions, which only
// count when the machine let the test run (see pcTimed).
type pcProblems []string

func (p *pcProblems) addf(format string, args ...any) {
	*p = append(*p, fmt.Sprintf(format, args...))
}

// pcTimed runs a timing measurement. run reports what must hold whatever
// the load with t.Errorf, and the timing assertions into strict. Those count
// when the canary saw the process run undisturbed; a run spoiled by a busy
// machine is retried, and if every attempt is spoiled the test is skipped
// (after the load-independent checks passed).
func pcTimed(t *testing.T, run func(strict *pcProblems)) {
	t.Helper()
	const attempts = 3
	var worst time.Duration
	for i := 1; i <= attempts; i++ {
		var strict pcProblems
		canary := pcStartCanary()
		run(&strict)
		worst = canary.Stop()
		t.Logf("attempt %d: the test process was held up for at most %v", i, worst)
		if len(strict) == 0 || t.Failed() {
			return
		}
		if worst <= pcQuiet {
			for _, p := range strict {
				t.Error(p)
			}
			return
		}
		t.Logf("attempt %d: the test process was held up for %v by the machine; timing off: %s",
			i, worst, strings.Join(strict, "; "))
	}
	t.Skipf("timing not checked: the machine held the test process up for more than %v in all %d attempts (last %v)",
		pcQuiet, attempts, worst)
}

func TestPacerTiming(t *testing.T) {
	const run = time.Second
	pcTimed(t, func(strict *pcProblems) {
		p := NewPacer(FrameInterval)
		c := pcCollect(t)
		streams := pcStreams(t, p, c, 3)

		t0 := time.Now()
		p.Start()
		p.Start() // no second loop
		sleepUntil(t0.Add(run + FrameInterval/2))
		p.Stop()
		elapsed := time.Since(t0)
		p.Stop() // idempotent

		st := p.Stats()
		due := uint64(elapsed / FrameInterval)
		t.Logf("elapsed %v: %d ticks + %d skipped (%d due), caught up %d, max late %v",
			elapsed, st.Ticks, st.Skipped, due, st.CaughtUp, time.Duration(st.MaxLateNs))
		// Never ahead of the clock (nor twice as fast after a second
		// Start)...
		if st.Ticks+st.Skipped > due {
			t.Errorf("%d ticks run or skipped in %v, more than the %d due", st.Ticks+st.Skipped, elapsed, due)
		}
		// ...and at most the tick in flight at Stop behind it: about 50
		// ticks in 1 s, for every stream.
		if st.Ticks+2 < due || st.Ticks < 48 {
			strict.addf("%d ticks in %v, want %d (-2)", st.Ticks, elapsed, due)
		}

		c.waitAll(t, streams)
		for i, s := range streams {
			if sent := s.Stats().PacketsSent; sent != st.Ticks {
				t.Errorf("stream %d: sent %d packets, want one per tick (%d)", i, sent, st.Ticks)
			}
			arr := c.packets(s)
			pcCheckSequence(t, "stream", arr)
			if len(arr) < 10 {
				t.Errorf("stream %d: only %d packets", i, len(arr))
				continue
			}
			first, last := arr[0], arr[len(arr)-1]
			mean := last.at.Sub(first.at) / time.Duration((last.ts-first.ts)/SamplesPerFrame)
			late := pcLateness(arr, t0, FrameInterval)
			tail := late[len(late)-5:]
			t.Logf("stream %d: %d packets, mean interval %v, lateness median %v, last %v, max %v",
				i, len(arr), mean, pcMedian(late), tail, slices.Max(late))
			if early := slices.Min(late); early < -time.Millisecond {
				t.Errorf("stream %d: a packet arrived %v before its deadline", i, -early)
			}
			if mean < FrameInterval-time.Millisecond || mean > FrameInterval+time.Millisecond {
				strict.addf("stream %d: mean interval %v, want 20ms ±1ms", i, mean)
			}
			// No drift: the 46th-50th packets are as close to their
			// deadline (start + N*20ms) as the typical one. Medians,
			// so that one late wake-up does not count.
			if m := pcMedian(tail); m > 5*time.Millisecond {
				strict.addf("stream %d: last packets %v after their deadline, want < 5ms", i, m)
			}
			if m := pcMedian(late); m > 5*time.Millisecond {
				strict.addf("stream %d: packets typically %v after their deadline, want < 5ms", i, m)
			}
		}

		// Stopped means stopped.
		before := make([]uint64, len(streams))
		for i, s := range streams {
			before[i] = s.Stats().PacketsSent
		}
		time.Sleep(3 * FrameInterval)
		for i, s := range streams {
			if n := s.Stats().PacketsSent; n != before[i] {
				t.Errorf("stream %d sent %d packets after Stop", i, n-before[i])
			}
		}
	})
}

// TestPacerCatchUp stalls the pacer by holding one stream's lock, as a long
// GC pause or a descheduled process would, and checks that the missed ticks
// are replayed (up to maxCatchUp) so that the RTP clock stays in step with
// the wall clock, and that ticks beyond that are skipped.
func TestPacerCatchUp(t *testing.T) {
	const T = FrameInterval
	tests := []struct {
		name       string
		stall      time.Duration
		minCaught  uint64
		minSkipped uint64
	}{
		// 70 ms stops the pacer for at least 2.5 intervals: 1 to 3
		// ticks are late and replayed.
		{"short stall replayed", 70 * time.Millisecond, 1, 0},
		// 200 ms: more than maxCatchUp ticks are late.
		{"long stall skips", 200 * time.Millisecond, maxCatchUp, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pcTimed(t, func(strict *pcProblems) {
				p := NewPacer(T)
				c := pcCollect(t)
				streams := pcStreams(t, p, c, 2)
				stalled := streams[1]

				t0 := time.Now()
				p.Start()
				sleepUntil(t0.Add(10*T + T/2))
				stalled.mu.Lock()
				time.Sleep(tc.stall)
				stalled.mu.Unlock()
				stallEnd := time.Now()
				sleepUntil(stallEnd.Add(12 * T))
				p.Stop()
				elapsed := time.Since(t0)

				st := p.Stats()
				due := uint64(elapsed / T)
				t.Logf("elapsed %v: %d ticks + %d skipped (%d due), caught up %d, max late %v",
					elapsed, st.Ticks, st.Skipped, due, st.CaughtUp, time.Duration(st.MaxLateNs))
				if st.CaughtUp < tc.minCaught {
					t.Errorf("CaughtUp = %d, want >= %d", st.CaughtUp, tc.minCaught)
				}
				if st.Skipped < tc.minSkipped {
					t.Errorf("Skipped = %d, want >= %d", st.Skipped, tc.minSkipped)
				}
				if n := st.Ticks + st.Skipped; n > due {
					t.Errorf("%d ticks run or skipped in %v, more than the %d due", n, elapsed, due)
				} else if n+2 < due {
					strict.addf("%d ticks run or skipped in %v, want %d (-2)", n, elapsed, due)
				}

				c.waitAll(t, streams)
				for i, s := range streams {
					arr := c.packets(s)
					if uint64(len(arr)) != st.Ticks {
						t.Errorf("stream %d: %d packets, want one per tick (%d)", i, len(arr), st.Ticks)
					}
					// Consecutive sequence numbers; timestamps step by one
					// frame, except that skipped ticks advance the RTP
					// clock too: the receiver sees a gap, not a slower
					// clock.
					var gap uint32
					for j := 1; j < len(arr); j++ {
						if arr[j].seq != arr[j-1].seq+1 || arr[j].ts < arr[j-1].ts+SamplesPerFrame {
							t.Fatalf("stream %d: packet %d seq %d ts %d after seq %d ts %d", i, j, arr[j].seq, arr[j].ts, arr[j-1].seq, arr[j-1].ts)
						}
						gap += arr[j].ts - arr[j-1].ts - SamplesPerFrame
					}
					if want := uint32(st.Skipped) * SamplesPerFrame; gap != want {
						t.Errorf("stream %d: timestamps jumped %d samples in all, want %d for %d skipped ticks", i, gap, want, st.Skipped)
					}
					if len(arr) < 5 {
						t.Errorf("stream %d: only %d packets", i, len(arr))
						continue
					}
					late := pcLateness(arr, t0, T)
					if early := slices.Min(late); early < -time.Millisecond {
						t.Errorf("stream %d: a packet arrived %v before its deadline", i, -early)
					}
					// The stall is visible: some packet waited for it.
					// (Skipped ticks moved the timestamps on, so the
					// lateness they measure is shorter by those ticks.)
					if maxLate := slices.Max(late); maxLate < tc.stall-2*T-time.Duration(st.Skipped)*T {
						t.Errorf("stream %d: max lateness %v; the stall of %v did not hold the pacer", i, maxLate, tc.stall)
					}
					// After the stall the RTP clock is back in step with
					// the wall clock, whether the missed ticks were
					// replayed or skipped.
					tail := late[len(late)-5:]
					offset := pcMedian(tail)
					t.Logf("stream %d: %d packets, last lateness %v, offset %v", i, len(arr), tail, offset)
					if offset < -time.Millisecond || offset > 5*time.Millisecond {
						strict.addf("stream %d: after the stall packets arrive %v from their deadline (%d ticks skipped), want within [-1ms, 5ms]",
							i, offset, st.Skipped)
					}
				}
			})
		})
	}
}

// TestPacerAddRemoveWhileRunning registers and unregisters streams from
// several goroutines while the pacer ticks (meant for -race).
func TestPacerAddRemoveWhileRunning(t *testing.T) {
	const T = 2 * time.Millisecond
	p := NewPacer(T)
	sink := stListen(t)
	mk := func() *Stream {
		cfg := stConfig()
		cfg.Remote = stAddr(sink)
		s, _ := stNew(t, cfg)
		return s
	}
	var churn, lifecycle []*Stream
	for i := 0; i < 4; i++ {
		churn = append(churn, mk())
	}
	for i := 0; i < 8; i++ {
		lifecycle = append(lifecycle, mk())
	}
	steady := mk()
	p.Add(steady)
	p.Start()
	defer p.Stop()

	var wg sync.WaitGroup
	for _, s := range churn {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				p.Add(s)
				_ = p.Len()
				_ = p.Stats()
				if i%16 == 0 {
					time.Sleep(T)
				}
				p.Remove(s)
			}
		}()
	}
	for _, s := range lifecycle {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.Start(p)
			time.Sleep(5 * T)
			s.SendDTMF("1", 0)
			s.Close()
		}()
	}
	wg.Wait()

	if n := p.Len(); n != 1 {
		t.Fatalf("Len() = %d after the churn, want 1", n)
	}
	p.Remove(mk()) // not registered: nothing happens
	if n := p.Len(); n != 1 {
		t.Fatalf("Len() = %d after removing an unknown stream, want 1", n)
	}

	// A stream added to a running pacer is ticked from the next interval,
	// and not any more after Remove (but for a tick in progress).
	late := mk()
	p.Add(late)
	stWaitFor(t, "the added stream to be ticked", func() bool { return late.Stats().PacketsSent > 0 })
	p.Remove(late)
	// A round that took its list of streams before Remove may still tick
	// it; two more ticks of steady (ticked before late in a round) mean a
	// round that started after Remove has run.
	s0 := steady.Stats().PacketsSent
	stWaitFor(t, "two more rounds", func() bool { return steady.Stats().PacketsSent >= s0+2 })
	n := late.Stats().PacketsSent
	time.Sleep(10 * T)
	if m := late.Stats().PacketsSent; m != n {
		t.Fatalf("removed stream ticked %d more times", m-n)
	}
	if steady.Stats().PacketsSent == 0 {
		t.Fatal("the steady stream was never ticked")
	}
}

// TestPacerStop: Stop waits for the tick in progress, is idempotent, and a
// stopped pacer can be started again.
func TestPacerStop(t *testing.T) {
	p := NewPacer(FrameInterval)
	p.Stop() // never started: nothing to do

	sink := stListen(t)
	mk := func() *Stream {
		cfg := stConfig()
		cfg.Remote = stAddr(sink)
		s, _ := stNew(t, cfg)
		return s
	}
	a, b := mk(), mk()
	p.Add(a) // ticked first
	p.Add(b)
	p.Start()
	stWaitFor(t, "a tick", func() bool { return a.Stats().PacketsSent > 0 })

	// Hold b: once a's packet of the next round is out, the pacer is
	// committed to ticking b, which blocks.
	b.mu.Lock()
	sentA := a.Stats().PacketsSent
	stWaitFor(t, "the next round", func() bool { return a.Stats().PacketsSent > sentA })
	stopped := make(chan struct{})
	go func() {
		p.Stop()
		close(stopped)
	}()
	select {
	case <-stopped:
		b.mu.Unlock()
		t.Fatal("Stop returned while a tick was in progress")
	case <-time.After(3 * FrameInterval):
	}
	b.mu.Unlock()
	select {
	case <-stopped:
	case <-time.After(stWait):
		t.Fatal("Stop did not return after the tick finished")
	}
	sentA, sentB := a.Stats().PacketsSent, b.Stats().PacketsSent
	if sentB != sentA {
		t.Errorf("a sent %d, b %d: the blocked tick of b did not complete before Stop", sentA, sentB)
	}

	again := make(chan struct{})
	go func() {
		p.Stop()
		close(again)
	}()
	select {
	case <-again:
	case <-time.After(stWait):
		t.Fatal("second Stop blocked")
	}
	time.Sleep(3 * FrameInterval)
	if n := a.Stats().PacketsSent; n != sentA {
		t.Fatalf("%d ticks after Stop", n-sentA)
	}

	p.Start()
	stWaitFor(t, "ticks after a restart", func() bool { return a.Stats().PacketsSent >= sentA+2 })
	p.Stop()
}

package media

import (
	"errors"
	"testing"
)

// constPort produces a constant frame and records what it hears.
type constPort struct {
	v            int16
	src, snk     bool
	heard        []int16
	reads, wrote int
	active       [2]bool
}

func (p *constPort) Caps() (bool, bool) { return p.src, p.snk }
func (p *constPort) Read(dst []int16) bool {
	p.reads++
	for i := range dst {
		dst[i] = p.v
	}
	return p.v != 0
}
func (p *constPort) Write(mix []int16) {
	p.wrote++
	p.heard = append(p.heard[:0], mix...)
}
func (p *constPort) Active(src, snk bool) { p.active = [2]bool{src, snk} }

func newBridge(t testing.TB) *Bridge {
	t.Helper()
	b, err := NewBridge(8000)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func addPorts(t testing.TB, b *Bridge, ps ...Port) {
	t.Helper()
	for _, p := range ps {
		if err := b.Add(p); err != nil {
			t.Fatal(err)
		}
	}
}

func TestBridgeMixesAndSaturates(t *testing.T) {
	b := newBridge(t)
	a := &constPort{v: 1000, src: true, snk: true}
	c := &constPort{v: 2000, src: true}
	big := &constPort{v: 30000, src: true}
	sink := &constPort{snk: true}
	addPorts(t, b, a, c, big, sink)
	for _, s := range []Port{a, c} {
		if err := b.Connect(s, sink); err != nil {
			t.Fatal(err)
		}
	}
	b.Tick()
	if sink.heard[0] != 3000 || len(sink.heard) != 160 {
		t.Fatalf("sink heard %d (%d samples), want 3000 (160)", sink.heard[0], len(sink.heard))
	}
	if err := b.Connect(big, sink); err != nil {
		t.Fatal(err)
	}
	b.Tick()
	if sink.heard[0] != 32767 {
		t.Fatalf("saturated sum %d, want 32767", sink.heard[0])
	}
	if err := b.Disconnect(big, sink); err != nil {
		t.Fatal(err)
	}
	if err := b.Disconnect(c, sink); err != nil {
		t.Fatal(err)
	}
	b.Tick()
	if sink.heard[0] != 1000 || a.wrote != 0 {
		t.Fatalf("after disconnects: %d (a wrote %d), want 1000", sink.heard[0], a.wrote)
	}
}

func TestBridgeConference(t *testing.T) {
	b := newBridge(t)
	m := []*constPort{{v: 1, src: true, snk: true}, {v: 10, src: true, snk: true}, {v: 100, src: true, snk: true}}
	for _, p := range m {
		addPorts(t, b, p)
	}
	for _, x := range m {
		for _, y := range m {
			if x != y {
				if err := b.Connect(x, y); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	b.Tick()
	for i, want := range []int16{110, 101, 11} {
		if m[i].heard[0] != want || m[i].reads != 1 {
			t.Errorf("member %d heard %d (read %d times), want %d (once)", i, m[i].heard[0], m[i].reads, want)
		}
	}
	b.Remove(m[1])
	b.Tick()
	if m[0].heard[0] != 100 || m[2].heard[0] != 1 || m[1].wrote != 1 {
		t.Errorf("after removing member 1: %d, %d", m[0].heard[0], m[2].heard[0])
	}
}

func TestBridgeIdleAndActivation(t *testing.T) {
	b := newBridge(t)
	src := &constPort{v: 5, src: true, snk: true}
	dst := &constPort{src: true, snk: true}
	idle := &constPort{v: 7, src: true, snk: true}
	addPorts(t, b, src, dst, idle)
	b.Tick()
	if src.reads+dst.wrote+idle.reads+idle.wrote != 0 {
		t.Fatal("ports without connections were called")
	}
	if err := b.Connect(src, dst); err != nil {
		t.Fatal(err)
	}
	if src.active != [2]bool{true, false} || dst.active != [2]bool{false, true} {
		t.Fatalf("activation: src %v dst %v", src.active, dst.active)
	}
	b.Tick()
	if idle.reads+idle.wrote != 0 || src.reads != 1 || dst.wrote != 1 {
		t.Fatal("the idle port was touched, or the connected ones were not")
	}
	b.Remove(src)
	if dst.active != [2]bool{false, false} {
		t.Fatalf("dst still active after its source left: %v", dst.active)
	}
}

func TestBridgeErrors(t *testing.T) {
	b := newBridge(t)
	a := &constPort{src: true, snk: true}
	srcOnly := &constPort{src: true}
	snkOnly := &constPort{snk: true}
	stranger := &constPort{src: true, snk: true}
	addPorts(t, b, a, srcOnly, snkOnly)
	for _, tc := range []struct {
		src, dst Port
		want     error
	}{
		{a, a, ErrSelf},
		{a, srcOnly, ErrDirection},
		{snkOnly, a, ErrDirection},
		{a, stranger, ErrClosed},
		{stranger, a, ErrClosed},
	} {
		if err := b.Connect(tc.src, tc.dst); !errors.Is(err, tc.want) {
			t.Errorf("Connect: %v, want %v", err, tc.want)
		}
	}
	b.Remove(a)
	if err := b.Connect(a, snkOnly); !errors.Is(err, ErrClosed) {
		t.Errorf("a removed port: %v", err)
	}
	b.Close()
	if err := b.Add(stranger); !errors.Is(err, ErrClosed) {
		t.Errorf("Add after Close: %v", err)
	}
	if _, err := NewBridge(8001); err == nil {
		t.Error("rate 8001 accepted")
	}
}

// build connects n ports in groups of four (a conference each: every
// member hears the other three).
func build(t testing.TB, n int) *Bridge {
	b := newBridge(t)
	ports := make([]*constPort, n)
	for i := range ports {
		ports[i] = &constPort{v: int16(i), src: true, snk: true, heard: make([]int16, 0, 160)}
		addPorts(t, b, ports[i])
	}
	for g := 0; g+4 <= n; g += 4 {
		for i := g; i < g+4; i++ {
			for j := g; j < g+4; j++ {
				if i != j {
					if err := b.Connect(ports[i], ports[j]); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
	}
	return b
}

func TestBridgeTickZeroAlloc(t *testing.T) {
	b := build(t, 1000)
	if n := testing.AllocsPerRun(20, b.Tick); n != 0 {
		t.Fatalf("%v allocations per tick", n)
	}
}

// BenchmarkBridge1000Ports mixes 1,000 ports (250 four-party conferences)
// per tick; ns/port-tick × 50 is the CPU time of one port-second.
func BenchmarkBridge1000Ports(b *testing.B) {
	br := build(b, 1000)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		br.Tick()
	}
	perPortTick := float64(b.Elapsed().Nanoseconds()) / float64(b.N) / 1000
	b.ReportMetric(perPortTick*50/1000, "µs-CPU/port-second")
}

package main

import (
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"testing"
	"time"
)

// listenLoopback opens a UDP socket on 127.0.0.1 that the test closes.
func listenLoopback(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func addrOf(c *net.UDPConn) netip.AddrPort { return c.LocalAddr().(*net.UDPAddr).AddrPort() }

// startPipe runs a pipe sending from a new socket to dst until the test ends.
func startPipe(t *testing.T, im Impairment, dst netip.AddrPort, b *budget) *pipe {
	t.Helper()
	p := newPipe(listenLoopback(t), im, 1, b)
	p.setDst(dst)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go p.run(ctx)
	return p
}

// receive reads up to n numbered packets (or until quiet for 300 ms) and
// returns their numbers in arrival order and their arrival times.
func receive(t *testing.T, c *net.UDPConn, n int) ([]uint32, []time.Time) {
	t.Helper()
	var nums []uint32
	var at []time.Time
	buf := make([]byte, 64)
	for len(nums) < n {
		_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		k, err := c.Read(buf)
		if err != nil {
			break
		}
		if k == 4 {
			nums, at = append(nums, binary.BigEndian.Uint32(buf)), append(at, time.Now())
		}
	}
	return nums, at
}

// pushNumbered pushes n packets carrying their number, spaced by gap, and
// returns when each was pushed.
func pushNumbered(p *pipe, n int, gap time.Duration) []time.Time {
	sent := make([]time.Time, n)
	for i := range n {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], uint32(i))
		sent[i] = time.Now()
		p.push(b[:], sent[i])
		time.Sleep(gap)
	}
	return sent
}

func TestPipeDelay(t *testing.T) {
	tests := []struct {
		delay, jitter time.Duration
	}{
		{0, 0}, {40 * time.Millisecond, 0}, {30 * time.Millisecond, 20 * time.Millisecond},
	}
	for _, tt := range tests {
		rx := listenLoopback(t)
		p := startPipe(t, Impairment{Delay: tt.delay, Jitter: tt.jitter}, addrOf(rx), nil)
		sent := pushNumbered(p, 10, 5*time.Millisecond)
		nums, at := receive(t, rx, 10)
		if len(nums) != 10 {
			t.Fatalf("delay %v: received %d of 10 packets", tt.delay, len(nums))
		}
		for i, n := range nums {
			d := at[i].Sub(sent[n])
			if d < tt.delay || d > tt.delay+tt.jitter+100*time.Millisecond {
				t.Errorf("delay %v jitter %v: packet %d took %v", tt.delay, tt.jitter, n, d)
			}
		}
	}
}

func TestPipeReorder(t *testing.T) {
	tests := []struct {
		name      string
		im        Impairment
		reordered bool
	}{
		{"none", Impairment{Delay: 5 * time.Millisecond}, false},
		{"held back", Impairment{Reorder: 0.2, ReorderGap: 30 * time.Millisecond}, true},
		{"jitter above the interval", Impairment{Jitter: 40 * time.Millisecond}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rx := listenLoopback(t)
			p := startPipe(t, tt.im, addrOf(rx), nil)
			pushNumbered(p, 100, 2*time.Millisecond)
			nums, _ := receive(t, rx, 100)
			if len(nums) != 100 {
				t.Fatalf("received %d of 100 packets", len(nums))
			}
			late := 0
			for i := 1; i < len(nums); i++ {
				if nums[i] < nums[i-1] {
					late++
				}
			}
			st := p.stats()
			if (late > 0) != tt.reordered || (st.Reordered > 0) != tt.reordered {
				t.Errorf("%d packets arrived after a later one, stats %v; want reordering %v", late, st, tt.reordered)
			}
		})
	}
}

func TestPipeOnlyLoopback(t *testing.T) {
	tests := []struct {
		name string
		dst  netip.AddrPort
	}{
		{"no destination yet", netip.AddrPort{}},
		{"documentation IPv4", netip.MustParseAddrPort("192.0.2.1:9")},
		{"private IPv4", netip.MustParseAddrPort("10.0.0.1:5004")},
		{"documentation IPv6", netip.MustParseAddrPort("[2001:db8::1]:9")},
		{"unspecified", netip.MustParseAddrPort("0.0.0.0:5004")},
		{"loopback port 0", netip.MustParseAddrPort("127.0.0.1:0")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := startPipe(t, Impairment{}, tt.dst, nil)
			pushNumbered(p, 10, 0)
			time.Sleep(50 * time.Millisecond)
			if st := p.stats(); st.Sent != 0 || st.Refused != 10 {
				t.Errorf("to %v: %v, want sent=0 refused=10", tt.dst, st)
			}
		})
	}
	t.Run("destination changed while queued", func(t *testing.T) {
		rx := listenLoopback(t)
		p := startPipe(t, Impairment{Delay: 100 * time.Millisecond}, addrOf(rx), nil)
		pushNumbered(p, 5, 0)
		p.setDst(netip.MustParseAddrPort("192.0.2.1:9"))
		time.Sleep(250 * time.Millisecond)
		if st := p.stats(); st.Sent != 0 || st.Refused != 5 {
			t.Errorf("%v, want sent=0 refused=5", st)
		}
	})
}

func TestPipeBudget(t *testing.T) {
	rx := listenLoopback(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b := &budget{stop: cancel}
	b.left.Store(7)
	p := startPipe(t, Impairment{}, addrOf(rx), b)
	pushNumbered(p, 10, 0)
	if ctx.Err() == nil {
		t.Error("the budget of 7 packets ran out but stop was not called")
	}
	if st := p.stats(); st.In != 7 {
		t.Errorf("took in %d packets with a budget of 7", st.In)
	}
}

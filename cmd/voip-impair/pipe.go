package main

import (
	"container/heap"
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// maxQueued bounds the packets one direction holds for later sending; more
// are dropped (and counted as overflow).
const maxQueued = 4096

// pipeStats counts what one direction did with its packets.
type pipeStats struct {
	In        uint64 // packets received
	Dropped   uint64 // lost on purpose (the loss setting)
	Sent      uint64 // forwarded
	Reordered uint64 // sent after a packet that arrived later than they did
	HeldBack  uint64 // chosen for reordering (an extra ReorderGap of delay)
	Refused   uint64 // no destination yet, or a destination that is not loopback
	Overflow  uint64 // dropped because maxQueued packets were waiting
}

// String formats the counters as name=value pairs, as the report prints them.
func (s pipeStats) String() string {
	return fmt.Sprintf("in=%d dropped=%d sent=%d reordered=%d held_back=%d refused=%d overflow=%d",
		s.In, s.Dropped, s.Sent, s.Reordered, s.HeldBack, s.Refused, s.Overflow)
}

// queued is a packet waiting for its sending time.
type queued struct {
	due time.Time
	seq uint64 // arrival order
	b   []byte
}

// packetHeap orders queued packets by due time, then arrival.
type packetHeap []queued

// Len is the number of packets waiting (heap.Interface).
func (h packetHeap) Len() int { return len(h) }

// Less orders by due time, then by arrival.
func (h packetHeap) Less(i, j int) bool {
	if !h[i].due.Equal(h[j].due) {
		return h[i].due.Before(h[j].due)
	}
	return h[i].seq < h[j].seq
}

// Swap swaps two packets.
func (h packetHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }

// Push appends a queued packet (for heap.Push).
func (h *packetHeap) Push(x any) { *h = append(*h, x.(queued)) }

// Pop removes the last packet (for heap.Pop).
func (h *packetHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// budget is the number of packets the whole relay may still take in; when it
// runs out, stop is called.
type budget struct {
	left atomic.Int64
	stop context.CancelFunc
}

// take spends one packet and reports whether there was one to spend.
func (b *budget) take() bool {
	if b == nil {
		return true
	}
	n := b.left.Add(-1)
	if n == 0 {
		b.stop()
	}
	return n >= 0
}

// pipe is one direction of a link: packets pushed into it are impaired and
// sent from out to its destination, which must be a loopback address.
type pipe struct {
	out    *net.UDPConn
	budget *budget
	wake   chan struct{}

	mu      sync.Mutex
	dst     netip.AddrPort // zero until known
	imp     *impairer
	q       packetHeap
	seq     uint64 // packets taken in
	maxSent uint64 // highest arrival number sent, plus one
	st      pipeStats
}

// newPipe returns a pipe that sends from out with impairment im drawn from seed.
func newPipe(out *net.UDPConn, im Impairment, seed uint64, b *budget) *pipe {
	return &pipe{out: out, budget: b, wake: make(chan struct{}, 1), imp: newImpairer(im, seed)}
}

// setDst sets where packets go. A destination that is not loopback is
// kept but nothing is sent to it (the packets count as refused).
func (p *pipe) setDst(dst netip.AddrPort) {
	p.mu.Lock()
	p.dst = dst
	p.mu.Unlock()
}

// stats returns a copy of the counters.
func (p *pipe) stats() pipeStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.st
}

// push takes in one packet that arrived at now (b is copied).
func (p *pipe) push(b []byte, now time.Time) {
	if !p.budget.take() {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.st.In++
	v := p.imp.next()
	switch {
	case !loopbackDst(p.dst):
		p.st.Refused++
		return
	case v.drop:
		p.st.Dropped++
		return
	case len(p.q) >= maxQueued:
		p.st.Overflow++
		return
	}
	if v.holdOff {
		p.st.HeldBack++
	}
	heap.Push(&p.q, queued{due: now.Add(v.wait), seq: p.seq, b: append([]byte(nil), b...)})
	p.seq++
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// run sends queued packets when they are due, until ctx is done.
func (p *pipe) run(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		p.mu.Lock()
		wait := time.Hour
		if len(p.q) > 0 {
			wait = time.Until(p.q[0].due)
		}
		if len(p.q) > 0 && wait <= 0 {
			pk := heap.Pop(&p.q).(queued)
			dst := p.dst
			if pk.seq+1 < p.maxSent {
				p.st.Reordered++
			}
			p.maxSent = max(p.maxSent, pk.seq+1)
			p.mu.Unlock()
			p.send(pk.b, dst)
			continue
		}
		p.mu.Unlock()
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-p.wake:
		case <-timer.C:
		}
	}
}

// send writes b to dst, refusing any destination that is not loopback.
func (p *pipe) send(b []byte, dst netip.AddrPort) {
	ok := loopbackDst(dst)
	if ok {
		_, err := p.out.WriteToUDPAddrPort(b, dst)
		ok = err == nil
	}
	p.mu.Lock()
	if ok {
		p.st.Sent++
	} else {
		p.st.Refused++
	}
	p.mu.Unlock()
}

// loopbackDst reports whether packets may be sent to a: a valid loopback
// address and port.
func loopbackDst(a netip.AddrPort) bool {
	return a.IsValid() && a.Port() != 0 && a.Addr().Unmap().IsLoopback()
}

// readLoop feeds p with the packets arriving on in from loopback sources
// until in is closed.
func readLoop(in *net.UDPConn, p *pipe) {
	buf := make([]byte, 65536)
	for {
		n, src, err := in.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		if !src.Addr().Unmap().IsLoopback() {
			continue
		}
		p.push(buf[:n], time.Now())
	}
}

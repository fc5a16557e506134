//go:build linux

package main

// The -media raw receiver: one goroutine reads every call's socket through
// an epoll set of our own and accounts for each packet (see load_raw.go).

import (
	"encoding/binary"
	"errors"
	"math"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// receiveLoop drains the ready sockets each time the epoll set is readable.
func receiveLoop(raw syscall.RawConn, epfd int, byFD *sync.Map, measuring *atomic.Bool, hist *histogram) {
	rx := &receiver{epfd: epfd, byFD: byFD, measuring: measuring, hist: hist, events: make([]syscall.EpollEvent, 256)}
	drain := rx.drain
	for {
		if err := raw.Read(drain); err != nil {
			return // closed
		}
	}
}

// receiver is the state of receiveLoop: the calls' sockets in an epoll set,
// and the buffers every recvmsg reuses.
type receiver struct {
	epfd      int
	byFD      *sync.Map // fd -> *rawCall
	measuring *atomic.Bool
	hist      *histogram
	events    []syscall.EpollEvent

	buf  [1500]byte
	oob  [64]byte
	from syscall.RawSockaddrInet4
	iov  syscall.Iovec
	msg  syscall.Msghdr
}

// drain reads until no socket is ready; it is the callback of the epoll
// descriptor's RawConn.Read: false waits for readiness, true returns.
//
// Go's netpoller watches our epoll descriptor edge-triggered, so what is
// left unread might not wake us again. Bounded: after many rounds, go
// round receiveLoop (which calls us again at once).
func (rx *receiver) drain(uintptr) bool {
	for round := 0; round < 1000; round++ {
		n, err := syscall.EpollWait(rx.epfd, rx.events, 0)
		if err != nil {
			return !errors.Is(err, syscall.EINTR) // EBADF: closed
		}
		if n <= 0 {
			return false // nothing ready: wait for readiness
		}
		rx.serve(rx.events[:n])
	}
	return true
}

// serve reads a few packets from each ready socket.
func (rx *receiver) serve(events []syscall.EpollEvent) {
	m := rx.measuring.Load()
	rx.hist.mu.Lock()
	defer rx.hist.mu.Unlock()
	for _, ev := range events {
		v, ok := rx.byFD.Load(int(ev.Fd))
		if !ok {
			continue
		}
		c := v.(*rawCall)
		for k := 0; k < 8; k++ { // a few packets per socket per round
			n, at, ok := rx.recv(ev.Fd)
			if !ok {
				break
			}
			if !rx.fromRemote(c) {
				continue
			}
			c.receive(rx.buf[:n], at, m, rx.hist)
		}
	}
}

// recv reads one packet of socket fd into rx.buf without waiting, with
// its kernel receive time (ns); false when there is none.
func (rx *receiver) recv(fd int32) (int, int64, bool) {
	rx.iov.Base = &rx.buf[0]
	rx.iov.SetLen(len(rx.buf))
	rx.msg = syscall.Msghdr{Name: (*byte)(unsafe.Pointer(&rx.from)), Namelen: syscall.SizeofSockaddrInet4,
		Iov: &rx.iov, Iovlen: 1, Control: &rx.oob[0]}
	rx.msg.SetControllen(len(rx.oob))
	r, _, e := syscall.Syscall(syscall.SYS_RECVMSG, uintptr(fd), uintptr(unsafe.Pointer(&rx.msg)), syscall.MSG_DONTWAIT)
	if e != 0 {
		return 0, 0, false
	}
	at, ok := timestampNS(rx.oob[:rx.msg.Controllen])
	if !ok {
		at = time.Now().UnixNano()
	}
	return int(r), at, true
}

// fromRemote tells whether the packet just received came from c's peer.
func (rx *receiver) fromRemote(c *rawCall) bool {
	port := int(binary.BigEndian.Uint16((*[2]byte)(unsafe.Pointer(&rx.from.Port))[:]))
	return port == int(c.remote.Port()) && rx.from.Addr == c.to.Addr
}

// receive accounts for one packet (receiver goroutine only).
func (c *rawCall) receive(b []byte, at int64, measuring bool, hist *histogram) {
	if len(b) < rtpHeader || b[0]>>6 != 2 {
		return
	}
	pt := b[1] & 0x7f
	seq := binary.BigEndian.Uint16(b[2:])
	ts := binary.BigEndian.Uint32(b[4:])
	hlen := rtpHeader + 4*int(b[0]&0x0f)
	if b[0]&0x10 != 0 && len(b) >= hlen+4 { // header extension
		hlen += 4 + 4*int(binary.BigEndian.Uint16(b[hlen+2:]))
	}
	r := &c.rx
	var ext int64
	if !r.seen {
		r.seen = true
		r.maxExt = int64(seq)
		r.firstAt, r.firstTS = at, ts
		r.winFirst = -1
		ext = r.maxExt
	} else {
		ext = r.maxExt + int64(int16(seq-uint16(r.maxExt)))
		if ext > r.maxExt {
			r.maxExt = ext
		}
	}
	consecutive := r.lastAt != 0 && seq == r.lastSeq+1
	dev := math.Abs(float64(at-r.lastAt) - float64(frameDur))
	r.lastSeq, r.lastAt = seq, at
	if !measuring {
		return
	}
	if r.winFirst < 0 {
		r.winFirst, r.winMax = ext, ext
	}
	r.winMax = max(r.winMax, ext)
	r.winRecv++
	c.received.Add(1)
	if exp := int64(r.winMax-r.winFirst+1) - int64(r.winRecv); exp > 0 {
		c.lost.Store(uint64(exp))
	} else {
		c.lost.Store(0)
	}
	if consecutive {
		us := dev / 1000
		hist.add(us)
		if uint64(us) > c.maxDevUs.Load() {
			c.maxDevUs.Store(uint64(us))
		}
	}
	// Late: after a 60 ms playout deadline anchored at the first packet.
	due := r.firstAt + int64(int32(ts-r.firstTS))*int64(time.Second)/8000 + playoutMs*int64(time.Millisecond)
	if at > due {
		c.late.Add(1)
	}
	if pt != 0 || len(b) <= hlen {
		c.other.Add(1)
		return
	}
	payload := b[hlen:]
	var s int64
	for _, x := range payload {
		s += int64(ulawAbs[x])
	}
	c.frames.Add(1)
	if s/int64(len(payload)) >= toneThreshold {
		r.seenTone = true
		c.tone.Add(1)
	} else if r.seenTone {
		c.gaps.Add(1)
	}
}

//go:build linux

package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// capture times the RTP packets of a few calls with kernel timestamps.
//
// Why a packet socket: the answering side's send timing is what we want,
// and the generator's own receive path (socket -> Go netpoller -> the
// stream's receive goroutine) adds its scheduling delay to every arrival
// it could observe. An AF_PACKET socket bound to lo, with a BPF filter that
// keeps only the UDP packets to or from the sampled calls' RTP ports, gets
// a copy of each such packet stamped by the kernel (SO_TIMESTAMPNS) while
// the sender's sendto is still delivering it on loopback. The filter runs
// in the kernel, so the other calls' packets cost the generator nothing.
// It needs CAP_NET_RAW (root); without it, timing is reported as absent.
type capture struct {
	file     *os.File // the packet socket, in Go's netpoller
	lo, hi   uint16   // sampled local RTP ports (inclusive)
	mu       sync.Mutex
	flows    map[uint32]*flow // key: dst port<<16 | src port
	done     chan struct{}
	packets  uint64
	badParse uint64
}

// flow is one direction of one sampled call.
type flow struct {
	toUs  bool // toward the generator (sent by the answering side)
	times []int64
	seqs  []uint16
	pts   []uint8
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// newCapture opens the packet socket for UDP traffic whose source or
// destination port is in [lo, hi].
func newCapture(lo, hi uint16) (*capture, error) {
	fd, err := syscall.Socket(syscall.AF_PACKET, syscall.SOCK_DGRAM, int(htons(syscall.ETH_P_IP)))
	if err != nil {
		return nil, fmt.Errorf("packet socket: %w (needs root / CAP_NET_RAW)", err)
	}
	ifc, err := net.InterfaceByName("lo")
	if err != nil {
		syscall.Close(fd)
		return nil, err
	}
	// The filter first, then bind: no unfiltered packet is queued.
	// SOCK_DGRAM packet sockets see the packet from its IP header on.
	// Jumps are relative: the target is pc+1+offset.
	prog := []unix.SockFilter{
		{Code: 0x30, K: 9},                        // 0: ldb [9]          IP protocol
		{Code: 0x15, Jt: 0, Jf: 11, K: 17},        // 1: jeq #17 (UDP)    else -> 13
		{Code: 0x28, K: 6},                        // 2: ldh [6]          flags, fragment offset
		{Code: 0x45, Jt: 9, Jf: 0, K: 0x1fff},     // 3: jset #0x1fff     a fragment -> 13
		{Code: 0xb1, K: 0},                        // 4: ldxb 4*([0]&0xf) IP header length
		{Code: 0x48, K: 0},                        // 5: ldh [x+0]        source port
		{Code: 0x35, Jt: 0, Jf: 1, K: uint32(lo)}, // 6: jge #lo          else -> 8
		{Code: 0x25, Jt: 0, Jf: 3, K: uint32(hi)}, // 7: jgt #hi          -> 8, else keep (11)
		{Code: 0x48, K: 2},                        // 8: ldh [x+2]        destination port
		{Code: 0x35, Jt: 0, Jf: 3, K: uint32(lo)}, // 9: jge #lo          else -> 13
		{Code: 0x25, Jt: 2, Jf: 0, K: uint32(hi)}, // 10: jgt #hi         -> 13, else keep
		{Code: 0x06, K: 64},                       // 11: keep 64 bytes (IP + UDP + RTP header)
		{Code: 0x06, K: 0},                        // 12: (unused)
		{Code: 0x06, K: 0},                        // 13: drop
	}
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	if err := unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &fprog); err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("attach filter: %w", err)
	}
	if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_TIMESTAMPNS, 1); err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("SO_TIMESTAMPNS: %w", err)
	}
	_ = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_RCVBUF, 8<<20)
	if err := syscall.Bind(fd, &syscall.SockaddrLinklayer{Protocol: htons(syscall.ETH_P_IP), Ifindex: ifc.Index}); err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("bind lo: %w", err)
	}
	// Non-blocking, and waited on by Go's netpoller: a goroutine blocked
	// in recvmsg would hold the only P of a pinned process (GOMAXPROCS=1)
	// until sysmon takes it back, delaying our own pacer by milliseconds.
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		return nil, err
	}
	file := os.NewFile(uintptr(fd), "packet-socket")
	raw, err := file.SyscallConn()
	if err != nil {
		file.Close()
		return nil, err
	}
	c := &capture{file: file, lo: lo, hi: hi, flows: map[uint32]*flow{}, done: make(chan struct{})}
	go c.run(raw)
	return c, nil
}

func (c *capture) run(raw syscall.RawConn) {
	defer close(c.done)
	buf := make([]byte, 128)
	oob := make([]byte, 128)
	for {
		var n, oobn int
		var rerr error
		err := raw.Read(func(fd uintptr) bool {
			n, oobn, _, _, rerr = syscall.Recvmsg(int(fd), buf, oob, 0)
			return !errors.Is(rerr, syscall.EAGAIN)
		})
		if err != nil {
			return // closed by stop
		}
		if rerr != nil {
			if errors.Is(rerr, syscall.EINTR) {
				continue
			}
			return
		}
		ts, ok := timestampNS(oob[:oobn])
		if !ok {
			ts = time.Now().UnixNano()
		}
		c.packet(buf[:n], ts)
	}
}

// timestampNS finds the SCM_TIMESTAMPNS control message without
// allocating.
func timestampNS(oob []byte) (int64, bool) {
	const hdr = int(unsafe.Sizeof(syscall.Cmsghdr{}))
	for len(oob) >= hdr {
		h := (*syscall.Cmsghdr)(unsafe.Pointer(&oob[0]))
		l := int(h.Len)
		if l < hdr || l > len(oob) {
			return 0, false
		}
		if h.Level == syscall.SOL_SOCKET && h.Type == syscall.SO_TIMESTAMPNS && l >= hdr+16 {
			t := (*syscall.Timespec)(unsafe.Pointer(&oob[hdr]))
			return t.Nano(), true
		}
		oob = oob[(l+7)&^7:]
	}
	return 0, false
}

func (c *capture) packet(b []byte, ts int64) {
	if len(b) < 20 {
		return
	}
	ihl := int(b[0]&0x0f) * 4
	if len(b) < ihl+8+12 {
		c.mu.Lock()
		c.badParse++
		c.mu.Unlock()
		return
	}
	src := binary.BigEndian.Uint16(b[ihl:])
	dst := binary.BigEndian.Uint16(b[ihl+2:])
	rtp := b[ihl+8:]
	if rtp[0]>>6 != 2 {
		return // not RTP (RTCP is version 2 too, but its PT is 200..204)
	}
	pt := rtp[1] & 0x7f
	if rtp[1] >= 200 && rtp[1] <= 204 {
		return // RTCP
	}
	seq := binary.BigEndian.Uint16(rtp[2:])
	key := uint32(dst)<<16 | uint32(src)
	c.mu.Lock()
	c.packets++
	f := c.flows[key]
	if f == nil {
		f = &flow{toUs: dst >= c.lo && dst <= c.hi, times: make([]int64, 0, 4096), seqs: make([]uint16, 0, 4096), pts: make([]uint8, 0, 4096)}
		c.flows[key] = f
	}
	f.times = append(f.times, ts)
	f.seqs = append(f.seqs, seq)
	f.pts = append(f.pts, pt)
	c.mu.Unlock()
}

// stop ends the capture.
func (c *capture) stop() {
	c.file.Close()
	<-c.done
}

// intervals returns, for the flows in one direction, the deviation
// |interval - 20 ms| in microseconds of every pair of consecutive packets
// (consecutive sequence numbers, same payload type) whose second packet
// arrived within [from, to]. gaps counts pairs skipped for a sequence gap.
func (c *capture) intervals(toUs bool, from, to time.Time, interval time.Duration) (dev []float64, flows int, gaps uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	lo, hi := from.UnixNano(), to.UnixNano()
	want := float64(interval.Nanoseconds())
	for _, f := range c.flows {
		if f.toUs != toUs {
			continue
		}
		used := false
		for i := 1; i < len(f.times); i++ {
			if f.times[i] < lo || f.times[i] > hi || f.times[i-1] < lo {
				continue
			}
			if f.seqs[i] != f.seqs[i-1]+1 || f.pts[i] != f.pts[i-1] {
				gaps++
				continue
			}
			d := float64(f.times[i]-f.times[i-1]) - want
			if d < 0 {
				d = -d
			}
			dev = append(dev, d/1000)
			used = true
		}
		if used {
			flows++
		}
	}
	return dev, flows, gaps
}

// outliers lists, for the flows in one direction, the intervals whose
// deviation from interval exceeds over: arrival time of the second packet
// (relative to from), the flow's local port and the deviation.
func (c *capture) outliers(toUs bool, from, to time.Time, interval, over time.Duration) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	lo, hi := from.UnixNano(), to.UnixNano()
	var out []string
	for key, f := range c.flows {
		if f.toUs != toUs {
			continue
		}
		port := key >> 16
		if !toUs {
			port = key & 0xffff
		}
		for i := 1; i < len(f.times); i++ {
			if f.times[i] < lo || f.times[i] > hi || f.times[i-1] < lo {
				continue
			}
			d := time.Duration(f.times[i]-f.times[i-1]) - interval
			if d < -over || d > over {
				out = append(out, fmt.Sprintf("%.6f %d %d %.3f", float64(f.times[i]-lo)/1e9, port, f.seqs[i], float64(d)/1e6))
			}
		}
	}
	return out
}

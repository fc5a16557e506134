//go:build linux

package rtp

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"os"
	"runtime"
	"sync"
	"syscall"
	"unsafe"

	pionrtp "github.com/pion/rtp"
)

// Socket I/O of the streams on Linux: one goroutine receives for every
// stream of the process, and the pacer sends with raw non-blocking sendto.
//
// Receiving.
//
// With a goroutine per stream blocked in ReadFrom, every packet costs a
// wake-up of that goroutine by Go's netpoller, two recvfrom calls (the
// packet, then EAGAIN) and a park: with a thousand calls that is 50,000
// wake-ups a second, and a burst of packets leaves hundreds of receive
// goroutines queued ahead of the pacer on a busy P, which delays the next
// tick. Instead the streams' sockets are in one epoll set of our own,
// whose descriptor sits in Go's netpoller: one wake-up drains every socket
// that has packets, with one recvfrom per packet, in this goroutine.
//
// The receiver lives for the rest of the process once a stream started
// (like Go's own netpoller); it holds no stream when none runs. Streams
// whose socket cannot be added fall back to their own goroutine.
type receiver struct {
	mu      sync.Mutex // held while a batch is handled: remove waits for it
	file    *os.File   // the epoll descriptor (kept: its finalizer would close it)
	epfd    int
	streams map[int32]*Stream // by socket descriptor

	// Used only by the receiving goroutine.
	events [128]syscall.EpollEvent
	buf    [maxPacketSize]byte
	pkt    pionrtp.Packet
}

var sharedReceiver receiver

// startReceiving registers the stream with the shared receiver, or starts
// its own receive goroutine when that fails.
func (s *Stream) startReceiving() {
	fd, err := sharedReceiver.add(s, s.conn)
	if err != nil {
		s.wg.Add(1)
		go s.receiveLoop(s.conn)
	} else {
		s.rxFD = fd
	}
	if c := s.rtcp.cfg.Conn; c != nil { // RTCP's own socket (rtcp.go)
		if fd, err := sharedReceiver.add(s, c); err == nil {
			s.rtcp.fd = fd
		} else {
			s.wg.Add(1)
			go s.receiveLoop(c)
		}
	}
}

// stopReceiving unregisters the stream. When it returns, the receiver is
// not handling a packet of the stream and will not again, so its socket
// may be closed.
func (s *Stream) stopReceiving() {
	if s.rxFD >= 0 {
		sharedReceiver.remove(s.rxFD)
		s.rxFD = -1
	}
	if s.rtcp.fd >= 0 {
		sharedReceiver.remove(s.rtcp.fd)
		s.rtcp.fd = -1
	}
}

// add registers one socket of s (its RTP socket, or its RTCP one) and
// returns its descriptor.
func (r *receiver) add(s *Stream, conn *net.UDPConn) (int, error) {
	raw, err := conn.SyscallConn()
	if err != nil {
		return -1, err
	}
	fd := -1
	if err := raw.Control(func(f uintptr) { fd = int(f) }); err != nil || fd < 0 {
		return -1, errors.New("rtp: no socket descriptor")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.file == nil {
		if err := r.start(); err != nil {
			return -1, err
		}
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(fd)}
	if err := syscall.EpollCtl(r.epfd, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
		return -1, err
	}
	r.streams[int32(fd)] = s
	return fd, nil
}

func (r *receiver) remove(fd int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ev syscall.EpollEvent
	_ = syscall.EpollCtl(r.epfd, syscall.EPOLL_CTL_DEL, fd, &ev)
	delete(r.streams, int32(fd))
}

// start creates the epoll set and the receiving goroutine; r.mu is held.
func (r *receiver) start() error {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return err
	}
	if err := syscall.SetNonblock(epfd, true); err != nil {
		syscall.Close(epfd)
		return err
	}
	file := os.NewFile(uintptr(epfd), "rtp-epoll") // pollable: non-blocking
	raw, err := file.SyscallConn()
	if err != nil {
		file.Close()
		return err
	}
	r.file, r.epfd, r.streams = file, epfd, map[int32]*Stream{}
	go func() {
		// Read returns nil when drain has been busy for a while: yield
		// then, so that a stream of packets never keeps the pacer (or
		// anything else) off the processor for long.
		for raw.Read(r.drain) == nil {
			runtime.Gosched()
		}
	}()
	return nil
}

// drain handles every socket that has packets, until none has; it returns
// false to wait (in Go's netpoller) for the next packet, true after a busy
// stretch (a few hundred sockets read) to let others run first.
func (r *receiver) drain(uintptr) bool {
	for round := 0; round < 4; round++ {
		// Timeout 0: never blocks, so a raw syscall keeps the P (see send).
		r0, _, e := syscall.RawSyscall6(syscall.SYS_EPOLL_WAIT, uintptr(r.epfd),
			uintptr(unsafe.Pointer(&r.events[0])), uintptr(len(r.events)), 0, 0, 0)
		n := int(r0)
		if e != 0 {
			if e == syscall.EINTR {
				continue
			}
			return false
		}
		if n <= 0 {
			return false
		}
		r.mu.Lock()
		for i := 0; i < n; i++ {
			if s := r.streams[r.events[i].Fd]; s != nil {
				r.read(s, uintptr(r.events[i].Fd))
			}
		}
		r.mu.Unlock()
	}
	return true
}

// read takes up to a few packets from the stream's socket; epoll reports
// the socket again if more are queued. r.mu is held.
func (r *receiver) read(s *Stream, fd uintptr) {
	var rsa syscall.RawSockaddrAny
	for k := 0; k < 4; k++ {
		rsaLen := uint32(syscall.SizeofSockaddrAny)
		n, _, e := syscall.RawSyscall6(syscall.SYS_RECVFROM, fd,
			uintptr(unsafe.Pointer(&r.buf[0])), uintptr(len(r.buf)), syscall.MSG_DONTWAIT,
			uintptr(unsafe.Pointer(&rsa)), uintptr(unsafe.Pointer(&rsaLen)))
		if e != 0 {
			// EAGAIN: nothing more. Anything else (an ICMP error
			// surfaced on the socket) is dropped, as the stream's own
			// goroutine would; epoll reports what is left.
			return
		}
		from, ok := addrPort(&rsa)
		if !ok {
			continue
		}
		s.receive(r.buf[:n], from, &r.pkt)
	}
}

// addrPort converts a socket address without allocating.
func addrPort(rsa *syscall.RawSockaddrAny) (netip.AddrPort, bool) {
	switch rsa.Addr.Family {
	case syscall.AF_INET:
		a := (*syscall.RawSockaddrInet4)(unsafe.Pointer(rsa))
		port := binary.BigEndian.Uint16((*[2]byte)(unsafe.Pointer(&a.Port))[:])
		return netip.AddrPortFrom(netip.AddrFrom4(a.Addr), port), true
	case syscall.AF_INET6:
		a := (*syscall.RawSockaddrInet6)(unsafe.Pointer(rsa))
		port := binary.BigEndian.Uint16((*[2]byte)(unsafe.Pointer(&a.Port))[:])
		return netip.AddrPortFrom(netip.AddrFrom16(a.Addr), port), true
	}
	return netip.AddrPort{}, false
}

// Sending.
//
// The pacer sends every stream's packet in one go each 20 ms. Through
// net.UDPConn each sendto is a system call that may hand the P over: on a
// process limited to one CPU (GOMAXPROCS=1, e.g. pinned), sysmon takes the
// P from a goroutine that is in a system call for longer than its 20 µs
// tick, and a loopback sendto (which also runs the receiver's network
// stack) often is; the pacer then waits behind whatever else was runnable
// (receives, application callbacks) to get it back, and the calls later in
// the tick go out milliseconds late. A non-blocking sendto (MSG_DONTWAIT)
// cannot block, so it is made as a raw system call, which keeps the P: a
// tick runs from its first packet to its last without being interleaved.
// The descriptor is used inside RawConn.Write, which holds the socket open
// for the duration (Close cannot race with a send). A full socket buffer
// drops the packet instead of delaying the tick.

// sockState is a stream's raw sending state (pacer goroutine only).
type sockState struct {
	raw   syscall.RawConn
	v6    bool               // the socket is AF_INET6 (v4 peers are v4-mapped)
	fn    func(uintptr) bool // s.sock.sendto, bound once (no allocation per send)
	pkt   []byte
	to    netip.AddrPort // the address in sa
	sa    [syscall.SizeofSockaddrInet6]byte
	salen uintptr
	errno syscall.Errno
}

// initSocket prepares raw sending; on failure the stream sends through
// its net.UDPConn.
func (s *Stream) initSocket() {
	raw, err := s.conn.SyscallConn()
	if err != nil {
		return
	}
	domain := -1
	_ = raw.Control(func(fd uintptr) {
		domain, _ = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_DOMAIN)
	})
	switch domain {
	case syscall.AF_INET, syscall.AF_INET6:
	default:
		return
	}
	s.sock.raw, s.sock.v6 = raw, domain == syscall.AF_INET6
	s.sock.fn = s.sock.sendto
}

// send writes one datagram to the peer. Only the pacer goroutine calls it.
func (s *Stream) send(b []byte, to netip.AddrPort) error {
	ss := &s.sock
	if ss.raw == nil || len(b) == 0 || !ss.setAddr(to) {
		_, err := s.conn.WriteToUDPAddrPort(b, to)
		return err
	}
	ss.pkt = b
	if err := ss.raw.Write(ss.fn); err != nil {
		return err // closed
	}
	if ss.errno != 0 {
		return ss.errno
	}
	return nil
}

func (ss *sockState) sendto(fd uintptr) bool {
	_, _, ss.errno = syscall.RawSyscall6(syscall.SYS_SENDTO, fd,
		uintptr(unsafe.Pointer(&ss.pkt[0])), uintptr(len(ss.pkt)),
		syscall.MSG_DONTWAIT|syscall.MSG_NOSIGNAL, uintptr(unsafe.Pointer(&ss.sa[0])), ss.salen)
	return true // never wait for room: a full buffer drops the packet
}

// setAddr puts to into the raw socket address; false when the socket
// cannot reach it (an IPv6 peer from an IPv4 socket).
func (ss *sockState) setAddr(to netip.AddrPort) bool {
	if to == ss.to && ss.salen != 0 {
		return true
	}
	ip := to.Addr()
	clear(ss.sa[:])
	if ss.v6 {
		a := (*syscall.RawSockaddrInet6)(unsafe.Pointer(&ss.sa[0]))
		a.Family = syscall.AF_INET6
		a.Addr = ip.As16() // IPv4 addresses become v4-mapped
		binary.BigEndian.PutUint16((*[2]byte)(unsafe.Pointer(&a.Port))[:], to.Port())
		ss.salen = syscall.SizeofSockaddrInet6
	} else {
		ip = ip.Unmap()
		if !ip.Is4() {
			return false
		}
		a := (*syscall.RawSockaddrInet4)(unsafe.Pointer(&ss.sa[0]))
		a.Family = syscall.AF_INET
		a.Addr = ip.As4()
		binary.BigEndian.PutUint16((*[2]byte)(unsafe.Pointer(&a.Port))[:], to.Port())
		ss.salen = syscall.SizeofSockaddrInet4
	}
	ss.to = to
	return true
}

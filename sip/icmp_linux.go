//go:build linux

package sip

import (
	"encoding/binary"
	"errors"
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// enableRecvErr asks the kernel to report ICMP errors for datagrams sent
// on conn (IP_RECVERR, RFC 1122 §4.1.3.3): an unconnected UDP socket
// otherwise ignores them. They then fail a read with ECONNREFUSED (or
// EHOSTUNREACH, ...) and wait in the socket's error queue with the
// datagram's destination, which icmpConn reads.
func enableRecvErr(conn *net.UDPConn) error {
	rc, err := conn.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	err = rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_RECVERR, 1)
		if ip := conn.LocalAddr().(*net.UDPAddr).IP; ip.To4() == nil {
			serr = errors.Join(serr, unix.SetsockoptInt(int(fd), unix.IPPROTO_IPV6, unix.IPV6_RECVERR, 1))
		}
	})
	return errors.Join(err, serr)
}

// icmpErrno reports whether err is a read or write failing because of an
// ICMP error, and which.
func icmpErrno(err error) (syscall.Errno, bool) {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return 0, false
	}
	switch errno {
	case syscall.ECONNREFUSED, syscall.EHOSTUNREACH, syscall.ENETUNREACH, syscall.EACCES, syscall.EPERM:
		return errno, true
	}
	return 0, false
}

// drainErrQueue reads every ICMP error waiting in conn's error queue and
// hands each to fn: where the datagram went, the error, and the start of
// the datagram (as much as the ICMP message carried).
func drainErrQueue(conn *net.UDPConn, fn func(dest net.Addr, errno syscall.Errno, payload []byte)) {
	rc, err := conn.SyscallConn()
	if err != nil {
		return
	}
	buf := make([]byte, 2048)
	oob := make([]byte, 512)
	for i := 0; i < 64; i++ { // bounded: the queue holds a few at most
		var n, oobn int
		var from unix.Sockaddr
		var rerr error
		if err := rc.Read(func(fd uintptr) bool {
			n, oobn, _, from, rerr = unix.Recvmsg(int(fd), buf, oob, unix.MSG_ERRQUEUE|unix.MSG_DONTWAIT)
			return true
		}); err != nil || rerr != nil {
			return
		}
		errno := extendedErrno(oob[:oobn])
		if errno == 0 {
			continue
		}
		fn(sockaddrUDP(from), errno, append([]byte(nil), buf[:n]...))
	}
}

// extendedErrno is the errno of the sock_extended_err in an error queue
// message's control data, or 0.
func extendedErrno(oob []byte) syscall.Errno {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return 0
	}
	for _, m := range msgs {
		ip := m.Header.Level == unix.IPPROTO_IP && m.Header.Type == unix.IP_RECVERR
		ip6 := m.Header.Level == unix.IPPROTO_IPV6 && m.Header.Type == unix.IPV6_RECVERR
		if (ip || ip6) && len(m.Data) >= 4 {
			// struct sock_extended_err starts with __u32 ee_errno.
			return syscall.Errno(binary.NativeEndian.Uint32(m.Data))
		}
	}
	return 0
}

// sockaddrUDP converts a Recvmsg source address.
func sockaddrUDP(sa unix.Sockaddr) net.Addr {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return &net.UDPAddr{IP: net.IP(a.Addr[:]).To16(), Port: a.Port}
	case *unix.SockaddrInet6:
		return &net.UDPAddr{IP: net.IP(a.Addr[:]), Port: a.Port}
	}
	return nil
}

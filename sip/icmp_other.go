//go:build !linux

package sip

import (
	"net"
	"syscall"
)

// enableRecvErr does nothing here: ICMP errors are read on Linux only.
func enableRecvErr(*net.UDPConn) error { return nil }

func icmpErrno(error) (syscall.Errno, bool) { return 0, false }

func drainErrQueue(*net.UDPConn, func(net.Addr, syscall.Errno, []byte)) {}

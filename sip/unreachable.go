package sip

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"syscall"
)

// ErrUnreachable matches an *UnreachableError.
var ErrUnreachable = errors.New("sip: destination unreachable")

// UnreachableError is a request that failed at once because the kernel
// reported an ICMP error for it (IP_RECVERR on the UDP socket): nobody
// listens on that port, or no route leads to the host. Without it the
// request would be retransmitted until its transaction timed out (32 s).
type UnreachableError struct {
	Addr   string // where the request went, "ip:port"
	Reason string // "port unreachable", "host unreachable", ...
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("%s: %s (ICMP)", e.Reason, e.Addr)
}

// Is makes errors.Is(err, ErrUnreachable) true.
func (e *UnreachableError) Is(target error) bool { return target == ErrUnreachable }

// unreachableReason words an ICMP error's errno.
func unreachableReason(errno syscall.Errno) string {
	switch errno {
	case syscall.ECONNREFUSED:
		return "port unreachable"
	case syscall.EHOSTUNREACH:
		return "host unreachable"
	case syscall.ENETUNREACH:
		return "network unreachable"
	case syscall.EACCES, syscall.EPERM:
		return "administratively prohibited"
	}
	return "unreachable (" + errno.Error() + ")"
}

// unreachableWatch is the UA's table of requests waiting for an answer that
// an ICMP error should fail at once, by Call-ID, and the Call-IDs that
// failed recently (an ICMP error may come before the sender's watch
// begins: sipgo sends an INVITE before WaitAnswer).
type unreachableWatch struct {
	mu      sync.Mutex
	waiting map[string]map[*watchEntry]struct{}
	recent  map[string]*UnreachableError
	order   []string // recent's keys, oldest first
}

type watchEntry struct{ cancel context.CancelCauseFunc }

// maxRecentUnreachable bounds the Call-IDs remembered as failed.
const maxRecentUnreachable = 64

// watch returns a context that ctx derives and that an ICMP error for a
// request of callID cancels with an *UnreachableError cause; stop ends
// the watch.
func (w *unreachableWatch) watch(ctx context.Context, callID string) (context.Context, func()) {
	wctx, cancel := context.WithCancelCause(ctx)
	e := &watchEntry{cancel: cancel}
	w.mu.Lock()
	if err := w.recent[callID]; err != nil {
		w.mu.Unlock()
		cancel(err)
		return wctx, func() {}
	}
	if w.waiting == nil {
		w.waiting = map[string]map[*watchEntry]struct{}{}
	}
	if w.waiting[callID] == nil {
		w.waiting[callID] = map[*watchEntry]struct{}{}
	}
	w.waiting[callID][e] = struct{}{}
	w.mu.Unlock()
	return wctx, func() {
		w.mu.Lock()
		delete(w.waiting[callID], e)
		if len(w.waiting[callID]) == 0 {
			delete(w.waiting, callID)
		}
		w.mu.Unlock()
		cancel(nil)
	}
}

// fail cancels the watches of callID with err and remembers it.
func (w *unreachableWatch) fail(callID string, err *UnreachableError) int {
	w.mu.Lock()
	entries := w.waiting[callID]
	delete(w.waiting, callID)
	if w.recent == nil {
		w.recent = map[string]*UnreachableError{}
	}
	if _, ok := w.recent[callID]; !ok {
		w.order = append(w.order, callID)
		if len(w.order) > maxRecentUnreachable {
			delete(w.recent, w.order[0])
			w.order = w.order[1:]
		}
	}
	w.recent[callID] = err
	w.mu.Unlock()
	for e := range entries {
		e.cancel(err)
	}
	return len(entries)
}

// forget drops callID from the recent failures (a new request of the same
// Call-ID, such as a registration's retry, starts afresh).
func (w *unreachableWatch) forget(callID string) {
	w.mu.Lock()
	delete(w.recent, callID)
	w.mu.Unlock()
}

// onUnreachable is told by the UDP socket that the datagram beginning with
// payload, sent to dest, drew an ICMP error.
func (u *UA) onUnreachable(dest net.Addr, errno syscall.Errno, payload []byte) {
	callID := headerValue(payload, "call-id", "i")
	err := &UnreachableError{Addr: addrString(dest), Reason: unreachableReason(errno)}
	n := 0
	if callID != "" {
		n = u.unreach.fail(callID, err)
	}
	u.log.Info("sip: ICMP error for a request", "to", err.Addr, "error", err.Reason, "call_id", callID, "waiting", n)
}

// headerValue is the value of the first header named name (or its compact
// form) in the start of a SIP message, which may be cut anywhere.
func headerValue(msg []byte, name, compact string) string {
	lines := strings.Split(string(msg), "\n")
	for _, line := range lines[1:] {
		k, v, ok := strings.Cut(strings.TrimRight(line, "\r"), ":")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		if k == name || k == compact {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// unreachableCause returns ctx's *UnreachableError cause, or nil.
func unreachableCause(ctx context.Context) error {
	var ue *UnreachableError
	if errors.As(context.Cause(ctx), &ue) {
		return ue
	}
	return nil
}

// icmpConn is the UA's UDP socket as sipgo reads and writes it. A read
// that an ICMP error failed hands the socket's error queue to onError and
// reads on (sipgo's reader would stop at an error); a write that one
// failed (the kernel reports it once, to whichever call comes first) is
// sent again.
type icmpConn struct {
	net.PacketConn
	udp     *net.UDPConn
	onError func(dest net.Addr, errno syscall.Errno, payload []byte)
}

// ReadFrom reads the next datagram; see icmpConn.
func (c *icmpConn) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		n, addr, err := c.PacketConn.ReadFrom(p)
		if _, ok := icmpErrno(err); ok {
			drainErrQueue(c.udp, c.onError)
			continue
		}
		return n, addr, err
	}
}

// WriteTo sends p to addr; see icmpConn.
func (c *icmpConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	n, err := c.PacketConn.WriteTo(p, addr)
	if _, ok := icmpErrno(err); ok {
		n, err = c.PacketConn.WriteTo(p, addr)
	}
	return n, err
}

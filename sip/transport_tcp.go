package sip

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Accept back-off after a temporary error, as net/http's Server.Serve.
const (
	acceptBackoffMin = 5 * time.Millisecond
	acceptBackoffMax = time.Second
)

// guardedListener is the listener handed to sipgo's ServeTCP or ServeTLS.
// sipgo's TransportTCP.Serve (sipgo sip/transport_tcp.go:81-91) returns on
// the first Accept error, EMFILE included, and nothing accepts again. This
// listener keeps accepting instead: on a temporary error it waits (5 ms
// doubling up to 1 s) and retries, returning only once it is closed or on an
// error that is not temporary. It also closes at once a connection beyond
// MaxConnections, and hands sipgo guardedConns, which enforce the idle and
// message timeouts. It may wrap a TLS listener (the handshake then runs
// under the message timeout, in sipgo's first Read).
type guardedListener struct {
	net.Listener
	limits ConnLimits
	open   atomic.Int64 // connections accepted and not yet closed

	closeOnce sync.Once
	done      chan struct{}
}

// newGuardedListener wraps ln with limits (zero fields take their
// defaults). Closing the result closes ln.
func newGuardedListener(ln net.Listener, limits ConnLimits) *guardedListener {
	return &guardedListener{Listener: ln, limits: limits.withDefaults(), done: make(chan struct{})}
}

// Accept returns the next connection within the cap; see guardedListener.
func (l *guardedListener) Accept() (net.Conn, error) {
	var delay time.Duration
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			if !temporaryAcceptError(err) || l.isClosed() {
				return nil, err
			}
			delay = min(max(2*delay, acceptBackoffMin), acceptBackoffMax)
			l.limits.Logger.Warn("sip: accept failed; retrying", "error", err, "delay", delay)
			if !l.sleep(delay) {
				return nil, net.ErrClosed
			}
			continue
		}
		delay = 0
		if max := l.limits.MaxConnections; max > 0 && l.open.Load() >= int64(max) {
			l.limits.Logger.Debug("sip: connection cap reached; closing", "remote", c.RemoteAddr().String(), "max", max)
			c.Close()
			continue
		}
		l.open.Add(1)
		return newGuardedConn(c, l.limits, func() { l.open.Add(-1) }), nil
	}
}

// Close closes the wrapped listener and ends a back-off wait.
func (l *guardedListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// Open is the number of accepted connections not yet closed.
func (l *guardedListener) Open() int { return int(l.open.Load()) }

func (l *guardedListener) isClosed() bool {
	select {
	case <-l.done:
		return true
	default:
		return false
	}
}

// sleep waits d, or less if the listener is closed; it reports whether the
// listener is still open.
func (l *guardedListener) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-l.done:
		return false
	}
}

// temporaryAcceptError reports whether Accept may succeed later: out of
// descriptors or buffers, or a connection that died in the backlog.
func temporaryAcceptError(err error) bool {
	if errors.Is(err, net.ErrClosed) {
		return false
	}
	for _, e := range []syscall.Errno{
		syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM,
		syscall.ECONNABORTED, syscall.ECONNRESET, syscall.EINTR, syscall.EAGAIN,
		syscall.EPROTO, syscall.EPERM,
	} {
		if errors.Is(err, e) {
			return true
		}
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// errIdle and errMessage are why a guardedConn closed. Both wrap io.EOF, so
// that sipgo's reader (transport_tcp.go:184) ends the connection quietly
// instead of logging a read error for each one.
var (
	errIdle        = fmt.Errorf("sip: connection idle: %w", io.EOF)
	errMessageSlow = fmt.Errorf("sip: message not completed in time: %w", io.EOF)
	errMessageBig  = fmt.Errorf("sip: message too long: %w", io.EOF)
)

// guardedConn is an accepted connection that follows SIP framing (RFC 3261
// §7.5: start line, headers up to an empty line, Content-Length bytes of
// body) in the bytes sipgo reads, to enforce ConnLimits: every Read gets a
// deadline, the idle one between messages, the message one (counted from
// the message's first byte, or from accept for the first message) inside
// one; and a message longer than MaxMessageBytes ends the connection.
type guardedConn struct {
	net.Conn
	limits ConnLimits

	mu       sync.Mutex
	framer   framer
	idleFrom time.Time // last complete message or ping
	msgFrom  time.Time // first byte of the message in progress
	first    bool      // no complete message nor ping yet

	closeOnce sync.Once
	onClose   func()
}

func newGuardedConn(c net.Conn, limits ConnLimits, onClose func()) *guardedConn {
	now := time.Now()
	return &guardedConn{Conn: c, limits: limits, idleFrom: now, msgFrom: now, first: true, onClose: onClose}
}

// Read reads from the connection under the deadline its framing state
// calls for; see guardedConn.
func (c *guardedConn) Read(b []byte) (int, error) {
	deadline, why := c.deadline()
	if !deadline.IsZero() {
		if err := c.SetReadDeadline(deadline); err != nil {
			return 0, err
		}
	}
	n, err := c.Conn.Read(b)
	if n > 0 {
		if ferr := c.account(b[:n]); ferr != nil {
			c.closeFor(ferr)
			return n, ferr
		}
	}
	if err != nil && why != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		c.closeFor(why)
		return n, why
	}
	return n, err
}

// deadline is the read deadline now and the error that reaching it means.
func (c *guardedConn) deadline() (time.Time, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.first || c.framer.inMessage() {
		if c.limits.MessageTimeout <= 0 {
			return time.Time{}, nil
		}
		return c.msgFrom.Add(c.limits.MessageTimeout), errMessageSlow
	}
	if c.limits.IdleTimeout <= 0 {
		return time.Time{}, nil
	}
	return c.idleFrom.Add(c.limits.IdleTimeout), errIdle
}

// account feeds read bytes to the framer and updates the timers.
func (c *guardedConn) account(p []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	was := c.framer.inMessage()
	done, pings := c.framer.feed(p)
	if done > 0 || pings > 0 {
		c.idleFrom = now
		c.first = false
	}
	if c.framer.inMessage() && (!was || done > 0) && !c.first {
		c.msgFrom = now
	}
	if max := c.limits.MaxMessageBytes; max > 0 && c.framer.size > max {
		return errMessageBig
	}
	return nil
}

func (c *guardedConn) closeFor(why error) {
	c.limits.Logger.Debug("sip: closing connection", "remote", c.RemoteAddr().String(), "reason", why)
	_ = c.Close()
}

// Close closes the connection and frees its place under the cap.
func (c *guardedConn) Close() error {
	c.closeOnce.Do(c.onClose)
	return c.Conn.Close()
}

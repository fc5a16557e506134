package sip

import (
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	gosip "github.com/emiago/sipgo/sip"
)

// TraceRecord is one SIP message a UA sent or received, as Config.Trace
// sees it.
type TraceRecord struct {
	// Sent is true for a message we wrote, false for one we read.
	Sent bool
	// Transport is "UDP", "TCP" or "TLS".
	Transport string
	// Local and Remote are the socket's addresses ("ip:port").
	Local, Remote string
	// Message is the message as on the wire, with the secrets masked
	// (MaskSecrets). It is the caller's to keep.
	Message string
}

// Received messages are traced by UA.apply, which sees every datagram and
// every message cut from a stream. Sent ones are traced through sipgo's
// tracer, its only hook on the bytes it writes: a process-wide function
// (sipgo sip/sip.go:23), so the process has one, installed with the other
// process settings, which hands each write to the tracing UA that owns the
// socket. With no UA tracing it returns at once.
var tracing traceRegistry

type traceRegistry struct {
	n   atomic.Int32
	mu  sync.RWMutex
	uas map[*UA]struct{}
}

func (r *traceRegistry) add(u *UA) {
	r.mu.Lock()
	if r.uas == nil {
		r.uas = map[*UA]struct{}{}
	}
	r.uas[u] = struct{}{}
	r.n.Store(int32(len(r.uas)))
	r.mu.Unlock()
}

func (r *traceRegistry) remove(u *UA) {
	r.mu.Lock()
	delete(r.uas, u)
	r.n.Store(int32(len(r.uas)))
	r.mu.Unlock()
}

// SIPTraceRead ignores sipgo's reads: they are raw stream chunks, and
// UA.apply traces whole messages.
func (r *traceRegistry) SIPTraceRead(string, string, string, []byte) {}

// SIPTraceWrite hands a write to the UA that owns its socket.
func (r *traceRegistry) SIPTraceWrite(transport, laddr, raddr string, msg []byte) {
	if r.n.Load() == 0 {
		return
	}
	var owner *UA
	r.mu.RLock()
	for u := range r.uas {
		if u.ownsSocket(transport, laddr, raddr) {
			owner = u
			break
		}
	}
	r.mu.RUnlock()
	if owner != nil { // called without the lock: Trace may take its time
		owner.traceMessage(true, laddr, raddr, msg)
	}
}

// ownsSocket reports whether the socket laddr→raddr sipgo wrote on is this
// UA's: its UDP socket, a connection its listener accepted, or one it
// dialed.
func (u *UA) ownsSocket(transport, laddr, raddr string) bool {
	if strings.EqualFold(transport, "udp") {
		return u.cfg.Conn != nil && u.cfg.Transport == "udp" && laddr == u.cfg.Conn.LocalAddr().String()
	}
	if u.cfg.Transport == "udp" {
		return false
	}
	if u.cfg.Listener != nil {
		if _, port, err := net.SplitHostPort(laddr); err == nil && port == strconv.Itoa(u.port) {
			return true
		}
	}
	c, err := u.ua.TransportLayer().GetConnection(u.cfg.Transport, raddr)
	if err != nil || c == nil {
		return false
	}
	nc, ok := c.(interface{ LocalAddr() net.Addr })
	return ok && nc.LocalAddr().String() == laddr
}

// traceMessage hands one message to Config.Trace, secrets masked.
func (u *UA) traceMessage(sent bool, laddr, raddr string, msg []byte) {
	if u.cfg.Trace == nil {
		return
	}
	u.cfg.Trace(TraceRecord{
		Sent:      sent,
		Transport: strings.ToUpper(u.cfg.Transport),
		Local:     laddr,
		Remote:    raddr,
		Message:   MaskSecrets(string(msg)),
	})
}

// traceReceived traces a message read from the network.
func (u *UA) traceReceived(props gosip.TransportReadProps, data []byte) {
	if u.cfg.Trace == nil {
		return
	}
	u.traceMessage(false, addrString(props.LocalAddr), addrString(props.RemoteAddr), data)
}

// The secrets a SIP message may carry: the digest response of an
// Authorization or Proxy-Authorization header (a password's hash, open to
// a dictionary attack), an SDES key (a=crypto ... inline:KEY, RFC 4568)
// and a password in a URI's userinfo (RFC 3261 §19.1.1, deprecated but
// legal).
var (
	maskDigest   = regexp.MustCompile(`(?i)(\bresponse\s*=\s*)("[^"]*"|[^,\s]+)`)
	maskCrypto   = regexp.MustCompile(`(?i)(\binline:)[^\s|]+`)
	maskPassword = regexp.MustCompile(`(?i)(\bsips?:[^:@\s;<>"]+:)[^@\s;<>"]+@`)
)

// MaskSecrets returns a SIP message with its digest responses, SRTP keys
// and URI passwords replaced by "***", for logs and traces.
func MaskSecrets(msg string) string {
	var b strings.Builder
	for line := range strings.Lines(msg) {
		name, _, _ := strings.Cut(line, ":")
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "authorization", "proxy-authorization":
			line = maskDigest.ReplaceAllString(line, `${1}"***"`)
		case "a=crypto":
			line = maskCrypto.ReplaceAllString(line, "${1}***")
		}
		b.WriteString(maskPassword.ReplaceAllString(line, "${1}***@"))
	}
	return b.String()
}

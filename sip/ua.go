// Package sip is libvoip's signalling layer: a SIP user agent on top of
// github.com/emiago/sipgo (parser, transactions, transports) serving a socket
// the phone owns, with RFC 3264 offer/answer for one audio stream.
package sip

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"
)

// AllowedMethods are the methods the user agent implements, in the Allow
// header of its responses.
const AllowedMethods = "INVITE, ACK, CANCEL, BYE, OPTIONS, NOTIFY, INFO, MESSAGE, UPDATE, PRACK, REFER, SUBSCRIBE"

// Config configures a UA.
type Config struct {
	// Transport is "udp" (default), "tcp" or "tls".
	Transport string
	// Conn is the bound UDP socket (udp); the UA closes it on Close.
	Conn *net.UDPConn
	// Listener accepts TCP or TLS connections (tcp, tls); it may be nil
	// for a TLS client without a certificate of its own. The UA closes it.
	Listener net.Listener
	// TLSConfig configures TLS client connections (tls).
	TLSConfig *tls.Config
	// Host and Port are written in Via and Contact.
	Host string
	Port int
	// User is the user part of our URI; Domain the host of our
	// address-of-record (the registrar), "" meaning Host.
	User        string
	Domain      string
	DisplayName string
	// UserAgent is the User-Agent header of the requests we build and
	// the Server header of our responses; "" sends neither.
	UserAgent string
	// RejectOtherUsers answers 404 Not Found to a request whose
	// Request-URI names a user other than User (request_uri.go); false
	// accepts any user.
	RejectOtherUsers bool
	// OutboundProxy ("host:port") receives every request that starts a
	// transaction outside a dialog; "" sends them to their target.
	OutboundProxy string
	// Credentials answer 401/407 challenges to any request we send.
	Credentials *Credentials
	Logger      *slog.Logger
	// OnInvite is called, in its own goroutine, for each new incoming
	// INVITE that passed validation. It must eventually Answer, Reject, or
	// see the call canceled (or, with a RingTimeout, time out).
	OnInvite func(*IncomingCall)
	// OnRequest is told about NOTIFY, INFO and MESSAGE requests after they
	// were answered 200 OK.
	OnRequest func(Request)
	// Rel100 is how reliable provisional responses (RFC 3262) are used;
	// the zero value offers them (Supported: 100rel).
	Rel100 Rel100
	// SessionTimers configures RFC 4028 session timers
	// (session_timer.go).
	SessionTimers SessionTimers
	// MaxCalls caps the calls held at once: incoming ones (ringing or
	// up) and answered outgoing ones. A new INVITE beyond it is answered
	// 503 Service Unavailable with Retry-After (call_limits.go). 0 means
	// no limit.
	MaxCalls int
	// RingTimeout ends an incoming call that was neither answered nor
	// rejected that long after its INVITE: 480 Temporarily Unavailable,
	// and OnFail is told RingTimeoutReason. 0 means never.
	RingTimeout time.Duration
	// Limits bound the TCP and TLS connections the Listener accepts and
	// the UDP source addresses sipgo remembers; zero fields take their
	// defaults (see ConnLimits). A nil Limits.Logger means Logger.
	Limits ConnLimits
	// Trace, when set, is given every SIP message sent and received, its
	// secrets masked (trace.go). It is called on sipgo's goroutines and
	// must not block.
	Trace func(TraceRecord)
}

// Request is a NOTIFY, INFO or MESSAGE we received.
type Request struct {
	Method      string
	From        string
	CallID      string
	ContentType string
	Body        []byte
}

// UA is a SIP user agent serving one transport.
type UA struct {
	cfg    Config
	log    *slog.Logger
	ua     *sipgo.UserAgent
	srv    *sipgo.Server
	cli    *sipgo.Client
	dialog sipgo.DialogUA
	port   int

	mu      sync.Mutex
	contact gosip.ContactHeader
	servers map[string]*IncomingCall // by dialog id
	clients map[string]*OutgoingCall // by dialog id
	closed  bool
	wg      sync.WaitGroup
	streams streamFramers    // TCP and TLS messages being read (stream_filter.go)
	unreach unreachableWatch // requests an ICMP error fails (unreachable.go)
	events  eventTable       // subscriptions both ways (event_route.go)
}

// NewUA builds a user agent. Call Serve to start reading. The first call
// applies the process-wide settings of process.go.
func NewUA(cfg Config) (*UA, error) {
	applyProcessSettings()
	if err := cfg.normalize(); err != nil {
		return nil, err
	}
	if cfg.Limits.Logger == nil {
		cfg.Limits.Logger = cfg.Logger
	}
	if cfg.Listener != nil {
		cfg.Listener = newGuardedListener(cfg.Listener, cfg.Limits)
	}
	u := &UA{
		cfg:     cfg,
		log:     cfg.Logger,
		port:    cfg.Port,
		servers: map[string]*IncomingCall{},
		clients: map[string]*OutgoingCall{},
	}
	ua, err := sipgo.NewUA(u.stackOptions()...)
	if err != nil {
		return nil, err
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(cfg.Logger))
	if err != nil {
		_ = ua.Close()
		return nil, err
	}
	cli, err := sipgo.NewClient(ua, u.clientOptions()...)
	if err != nil {
		_ = ua.Close()
		return nil, err
	}
	u.ua, u.srv, u.cli = ua, srv, cli
	u.contact = u.makeContact(cfg.Host, cfg.Port)
	u.dialog = sipgo.DialogUA{Client: cli, ContactHDR: u.contact}
	u.handle(srv)
	if cfg.Trace != nil {
		tracing.add(u)
	}
	return u, nil
}

// normalize fills the defaults in and checks the transport.
func (cfg *Config) normalize() error {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.User == "" {
		cfg.User = "libvoip"
	}
	if cfg.Transport == "" {
		cfg.Transport = "udp"
	}
	switch cfg.Transport {
	case "udp":
		if cfg.Conn == nil {
			return errors.New("sip: no UDP socket")
		}
		cfg.Port = cfg.Conn.LocalAddr().(*net.UDPAddr).Port
		if err := enableRecvErr(cfg.Conn); err != nil {
			cfg.Logger.Info("sip: ICMP errors will not be seen", "error", err)
		}
	case "tcp", "tls":
		if cfg.Listener != nil {
			cfg.Port = cfg.Listener.Addr().(*net.TCPAddr).Port
		}
	default:
		return fmt.Errorf("sip: unknown transport %q", cfg.Transport)
	}
	return nil
}

// stackOptions configure sipgo's transaction and transport layers.
func (u *UA) stackOptions() []sipgo.UserAgentOption {
	cfg := u.cfg
	opts := []sipgo.UserAgentOption{
		sipgo.WithUserAgent(cfg.User),
		sipgo.WithUserAgentHostname(cfg.Host),
		sipgo.WithUserAgentTransactionLayerOptions(
			gosip.WithTransactionLayerLogger(cfg.Logger),
			// A response matching none of our transactions (RFC 4475
			// bcast, unreason) is dropped; sipgo's default handler logs
			// it on slog's default logger, bypassing cfg.Logger.
			gosip.WithTransactionLayerUnhandledResponseHandler(u.onUnmatchedResponse),
		),
		sipgo.WithUserAgentTransportLayerOptions(
			gosip.WithTransportLayerLogger(cfg.Logger),
			gosip.WithTransportLayerReadFilter(u.readFilter),
		),
	}
	if cfg.TLSConfig != nil {
		opts = append(opts, sipgo.WithUserAgenTLSConfig(cfg.TLSConfig))
	}
	return opts
}

// clientOptions configure the client that sends our requests.
func (u *UA) clientOptions() []sipgo.ClientOption {
	cfg := u.cfg
	opts := []sipgo.ClientOption{
		sipgo.WithClientLogger(cfg.Logger),
		sipgo.WithClientHostname(cfg.Host),
		sipgo.WithClientNAT(), // ;rport (RFC 3581)
	}
	if cfg.Port != 0 {
		opts = append(opts, sipgo.WithClientPort(cfg.Port))
	}
	if cfg.Transport == "udp" {
		// Requests leave from the listening socket, so responses and
		// NAT bindings come back to it.
		opts = append(opts, sipgo.WithClientConnectionAddr(cfg.Conn.LocalAddr().String()))
	}
	return opts
}

// Serve reads the socket until Close; it returns at once (reading happens in
// a goroutine).
func (u *UA) Serve() {
	switch u.cfg.Transport {
	case "udp":
		u.serveUDP()
	case "tcp", "tls":
		if u.cfg.Listener == nil {
			return
		}
		u.wg.Add(1)
		go func() {
			defer u.wg.Done()
			var err error
			if u.cfg.Transport == "tls" {
				err = u.srv.ServeTLS(u.cfg.Listener)
			} else {
				err = u.srv.ServeTCP(u.cfg.Listener)
			}
			u.logServeEnd(err)
		}()
	}
}

// logServeEnd logs why a transport stopped serving: at debug level when
// Close closed its socket, as a warning otherwise (the transport is then
// dead until the UA is rebuilt).
func (u *UA) logServeEnd(err error) {
	switch {
	case err == nil:
	case errors.Is(err, net.ErrClosed):
		u.log.Debug("sip: serve ended", "error", err)
	default:
		u.log.Warn("sip: serve ended", "error", err)
	}
}

func (u *UA) serveUDP() {
	u.wg.Add(1)
	go func() {
		defer u.wg.Done()
		conn := &icmpConn{PacketConn: u.cfg.Conn, udp: u.cfg.Conn, onError: u.onUnreachable}
		u.logServeEnd(serveUDPBounded(u.ua.TransportLayer(), u.srv.ServeUDP, conn, u.cfg.Limits))
	}()
	// Requests we send must leave from this socket, which sipgo finds in
	// its connection pool once the serving goroutine registered it: wait
	// for that, so that a call placed right after Serve does not bind a
	// second socket.
	addr := u.cfg.Conn.LocalAddr().String()
	for i := 0; i < 1000; i++ {
		if c, err := u.ua.TransportLayer().GetConnection("udp", addr); err == nil && c != nil {
			return
		}
		time.Sleep(time.Millisecond)
	}
	u.log.Warn("sip: listener not registered in time", "addr", addr)
}

// Close stops the user agent and closes its sockets and connections.
func (u *UA) Close() error {
	u.mu.Lock()
	if u.closed {
		u.mu.Unlock()
		return nil
	}
	u.closed = true
	u.mu.Unlock()
	u.events.closeAll()
	var err error
	if u.cfg.Conn != nil {
		err = u.cfg.Conn.Close()
	}
	if u.cfg.Listener != nil {
		u.cfg.Listener.Close()
	}
	_ = u.ua.Close() // its sockets are ours, closed above
	u.wg.Wait()
	tracing.remove(u)
	return err
}

// Port is the bound SIP port.
func (u *UA) Port() int { return u.port }

// URI is our SIP URI (our address-of-record when a Domain is set).
func (u *UA) URI() string {
	a := u.aor()
	return a.String()
}

// Transport is the UA's transport: "udp", "tcp" or "tls".
func (u *UA) Transport() string { return u.cfg.Transport }

func (u *UA) makeContact(host string, port int) gosip.ContactHeader {
	c := gosip.ContactHeader{Address: gosip.Uri{Scheme: "sip", User: u.cfg.User, Host: host, Port: port}}
	if u.cfg.Transport != "udp" {
		c.Address.UriParams = gosip.NewParams()
		c.Address.UriParams.Add("transport", u.cfg.Transport)
	}
	return c
}

// contactFor is our Contact with host in place of the default one.
func (u *UA) contactFor(host string) *gosip.ContactHeader {
	c := u.contactHeader()
	if host != "" {
		c.Address.Host = host
	}
	return c
}

// addVia prepends our Via with host as sent-by, when host differs from
// the default (sipgo adds the default one itself).
func (u *UA) addVia(req *gosip.Request, host string) {
	if host == "" || host == u.cfg.Host {
		return
	}
	via := &gosip.ViaHeader{
		ProtocolName:    "SIP",
		ProtocolVersion: "2.0",
		Transport:       strings.ToUpper(u.cfg.Transport),
		Host:            host,
		Port:            u.port,
		Params:          gosip.NewParams(),
	}
	via.Params.Add("branch", gosip.GenerateBranchN(16))
	via.Params.Add("rport", "")
	req.PrependHeader(via)
}

// contactHeader is a copy of our current Contact.
func (u *UA) contactHeader() *gosip.ContactHeader {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.contact.Clone()
}

// SetContact changes the address in our Contact (after a registrar told us
// our public address with received/rport, RFC 3581).
func (u *UA) SetContact(host string, port int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.contact = u.makeContact(host, port)
	u.dialog.ContactHDR = u.contact
}

// ContactAddr is the host and port in our Contact.
func (u *UA) ContactAddr() (string, int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.contact.Address.Host, u.contact.Address.Port
}

// aor is our address-of-record: user@domain ("host" or "host:port"), or
// user@host:port without a domain.
func (u *UA) aor() gosip.Uri {
	if u.cfg.Domain == "" {
		return gosip.Uri{Scheme: "sip", User: u.cfg.User, Host: u.cfg.Host, Port: u.port}
	}
	host, port := u.cfg.Domain, 0
	if h, p, err := net.SplitHostPort(u.cfg.Domain); err == nil {
		host = h
		port, _ = strconv.Atoi(p)
	}
	return gosip.Uri{Scheme: "sip", User: u.cfg.User, Host: host, Port: port}
}

// fromHeader is a From with a new tag for a request we start.
func (u *UA) fromHeader() *gosip.FromHeader {
	from := &gosip.FromHeader{
		DisplayName: u.cfg.DisplayName,
		Address:     u.aor(),
		Params:      gosip.NewParams(),
	}
	from.Params.Add("tag", gosip.GenerateTagN(16))
	return from
}

// route sends an out-of-dialog request through the outbound proxy, if
// any, with a loose Route (RFC 3261 §8.1.2), and sets its transport.
func (u *UA) route(req *gosip.Request) {
	req.SetTransport(strings.ToUpper(u.cfg.Transport))
	if u.cfg.OutboundProxy == "" {
		return
	}
	req.SetDestination(u.cfg.OutboundProxy)
	r := gosip.Uri{Scheme: "sip", UriParams: gosip.NewParams()}
	host, port, err := net.SplitHostPort(u.cfg.OutboundProxy)
	if err != nil {
		host = u.cfg.OutboundProxy
	}
	r.Host = host
	if p, err := strconv.Atoi(port); err == nil {
		r.Port = p
	}
	r.UriParams.Add("lr", "")
	req.AppendHeader(gosip.NewHeader("Route", "<"+r.String()+">"))
}

// commonHeaders adds our product name: a User-Agent header to a request,
// a Server header to a response (RFC 3261 §20.41, §20.35); none when
// Config.UserAgent is empty.
func (u *UA) commonHeaders(m interface{ AppendHeader(gosip.Header) }) {
	if u.cfg.UserAgent == "" {
		return
	}
	name := "User-Agent"
	if _, ok := m.(*gosip.Response); ok {
		name = "Server"
	}
	m.AppendHeader(gosip.NewHeader(name, u.cfg.UserAgent))
}

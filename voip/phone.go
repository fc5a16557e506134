// Package voip is libvoip's phone: a Phone holds a SIP user agent and the
// media clock; a Call bridges one SIP dialog and one RTP stream. It is
// pyVoIP's VoIP module, in Go, and the engine behind the C API.
package voip

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libvoip/libvoip/rtp"
	"github.com/libvoip/libvoip/sip"
)

// Handler receives a phone's events. Each function may be nil. They run on
// the phone's dispatcher goroutine, one at a time, in order, with no lock
// held: they may call any method of the phone or its calls.
type Handler struct {
	// IncomingCall is told about a new call in Ringing. With no
	// IncomingCall handler, incoming calls are answered 486 Busy Here.
	IncomingCall func(c *Call)
	// CallState is told about every state change of every call.
	CallState func(c *Call, s CallState, reason string)
	// DTMF is told about each key the remote side pressed.
	DTMF func(c *Call, digit byte)
	// Status is told about phone status changes.
	Status func(s PhoneStatus, reason string)
	// Request is told about NOTIFY, INFO and MESSAGE requests (already
	// answered 200 OK); c is the call they belong to, or nil.
	Request func(c *Call, method, from, contentType string, body []byte)
}

// Phone is one SIP identity with its own sockets and media clock. Many
// phones may run in one process.
type Phone struct {
	log      *slog.Logger
	logSink  *logSink
	events   *dispatcher
	handler  atomic.Pointer[Handler]
	sessions atomic.Uint64
	// background counts BYEs still being sent; Stop waits for them
	// before closing the socket.
	background sync.WaitGroup

	mu       sync.Mutex
	cfg      Config
	status   PhoneStatus
	reason   string
	ua       *sip.UA
	pacer    *rtp.Pacer
	ports    *portPool
	host     string
	calls    map[*Call]struct{}
	stopping bool
	creds    sip.Credentials
	regStop  context.CancelFunc // ends the registration loop
	regDone  chan struct{}      // closed when it has ended
	reg      *sip.Registration
}

// NewPhone creates a stopped phone.
func NewPhone(cfg Config) *Phone {
	p := &Phone{cfg: cfg, calls: map[*Call]struct{}{}, events: newDispatcher()}
	p.logSink = newLogSink(p.events)
	p.log = slog.New(p.logSink)
	p.handler.Store(&Handler{})
	return p
}

// Logger is the phone's logger; its output goes to the log callback.
func (p *Phone) Logger() *slog.Logger { return p.log }

// SetLog directs log records at min and above to f (nil: none), called on
// the dispatcher goroutine.
func (p *Phone) SetLog(min slog.Level, f func(level slog.Level, msg string)) {
	p.logSink.set(min, f)
}

// SetHandler replaces the phone's event handler.
func (p *Phone) SetHandler(h Handler) { p.handler.Store(&h) }

func (p *Phone) handlers() *Handler { return p.handler.Load() }

// Config returns a copy of the phone's settings.
func (p *Phone) Config() Config {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cfg
}

// SetOption sets one option by key while the phone is stopped.
func (p *Phone) SetOption(key, value string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.status != PhoneInactive && p.status != PhoneFailed {
		return fmt.Errorf("%w: options are read at start; stop the phone first", ErrInvalidState)
	}
	return p.cfg.Set(key, value)
}

// Option returns an option by key, or one of the read-only facts "sip_port",
// "uri" and "status_reason".
func (p *Phone) Option(key string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch key {
	case "sip_port":
		if p.ua == nil {
			return "0", nil
		}
		return strconv.Itoa(p.ua.Port()), nil
	case "uri":
		if p.ua == nil {
			return "", nil
		}
		return p.ua.URI(), nil
	case "status_reason":
		return p.reason, nil
	}
	return p.cfg.Get(key)
}

// Status returns the phone's status and why it is in it.
func (p *Phone) Status() (PhoneStatus, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.status, p.reason
}

// setStatus changes the status; called with p.mu held.
func (p *Phone) setStatus(s PhoneStatus, reason string) {
	if p.status == s && p.reason == reason {
		return
	}
	p.status, p.reason = s, reason
	p.events.post(func() {
		if f := p.handlers().Status; f != nil {
			f(s, reason)
		}
	})
}

// Start binds the SIP socket and starts serving. With a Server it then
// registers, and returns once the first attempt has an answer: nil when
// registered, an ErrRejected error (the phone is then Failed and stopped)
// when refused, an ErrTimeout error when the registrar did not answer (the
// phone keeps running and retrying, and becomes Registered by itself when
// the registrar answers).
func (p *Phone) Start() error {
	p.mu.Lock()
	if p.status != PhoneInactive && p.status != PhoneFailed {
		defer p.mu.Unlock()
		return fmt.Errorf("%w: phone is %s", ErrInvalidState, p.status)
	}
	if err := p.cfg.validate(); err != nil {
		p.mu.Unlock()
		return err
	}
	ports, err := newPortPool(p.cfg.BindIP, p.cfg.RTPPortLow, p.cfg.RTPPortHigh)
	if err != nil {
		p.mu.Unlock()
		return err
	}
	p.setStatus(PhoneRegistering, "starting")
	p.host = p.cfg.Hostname
	if p.host == "" {
		p.host = advertisedHost(p.cfg.BindIP)
	}
	ua, err := p.newUA()
	if err != nil {
		p.setStatus(PhoneFailed, err.Error())
		p.mu.Unlock()
		return err
	}
	p.ua, p.ports = ua, ports
	p.pacer = rtp.NewPacer(rtp.FrameInterval)
	p.pacer.Start()
	p.stopping = false
	ua.Serve()
	p.log.Info("phone started", "uri", ua.URI(), "transport", ua.Transport())
	if p.cfg.Server == "" {
		p.setStatus(PhoneRegistered, "started")
		p.mu.Unlock()
		return nil
	}
	first := make(chan error, 1)
	p.startRegistration(ua, first)
	p.mu.Unlock()

	err = <-first
	if errors.Is(err, ErrRejected) {
		// Refused at start: close down quietly, staying FAILED with
		// the registrar's reason.
		_ = p.stop(false)
	}
	return err
}

// newUA binds the phone's transport and builds its user agent; p.mu is held.
func (p *Phone) newUA() (*sip.UA, error) {
	cfg := sip.Config{
		Transport:   p.cfg.Transport,
		Host:        p.host,
		Port:        p.cfg.BindPort,
		User:        p.cfg.User,
		DisplayName: p.cfg.DisplayName,
		UserAgent:   p.cfg.UserAgent,
		Credentials: &p.creds,
		Logger:      p.log,
		OnInvite:    p.onInvite,
		OnRequest:   p.onRequest,
	}
	if p.cfg.Server != "" {
		// Our address-of-record is user@server; a non-default port is
		// part of the server's identity.
		host, port := p.registrarURI()
		cfg.Domain = host
		if port != defaultPort(p.cfg.Transport) {
			cfg.Domain = net.JoinHostPort(host, strconv.Itoa(port))
		}
	}
	if p.cfg.OutboundProxy != "" {
		u, err := sip.ParseURI(p.cfg.OutboundProxy)
		if err != nil {
			return nil, fmt.Errorf("%w: outbound_proxy: %v", ErrInvalidArgument, err)
		}
		port := u.Port
		if port == 0 {
			port = defaultPort(p.cfg.Transport)
		}
		cfg.OutboundProxy = net.JoinHostPort(u.Host, strconv.Itoa(port))
	}
	bind := netip.AddrPortFrom(p.cfg.BindIP, uint16(p.cfg.BindPort))
	switch p.cfg.Transport {
	case "tcp":
		l, err := net.ListenTCP("tcp", net.TCPAddrFromAddrPort(bind))
		if err != nil {
			return nil, fmt.Errorf("%w: listen TCP %s: %v", ErrNetwork, bind, err)
		}
		cfg.Listener = l
	case "tls":
		tlsCfg, serverCfg, err := p.tlsConfigs()
		if err != nil {
			return nil, err
		}
		cfg.TLSConfig = tlsCfg
		if serverCfg != nil {
			l, err := tls.Listen("tcp", bind.String(), serverCfg)
			if err != nil {
				return nil, fmt.Errorf("%w: listen TLS %s: %v", ErrNetwork, bind, err)
			}
			cfg.Listener = l
		}
	default:
		conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(bind))
		if err != nil {
			return nil, fmt.Errorf("%w: bind SIP socket %s: %v", ErrNetwork, bind, err)
		}
		cfg.Conn = conn
	}
	ua, err := sip.NewUA(cfg)
	if err != nil {
		if cfg.Conn != nil {
			cfg.Conn.Close()
		}
		if cfg.Listener != nil {
			cfg.Listener.Close()
		}
		return nil, fmt.Errorf("%w: %v", ErrNetwork, err)
	}
	return ua, nil
}

// tlsConfigs builds the client configuration (server verification against
// ca_file or the system store, unless tls_insecure; our certificate when
// given) and, when we have a certificate, the listener's.
func (p *Phone) tlsConfigs() (client, server *tls.Config, err error) {
	client = &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: p.cfg.TLSInsecure}
	if p.cfg.CAFile != "" {
		pem, err := os.ReadFile(p.cfg.CAFile)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: ca_file: %v", ErrInvalidArgument, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, nil, fmt.Errorf("%w: ca_file %s holds no PEM certificate", ErrInvalidArgument, p.cfg.CAFile)
		}
		client.RootCAs = pool
	}
	if p.cfg.CertFile == "" && p.cfg.KeyFile == "" {
		return client, nil, nil
	}
	cert, err := loadKeyPair(p.cfg.CertFile, p.cfg.KeyFile, p.cfg.KeyPassword)
	if err != nil {
		return nil, nil, err
	}
	client.Certificates = []tls.Certificate{cert}
	server = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	return client, server, nil
}

// loadKeyPair reads a PEM certificate and key; an encrypted (legacy PEM)
// key is decrypted with password.
func loadKeyPair(certFile, keyFile, password string) (tls.Certificate, error) {
	bad := func(err error) (tls.Certificate, error) {
		return tls.Certificate{}, fmt.Errorf("%w: TLS certificate: %v", ErrInvalidArgument, err)
	}
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return bad(err)
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return bad(err)
	}
	if block, _ := pem.Decode(keyPEM); block != nil && x509.IsEncryptedPEMBlock(block) { //nolint:staticcheck // legacy PEM encryption is what key_password is for
		der, err := x509.DecryptPEMBlock(block, []byte(password)) //nolint:staticcheck
		if err != nil {
			return bad(err)
		}
		keyPEM = pem.EncodeToMemory(&pem.Block{Type: block.Type, Bytes: der})
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return bad(err)
	}
	return cert, nil
}

func defaultPort(transport string) int {
	if transport == "tls" {
		return 5061
	}
	return 5060
}

// hostOnly is the host of "host:port".
func hostOnly(addr string) string {
	h, _ := splitHostPort(addr)
	return h
}

// splitHostPort splits "host[:port]" (port 0 when absent).
func splitHostPort(s string) (string, int) {
	if h, p, err := net.SplitHostPort(s); err == nil {
		n, _ := strconv.Atoi(p)
		return h, n
	}
	return strings.Trim(s, "[]"), 0
}

// advertisedHost is the address written in Via, Contact and SDP when no
// hostname is configured: the bind address, or for a wildcard bind the
// first non-loopback IPv4 address of the machine (loopback as a last
// resort).
func advertisedHost(bind netip.Addr) string {
	if !bind.IsUnspecified() {
		return bind.String()
	}
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(n.IP); ok {
				ip = ip.Unmap()
				if ip.Is4() && !ip.IsLoopback() && !ip.IsLinkLocalUnicast() {
					return ip.String()
				}
			}
		}
	}
	return "127.0.0.1"
}

// Stop hangs up every call (BYE, CANCEL, or 480 for ringing ones), waits up
// to about two seconds for them to finish, and closes the sockets.
func (p *Phone) Stop() error { return p.stop(true) }

// stop closes the phone down; report=false keeps the current status (and
// reports nothing), for a start that failed.
func (p *Phone) stop(report bool) error {
	p.mu.Lock()
	if p.ua == nil {
		p.mu.Unlock()
		return nil
	}
	p.stopping = true
	wasRegistered := p.cfg.Server != "" && (p.status == PhoneRegistered || p.status == PhoneRegistering)
	if report {
		p.setStatus(PhoneDeregistering, "stopping")
	}
	calls := make([]*Call, 0, len(p.calls))
	for c := range p.calls {
		calls = append(calls, c)
	}
	p.mu.Unlock()

	var wg sync.WaitGroup
	for _, c := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.terminate("phone stopped")
		}()
	}
	wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, c := range calls {
		if _, err := c.Wait(ctx, Ended.Mask()); err != nil {
			c.end("phone stopped", 0)
		}
	}

	p.stopRegistration(wasRegistered)
	byes := make(chan struct{})
	go func() { p.background.Wait(); close(byes) }()
	select {
	case <-byes:
	case <-ctx.Done():
		p.log.Info("stop: some BYE transactions did not complete in time")
	}

	p.mu.Lock()
	ua, pacer := p.ua, p.pacer
	p.ua, p.pacer, p.ports = nil, nil, nil
	p.mu.Unlock()
	ua.Close()
	pacer.Stop()
	if report {
		p.mu.Lock()
		p.setStatus(PhoneInactive, "stopped")
		p.mu.Unlock()
	}
	p.log.Info("phone stopped")
	return nil
}

// Close stops the phone and ends its dispatcher after delivering what is
// queued. wait=false is for a caller on the dispatcher goroutine itself.
func (p *Phone) Close(wait bool) {
	_ = p.Stop()
	p.events.close(wait)
}

// Calls returns the phone's calls that have not ended.
func (p *Phone) Calls() []*Call {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]*Call, 0, len(p.calls))
	for c := range p.calls {
		out = append(out, c)
	}
	return out
}

// newSessionID returns an SDP session id unique within the phone.
func (p *Phone) newSessionID() uint64 {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return uint64(binary.BigEndian.Uint32(b[:]))<<16 | p.sessions.Add(1)&0xffff
}

// hostFor is the host we write in Via, Contact and SDP for a peer at ip
// (pyVoIP's NAT settings): the hostname for peers inside bind_network, the
// remote_hostname (when set) for the others. p.mu is held.
func (p *Phone) hostFor(ip netip.Addr) string {
	if !ip.IsValid() || p.cfg.RemoteHostname == "" || p.cfg.BindNetwork.Contains(ip.Unmap()) {
		return p.host
	}
	return p.cfg.RemoteHostname
}

// peerIP is the address a host name or literal stands for (the zero Addr
// when it does not resolve).
func peerIP(host string) netip.Addr {
	if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return ip.Unmap()
	}
	ips, err := net.LookupIP(host)
	if err != nil || len(ips) == 0 {
		return netip.Addr{}
	}
	ip, _ := netip.AddrFromSlice(ips[0])
	return ip.Unmap()
}

// localMedia describes our audio stream for offer/answer, with host in c=.
// p.mu is held.
func (p *Phone) localMedia(port int, host string) (sip.LocalMedia, error) {
	ip, err := netip.ParseAddr(host)
	if err != nil {
		ips, lerr := net.LookupIP(host)
		if lerr != nil || len(ips) == 0 {
			return sip.LocalMedia{}, fmt.Errorf("%w: hostname %q does not resolve", ErrNetwork, host)
		}
		ip, _ = netip.AddrFromSlice(ips[0])
		ip = ip.Unmap()
	}
	codecs := make([]sip.Codec, 0, len(p.cfg.Codecs))
	for _, n := range p.cfg.Codecs {
		c := rtp.CodecByName(n)
		codecs = append(codecs, sip.Codec{PayloadType: c.PayloadType, Name: c.Name, ClockRate: c.ClockRate})
	}
	id := p.newSessionID()
	return sip.LocalMedia{
		SessionID:       id,
		SessionVersion:  id,
		IP:              ip,
		Port:            port,
		Codecs:          codecs,
		DTMFPayloadType: p.cfg.DTMFPayloadType,
		Direction:       sip.SendRecv,
		Ptime:           20,
	}, nil
}

// running returns the UA and pool of a started phone, or ErrInvalidState.
func (p *Phone) running() (*sip.UA, *portPool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ua == nil || p.stopping {
		return nil, nil, fmt.Errorf("%w: phone is %s", ErrInvalidState, p.status)
	}
	return p.ua, p.ports, nil
}

func (p *Phone) addCall(c *Call) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ua == nil || p.stopping {
		return fmt.Errorf("%w: phone is stopping", ErrInvalidState)
	}
	p.calls[c] = struct{}{}
	return nil
}

func (p *Phone) removeCall(c *Call) {
	p.mu.Lock()
	delete(p.calls, c)
	p.mu.Unlock()
}

// Call places a call to uri and returns it in Dialing; the outcome arrives
// through the CallState handler and Call.Wait.
func (p *Phone) Call(uri string) (*Call, error) {
	target, err := p.target(uri)
	if err != nil {
		return nil, err
	}
	ua, ports, err := p.running()
	if err != nil {
		return nil, err
	}
	conn, err := ports.get()
	if err != nil {
		return nil, err
	}
	c := newCall(p, true)
	c.remoteURI = target.String()
	c.conn, c.port = conn, conn.LocalAddr().(*net.UDPAddr).Port
	// The peer whose view of us matters is the next hop: the outbound
	// proxy, or the target itself.
	next := target.Host
	if p.cfg.OutboundProxy != "" {
		if u, perr := sip.ParseURI(p.cfg.OutboundProxy); perr == nil {
			next = u.Host
		}
	}
	nextIP := peerIP(next)
	p.mu.Lock()
	host := p.hostFor(nextIP)
	c.local, err = p.localMedia(c.port, host)
	timeout := p.cfg.InviteTimeout
	p.mu.Unlock()
	if err == nil {
		c.offer, err = sip.BuildOffer(c.local)
	}
	if err != nil {
		c.releasePort()
		return nil, err
	}
	if err := p.addCall(c); err != nil {
		c.releasePort()
		return nil, err
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	c.cancelInvite = cancel
	oc, err := ua.Invite(ctx, target, c.offer, host)
	if err != nil {
		cancel(nil)
		c.releasePort()
		p.removeCall(c)
		return nil, fmt.Errorf("%w: INVITE to %s: %v", ErrNetwork, target.String(), err)
	}
	c.out = oc
	c.callID = oc.CallID()
	c.localURI = oc.LocalURI()
	c.mu.Lock()
	c.setState(Dialing, "INVITE sent")
	c.mu.Unlock()
	go c.runOutgoing(ctx, timeout)
	return c, nil
}

// onInvite handles a new incoming INVITE (in the UA's goroutine for it).
func (p *Phone) onInvite(ic *sip.IncomingCall) {
	p.mu.Lock()
	host := p.hostFor(peerIP(hostOnly(ic.Source())))
	probe, err := p.localMedia(9, host)
	p.mu.Unlock()
	if err != nil {
		_ = ic.Reject(500, "Server Internal Error")
		return
	}
	if p.handlers().IncomingCall == nil {
		_ = ic.Reject(486, "Busy Here")
		return
	}
	if len(ic.Offer()) == 0 {
		// An INVITE without an offer wants ours in the 200 and the
		// answer in the ACK; not supported yet.
		_ = ic.Reject(488, "Not Acceptable Here")
		return
	}
	if _, _, err := sip.Answer(ic.Offer(), probe); err != nil {
		p.log.Info("incoming call rejected: offer not acceptable", "from", ic.From(), "error", err)
		_ = ic.Reject(488, "Not Acceptable Here")
		return
	}
	p.log.Info("incoming call", "call_id", ic.CallID(), "from", ic.From())
	c := newCall(p, false)
	c.in = ic
	c.host = host
	c.remoteURI, c.localURI, c.callID = ic.From(), ic.To(), ic.CallID()
	if err := p.addCall(c); err != nil {
		_ = ic.Reject(480, "Temporarily Unavailable")
		return
	}
	// The incoming-call event goes first, then the RINGING state; both are
	// queued under the call's lock so that a handler answering at once
	// finds the call already Ringing.
	c.mu.Lock()
	p.events.post(func() {
		if f := p.handlers().IncomingCall; f != nil {
			f(c)
		}
	})
	c.state = Ringing
	c.setState(Ringing, "INVITE received")
	c.mu.Unlock()
	// After the call is published: a CANCEL that already came ends it now,
	// so its events stay in order (incoming, RINGING, ENDED).
	ic.OnFail(func(reason string) { c.end(reason, 0) })
	ic.OnEnd(func() { c.end("remote hangup", 0) }, func() { c.end("canceled", 487) })
	if err := ic.Ringing(); err != nil {
		p.log.Debug("180 Ringing not sent", "error", err)
	}
}

// errStopped reports media started on a phone that is stopping.
var errStopped = errors.New("phone stopped")

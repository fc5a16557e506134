// Package sip is libvoip's signalling layer: a SIP user agent on top of
// github.com/emiago/sipgo (parser, transactions, transports) serving a socket
// the phone owns, with RFC 3264 offer/answer for one audio stream.
package sip

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"
)

// AllowedMethods are the methods the user agent implements, in the Allow
// header of its responses.
const AllowedMethods = "INVITE, ACK, CANCEL, BYE, OPTIONS, NOTIFY, INFO, MESSAGE"

func init() {
	// sipgo writes no UDP message over UDPMTUSize-200 bytes. RFC 3261
	// §18.1.1 moves requests that large to TCP, but nothing limits
	// responses, which echo the request's Via and Record-Route and can
	// pass 1300 bytes (RFC 4475 longreq): unsent, the caller would
	// retransmit until it times out. Let IP fragment them.
	gosip.UDPMTUSize = 65535

	// A few sipgo paths (connection reference counts) log through its
	// process-wide default logger, not the one we inject per phone: a
	// library must not write to the host's stderr unasked, so those lines
	// appear only when VOIP_LOG asks for log output.
	var h slog.Handler = slog.DiscardHandler
	if lv, ok := envLogLevel(os.Getenv("VOIP_LOG")); ok {
		h = slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lv})
	}
	gosip.SetDefaultLogger(slog.New(h))
}

// envLogLevel parses VOIP_LOG: debug, info, warn or error.
func envLogLevel(s string) (slog.Level, bool) {
	var lv slog.Level
	if s == "" || lv.UnmarshalText([]byte(s)) != nil {
		return 0, false
	}
	return lv, true
}

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
	UserAgent   string // User-Agent header value
	// OutboundProxy ("host:port") receives every request that starts a
	// transaction outside a dialog; "" sends them to their target.
	OutboundProxy string
	// Credentials answer 401/407 challenges to any request we send.
	Credentials *Credentials
	Logger      *slog.Logger
	// OnInvite is called, in its own goroutine, for each new incoming
	// INVITE that passed validation. It must eventually Answer, Reject, or
	// see the call canceled.
	OnInvite func(*IncomingCall)
	// OnRequest is told about NOTIFY, INFO and MESSAGE requests after they
	// were answered 200 OK.
	OnRequest func(Request)
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
}

// NewUA builds a user agent. Call Serve to start reading.
func NewUA(cfg Config) (*UA, error) {
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
			return nil, errors.New("sip: no UDP socket")
		}
		cfg.Port = cfg.Conn.LocalAddr().(*net.UDPAddr).Port
	case "tcp", "tls":
		if cfg.Listener != nil {
			cfg.Port = cfg.Listener.Addr().(*net.TCPAddr).Port
		}
	default:
		return nil, fmt.Errorf("sip: unknown transport %q", cfg.Transport)
	}
	u := &UA{
		cfg:     cfg,
		log:     cfg.Logger,
		port:    cfg.Port,
		servers: map[string]*IncomingCall{},
		clients: map[string]*OutgoingCall{},
	}
	uaOpts := []sipgo.UserAgentOption{
		sipgo.WithUserAgent(cfg.User),
		sipgo.WithUserAgentHostname(cfg.Host),
		sipgo.WithUserAgentTransactionLayerOptions(
			gosip.WithTransactionLayerLogger(cfg.Logger),
			// A response matching none of our transactions (RFC 4475
			// bcast, unreason) is dropped; sipgo's default handler logs
			// it on slog's default logger, bypassing cfg.Logger.
			gosip.WithTransactionLayerUnhandledResponseHandler(func(r *gosip.Response) {
				u.log.Debug("sip: unmatched response dropped", "response", r.Short())
			}),
		),
		sipgo.WithUserAgentTransportLayerOptions(
			gosip.WithTransportLayerLogger(cfg.Logger),
			gosip.WithTransportLayerReadFilter(u.readFilter),
		),
	}
	if cfg.TLSConfig != nil {
		uaOpts = append(uaOpts, sipgo.WithUserAgenTLSConfig(cfg.TLSConfig))
	}
	ua, err := sipgo.NewUA(uaOpts...)
	if err != nil {
		return nil, err
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(cfg.Logger))
	if err != nil {
		ua.Close()
		return nil, err
	}
	cliOpts := []sipgo.ClientOption{
		sipgo.WithClientLogger(cfg.Logger),
		sipgo.WithClientHostname(cfg.Host),
		sipgo.WithClientNAT(), // ;rport (RFC 3581)
	}
	if cfg.Port != 0 {
		cliOpts = append(cliOpts, sipgo.WithClientPort(cfg.Port))
	}
	if cfg.Transport == "udp" {
		// Requests leave from the listening socket, so responses and
		// NAT bindings come back to it.
		cliOpts = append(cliOpts, sipgo.WithClientConnectionAddr(cfg.Conn.LocalAddr().String()))
	}
	cli, err := sipgo.NewClient(ua, cliOpts...)
	if err != nil {
		ua.Close()
		return nil, err
	}
	u.ua, u.srv, u.cli = ua, srv, cli
	u.contact = u.makeContact(cfg.Host, cfg.Port)
	u.dialog = sipgo.DialogUA{Client: cli, ContactHDR: u.contact}
	srv.OnInvite(u.handleInvite)
	srv.OnAck(u.handleAck)
	srv.OnBye(u.handleBye)
	srv.OnCancel(u.handleCancel)
	srv.OnOptions(u.handleOptions)
	srv.OnNotify(u.handleInfoLike)
	srv.OnInfo(u.handleInfoLike)
	srv.OnMessage(u.handleInfoLike)
	srv.OnNoRoute(u.handleUnknown)
	return u, nil
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
			if err != nil {
				u.log.Debug("sip: serve ended", "error", err)
			}
		}()
	}
}

func (u *UA) serveUDP() {
	u.wg.Add(1)
	go func() {
		defer u.wg.Done()
		if err := u.srv.ServeUDP(u.cfg.Conn); err != nil {
			u.log.Debug("sip: serve ended", "error", err)
		}
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
	var err error
	if u.cfg.Conn != nil {
		err = u.cfg.Conn.Close()
	}
	if u.cfg.Listener != nil {
		u.cfg.Listener.Close()
	}
	u.ua.Close()
	u.wg.Wait()
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

// do sends an out-of-dialog request and waits for its final response,
// answering 401/407 challenges with our credentials (a new CSeq and branch
// each time; one more try after a stale nonce).
func (u *UA) do(ctx context.Context, req *gosip.Request) (*gosip.Response, error) {
	stales := 0
	for attempt := 0; ; attempt++ {
		res, err := u.cli.Do(ctx, req)
		if err != nil {
			return nil, err
		}
		if !IsChallenge(res) || attempt >= 2+stales || u.cfg.Credentials == nil {
			return res, nil
		}
		stale, aerr := authorize(req, res, u.cfg.Credentials, u.cfg.User)
		if aerr != nil {
			return res, nil
		}
		if stale && stales == 0 {
			stales = 1
		}
		req.RemoveHeader("Via")
		if cseq := req.CSeq(); cseq != nil {
			cseq.SeqNo++
		}
	}
}

// Message sends a MESSAGE (RFC 3428) and returns its final response.
func (u *UA) Message(ctx context.Context, target gosip.Uri, contentType string, body []byte) (*gosip.Response, error) {
	req := gosip.NewRequest(gosip.MESSAGE, target)
	req.AppendHeader(u.fromHeader())
	req.AppendHeader(&gosip.ToHeader{Address: gosip.Uri{Scheme: target.Scheme, User: target.User, Host: target.Host, Port: target.Port}})
	if contentType == "" {
		contentType = "text/plain"
	}
	req.AppendHeader(gosip.NewHeader("Content-Type", contentType))
	u.commonHeaders(req)
	req.SetBody(body)
	u.route(req)
	return u.do(ctx, req)
}

func (u *UA) commonHeaders(m interface{ AppendHeader(gosip.Header) }) {
	if u.cfg.UserAgent != "" {
		m.AppendHeader(gosip.NewHeader("User-Agent", u.cfg.UserAgent))
	}
}

func (u *UA) respond(req *gosip.Request, tx gosip.ServerTransaction, code int, reason string, headers ...gosip.Header) {
	res := gosip.NewResponseFromRequest(req, code, reason, nil)
	for _, h := range headers {
		res.AppendHeader(h)
	}
	u.commonHeaders(res)
	if err := tx.Respond(res); err != nil {
		u.log.Debug("sip: respond failed", "code", code, "error", err)
	}
}

func allowHeader() gosip.Header { return gosip.NewHeader("Allow", AllowedMethods) }

// URI is a SIP URI.
type URI = gosip.Uri

// ParseURI parses a call target: "sip:user@host[:port]", "sips:...", or the
// same without a scheme. It rejects URIs without a host.
func ParseURI(s string) (gosip.Uri, error) {
	var uri gosip.Uri
	s = strings.TrimSpace(s)
	if s == "" {
		return uri, errors.New("empty URI")
	}
	if strings.HasPrefix(s, "<") && strings.HasSuffix(s, ">") {
		s = s[1 : len(s)-1]
	}
	lower := strings.ToLower(s)
	if !strings.HasPrefix(lower, "sip:") && !strings.HasPrefix(lower, "sips:") {
		if strings.Contains(s, ":") && !strings.Contains(s, "@") && strings.Count(s, ":") == 1 && !isHostPort(s) {
			return uri, fmt.Errorf("unsupported URI scheme in %q", s)
		}
		s = "sip:" + s
	}
	if err := gosip.ParseUri(s, &uri); err != nil {
		return uri, fmt.Errorf("bad URI %q: %v", s, err)
	}
	if uri.Host == "" || strings.ContainsAny(uri.Host, " \t<>\"") {
		return uri, fmt.Errorf("bad URI %q: no host", s)
	}
	if uri.Port < 0 || uri.Port > 65535 {
		return uri, fmt.Errorf("bad URI %q: port out of range", s)
	}
	return uri, nil
}

func isHostPort(s string) bool {
	_, err := netip.ParseAddrPort(s)
	if err == nil {
		return true
	}
	h, p, err := net.SplitHostPort(s)
	return err == nil && h != "" && p != ""
}

// --- request handlers -----------------------------------------------------

func (u *UA) handleOptions(req *gosip.Request, tx gosip.ServerTransaction) {
	if code, reason, hdrs := validate(req); code != 0 {
		u.respond(req, tx, code, reason, hdrs...)
		return
	}
	u.respond(req, tx, 200, "OK", allowHeader(),
		gosip.NewHeader("Accept", "application/sdp"),
		gosip.NewHeader("Accept-Language", "en"))
}

func (u *UA) handleUnknown(req *gosip.Request, tx gosip.ServerTransaction) {
	if code, reason, hdrs := validate(req); code != 0 {
		u.respond(req, tx, code, reason, hdrs...)
		return
	}
	u.respond(req, tx, 501, "Not Implemented", allowHeader())
}

// handleInfoLike answers NOTIFY, INFO and MESSAGE with 200 OK and reports
// them to the application (message-waiting indications, DTMF by INFO,
// texts).
func (u *UA) handleInfoLike(req *gosip.Request, tx gosip.ServerTransaction) {
	if code, reason, hdrs := validate(req); code != 0 {
		u.respond(req, tx, code, reason, hdrs...)
		return
	}
	u.respond(req, tx, 200, "OK")
	if u.cfg.OnRequest == nil {
		return
	}
	ct := ""
	if h := req.ContentType(); h != nil {
		ct = h.Value()
	}
	u.cfg.OnRequest(Request{
		Method:      string(req.Method),
		From:        req.From().Address.String(),
		CallID:      req.CallID().Value(),
		ContentType: ct,
		Body:        req.Body(),
	})
}

func (u *UA) handleCancel(req *gosip.Request, tx gosip.ServerTransaction) {
	// A CANCEL that matched a pending INVITE was answered by the
	// transaction layer; this one matches nothing.
	u.respond(req, tx, 481, "Call/Transaction Does Not Exist")
}

func (u *UA) handleAck(req *gosip.Request, tx gosip.ServerTransaction) {
	id, err := gosip.DialogIDFromRequestUAS(req)
	if err != nil {
		return
	}
	u.mu.Lock()
	ic := u.servers[id]
	u.mu.Unlock()
	if ic != nil {
		if err := ic.ds.ReadAck(req, tx); err != nil {
			u.log.Debug("sip: ACK not accepted", "error", err)
		}
	}
}

func (u *UA) handleBye(req *gosip.Request, tx gosip.ServerTransaction) {
	if code, reason, hdrs := validate(req); code != 0 {
		u.respond(req, tx, code, reason, hdrs...)
		return
	}
	if id, err := gosip.DialogIDFromRequestUAS(req); err == nil {
		u.mu.Lock()
		ic := u.servers[id]
		u.mu.Unlock()
		if ic != nil {
			if err := ic.ds.ReadBye(req, tx); err != nil {
				u.respond(req, tx, 481, "Call/Transaction Does Not Exist")
				return
			}
			ic.remoteBye()
			return
		}
	}
	if id, err := gosip.DialogIDFromRequestUAC(req); err == nil {
		u.mu.Lock()
		oc := u.clients[id]
		u.mu.Unlock()
		if oc != nil {
			if err := oc.ds.ReadBye(req, tx); err != nil {
				u.respond(req, tx, 481, "Call/Transaction Does Not Exist")
				return
			}
			oc.remoteBye()
			return
		}
	}
	u.respond(req, tx, 481, "Call/Transaction Does Not Exist")
}

func (u *UA) handleInvite(req *gosip.Request, tx gosip.ServerTransaction) {
	if code, reason, hdrs := validate(req); code != 0 {
		u.respond(req, tx, code, reason, hdrs...)
		return
	}
	if to := req.To(); to != nil && to.Params.Has("tag") {
		u.handleReInvite(req, tx)
		return
	}
	if req.Contact() == nil {
		u.respond(req, tx, 400, "Missing Contact")
		return
	}
	// RFC 3261 §8.2.2.2: a second INVITE of the same call (same Call-ID
	// and From tag, another transaction), e.g. forked back to us, is a
	// loop or merged request.
	if u.isMerged(req) {
		u.respond(req, tx, 482, "Loop Detected")
		return
	}
	u.respond(req, tx, 100, "Trying")
	ds, err := u.dialog.ReadInvite(req, tx)
	if err != nil {
		u.respond(req, tx, 400, "Bad Request")
		return
	}
	ic := newIncomingCall(u, req, ds)
	u.mu.Lock()
	if u.closed {
		u.mu.Unlock()
		u.respond(req, tx, 503, "Service Unavailable")
		return
	}
	u.servers[ds.ID] = ic
	u.mu.Unlock()
	// The decision (answer, reject) may be taken in OnInvite itself or
	// later from any goroutine; serve, on this goroutine, carries it out.
	if u.cfg.OnInvite == nil {
		go ic.Reject(486, "Busy Here")
	} else {
		go u.cfg.OnInvite(ic)
	}
	ic.serve()
}

// isMerged reports whether an incoming call with req's Call-ID and From
// tag exists already.
func (u *UA) isMerged(req *gosip.Request) bool {
	tag, _ := req.From().Params.Get("tag")
	callID := req.CallID().Value()
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, ic := range u.servers {
		r := ic.req
		if r.CallID().Value() != callID {
			continue
		}
		if t, _ := r.From().Params.Get("tag"); t == tag {
			return true
		}
	}
	return false
}

// handleReInvite answers a re-INVITE in an existing dialog with our current
// session description: the media stays as negotiated (no hold or codec
// change is applied yet), which RFC 3264 §8 allows us to keep.
func (u *UA) handleReInvite(req *gosip.Request, tx gosip.ServerTransaction) {
	var sdp []byte
	if id, err := gosip.DialogIDFromRequestUAS(req); err == nil {
		u.mu.Lock()
		if ic := u.servers[id]; ic != nil {
			sdp = ic.localSDP()
		}
		u.mu.Unlock()
	}
	if sdp == nil {
		if id, err := gosip.DialogIDFromRequestUAC(req); err == nil {
			u.mu.Lock()
			if oc := u.clients[id]; oc != nil {
				sdp = oc.offer
			}
			u.mu.Unlock()
		}
	}
	if sdp == nil {
		u.respond(req, tx, 481, "Call/Transaction Does Not Exist")
		return
	}
	res := gosip.NewSDPResponseFromRequest(req, sdp)
	res.AppendHeader(u.contactHeader())
	u.commonHeaders(res)
	if err := tx.Respond(res); err != nil {
		u.log.Debug("sip: re-INVITE response failed", "error", err)
	}
}

// --- incoming calls -------------------------------------------------------

// IncomingCall is an INVITE we received. Its methods may be called from any
// goroutine.
type IncomingCall struct {
	u   *UA
	req *gosip.Request
	ds  *sipgo.DialogServerSession

	decide     chan decision
	done       chan struct{} // closed when the transaction is settled
	once       sync.Once
	mu         sync.Mutex
	answered   []byte // our SDP, once answered
	onBye      func()
	onCancel   func()
	canceled   bool
	byeOnce    sync.Once
	cancelOnce sync.Once
}

type decision struct {
	host   string
	code   int
	reason string
	sdp    []byte
	result chan error
}

func newIncomingCall(u *UA, req *gosip.Request, ds *sipgo.DialogServerSession) *IncomingCall {
	return &IncomingCall{u: u, req: req, ds: ds, decide: make(chan decision), done: make(chan struct{})}
}

// From is the caller's URI.
func (ic *IncomingCall) From() string { return ic.req.From().Address.String() }

// To is the called URI.
func (ic *IncomingCall) To() string { return ic.req.To().Address.String() }

// CallID is the SIP Call-ID.
func (ic *IncomingCall) CallID() string { return ic.req.CallID().Value() }

// Offer is the INVITE's body (an SDP offer, or empty).
func (ic *IncomingCall) Offer() []byte { return ic.req.Body() }

// Source is the address the INVITE came from.
func (ic *IncomingCall) Source() string { return ic.req.Source() }

// RequestHost is the host of the Request-URI (usually our address as the
// caller sees it).
func (ic *IncomingCall) RequestHost() string { return ic.req.Recipient.Host }

// OnEnd registers what to call when the caller hangs up (BYE) or cancels
// (CANCEL). Set them before answering.
//
// A CANCEL can arrive before OnEnd is called: cancel then runs at once,
// from OnEnd. Either way it runs exactly once.
func (ic *IncomingCall) OnEnd(bye, cancel func()) {
	ic.mu.Lock()
	ic.onBye, ic.onCancel = bye, cancel
	fire := ic.canceled
	ic.mu.Unlock()
	if fire {
		ic.runCancel()
	}
}

// canceledPath records that the caller canceled and tells the owner once.
func (ic *IncomingCall) canceledPath() {
	ic.once.Do(func() {})
	ic.forget()
	ic.mu.Lock()
	ic.canceled = true
	ic.mu.Unlock()
	ic.runCancel()
}

func (ic *IncomingCall) runCancel() {
	ic.mu.Lock()
	f := ic.onCancel
	ic.mu.Unlock()
	if f != nil {
		ic.cancelOnce.Do(f)
	}
}

// wasCanceled reports whether the INVITE transaction ended by a CANCEL,
// judging by err (what a write to the transaction returned, which can tell
// before the dialog records it) and by the dialog's context.
func (ic *IncomingCall) wasCanceled(err error) bool {
	return errors.Is(err, gosip.ErrTransactionCanceled) ||
		errors.Is(context.Cause(ic.ds.Context()), gosip.ErrTransactionCanceled)
}

// Ringing sends 180 Ringing.
func (ic *IncomingCall) Ringing() error {
	return ic.send(decision{code: 180, reason: "Ringing"})
}

// Answer sends 200 OK with sdp and a Contact with host ("" = default). It
// returns once the response is handed over; the ACK is awaited in the
// background.
func (ic *IncomingCall) Answer(sdp []byte, host string) error {
	return ic.send(decision{code: 200, reason: "OK", sdp: sdp, host: host})
}

// Reject sends a final error response (4xx-6xx).
func (ic *IncomingCall) Reject(code int, reason string) error {
	return ic.send(decision{code: code, reason: reason})
}

var errDecided = errors.New("sip: call already answered, rejected or canceled")

// send hands a response to the serving goroutine, the only one that
// writes responses of the INVITE transaction. A final response is accepted
// once.
func (ic *IncomingCall) send(d decision) error {
	d.result = make(chan error, 1)
	if d.code >= 200 {
		first := false
		ic.once.Do(func() { first = true })
		if !first {
			return errDecided
		}
	}
	select {
	case ic.decide <- d:
	case <-ic.done:
		return errDecided
	}
	return <-d.result
}

// serve runs in the INVITE handler's goroutine until the transaction is
// settled: a decision is written, or the caller cancels.
func (ic *IncomingCall) serve() {
	defer close(ic.done)
	for {
		if ic.serveOne() {
			return
		}
	}
}

// serveOne carries out one decision; it reports whether the transaction is
// settled.
func (ic *IncomingCall) serveOne() bool {
	select {
	case d := <-ic.decide:
		if ic.wasCanceled(nil) {
			// The CANCEL won the race (both were ready): the
			// transaction layer has answered 487.
			d.result <- errDecided
			ic.canceledPath()
			return true
		}
		if d.code < 200 {
			d.result <- ic.ds.Respond(d.code, d.reason, nil)
			return false
		}
		if d.code >= 300 {
			d.result <- nil
			if err := ic.ds.Respond(d.code, d.reason, nil); err != nil {
				ic.u.log.Debug("sip: reject failed", "call_id", ic.CallID(), "error", err)
			}
			ic.forget()
			return true
		}
		ic.mu.Lock()
		ic.answered = d.sdp
		ic.mu.Unlock()
		res := gosip.NewSDPResponseFromRequest(ic.ds.InviteRequest, d.sdp)
		res.AppendHeader(ic.u.contactFor(d.host))
		ic.u.commonHeaders(res)
		// WriteResponse sends the 200 and retransmits it until the ACK
		// arrives (RFC 3261 §13.3.1.4); the call is up from now on.
		d.result <- nil
		if err := ic.ds.WriteResponse(res); err != nil {
			switch {
			case ic.wasCanceled(err):
				// The CANCEL crossed our 200: the caller got 487.
				ic.canceledPath()
			case ic.ds.Context().Err() == nil:
				ic.u.log.Info("sip: no ACK for our 200 OK; hanging up", "call_id", ic.CallID(), "error", err)
				_ = ic.Bye(context.Background())
				ic.endBy(ic.onByeFn())
			default:
				// Ended otherwise (a BYE before the ACK): the BYE
				// handler reported it.
			}
		}
		return true
	case <-ic.ds.Context().Done():
		ic.canceledPath()
		return true
	}
}

func (ic *IncomingCall) forget() {
	ic.u.mu.Lock()
	delete(ic.u.servers, ic.ds.ID)
	ic.u.mu.Unlock()
}

func (ic *IncomingCall) onByeFn() func() {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	return ic.onBye
}

func (ic *IncomingCall) endBy(f func()) {
	if f != nil {
		ic.byeOnce.Do(f)
	}
}

func (ic *IncomingCall) remoteBye() {
	ic.forget()
	ic.endBy(ic.onByeFn())
}

func (ic *IncomingCall) localSDP() []byte {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	return ic.answered
}

// Bye ends an answered call.
func (ic *IncomingCall) Bye(ctx context.Context) error {
	ic.byeOnce.Do(func() {})
	defer ic.forget()
	err := ic.ds.Bye(ctx)
	return ic.u.retryByeWithAuth(ctx, err, ic.ds.InviteRequest.Contact().Address, ic.ds.Do)
}

// --- outgoing calls -------------------------------------------------------

// OutgoingCall is an INVITE we sent.
type OutgoingCall struct {
	u       *UA
	viaHost string
	ds      *sipgo.DialogClientSession
	offer   []byte
	mu      sync.Mutex
	onBye   func()
	byeOnce sync.Once
	id      string
}

// Invite sends an INVITE with the SDP offer to target. host, when not
// empty, is the host written in our Via and Contact for this call (our
// address as the peer must see it, e.g. behind NAT).
func (u *UA) Invite(ctx context.Context, target gosip.Uri, offer []byte, host string) (*OutgoingCall, error) {
	req := gosip.NewRequest(gosip.INVITE, target)
	u.addVia(req, host)
	req.AppendHeader(u.fromHeader())
	req.AppendHeader(&gosip.ToHeader{Address: gosip.Uri{Scheme: target.Scheme, User: target.User, Host: target.Host, Port: target.Port}})
	req.AppendHeader(u.contactFor(host))
	req.AppendHeader(allowHeader())
	req.AppendHeader(gosip.NewHeader("Content-Type", "application/sdp"))
	u.commonHeaders(req)
	req.SetBody(offer)
	u.route(req)
	ds, err := u.dialog.WriteInvite(ctx, req)
	if err != nil {
		return nil, err
	}
	return &OutgoingCall{u: u, ds: ds, offer: offer, viaHost: host}, nil
}

// CallID is the SIP Call-ID.
func (oc *OutgoingCall) CallID() string { return oc.ds.InviteRequest.CallID().Value() }

// LocalURI is our From URI.
func (oc *OutgoingCall) LocalURI() string { return oc.ds.InviteRequest.From().Address.String() }

// StatusError is a final non-2xx response to our INVITE.
type StatusError struct {
	Code   int
	Reason string
}

func (e *StatusError) Error() string { return fmt.Sprintf("%d %s", e.Code, e.Reason) }

// WaitAnswer waits for the final response. onProvisional sees each 1xx.
// On success it returns the answer's body; on a final error response, a
// *StatusError. A 401/407 challenge is answered with our credentials by a
// new INVITE (same dialog identifiers, new CSeq and branch). Canceling ctx
// sends CANCEL (after the first provisional response, as RFC 3261 §9.1
// requires); canceling it with cause sipgo.WaitAnswerForceCancelErr
// abandons the transaction without CANCEL.
func (oc *OutgoingCall) WaitAnswer(ctx context.Context, onProvisional func(code int, reason string)) ([]byte, error) {
	opts := sipgo.AnswerOptions{
		OnResponse: func(res *gosip.Response) error {
			if res.IsProvisional() && onProvisional != nil {
				onProvisional(res.StatusCode, res.Reason)
			}
			return nil
		},
	}
	stales := 0
	for attempt := 0; ; attempt++ {
		err := oc.ds.WaitAnswer(ctx, opts)
		if err == nil {
			break
		}
		var de *sipgo.ErrDialogResponse
		if !errors.As(err, &de) {
			return nil, err
		}
		res := de.Res
		se := &StatusError{Code: res.StatusCode, Reason: res.Reason}
		if !IsChallenge(res) || oc.u.cfg.Credentials == nil || attempt >= 2+stales || ctx.Err() != nil {
			return nil, se
		}
		req := oc.ds.InviteRequest.Clone()
		stale, aerr := authorize(req, res, oc.u.cfg.Credentials, oc.u.cfg.User)
		if aerr != nil {
			oc.u.log.Info("sip: cannot answer INVITE challenge", "error", aerr)
			return nil, se
		}
		if stale && stales == 0 {
			stales = 1
		}
		req.RemoveHeader("Via")
		oc.u.addVia(req, oc.viaHost)
		req.CSeq().SeqNo++
		ds, werr := oc.u.dialog.WriteInvite(ctx, req)
		if werr != nil {
			return nil, werr
		}
		oc.mu.Lock()
		oc.ds = ds
		oc.mu.Unlock()
	}
	oc.u.mu.Lock()
	oc.id = oc.ds.ID
	oc.u.clients[oc.id] = oc
	oc.u.mu.Unlock()
	return oc.ds.InviteResponse.Body(), nil
}

// AnsweredAfterCancel reports whether a 200 OK crossed our CANCEL: the call
// must then be acknowledged and hung up.
func (oc *OutgoingCall) AnsweredAfterCancel() bool {
	r := oc.ds.InviteResponse
	return r != nil && r.IsSuccess()
}

// OnBye registers what to call when the callee hangs up.
func (oc *OutgoingCall) OnBye(f func()) {
	oc.mu.Lock()
	oc.onBye = f
	oc.mu.Unlock()
}

func (oc *OutgoingCall) remoteBye() {
	oc.mu.Lock()
	f := oc.onBye
	oc.mu.Unlock()
	if f != nil {
		oc.byeOnce.Do(f)
	}
	oc.forget()
}

func (oc *OutgoingCall) forget() {
	oc.u.mu.Lock()
	delete(oc.u.clients, oc.id)
	oc.u.mu.Unlock()
}

// Ack acknowledges the 200 OK.
func (oc *OutgoingCall) Ack(ctx context.Context) error { return oc.ds.Ack(ctx) }

// Bye hangs up an established call.
func (oc *OutgoingCall) Bye(ctx context.Context) error {
	oc.byeOnce.Do(func() {})
	defer oc.forget()
	err := oc.ds.Bye(ctx)
	target := oc.ds.InviteRequest.Recipient
	if c := oc.ds.InviteResponse.Contact(); c != nil {
		target = c.Address
	}
	return oc.u.retryByeWithAuth(ctx, err, target, oc.ds.Do)
}

// retryByeWithAuth answers a 401/407 to our BYE with a new, authenticated
// BYE in the same dialog; any other outcome is returned as it is.
func (u *UA) retryByeWithAuth(ctx context.Context, err error, target gosip.Uri, do func(context.Context, *gosip.Request) (*gosip.Response, error)) error {
	res := challengeOf(err)
	for attempt := 0; res != nil && attempt < 2 && u.cfg.Credentials != nil; attempt++ {
		bye := gosip.NewRequest(gosip.BYE, *target.Clone())
		if _, aerr := authorize(bye, res, u.cfg.Credentials, u.cfg.User); aerr != nil {
			return err
		}
		res, err = do(ctx, bye)
		if err != nil {
			return err
		}
		if res.IsSuccess() {
			return nil
		}
		err = &StatusError{Code: res.StatusCode, Reason: res.Reason}
		if !IsChallenge(res) {
			return err
		}
	}
	return err
}

// challengeOf returns the 401/407 response inside a sipgo dialog error.
func challengeOf(err error) *gosip.Response {
	var res *gosip.Response
	var pe *sipgo.ErrDialogResponse
	var ve sipgo.ErrDialogResponse
	switch {
	case errors.As(err, &pe):
		res = pe.Res
	case errors.As(err, &ve):
		res = ve.Res
	}
	if res != nil && IsChallenge(res) {
		return res
	}
	return nil
}

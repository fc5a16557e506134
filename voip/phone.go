package voip

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libvoip/libvoip/media"
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
	// CallEvent is told about events of an established call other than
	// state changes: name is one of the Event* constants (hold, resume,
	// media_changed, ...) and detail says more; new names may come.
	CallEvent func(c *Call, name, detail string)

	// Events (subscription.go, subscription_in.go).

	// Notify is told each NOTIFY of a Subscription, and each unsolicited
	// message-summary NOTIFY (s nil), with its body parsed.
	Notify func(s *Subscription, n Notification)
	// SubscriptionState is told each state change of a Subscription.
	SubscriptionState func(s *Subscription, state, reason string)
	// IncomingSubscription is told about a SUBSCRIBE for a package of
	// ServeEvents: it must Accept, AcceptPending or Reject it within a few
	// seconds (else 480). Without it, such SUBSCRIBEs get 489.
	IncomingSubscription func(s *IncomingSubscription)
	// MediaEvent is told when a player, tone or recorder created by the
	// phone ends: name is EventPlaybackEnded, EventToneEnded or
	// EventRecordingEnded, detail the reason ("finished", "stopped",
	// "max duration", "error: ...").
	MediaEvent func(port media.Port, name, detail string)
}

// Phone is one SIP identity with its own sockets and media clock. Many
// phones may run in one process.
//
// Lock order: Call.mu, then Phone.mu, then the leaves (the dispatcher's,
// the port pool's, the log sink's, the credentials' and the rtp and sip
// packages' own locks). p.mu guards the fields below it and is held for
// moments: whoever holds it never takes a call's mu, never calls a Call
// method, never resolves a host name and never waits on the network. A
// Call reads what it needs of the phone through env, and joins or leaves
// the call table through addCall and removeCall.
//
// Events are posted to the dispatcher, which may be done holding any lock;
// the dispatcher runs the handlers on its goroutine one at a time holding
// none, so a handler may call any method of the phone or its calls, except
// Close(true), which would wait for the dispatcher itself.
type Phone struct {
	log      *slog.Logger
	logSink  *logSink
	events   *dispatcher
	handler  atomic.Pointer[Handler]
	sessions atomic.Uint64
	// background counts BYEs still being sent; Stop waits for them
	// before closing the socket. A running phone holds one count of its
	// own (from Start to stop), so that a BYE started from any goroutine
	// (an RTP timeout, a handler) adds to a count above zero, which
	// sync.WaitGroup allows concurrently with Stop's Wait.
	background sync.WaitGroup

	mu       sync.Mutex // see the lock order above
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
	ev       phoneEvents           // subscriptions and publications (subscription.go)
	bridge   *media.Bridge         // nil when stopped (media.go)
	owned    map[media.Port]func() // players, tones, recorders: how each stops

	public       netip.AddrPort // the SIP socket's address learned by STUN (nat.go)
	stunServer   netip.AddrPort // stun_server resolved at Start
	iceKeepalive time.Duration  // ICE keep-alive interval (ice.go); tests shorten it
	dtls         dtlsIdentity   // the DTLS-SRTP certificate (media_dtls.go)

	clock *mediaClock // the media clock's waiters (call_frames.go)
}

// NewPhone creates a stopped phone.
func NewPhone(cfg Config) *Phone {
	p := &Phone{cfg: cfg, calls: map[*Call]struct{}{}, events: newDispatcher(), iceKeepalive: iceKeepalive,
		clock: newMediaClock()}
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

// setStatusLocked changes the status and queues the Status event; p.mu
// is held.
func (p *Phone) setStatusLocked(s PhoneStatus, reason string) {
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
	cfg := p.Config()
	stun, err := resolveSTUN(&cfg) // nat.go; may resolve a name
	if err != nil {
		return err
	}
	p.mu.Lock()
	if p.status != PhoneInactive && p.status != PhoneFailed {
		defer p.mu.Unlock()
		return fmt.Errorf("%w: phone is %s", ErrInvalidState, p.status)
	}
	if err := p.cfg.validate(); err != nil {
		p.mu.Unlock()
		return err
	}
	if err := p.dtls.init(); err != nil { // media_dtls.go
		p.mu.Unlock()
		return fmt.Errorf("DTLS certificate: %w", err)
	}
	ports, err := newPortPool(p.cfg.BindIP, p.cfg.RTPPortLow, p.cfg.RTPPortHigh)
	if err != nil {
		p.mu.Unlock()
		return err
	}
	bridge, err := media.NewBridge(p.cfg.SampleRate) // media.go
	if err != nil {
		p.mu.Unlock()
		return fmt.Errorf("%w: %v", ErrInvalidArgument, err)
	}
	p.setStatusLocked(PhoneRegistering, "starting")
	p.host = p.cfg.Hostname
	if p.host == "" {
		p.host = advertisedHost(p.cfg.BindIP)
	}
	ua, err := p.newUALocked(stun)
	if err != nil {
		p.setStatusLocked(PhoneFailed, err.Error())
		p.mu.Unlock()
		return err
	}
	p.ua, p.ports = ua, ports
	p.pacer = rtp.NewPacer(rtp.FrameInterval)
	p.startClockLocked(p.pacer)
	p.startBridgeLocked(bridge)
	p.pacer.Start()
	p.stopping = false
	p.background.Add(1) // the running phone's count; stop releases it
	ua.Serve()
	p.log.Info("phone started", "uri", ua.URI(), "transport", ua.Transport())
	if p.cfg.Server == "" {
		p.setStatusLocked(PhoneRegistered, "started")
		p.mu.Unlock()
		return nil
	}
	first := make(chan error, 1)
	p.startRegistrationLocked(ua, first)
	p.mu.Unlock()

	err = <-first
	if errors.Is(err, ErrRejected) {
		// Refused at start: close down quietly, staying FAILED with
		// the registrar's reason.
		_ = p.stop(false)
	}
	return err
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
	first := !p.stopping
	p.stopping = true
	wasRegistered := p.cfg.Server != "" && (p.status == PhoneRegistered || p.status == PhoneRegistering)
	if report {
		p.setStatusLocked(PhoneDeregistering, "stopping")
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

	p.stopEvents(ctx) // before the registration ends: PUBLISH and SUBSCRIBE go through the registrar
	p.stopRegistration(wasRegistered)
	if first {
		p.background.Done() // the running phone's count (Start)
	}
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
	_ = ua.Close()
	pacer.Stop()
	p.stopBridge()
	if report {
		p.mu.Lock()
		p.setStatusLocked(PhoneInactive, "stopped")
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

// hostForLocked is the host we write in Via, Contact and SDP for a peer
// at ip (pyVoIP's NAT settings): the hostname for peers inside
// bind_network, the remote_hostname (when set) for the others. p.mu is
// held.
func (p *Phone) hostForLocked(ip netip.Addr) string {
	if h, ok := p.stunHostLocked(ip); ok {
		return h
	}
	if !ip.IsValid() || p.cfg.RemoteHostname == "" || p.cfg.BindNetwork.Contains(ip.Unmap()) {
		return p.host
	}
	return p.cfg.RemoteHostname
}

// localMedia describes our audio stream for offer/answer, with host in c=
// and the codecs of cfg. It resolves host when it is a name, so no lock is
// held.
func (p *Phone) localMedia(cfg *Config, port int, host string) (sip.LocalMedia, error) {
	ip, err := netip.ParseAddr(host)
	if err != nil {
		if ip = resolveIP(host); !ip.IsValid() {
			return sip.LocalMedia{}, fmt.Errorf("%w: hostname %q does not resolve", ErrNetwork, host)
		}
	}
	codecs, dtmf := sdpCodecs(cfg)
	keys, err := srtpKeys(cfg)
	if err != nil {
		return sip.LocalMedia{}, err
	}
	id := p.newSessionID()
	l := sip.LocalMedia{
		Encryption:      cfg.MediaEncryption,
		Keys:            keys,
		Keying:          cfg.MediaKeying,
		Fingerprint:     p.dtls.fingerprint(cfg), // media_dtls.go
		SessionID:       id,
		SessionVersion:  id,
		IP:              ip,
		Port:            port,
		Codecs:          codecs,
		DTMFPayloadType: cfg.DTMFPayloadType,
		DTMFFormats:     dtmf,
		Direction:       sip.SendRecv,
		Ptime:           20,
	}
	qualityMedia(cfg, &l) // quality_media.go
	return l, nil
}

// callEnv is what calls and requests read of the phone, taken in one go.
type callEnv struct {
	cfg   Config
	host  string     // our host when no NAT setting applies
	ua    *sip.UA    // nil when stopped
	ports *portPool  // nil when stopped
	pacer *rtp.Pacer // nil when stopped
	err   error      // ErrInvalidState unless started and not stopping
}

// env is the phone's state as a call needs it: the one accessor through
// which a Call reads the fields p.mu guards.
func (p *Phone) env() callEnv {
	p.mu.Lock()
	defer p.mu.Unlock()
	e := callEnv{cfg: p.cfg, host: p.host, ua: p.ua, ports: p.ports, pacer: p.pacer}
	if p.ua == nil || p.stopping {
		e.err = fmt.Errorf("%w: phone is %s", ErrInvalidState, p.status)
	}
	return e
}

// addCall puts a built call in the phone's table, unless the phone is
// stopped or stopping.
func (p *Phone) addCall(c *Call) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ua == nil || p.stopping {
		return fmt.Errorf("%w: phone is stopping", ErrInvalidState)
	}
	p.calls[c] = struct{}{}
	return nil
}

// removeCall takes an ended call out of the phone's table.
func (p *Phone) removeCall(c *Call) {
	p.mu.Lock()
	delete(p.calls, c)
	p.mu.Unlock()
}

// errStopped reports media started on a phone that is stopping.
var errStopped = errors.New("phone stopped")

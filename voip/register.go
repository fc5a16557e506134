package voip

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/libvoip/libvoip/sip"
)

// Registration timing.
const (
	registerAttemptTimeout = 5 * time.Second // one REGISTER without an answer
	registerBackoffMin     = 1 * time.Second
	registerBackoffMax     = 60 * time.Second
	unregisterTimeout      = 2 * time.Second
)

// AddCredentials stores a credential for digest authentication (pyVoIP 2's
// CredentialsManager.add): realm and user narrow when it applies ("" for
// any). It may be called at any time.
func (p *Phone) AddCredentials(username, password, realm, user string) error {
	if username == "" {
		return fmt.Errorf("%w: credentials need a username", ErrInvalidArgument)
	}
	p.creds.Add(sip.Credential{Username: username, Password: password, Realm: realm, User: user})
	return nil
}

// registrarURI is the registrar from the Server and ServerPort options.
func (p *Phone) registrarURI() (string, int) {
	host, port := splitHostPort(p.cfg.Server)
	if port == 0 {
		port = p.cfg.ServerPort
	}
	if port == 0 {
		port = defaultPort(p.cfg.Transport)
	}
	return host, port
}

// startRegistration starts the loop that keeps us registered; first
// receives the outcome of the first attempt. p.mu is held.
func (p *Phone) startRegistration(ua *sip.UA, first chan<- error) {
	host, port := p.registrarURI()
	target, err := sip.ParseURI(fmt.Sprintf("sip:%s", net.JoinHostPort(host, fmt.Sprint(port))))
	if err != nil {
		first <- fmt.Errorf("%w: server %q: %v", ErrInvalidArgument, p.cfg.Server, err)
		return
	}
	if h := p.hostFor(peerIP(host)); h != p.host {
		_, cport := ua.ContactAddr()
		ua.SetContact(h, cport)
	}
	p.reg = ua.NewRegistration(target, registerAttemptTimeout)
	ctx, cancel := context.WithCancel(context.Background())
	p.regStop, p.regDone = cancel, make(chan struct{})
	go p.registerLoop(ctx, p.reg, p.cfg.RegisterExpires, first)
}

// registerLoop registers, refreshes before the granted lifetime runs out,
// and retries with exponential backoff while the registrar does not answer
// or refuses; it reports every status change.
func (p *Phone) registerLoop(ctx context.Context, reg *sip.Registration, expires int, first chan<- error) {
	defer close(p.regDone)
	report := func(err error) {
		if first != nil {
			first <- err
			first = nil
		}
	}
	backoff := registerBackoffMin
	for {
		// Register bounds each REGISTER by registerAttemptTimeout and
		// follows our public address (RFC 3581) itself.
		res, err := reg.Register(ctx, expires)
		if ctx.Err() != nil {
			report(fmt.Errorf("%w: phone stopped", ErrInvalidState))
			return
		}
		var wait time.Duration
		switch {
		case err != nil:
			reason := "timeout"
			if !errors.Is(err, context.DeadlineExceeded) {
				reason = "network: " + err.Error()
			}
			p.log.Info("registration failed", "reason", reason)
			p.setStatusLocked(PhoneFailed, reason)
			report(fmt.Errorf("%w: registrar did not answer (%s); retrying", ErrTimeout, reason))
			wait, backoff = backoff, min(2*backoff, registerBackoffMax)
		case res.OK():
			granted := res.Expires
			p.log.Info("registered", "expires", granted)
			p.setStatusLocked(PhoneRegistered, res.Status())
			report(nil)
			backoff = registerBackoffMin
			wait = refreshDelay(granted)
		default:
			p.log.Info("registration refused", "status", res.Status())
			p.setStatusLocked(PhoneFailed, res.Status())
			if first != nil {
				report(fmt.Errorf("%w: %s", ErrRejected, res.Status()))
				return
			}
			wait, backoff = backoff, min(2*backoff, registerBackoffMax)
		}
		select {
		case <-time.After(wait):
			if st, _ := p.Status(); st == PhoneRegistered {
				p.setStatusLocked(PhoneRegistering, "refreshing")
			}
		case <-ctx.Done():
			report(fmt.Errorf("%w: phone stopped", ErrInvalidState))
			return
		}
	}
}

// refreshDelay is when to refresh a registration granted for expires
// seconds: halfway for short lifetimes, a minute early for long ones.
func refreshDelay(expires int) time.Duration {
	if expires <= 0 {
		return registerBackoffMax
	}
	d := time.Duration(expires) * time.Second
	if d < 2*time.Minute {
		return d / 2
	}
	return d - time.Minute
}

func (p *Phone) setStatusLocked(s PhoneStatus, reason string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopping {
		return
	}
	p.setStatus(s, reason)
}

// stopRegistration ends the loop and, when we were registered, removes our
// binding (Expires: 0).
func (p *Phone) stopRegistration(wasRegistered bool) {
	p.mu.Lock()
	stop, done, reg := p.regStop, p.regDone, p.reg
	p.regStop, p.regDone, p.reg = nil, nil, nil
	p.mu.Unlock()
	if stop == nil {
		return
	}
	stop()
	<-done
	if !wasRegistered {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), unregisterTimeout)
	defer cancel()
	res, err := reg.Register(ctx, 0)
	switch {
	case err != nil:
		p.log.Info("unregister got no answer", "error", err)
	case !res.OK():
		p.log.Info("unregister refused", "status", res.Status())
	default:
		p.log.Info("unregistered")
	}
}

// onRequest reports a NOTIFY, INFO or MESSAGE to the application.
func (p *Phone) onRequest(r sip.Request) {
	var call *Call
	p.mu.Lock()
	for c := range p.calls {
		if c.callID == r.CallID {
			call = c
		}
	}
	p.mu.Unlock()
	p.events.post(func() {
		if f := p.handlers().Request; f != nil {
			f(call, r.Method, r.From, r.ContentType, r.Body)
		}
	})
}

// SendMessage sends a MESSAGE (RFC 3428) to uri and waits for its answer:
// nil on 2xx, an ErrRejected error with the status otherwise.
func (p *Phone) SendMessage(ctx context.Context, uri, contentType string, body []byte) error {
	ua, _, err := p.running()
	if err != nil {
		return err
	}
	target, err := p.target(uri)
	if err != nil {
		return err
	}
	res, err := ua.Message(ctx, target, contentType, body)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%w: MESSAGE to %s: no answer", ErrTimeout, uri)
		}
		return fmt.Errorf("%w: MESSAGE to %s: %v", ErrNetwork, uri, err)
	}
	if res.StatusCode < 200 || res.StatusCode >= 300 {
		return fmt.Errorf("%w: MESSAGE to %s: %d %s", ErrRejected, uri, res.StatusCode, res.Reason)
	}
	return nil
}

// target turns what the application dials into a SIP URI: a bare user or
// number goes to the server.
func (p *Phone) target(uri string) (sip.URI, error) {
	s := strings.TrimSpace(uri)
	bare := s
	for _, scheme := range []string{"sip:", "sips:"} {
		if strings.HasPrefix(strings.ToLower(bare), scheme) {
			bare = bare[len(scheme):]
		}
	}
	p.mu.Lock()
	server := p.cfg.Server
	host, port := p.registrarURI()
	p.mu.Unlock()
	if server != "" && bare != "" && !strings.ContainsAny(bare, "@;>") {
		s = fmt.Sprintf("sip:%s@%s", bare, net.JoinHostPort(host, fmt.Sprint(port)))
	}
	t, err := sip.ParseURI(s)
	if err != nil {
		return t, fmt.Errorf("%w: %v", ErrInvalidArgument, err)
	}
	return t, nil
}

package voip

import (
	"context"
	"errors"
	"fmt"
	"net"
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

// registrarAddr is the registrar's host and port from cfg's Server and
// ServerPort options.
func registrarAddr(cfg *Config) (string, int) {
	host, port := splitHostPort(cfg.Server)
	if port == 0 {
		port = cfg.ServerPort
	}
	if port == 0 {
		port = defaultPort(cfg.Transport)
	}
	return host, port
}

// startRegistrationLocked starts the loop that keeps us registered; first
// receives the outcome of the first attempt. p.mu is held.
func (p *Phone) startRegistrationLocked(ua *sip.UA, first chan<- error) {
	host, port := registrarAddr(&p.cfg)
	target, err := sip.ParseURI(fmt.Sprintf("sip:%s", net.JoinHostPort(host, fmt.Sprint(port))))
	if err != nil {
		first <- fmt.Errorf("%w: server %q: %v", ErrInvalidArgument, p.cfg.Server, err)
		return
	}
	p.reg = ua.NewRegistration(target, registerAttemptTimeout)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	p.regStop, p.regDone = cancel, done
	reg, expires := p.reg, p.cfg.RegisterExpires
	go func() {
		defer close(done)
		p.contactTowards(ua, host)
		p.registerLoop(ctx, reg, expires, first)
	}()
}

// contactTowards writes in ua's Contact our host as the registrar at host
// sees us (NAT settings), when it is not the phone's own host. It resolves
// host, so no lock is held.
func (p *Phone) contactTowards(ua *sip.UA, host string) {
	ip := peerIP(host)
	h, err := p.hostForPeer(ip)
	p.mu.Lock()
	own := p.host
	p.mu.Unlock()
	if err == nil && h != own {
		_, cport := ua.ContactAddr()
		ua.SetContact(h, cport)
	}
}

// registerLoop registers, refreshes before the granted lifetime runs out,
// and retries with exponential backoff while the registrar does not answer
// or refuses; it reports every status change. A refusal (an error
// response, or a TLS certificate that does not verify) of the first
// attempt ends the loop: Start then stops the phone.
func (p *Phone) registerLoop(ctx context.Context, reg *sip.Registration, expires int, first chan<- error) {
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
		var cert *sip.CertificateError
		refused := ""
		switch {
		case errors.As(err, &cert):
			refused = cert.Error()
		case err != nil:
			reason, what := "timeout", "did not answer"
			switch {
			case errors.Is(err, sip.ErrUnreachable):
				// The kernel's ICMP error: nobody listens there.
				reason, what = err.Error(), "is unreachable"
			case !errors.Is(err, context.DeadlineExceeded):
				reason = "network: " + err.Error()
			}
			p.log.Info("registration failed", "reason", reason)
			p.updateStatus(PhoneFailed, reason)
			report(fmt.Errorf("%w: registrar %s %s (%s); retrying", ErrTimeout, reg.Registrar(), what, reason))
			wait, backoff = backoff, min(2*backoff, registerBackoffMax)
		case res.OK():
			granted := res.Expires
			p.log.Info("registered", "expires", granted)
			p.updateStatus(PhoneRegistered, res.Status())
			report(nil)
			backoff = registerBackoffMin
			wait = refreshDelay(granted)
		default:
			refused = res.Status()
		}
		if refused != "" {
			p.log.Info("registration refused", "reason", refused)
			p.updateStatus(PhoneFailed, refused)
			if first != nil {
				report(fmt.Errorf("%w: %s", ErrRejected, refused))
				return
			}
			wait, backoff = backoff, min(2*backoff, registerBackoffMax)
		}
		select {
		case <-time.After(wait):
			if st, _ := p.Status(); st == PhoneRegistered {
				p.updateStatus(PhoneRegistering, "refreshing")
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

// updateStatus changes the status unless the phone is stopping (whose
// statuses Stop reports).
func (p *Phone) updateStatus(s PhoneStatus, reason string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopping {
		return
	}
	p.setStatusLocked(s, reason)
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

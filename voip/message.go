package voip

import (
	"context"
	"fmt"

	"github.com/libvoip/libvoip/sip"
)

// onRequest reports a NOTIFY, INFO or MESSAGE to the application.
func (p *Phone) onRequest(r sip.Request) {
	var call *Call
	p.mu.Lock()
	for c := range p.calls {
		if c.callID == r.CallID { // read-only once the call is in the table
			call = c
		}
	}
	p.mu.Unlock()
	p.events.post(func() {
		if f := p.handlers().Request; f != nil {
			f(call, r.Method, r.From, r.ContentType, r.Body)
		}
	})
	p.unsolicitedNotify(r) // an unsolicited message-summary (subscription.go)
}

// SendMessage sends a MESSAGE (RFC 3428) to uri and waits for its answer:
// nil on 2xx, an ErrRejected error with the status otherwise.
func (p *Phone) SendMessage(ctx context.Context, uri, contentType string, body []byte) error {
	env := p.env()
	if env.err != nil {
		return env.err
	}
	target, err := p.target(uri)
	if err != nil {
		return err
	}
	res, err := env.ua.Message(ctx, target, contentType, body)
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

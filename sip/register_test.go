package sip

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// registrarOK answers a REGISTER 200 OK; edit changes the response.
func registrarOK(edit func(req *gosip.Request, res *gosip.Response, n int)) func(*scriptPeer, *gosip.Request, int) *gosip.Response {
	return func(_ *scriptPeer, req *gosip.Request, n int) *gosip.Response {
		res := gosip.NewResponseFromRequest(req, 200, "OK", nil)
		if edit != nil {
			edit(req, res, n)
		}
		return res
	}
}

// contactOf is the host:port of a request's Contact.
func contactOf(r *gosip.Request) string {
	c := r.Contact()
	if c == nil {
		return ""
	}
	return fmt.Sprintf("%s:%d", c.Address.Host, c.Address.Port)
}

func expiresOf(r *gosip.Request) int {
	h := r.GetHeader("Expires")
	if h == nil {
		return -1
	}
	n, _ := strconv.Atoi(h.Value())
	return n
}

// TestRegisterGrantedExpires: the lifetime granted is our Contact's expires
// parameter in the 200, else its Expires header, else what we asked.
func TestRegisterGrantedExpires(t *testing.T) {
	tests := []struct {
		name string
		edit func(req *gosip.Request, res *gosip.Response, n int)
		want int
	}{
		{"contact parameter", func(req *gosip.Request, res *gosip.Response, _ int) {
			res.AppendHeader(gosip.NewHeader("Contact", "<sip:other@192.0.2.1:5060>;expires=30, <"+req.Contact().Address.String()+">;expires=120"))
			res.AppendHeader(gosip.NewHeader("Expires", "90"))
		}, 120},
		{"expires header", func(_ *gosip.Request, res *gosip.Response, _ int) {
			res.AppendHeader(gosip.NewHeader("Expires", "90"))
		}, 90},
		{"as asked", nil, 600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := newScriptPeer(t, registrarOK(tt.edit))
			ua := newTestUA(t, Config{User: "alice"})
			res, err := ua.NewRegistration(uriOf(t, "", reg.port), testWait).Register(context.Background(), 600)
			if err != nil || !res.OK() {
				t.Fatalf("Register: %v %v", res, err)
			}
			if res.Expires != tt.want {
				t.Errorf("granted %d s, want %d", res.Expires, tt.want)
			}
		})
	}
}

// TestRegisterBehindNAT: when the registrar sees us at another address
// (RFC 3581 received and rport), the binding of our private address is
// removed and the public one registered, once per registration.
func TestRegisterBehindNAT(t *testing.T) {
	public := []string{"192.0.2.7", "192.0.2.8"}
	reg := newScriptPeer(t, registrarOK(func(_ *gosip.Request, res *gosip.Response, n int) {
		host := public[0]
		if n > 2 {
			host = public[1] // our address "changes" after the rewrite
		}
		res.Via().Params.Add("received", host)
		res.Via().Params.Add("rport", "5099")
	}))
	ua := newTestUA(t, Config{User: "alice"})
	private := fmt.Sprintf("127.0.0.1:%d", ua.Port())
	r := ua.NewRegistration(uriOf(t, "", reg.port), testWait)
	res, err := r.Register(context.Background(), 60)
	if err != nil || !res.OK() {
		t.Fatalf("Register: %v %v", res, err)
	}
	reqs := reg.requests(gosip.REGISTER)
	want := []struct {
		contact string
		expires int
	}{{private, 60}, {private, 0}, {"192.0.2.7:5099", 60}}
	if len(reqs) != len(want) {
		t.Fatalf("%d REGISTERs sent, want %d", len(reqs), len(want))
	}
	for i, w := range want {
		if got := contactOf(reqs[i]); got != w.contact || expiresOf(reqs[i]) != w.expires {
			t.Errorf("REGISTER %d: Contact %s Expires %d, want %s %d", i, got, expiresOf(reqs[i]), w.contact, w.expires)
		}
		if i > 0 && (reqs[i].CallID().Value() != reqs[0].CallID().Value() || reqs[i].CSeq().SeqNo <= reqs[i-1].CSeq().SeqNo) {
			t.Errorf("REGISTER %d: Call-ID %s CSeq %d after %d", i, reqs[i].CallID().Value(), reqs[i].CSeq().SeqNo, reqs[i-1].CSeq().SeqNo)
		}
	}
	if h, p := ua.ContactAddr(); h != "192.0.2.7" || p != 5099 {
		t.Errorf("Contact is %s:%d after the rewrite", h, p)
	}

	// A refresh does not look again, though the registrar now reports
	// yet another address.
	if res, err := r.Register(context.Background(), 60); err != nil || !res.OK() {
		t.Fatalf("refresh: %v %v", res, err)
	}
	if n := len(reg.requests(gosip.REGISTER)); n != len(want)+1 {
		t.Errorf("refresh sent %d REGISTERs, want 1", n-len(want))
	}
}

// TestRegisterNoNAT: a registrar that sees our own address changes nothing.
func TestRegisterNoNAT(t *testing.T) {
	reg := newScriptPeer(t, registrarOK(nil)) // sipgo fills received and rport in
	ua := newTestUA(t, Config{User: "alice"})
	res, err := ua.NewRegistration(uriOf(t, "", reg.port), testWait).Register(context.Background(), 60)
	if err != nil || !res.OK() {
		t.Fatalf("Register: %v %v", res, err)
	}
	if res.Received != "127.0.0.1" || res.RPort != ua.Port() {
		t.Errorf("registrar saw us at %s:%d, want 127.0.0.1:%d", res.Received, res.RPort, ua.Port())
	}
	if n := len(reg.requests(gosip.REGISTER)); n != 1 {
		t.Errorf("%d REGISTERs sent, want 1", n)
	}
}

// TestRegisterTimeout: the registration's timeout bounds each REGISTER.
func TestRegisterTimeout(t *testing.T) {
	reg := newScriptPeer(t, func(*scriptPeer, *gosip.Request, int) *gosip.Response { return nil })
	ua := newTestUA(t, Config{User: "alice"})
	start := time.Now()
	_, err := ua.NewRegistration(uriOf(t, "", reg.port), 200*time.Millisecond).Register(context.Background(), 60)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Register error = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d < 200*time.Millisecond || d > 2*time.Second {
		t.Errorf("Register gave up after %v, want about 200 ms", d)
	}
}

// TestUnregister: expires 0 asks to remove the binding and never rewrites
// the Contact.
func TestUnregister(t *testing.T) {
	reg := newScriptPeer(t, registrarOK(func(_ *gosip.Request, res *gosip.Response, _ int) {
		res.Via().Params.Add("received", "192.0.2.7")
	}))
	ua := newTestUA(t, Config{User: "alice"})
	res, err := ua.NewRegistration(uriOf(t, "", reg.port), testWait).Register(context.Background(), 0)
	if err != nil || !res.OK() {
		t.Fatalf("Register: %v %v", res, err)
	}
	reqs := reg.requests(gosip.REGISTER)
	if len(reqs) != 1 || expiresOf(reqs[0]) != 0 {
		t.Fatalf("%d REGISTERs, first with Expires %d; want one with 0", len(reqs), expiresOf(reqs[0]))
	}
	if h, _ := ua.ContactAddr(); h != "127.0.0.1" {
		t.Errorf("Contact moved to %s", h)
	}
}

package sip

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	gosip "github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

const (
	testRealm    = "libvoip.test"
	testUser     = "alice"
	testPassword = "secret"
)

// authHeaders are the challenge and answer header names of a 401 or 407.
func authHeaders(code int) (challenge, answer string) {
	if code == 407 {
		return "Proxy-Authenticate", "Proxy-Authorization"
	}
	return "WWW-Authenticate", "Authorization"
}

// challengeOfPeer is a 401 or 407 to req offering one challenge per
// algorithm, with nonce.
func challengeOfPeer(req *gosip.Request, code int, nonce string, stale bool, algs ...string) *gosip.Response {
	res := gosip.NewResponseFromRequest(req, code, ReasonPhrase(code), nil)
	if code == 407 {
		res.Reason = "Proxy Authentication Required"
	}
	name, _ := authHeaders(code)
	for _, alg := range algs {
		v := fmt.Sprintf(`Digest realm=%q, nonce=%q, algorithm=%s, qop="auth"`, testRealm, nonce, alg)
		if stale {
			v += ", stale=true"
		}
		res.AppendHeader(gosip.NewHeader(name, v))
	}
	return res
}

// checkDigest verifies the answer in req's header against password; it
// returns the credentials the client sent (nil when the header is absent).
func checkDigest(req *gosip.Request, header, password string) (*digest.Credentials, bool) {
	h := req.GetHeader(header)
	if h == nil {
		return nil, false
	}
	cred, err := digest.ParseCredentials(h.Value())
	if err != nil {
		return nil, false
	}
	want, err := digest.Digest(&digest.Challenge{
		Realm: cred.Realm, Nonce: cred.Nonce, Algorithm: cred.Algorithm, QOP: []string{cred.QOP}, Opaque: cred.Opaque,
	}, digest.Options{
		Method: string(req.Method), URI: cred.URI, Username: cred.Username, Password: password,
		Cnonce: cred.Cnonce, Count: cred.Nc,
	})
	ok := err == nil && want.Response == cred.Response && cred.URI == req.Recipient.Addr() && cred.Realm == testRealm
	return cred, ok
}

// authScript is a registrar (or proxy, with 407) that challenges every
// request not carrying a valid answer for testPassword. stales lists the
// request numbers whose valid answer is refused as stale.
type authScript struct {
	code   int      // 401 or 407
	algs   []string // offered algorithms
	stales map[int]bool
}

func (s authScript) answer(p *scriptPeer, req *gosip.Request, n int) *gosip.Response {
	_, header := authHeaders(s.code)
	nonce := fmt.Sprintf("nonce-%d", n)
	if _, ok := checkDigest(req, header, testPassword); !ok {
		return challengeOfPeer(req, s.code, nonce, false, s.algs...)
	}
	if s.stales[n] {
		return challengeOfPeer(req, s.code, nonce, true, s.algs...)
	}
	res := gosip.NewResponseFromRequest(req, 200, "OK", nil)
	if req.IsInvite() {
		res.SetBody(testSDP)
		res.AppendHeader(gosip.NewHeader("Content-Type", "application/sdp"))
		res.AppendHeader(p.contact())
	}
	return res
}

func testCredentials(realm, password string) *Credentials {
	c := &Credentials{}
	c.Add(Credential{Username: testUser, Password: password, Realm: realm})
	return c
}

// TestRegisterAuth registers through a registrar that challenges, and
// checks each REGISTER on the wire.
func TestRegisterAuth(t *testing.T) {
	tests := []struct {
		name     string
		script   authScript
		creds    *Credentials
		sent     int    // REGISTERs the registrar receives
		code     int    // final status
		alg      string // algorithm of the answers ("" none)
		verified bool   // the last answer is right
	}{
		{"401 MD5", authScript{code: 401, algs: []string{"MD5"}}, testCredentials("", testPassword), 2, 200, "MD5", true},
		{"401 SHA-256", authScript{code: 401, algs: []string{"SHA-256"}}, testCredentials(testRealm, testPassword), 2, 200, "SHA-256", true},
		{"407 MD5", authScript{code: 407, algs: []string{"MD5"}}, testCredentials("", testPassword), 2, 200, "MD5", true},
		{"strongest of two", authScript{code: 401, algs: []string{"MD5", "SHA-256"}}, testCredentials("", testPassword), 2, 200, "SHA-256", true},
		{"wrong password", authScript{code: 401, algs: []string{"MD5"}}, testCredentials("", "wrong"), 1 + maxAuthRetries, 401, "MD5", false},
		{"stale nonce", authScript{code: 401, algs: []string{"MD5"}, stales: map[int]bool{1: true, 2: true}}, testCredentials("", testPassword), 4, 200, "MD5", true},
		{"no credentials for the realm", authScript{code: 401, algs: []string{"MD5"}}, testCredentials("elsewhere", testPassword), 1, 401, "", false},
		{"no credentials", authScript{code: 407, algs: []string{"SHA-256"}}, nil, 1, 407, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := newScriptPeer(t, tt.script.answer)
			ua := newTestUA(t, Config{User: testUser, Credentials: tt.creds})
			ctx, cancel := context.WithTimeout(context.Background(), testWait)
			defer cancel()
			res, err := ua.NewRegistration(uriOf(t, "", reg.port), 0).Register(ctx, 60)
			if err != nil {
				t.Fatalf("Register: %v", err)
			}
			if res.Code != tt.code {
				t.Errorf("Register: %s, want %d", res.Status(), tt.code)
			}
			reqs := reg.requests(gosip.REGISTER)
			if len(reqs) != tt.sent {
				t.Fatalf("%d REGISTERs sent, want %d", len(reqs), tt.sent)
			}
			checkRetries(t, reqs, tt.script.code, tt.alg, tt.verified)
		})
	}
}

// checkRetries checks that the first request carries no answer and every
// retry one with alg, a new CSeq and branch and the same Call-ID.
func checkRetries(t *testing.T, reqs []*gosip.Request, code int, alg string, verified bool) {
	t.Helper()
	_, header := authHeaders(code)
	_, other := authHeaders(401 + 407 - code)
	for i, r := range reqs {
		cred, ok := checkDigest(r, header, testPassword)
		switch {
		case i == 0 && cred != nil:
			t.Errorf("request 0 carries %s before any challenge", header)
		case i > 0 && cred == nil:
			t.Errorf("retry %d carries no %s", i, header)
		case i > 0 && !strings.EqualFold(cred.Algorithm, alg):
			t.Errorf("retry %d answers with %q, want %s", i, cred.Algorithm, alg)
		case i > 0 && cred.Username != testUser:
			t.Errorf("retry %d answers as %q", i, cred.Username)
		case i == len(reqs)-1 && i > 0 && ok != verified:
			t.Errorf("last answer verified = %v, want %v", ok, verified)
		}
		if r.GetHeader(other) != nil {
			t.Errorf("request %d carries %s", i, other)
		}
		if i == 0 {
			continue
		}
		prev := reqs[i-1]
		if r.CallID().Value() != prev.CallID().Value() {
			t.Errorf("retry %d changed the Call-ID", i)
		}
		if r.CSeq().SeqNo != prev.CSeq().SeqNo+1 {
			t.Errorf("retry %d CSeq %d after %d", i, r.CSeq().SeqNo, prev.CSeq().SeqNo)
		}
		if b, _ := r.Via().Params.Get("branch"); b == mustBranch(prev) {
			t.Errorf("retry %d reuses branch %s", i, b)
		}
	}
}

func mustBranch(r *gosip.Request) string {
	b, _ := r.Via().Params.Get("branch")
	return b
}

// TestMessageAuth: a MESSAGE challenged by a proxy (407) is sent again
// with Proxy-Authorization.
func TestMessageAuth(t *testing.T) {
	proxy := newScriptPeer(t, authScript{code: 407, algs: []string{"SHA-256"}}.answer)
	ua := newTestUA(t, Config{User: testUser, Credentials: testCredentials("", testPassword)})
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	res, err := ua.Message(ctx, uriOf(t, "bob", proxy.port), "", []byte("hi"))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("Message: %v %v", res, err)
	}
	reqs := proxy.requests(gosip.MESSAGE)
	if len(reqs) != 2 {
		t.Fatalf("%d MESSAGEs sent, want 2", len(reqs))
	}
	checkRetries(t, reqs, 407, "SHA-256", true)
}

// TestInviteAndByeAuth: an INVITE challenged by a proxy (407) is sent again
// in the same dialog with Proxy-Authorization; the BYE, challenged by the
// callee (401), with Authorization.
func TestInviteAndByeAuth(t *testing.T) {
	invite := authScript{code: 407, algs: []string{"MD5"}}
	bye := authScript{code: 401, algs: []string{"SHA-256"}}
	peer := newScriptPeer(t, func(p *scriptPeer, req *gosip.Request, n int) *gosip.Response {
		if req.IsInvite() {
			return invite.answer(p, req, n)
		}
		return bye.answer(p, req, n)
	})
	ua := newTestUA(t, Config{User: testUser, Credentials: testCredentials("", testPassword)})
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	oc, err := ua.Invite(ctx, uriOf(t, "bob", peer.port), testSDP, "")
	if err != nil {
		t.Fatal(err)
	}
	body, err := oc.WaitAnswer(ctx, nil)
	if err != nil || string(body) != string(testSDP) {
		t.Fatalf("WaitAnswer: %q, %v", body, err)
	}
	checkRetries(t, peer.requests(gosip.INVITE), 407, "MD5", true)
	if err := oc.Ack(ctx); err != nil {
		t.Fatal(err)
	}
	if err := oc.Bye(ctx); err != nil {
		t.Fatalf("Bye: %v", err)
	}
	byes := peer.requests(gosip.BYE)
	if len(byes) != 2 {
		t.Fatalf("%d BYEs sent, want 2", len(byes))
	}
	if _, ok := checkDigest(byes[1], "Authorization", testPassword); !ok {
		t.Errorf("second BYE carries no valid Authorization")
	}
}

// TestInviteAuthRefused: with a wrong password the INVITE is tried 1 +
// maxAuthRetries times and ends with the proxy's 407.
func TestInviteAuthRefused(t *testing.T) {
	peer := newScriptPeer(t, authScript{code: 407, algs: []string{"MD5"}}.answer)
	ua := newTestUA(t, Config{User: testUser, Credentials: testCredentials("", "wrong")})
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	oc, err := ua.Invite(ctx, uriOf(t, "bob", peer.port), testSDP, "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = oc.WaitAnswer(ctx, nil)
	var se *StatusError
	if !errors.As(err, &se) || se.Code != 407 {
		t.Fatalf("WaitAnswer error = %v, want *StatusError 407", err)
	}
	reqs := peer.requests(gosip.INVITE)
	if len(reqs) != 1+maxAuthRetries {
		t.Fatalf("%d INVITEs sent, want %d", len(reqs), 1+maxAuthRetries)
	}
	checkRetries(t, reqs, 407, "MD5", false)
}

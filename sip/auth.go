package sip

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// Credential is one username/password for digest authentication (RFC 3261
// §22, RFC 7616, RFC 8760). Realm and User narrow when it applies: empty
// means any realm, or any of our users.
type Credential struct {
	Username string // the name answered to a challenge (may differ from our SIP user)
	Password string
	Realm    string
	User     string
}

// Credentials picks a credential for a challenge, like pyVoIP 2's
// CredentialsManager. It is safe for concurrent use.
type Credentials struct {
	mu   sync.RWMutex
	list []Credential
}

// Add stores a credential; a later one with the same realm and user
// replaces the earlier.
func (c *Credentials) Add(cred Credential) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, x := range c.list {
		if strings.EqualFold(x.Realm, cred.Realm) && x.User == cred.User {
			c.list[i] = cred
			return
		}
	}
	c.list = append(c.list, cred)
}

// Len reports how many credentials are stored.
func (c *Credentials) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.list)
}

// Lookup returns the most specific credential for realm and user: realm
// and user both matching, then realm only, then user only, then one that
// names neither.
func (c *Credentials) Lookup(realm, user string) (Credential, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	best, bestScore := Credential{}, -1
	for _, x := range c.list {
		score := 0
		switch {
		case x.Realm == "":
		case strings.EqualFold(x.Realm, realm):
			score += 2
		default:
			continue
		}
		switch x.User {
		case "":
		case user:
			score++
		default:
			continue
		}
		if score > bestScore {
			best, bestScore = x, score
		}
	}
	return best, bestScore >= 0
}

// ErrNoCredentials is returned when a challenge names a realm we hold no
// credential for.
var ErrNoCredentials = errors.New("sip: no credentials for the challenge")

// IsChallenge reports whether res asks for authentication.
func IsChallenge(res *gosip.Response) bool {
	switch res.StatusCode {
	case 401:
		return res.GetHeader("WWW-Authenticate") != nil
	case 407:
		return res.GetHeader("Proxy-Authenticate") != nil
	}
	return false
}

// algorithmRank orders the digest algorithms we answer, strongest first
// (RFC 8760 lets a server offer several challenges).
func algorithmRank(alg string) int {
	switch strings.ToUpper(alg) {
	case "SHA-512-256":
		return 4
	case "SHA-256":
		return 3
	case "", "MD5":
		return 1
	}
	return 0
}

// authorize adds an Authorization (401) or Proxy-Authorization (407) header
// to req answering the challenge of res with a credential for user. It
// returns whether the challenge was stale (a retry with the new nonce is
// then legitimate even after a failure).
func authorize(req *gosip.Request, res *gosip.Response, creds *Credentials, user string) (stale bool, err error) {
	chName, authName := "WWW-Authenticate", "Authorization"
	if res.StatusCode == 407 {
		chName, authName = "Proxy-Authenticate", "Proxy-Authorization"
	}
	var best *digest.Challenge
	for _, h := range res.GetHeaders(chName) {
		chal, perr := digest.ParseChallenge(h.Value())
		if perr != nil {
			continue
		}
		chal.Algorithm = strings.ToUpper(chal.Algorithm)
		if !digest.CanDigest(chal) || algorithmRank(chal.Algorithm) == 0 {
			continue
		}
		if best == nil || algorithmRank(chal.Algorithm) > algorithmRank(best.Algorithm) {
			best = chal
		}
	}
	if best == nil {
		return false, fmt.Errorf("sip: no supported digest challenge in %d %s", res.StatusCode, res.Reason)
	}
	if creds == nil {
		return best.Stale, ErrNoCredentials
	}
	cred, ok := creds.Lookup(best.Realm, user)
	if !ok {
		return best.Stale, fmt.Errorf("%w (realm %q)", ErrNoCredentials, best.Realm)
	}
	body := req.Body()
	answer, err := digest.Digest(best, digest.Options{
		Method:   string(req.Method),
		URI:      req.Recipient.Addr(),
		Username: cred.Username,
		Password: cred.Password,
		Count:    1,
		GetBody:  func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil },
	})
	if err != nil {
		return best.Stale, err
	}
	req.RemoveHeader(authName)
	req.AppendHeader(gosip.NewHeader(authName, answer.String()))
	return best.Stale, nil
}

// maxAuthRetries bounds the challenges of one request we answer; a stale
// nonce (RFC 7616 §3.3) earns one more try.
const maxAuthRetries = 2

// retryChallenged is the one challenge-and-retry loop of every request we
// send. res is the final response to the first try; while it is a 401/407
// challenge we can answer, next builds the request of the next try, which
// is authorized and given to send, which returns its final response. It
// stops when a response is no challenge, we hold no fitting credential, ctx
// is done, or after maxAuthRetries answers (one more after a stale nonce),
// and returns the last final response or send's error.
func (u *UA) retryChallenged(ctx context.Context, res *gosip.Response,
	next func() *gosip.Request, send func(context.Context, *gosip.Request) (*gosip.Response, error),
) (*gosip.Response, error) {
	stales := 0
	for try := 0; IsChallenge(res) && u.cfg.Credentials != nil && try < maxAuthRetries+stales && ctx.Err() == nil; try++ {
		req := next()
		stale, err := authorize(req, res, u.cfg.Credentials, u.cfg.User)
		if err != nil {
			u.log.Info("sip: cannot answer challenge", "method", string(req.Method), "error", err)
			break
		}
		if stale {
			stales = 1
		}
		if res, err = send(ctx, req); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// byeWithAuth answers a 401/407 to our BYE (err, what the dialog's Bye
// returned) with a new, authenticated BYE to target in the same dialog
// sent by do; any other outcome is returned as it is.
func (u *UA) byeWithAuth(ctx context.Context, err error, target gosip.Uri, do func(context.Context, *gosip.Request) (*gosip.Response, error)) error {
	first := challengeOf(err)
	if first == nil {
		return err
	}
	next := func() *gosip.Request { return gosip.NewRequest(gosip.BYE, *target.Clone()) }
	res, rerr := u.retryChallenged(ctx, first, next, do)
	switch {
	case rerr != nil:
		return rerr
	case res == first:
		return err // not answered
	case res.IsSuccess():
		return nil
	}
	return &StatusError{Code: res.StatusCode, Reason: res.Reason}
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

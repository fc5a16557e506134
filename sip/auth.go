package sip

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

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
		switch {
		case x.User == "":
		case x.User == user:
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

package sip

import (
	"net/url"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"
)

// This file holds the Request-URI check of Config.RejectOtherUsers: one
// wrapper around every request handler (server.go's table and its no-route
// handler).

// forUs wraps h: with RejectOtherUsers, a request whose Request-URI names
// a user other than ours is answered 404 Not Found and goes no further. A
// Request-URI without a user part (OPTIONS keep-alives to the host) is
// ours; ACK and CANCEL are never refused here (they follow their INVITE).
func (u *UA) forUs(h sipgo.RequestHandler) sipgo.RequestHandler {
	if !u.cfg.RejectOtherUsers {
		return h
	}
	return func(req *gosip.Request, tx gosip.ServerTransaction) {
		if req.IsAck() || req.IsCancel() || isOurUser(req.Recipient.User, u.cfg.User) {
			h(req, tx)
			return
		}
		u.log.Info("sip: request for another user refused", "method", string(req.Method),
			"user", req.Recipient.User, "from", req.Source())
		u.respond(req, tx, 404, "Not Found")
	}
}

// isOurUser reports whether the user part of a Request-URI names ours:
// equal after %-unescaping (user parts compare case-sensitively, RFC 3261
// §19.1.4), or empty.
func isOurUser(user, ours string) bool {
	if user == "" || user == ours {
		return true
	}
	return unescapeUser(user) == unescapeUser(ours)
}

func unescapeUser(s string) string {
	if v, err := url.PathUnescape(s); err == nil {
		return v
	}
	return s
}

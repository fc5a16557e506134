package sip

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"
)

// Errors of an outgoing INVITE (OutgoingCall.WaitAnswer). A final error
// response is a *StatusError instead.
var (
	// ErrNoResponse: no final response came in time (RFC 3261 Timer B,
	// or a transport timeout).
	ErrNoResponse = errors.New("sip: no response")
	// ErrCanceled: the context was canceled while waiting; the error
	// also matches the context's cause.
	ErrCanceled = errors.New("sip: INVITE canceled")
	// ErrAbandoned, given as the cause when canceling the context of
	// WaitAnswer, abandons the INVITE transaction without sending CANCEL
	// (RFC 3261 §9.1 forbids a CANCEL before a provisional response).
	ErrAbandoned = errors.New("sip: INVITE abandoned without CANCEL")
)

// StatusError is a final non-2xx response to a request we sent.
type StatusError struct {
	Code   int
	Reason string
}

func (e *StatusError) Error() string { return fmt.Sprintf("%d %s", e.Code, e.Reason) }

// CertificateError is a TLS connection we opened that failed because the
// peer's certificate did not verify (an unknown authority, another host
// name, an expired or otherwise invalid certificate). It is a refusal, not
// a silent peer: trying again changes nothing until a certificate or the
// trusted CAs change.
type CertificateError struct {
	// Reason is crypto/x509's description, e.g. "x509: certificate signed
	// by unknown authority".
	Reason string
	// Err is the whole error the transport returned.
	Err error
}

func (e *CertificateError) Error() string { return "TLS certificate rejected: " + e.Reason }

// Unwrap returns the transport's error.
func (e *CertificateError) Unwrap() error { return e.Err }

// certificateError returns err as a *CertificateError when a certificate
// verification failed in it, and err itself otherwise.
func certificateError(err error) error {
	var (
		verify    *tls.CertificateVerificationError
		authority x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
		roots     x509.SystemRootsError
		reason    string
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &verify):
		reason = verify.Err.Error()
	case errors.As(err, &authority):
		reason = authority.Error()
	case errors.As(err, &hostname):
		reason = hostname.Error()
	case errors.As(err, &invalid):
		reason = invalid.Error()
	case errors.As(err, &roots):
		reason = roots.Error()
	default:
		return err
	}
	return &CertificateError{Reason: reason, Err: err}
}

// inviteError turns what sipgo's WaitAnswer returned, with ctx the caller's
// context, into this package's errors.
func inviteError(ctx context.Context, err error) error {
	var de *sipgo.ErrDialogResponse
	var ne net.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &de):
		return &StatusError{Code: de.Res.StatusCode, Reason: de.Res.Reason}
	case ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)):
		return fmt.Errorf("%w: %w", ErrCanceled, context.Cause(ctx))
	case errors.Is(err, gosip.ErrTransactionTimeout),
		errors.As(err, &ne) && ne.Timeout() && !errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%w: %w", ErrNoResponse, err)
	}
	return err
}

// ReasonPhrase is the standard reason phrase of a SIP status code (RFC 3261
// §21), or the class's generic phrase for codes without one here.
func ReasonPhrase(code int) string {
	if s, ok := reasonPhrases[code]; ok {
		return s
	}
	switch code / 100 {
	case 4:
		return "Request Failure"
	case 5:
		return "Server Failure"
	}
	return "Global Failure"
}

var reasonPhrases = map[int]string{
	400: "Bad Request",
	401: "Unauthorized",
	403: "Forbidden",
	404: "Not Found",
	408: "Request Timeout",
	410: "Gone",
	480: "Temporarily Unavailable",
	486: "Busy Here",
	487: "Request Terminated",
	488: "Not Acceptable Here",
	500: "Server Internal Error",
	503: "Service Unavailable",
	600: "Busy Everywhere",
	603: "Decline",
	604: "Does Not Exist Anywhere",
	606: "Not Acceptable",
}

package rtp

// STUN Binding (RFC 8489 §6) on a socket the caller owns, before anything
// else reads it: the address a NAT shows the socket's traffic from
// (server-reflexive), for SIP's Contact and SDP's c= and m= lines.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/pion/stun/v3"
)

// STUN retransmission: RFC 8489 §6.2.1 doubles the timeout from RTO; a
// short first RTO suits the one round trip to a nearby server, and the
// caller's context bounds the whole exchange.
const (
	stunRTO      = 250 * time.Millisecond
	stunAttempts = 4 // 250 + 500 + 1000 + 1000 ms at most
	stunMaxRTO   = time.Second
)

// ErrSTUN is returned by STUNMapped when the server did not answer in time
// or answered with an error or without a mapped address.
var ErrSTUN = errors.New("rtp: STUN binding failed")

// STUNMapped sends Binding requests from conn to server and returns the
// XOR-MAPPED-ADDRESS (or MAPPED-ADDRESS) of the success response: the
// address server saw the request come from. conn must not be read by
// anyone else meanwhile; datagrams that are not the answer are discarded.
// Its read deadline is cleared on return.
func STUNMapped(ctx context.Context, conn *net.UDPConn, server netip.AddrPort) (netip.AddrPort, error) {
	req, err := stun.Build(stun.TransactionID, stun.BindingRequest, stun.Fingerprint)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("%w: %v", ErrSTUN, err)
	}
	defer func() { _ = conn.SetReadDeadline(time.Time{}) }()
	buf := make([]byte, 1500)
	rto := stunRTO
	for i := 0; i < stunAttempts; i++ {
		if _, err := conn.WriteToUDPAddrPort(req.Raw, server); err != nil {
			return netip.AddrPort{}, fmt.Errorf("%w: send to %s: %v", ErrSTUN, server, err)
		}
		deadline := time.Now().Add(rto)
		if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
			deadline = d
		}
		if mapped, ok, err := readBinding(conn, buf, req, deadline); ok || err != nil {
			return mapped, err
		}
		if ctx.Err() != nil {
			return netip.AddrPort{}, fmt.Errorf("%w: %s: %v", ErrSTUN, server, ctx.Err())
		}
		rto = min(2*rto, stunMaxRTO)
	}
	return netip.AddrPort{}, fmt.Errorf("%w: no answer from %s", ErrSTUN, server)
}

// readBinding reads conn until deadline for the answer to req: ok with the
// mapped address, an error for an error response, neither on timeout.
func readBinding(conn *net.UDPConn, buf []byte, req *stun.Message, deadline time.Time) (netip.AddrPort, bool, error) {
	_ = conn.SetReadDeadline(deadline)
	for {
		n, _, err := conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return netip.AddrPort{}, false, nil // timeout (or closed: the caller's next send fails)
		}
		if !stun.IsMessage(buf[:n]) {
			continue
		}
		res := &stun.Message{Raw: append([]byte(nil), buf[:n]...)}
		if res.Decode() != nil || res.TransactionID != req.TransactionID {
			continue
		}
		if res.Type != stun.BindingSuccess {
			var code stun.ErrorCodeAttribute
			_ = code.GetFrom(res)
			return netip.AddrPort{}, false, fmt.Errorf("%w: %s %v", ErrSTUN, res.Type, code)
		}
		mapped, err := mappedAddress(res)
		return mapped, err == nil, err
	}
}

// mappedAddress reads XOR-MAPPED-ADDRESS, or MAPPED-ADDRESS from an
// RFC 3489 server.
func mappedAddress(m *stun.Message) (netip.AddrPort, error) {
	var ip net.IP
	var port int
	var xor stun.XORMappedAddress
	if err := xor.GetFrom(m); err == nil {
		ip, port = xor.IP, xor.Port
	} else {
		var plain stun.MappedAddress
		if err := plain.GetFrom(m); err != nil {
			return netip.AddrPort{}, fmt.Errorf("%w: no mapped address in the answer", ErrSTUN)
		}
		ip, port = plain.IP, plain.Port
	}
	addr, ok := netip.AddrFromSlice(ip)
	if !ok || port <= 0 || port > 65535 {
		return netip.AddrPort{}, fmt.Errorf("%w: bad mapped address %v:%d", ErrSTUN, ip, port)
	}
	return netip.AddrPortFrom(addr.Unmap(), uint16(port)), nil
}

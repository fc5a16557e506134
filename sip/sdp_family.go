package sip

// The IP family of a session: an offer is answered with an address of the
// family it offers (RFC 4566 c=IN IP4 / IN IP6), never with the other one,
// which the offerer may not reach and which would make a silent call.

import (
	"errors"
	"net/netip"
)

// ErrAddressFamily is returned by Answer when the offer's connection
// address is of another IP family than LocalMedia.IP. Callers refuse the
// offer with 488 Not Acceptable Here, or answer again with a local address
// of the offered family (see OfferAddress).
var ErrAddressFamily = errors.New("sdp: offered address family differs from ours")

// OfferAddress returns the connection address of the audio stream that
// Answer would accept in offer, so that a caller can pick a local address
// of the same family before answering. Errors are those of Answer:
// ErrMalformed and ErrNoAudio.
func OfferAddress(offer []byte) (netip.Addr, error) {
	off, err := parseSDP(offer)
	if err != nil {
		return netip.Addr{}, err
	}
	idx := firstAudio(off, true)
	if idx < 0 {
		return netip.Addr{}, ErrNoAudio
	}
	remote, err := remoteAddr(off, off.MediaDescriptions[idx])
	if err != nil {
		return netip.Addr{}, err
	}
	return remote.Addr(), nil
}

// sameFamily reports whether local can answer remote: both IPv4 or both
// IPv6. An unspecified remote address (a hold, RFC 2543) fits either.
func sameFamily(local, remote netip.Addr) bool {
	if remote.IsUnspecified() {
		return true
	}
	return local.Unmap().Is4() == remote.Unmap().Is4()
}

package sip

import (
	"math"

	gosip "github.com/emiago/sipgo/sip"
)

// sipgo reads each UDP datagram into a buffer of
// sip.TransportBufferReadSize bytes (32 KiB by default: sipgo
// sip/transport.go:18, read at sip/transport_udp.go:125), so a request
// between 32 and 64 kB arrives cut and fails to parse, although sipgo's
// parser takes messages up to 64 kB (sip.ParseMaxMessageLength). Raising
// the buffer to the largest UDP payload lets such requests through. The
// variable is sipgo's only knob for it and is read when each reader starts,
// so it is set once here, before any goroutine can read it. It also sizes
// each TCP or TLS connection's read buffer (sip/transport_tcp.go:165):
// 64 KiB a connection, under ConnLimits.MaxConnections.
func init() {
	gosip.TransportBufferReadSize = math.MaxUint16
}

// Package rtp holds the media building blocks of libvoip that sit between
// the network and the application: the G.711 codecs, PCM sample format
// conversions, RFC 4733 telephone-events (DTMF), a fixed-delay jitter buffer
// and RFC 3550 reception statistics with RTCP report building.
//
// The codec, PCM, DTMF, jitter buffer and statistics code is synchronous: it
// starts no goroutines and keeps no mutable global state, and its types are
// not safe for concurrent use; callers serialise access (typically one media
// loop per call). Its per-frame paths (Codec.Encode, Codec.Decode,
// JitterBuffer.Push, JitterBuffer.Pop, DTMFGenerator.Next,
// DTMFDetector.Detect and the PCM conversions given a large enough
// destination) do not allocate.
package rtp

// grow returns s resliced to length n, allocating a new backing array only
// when the capacity of s is smaller than n.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

//go:build race

package main

// raceEnabled: the race detector slows every goroutine several times,
// which a timing measurement cannot tell from network jitter.
const raceEnabled = true

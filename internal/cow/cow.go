// Package cow holds the copy-on-write slice updates of libvoip's
// registries read by a hot loop (the pacer's streams and tickers, a
// phone's batched calls): writers build a new slice under their own lock,
// readers keep iterating the snapshot they took, which is never modified.
package cow

// Append returns a new slice holding s's elements and then v; s is left as
// it was.
func Append[T any](s []T, v T) []T {
	next := make([]T, len(s), len(s)+1)
	copy(next, s)
	return append(next, v)
}

// Remove returns a new slice without the first element equal to v, or s
// itself when none is; s is left as it was.
func Remove[T comparable](s []T, v T) []T {
	for i, x := range s {
		if x == v {
			next := make([]T, 0, len(s)-1)
			next = append(next, s[:i]...)
			return append(next, s[i+1:]...)
		}
	}
	return s
}

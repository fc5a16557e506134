//go:build !linux

package main

import (
	"errors"
	"time"
)

// The generator's media path (epoll, SO_TIMESTAMPNS, packet sockets) is
// Linux only; -echo works everywhere.

func runLoadRaw(options) error {
	return errors.New("-media raw needs Linux")
}

type capture struct{}

func newCapture(lo, hi uint16) (*capture, error) {
	return nil, errors.New("packet capture needs Linux")
}
func (c *capture) stop() {}
func (c *capture) intervals(bool, time.Time, time.Time, time.Duration) ([]float64, int, uint64) {
	return nil, 0, 0
}
func (c *capture) outliers(bool, time.Time, time.Time, time.Duration, time.Duration) []string {
	return nil
}

package voip

import (
	"errors"
	"math"
	"runtime/debug"
	"testing"
)

func TestSetMemoryLimit(t *testing.T) {
	orig := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(orig) })
	debug.SetMemoryLimit(math.MaxInt64)
	steps := []struct {
		mb, prev  int64
		wantBytes int64 // the runtime's limit afterwards
		ok        bool
	}{
		{-1, 0, math.MaxInt64, true},
		{64, 0, 64 << 20, true},
		{-1, 64, 64 << 20, true},
		{128, 64, 128 << 20, true},
		{-2, 0, 128 << 20, false},
		{maxMemoryLimitMB + 1, 0, 128 << 20, false},
		{0, 128, math.MaxInt64, true},
		{maxMemoryLimitMB, 0, maxMemoryLimitMB << 20, true},
	}
	for _, s := range steps {
		prev, err := SetMemoryLimit(s.mb)
		if s.ok != (err == nil) || (!s.ok && !errors.Is(err, ErrInvalidArgument)) {
			t.Errorf("SetMemoryLimit(%d): %v, want ok=%v", s.mb, err, s.ok)
		}
		if prev != s.prev {
			t.Errorf("SetMemoryLimit(%d) gave previous %d, want %d", s.mb, prev, s.prev)
		}
		if got := debug.SetMemoryLimit(-1); got != s.wantBytes {
			t.Errorf("after SetMemoryLimit(%d) the runtime's limit is %d, want %d", s.mb, got, s.wantBytes)
		}
	}
}

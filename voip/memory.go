package voip

import (
	"fmt"
	"math"
	"runtime/debug"
)

// maxMemoryLimitMB is the largest limit SetMemoryLimit accepts: the most
// MiB an int64 byte count holds.
const maxMemoryLimitMB = math.MaxInt64 >> 20

// SetMemoryLimit sets the Go runtime's soft memory limit
// (runtime/debug.SetMemoryLimit) to mb MiB and returns the previous limit
// in MiB (0 for none). It is process-wide, not per phone: every phone (and
// every other Go code) of the process shares one heap, and the last call
// wins. mb 0 removes the limit (the runtime's default when GOMEMLIMIT is
// not set), mb -1 only reads it. Under the limit the garbage collector
// runs more often, so memory freed after a burst (a flood of requests)
// returns to the system instead of staying mapped; a limit below the live
// heap costs CPU (the collector then takes up to about half of it) and
// does not fail allocations.
func SetMemoryLimit(mb int64) (previous int64, err error) {
	if mb < -1 || mb > maxMemoryLimitMB {
		return 0, fmt.Errorf("%w: memory limit %d MiB: use -1 (read), 0 (none) or 1..%d", ErrInvalidArgument, mb, int64(maxMemoryLimitMB))
	}
	var prev int64
	switch mb {
	case -1:
		prev = debug.SetMemoryLimit(-1)
	case 0:
		prev = debug.SetMemoryLimit(math.MaxInt64)
	default:
		prev = debug.SetMemoryLimit(mb << 20)
	}
	if prev == math.MaxInt64 {
		return 0, nil
	}
	return prev >> 20, nil
}

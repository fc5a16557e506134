// Command capi is libvoip's C ABI: the cgo exports behind include/voip.h,
// built with -buildmode=c-shared into libvoip.so. It only translates: C
// arguments to Go values, handles to objects, errors to result codes. The
// phone itself lives in package voip.
//
// Files: errors.go (result codes, last errors, the export helpers),
// registry.go (handles), phone.go and call.go (the exports), callbacks.go
// (events to the application's C callbacks), bridge.c (the C side:
// thread-local error, trampolines). libvoip.map keeps every symbol but
// the public voip_* ones out of the library's dynamic symbol table.
package main

/*
#include <stdint.h>
*/
import "C"

import (
	"context"
	"time"
)

func main() {}

// timeout converts milliseconds (-1 = forever) to a duration (< 0 = forever).
func timeout(ms C.int32_t) time.Duration {
	if ms < 0 {
		return -1
	}
	return time.Duration(ms) * time.Millisecond
}

// contextFor is a context that ends after ms milliseconds (never when
// ms < 0). The caller must call the cancel function.
func contextFor(ms C.int32_t) (context.Context, context.CancelFunc) {
	if ms < 0 {
		return context.WithCancel(context.Background())
	}
	return context.WithTimeout(context.Background(), timeout(ms))
}

package main

/*
#include <stdint.h>
#include <stdlib.h>
*/
import "C"

import (
	"context"
	"time"

	"github.com/libvoip/libvoip/voip"
)

// The exports that wait for what was queued to go out, drop what is
// queued, and collect digits (voip/call_drain.go, voip/call_collect.go).

//export voip_call_drain
func voip_call_drain(call C.uint64_t, flags C.uint32_t, timeoutMs C.int32_t) C.int {
	return withCall("voip_call_drain", call, func(ce *callEntry) error {
		ctx, cancel := contextFor(timeoutMs)
		defer cancel()
		return onCall(ce, ce.call.Drain(ctx, voip.DrainFlags(flags)))
	})
}

//export voip_call_flush
func voip_call_flush(call C.uint64_t, flags C.uint32_t) C.int {
	return withCall("voip_call_flush", call, func(ce *callEntry) error {
		return onCall(ce, ce.call.Flush(voip.FlushFlags(flags)))
	})
}

// collectOptions maps voip_call_collect_dtmf's arguments: timeout_ms -1
// is none and 0 takes only what is queued; inter_digit_ms <= 0 is none.
func collectOptions(maxDigits, timeoutMs, interDigitMs C.int32_t, terminators *C.char) voip.CollectOptions {
	o := voip.CollectOptions{MaxDigits: int(maxDigits)}
	switch {
	case timeoutMs == 0:
		o.Timeout = time.Nanosecond
	case timeoutMs > 0:
		o.Timeout = time.Duration(timeoutMs) * time.Millisecond
	}
	if interDigitMs > 0 {
		o.InterDigitTimeout = time.Duration(interDigitMs) * time.Millisecond
	}
	if terminators != nil {
		o.Terminators = C.GoString(terminators)
	}
	return o
}

//export voip_call_collect_dtmf
func voip_call_collect_dtmf(call C.uint64_t, maxDigits, timeoutMs, interDigitMs C.int32_t, terminators *C.char,
	buf *C.char, buflen C.size_t, stopOut *C.int32_t, terminatorOut *C.char) C.int {
	if stopOut != nil {
		*stopOut = 0
	}
	if terminatorOut != nil {
		*terminatorOut = 0
	}
	return withCall("voip_call_collect_dtmf", call, func(ce *callEntry) error {
		if buf == nil || buflen < 2 {
			return errorf(vEInval, "buffer is NULL or shorter than 2 bytes")
		}
		if maxDigits < 0 || timeoutMs < -1 {
			return errorf(vEInval, "max_digits %d or timeout_ms %d out of range", int(maxDigits), int(timeoutMs))
		}
		o := collectOptions(maxDigits, timeoutMs, interDigitMs, terminators)
		room := min(int(buflen)-1, 1024)
		if o.MaxDigits == 0 || o.MaxDigits > room {
			o.MaxDigits = room // the buffer's size is a limit too
		}
		got, err := ce.call.CollectDTMF(context.Background(), o)
		if err != nil {
			return onCall(ce, err)
		}
		if stopOut != nil {
			*stopOut = C.int32_t(got.Stop)
		}
		if terminatorOut != nil {
			*terminatorOut = C.char(got.Terminator)
		}
		return copyOut(buf, buflen, got.Digits)
	})
}

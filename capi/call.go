package main

/*
#include <stdint.h>
#include <stdlib.h>
*/
import "C"

import (
	"fmt"
	"time"
	"unsafe"

	"github.com/libvoip/libvoip/voip"
)

//export voip_call_wait
func voip_call_wait(call C.uint64_t, mask C.uint32_t, timeoutMs C.int32_t, out *C.int32_t) C.int {
	return withCall("voip_call_wait", call, func(ce *callEntry) error {
		ctx, cancel := contextFor(timeoutMs)
		defer cancel()
		s, err := ce.call.Wait(ctx, voip.StateMask(mask))
		if out != nil {
			*out = C.int32_t(s)
		}
		if err != nil {
			return errorf(vETimeout, "call %d still %s after %d ms", ce.id, s, int(timeoutMs))
		}
		return nil
	})
}

//export voip_call_state
func voip_call_state(call C.uint64_t, out *C.int32_t) C.int {
	return withCall("voip_call_state", call, func(ce *callEntry) error {
		if err := nonNil("state_out", out); err != nil {
			return err
		}
		*out = C.int32_t(ce.call.State())
		return nil
	})
}

// callAction runs a state-changing action on a call.
func callAction(name string, call C.uint64_t, action func(*voip.Call) error) C.int {
	return withCall(name, call, func(ce *callEntry) error { return onCall(ce, action(ce.call)) })
}

// onCall names the call in an error from package voip.
func onCall(ce *callEntry, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("call %d: %w", ce.id, err)
}

//export voip_call_answer
func voip_call_answer(call C.uint64_t) C.int {
	return callAction("voip_call_answer", call, (*voip.Call).Answer)
}

//export voip_call_deny
func voip_call_deny(call C.uint64_t, status C.int32_t) C.int {
	return callAction("voip_call_deny", call, func(c *voip.Call) error { return c.Deny(int(status)) })
}

//export voip_call_hangup
func voip_call_hangup(call C.uint64_t) C.int {
	return callAction("voip_call_hangup", call, (*voip.Call).Hangup)
}

//export voip_call_cancel
func voip_call_cancel(call C.uint64_t) C.int {
	return callAction("voip_call_cancel", call, (*voip.Call).Cancel)
}

//export voip_call_hold
func voip_call_hold(call C.uint64_t) C.int {
	return callAction("voip_call_hold", call, (*voip.Call).Hold)
}

//export voip_call_resume
func voip_call_resume(call C.uint64_t) C.int {
	return callAction("voip_call_resume", call, (*voip.Call).Resume)
}

//export voip_call_progress
func voip_call_progress(call C.uint64_t) C.int {
	return callAction("voip_call_progress", call, (*voip.Call).Progress)
}

//export voip_call_redirect
func voip_call_redirect(call C.uint64_t, uri *C.char) C.int {
	return withCall("voip_call_redirect", call, func(ce *callEntry) error {
		if err := nonNil("uri", uri); err != nil {
			return err
		}
		return onCall(ce, ce.call.Redirect(C.GoString(uri)))
	})
}

//export voip_call_read_audio
func voip_call_read_audio(call C.uint64_t, buf *C.uint8_t, length C.size_t, timeoutMs C.int32_t, nread *C.size_t) C.int {
	if nread != nil {
		*nread = 0
	}
	return withCall("voip_call_read_audio", call, func(ce *callEntry) error {
		if buf == nil || length == 0 {
			return errorf(vEInval, "NULL or zero-length buffer")
		}
		dst := unsafe.Slice((*byte)(unsafe.Pointer(buf)), int(length))
		n, err := ce.call.ReadAudio(dst, timeout(timeoutMs))
		if nread != nil {
			*nread = C.size_t(n)
		}
		return onCall(ce, err)
	})
}

//export voip_call_write_audio
func voip_call_write_audio(call C.uint64_t, data *C.uint8_t, length C.size_t, timeoutMs C.int32_t, nwritten *C.size_t) C.int {
	if nwritten != nil {
		*nwritten = 0
	}
	return withCall("voip_call_write_audio", call, func(ce *callEntry) error {
		if data == nil && length > 0 {
			return errorf(vEInval, "data is NULL")
		}
		var src []byte
		if length > 0 {
			src = unsafe.Slice((*byte)(unsafe.Pointer(data)), int(length))
		}
		n, err := ce.call.WriteAudio(src, timeout(timeoutMs))
		if nwritten != nil {
			*nwritten = C.size_t(n)
		}
		return onCall(ce, err)
	})
}

//export voip_call_send_dtmf
func voip_call_send_dtmf(call C.uint64_t, digits *C.char, durationMs C.int32_t) C.int {
	return withCall("voip_call_send_dtmf", call, func(ce *callEntry) error {
		if err := nonNil("digits", digits); err != nil {
			return err
		}
		if durationMs < 0 {
			return errorf(vEInval, "negative duration %d", int(durationMs))
		}
		return onCall(ce, ce.call.SendDTMF(C.GoString(digits), time.Duration(durationMs)*time.Millisecond))
	})
}

//export voip_call_get_dtmf
func voip_call_get_dtmf(call C.uint64_t, buf *C.char, buflen C.size_t, count *C.size_t) C.int {
	if count != nil {
		*count = 0
	}
	return withCall("voip_call_get_dtmf", call, func(ce *callEntry) error {
		if buf == nil || buflen == 0 {
			return errorf(vEInval, "NULL or zero-length buffer")
		}
		digits := ""
		if buflen > 1 {
			digits = ce.call.GetDTMF(int(buflen) - 1)
		}
		if count != nil {
			*count = C.size_t(len(digits))
		}
		return copyOut(buf, buflen, digits)
	})
}

//export voip_call_info
func voip_call_info(call C.uint64_t, key *C.char, buf *C.char, buflen C.size_t) C.int {
	return withCall("voip_call_info", call, func(ce *callEntry) error {
		if err := nonNil("key", key); err != nil {
			return err
		}
		v, err := ce.call.Info(C.GoString(key))
		if err != nil {
			return err
		}
		return copyOut(buf, buflen, v)
	})
}

//export voip_call_last_error
func voip_call_last_error(call C.uint64_t, buf *C.char, buflen C.size_t) C.int {
	// Not withCall: a failure here must not replace the message asked for.
	return guard("voip_call_last_error", func() C.int {
		ce := handles.call(uint64(call))
		if ce == nil {
			return fail("voip_call_last_error", nil, errorf(vENotFound, "unknown or stale call handle %d", uint64(call)))
		}
		return result("voip_call_last_error", nil, copyOut(buf, buflen, ce.lastErr.get()))
	})
}

//export voip_call_release
func voip_call_release(call C.uint64_t) C.int {
	return guard("voip_call_release", func() C.int {
		ce := handles.removeCall(uint64(call))
		if ce == nil {
			return fail("voip_call_release", nil, errorf(vENotFound, "unknown or stale call handle %d", uint64(call)))
		}
		ce.call.Release()
		return vOK
	})
}

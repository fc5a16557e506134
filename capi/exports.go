// Command capi is libvoip's C ABI: the cgo exports behind include/voip.h,
// built with -buildmode=c-shared into libvoip.so. It only translates: C
// arguments to Go values, handles to objects, errors to result codes. The
// phone itself lives in package voip.
package main

/*
#include <stdint.h>
#include <stdlib.h>
#include "bridge.h"
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"
	"unsafe"

	"github.com/libvoip/libvoip/voip"
)

func main() {}

// Result codes of include/voip.h.
const (
	vOK        = 0
	vError     = 1
	vEInval    = 2
	vENotFound = 3
	vEState    = 4
	vETimeout  = 5
	vENoPorts  = 6
	vERange    = 7
	vENetwork  = 8
	vEEnded    = 9
	vENoSpace  = 10
	vERejected = 11
)

// fail records msg as the thread's last error and returns code.
func fail(code int, format string, args ...any) C.int {
	msg := fmt.Sprintf(format, args...)
	cm := C.CString(msg)
	C.voip__set_error(cm)
	C.free(unsafe.Pointer(cm))
	return C.int(code)
}

// failErr maps an error from package voip to its result code.
func failErr(what string, err error) C.int {
	code := vError
	switch {
	case errors.Is(err, voip.ErrInvalidArgument):
		code = vEInval
	case errors.Is(err, voip.ErrInvalidState):
		code = vEState
	case errors.Is(err, voip.ErrInvalidRange):
		code = vERange
	case errors.Is(err, voip.ErrNoPortsAvailable):
		code = vENoPorts
	case errors.Is(err, voip.ErrNetwork):
		code = vENetwork
	case errors.Is(err, voip.ErrTimeout):
		code = vETimeout
	case errors.Is(err, voip.ErrCallEnded):
		code = vEEnded
	case errors.Is(err, voip.ErrRejected):
		code = vERejected
	}
	return fail(code, "%s: %v", what, err)
}

// guard runs an export's body; a panic becomes VOIP_ERROR with its message
// instead of killing the host process.
func guard(name string, body func() C.int) (rc C.int) {
	defer func() {
		if r := recover(); r != nil {
			rc = fail(vError, "%s: internal error: %v\n%s", name, r, debug.Stack())
		}
	}()
	return body()
}

func phoneOf(name string, id C.uint64_t) (*phoneEntry, C.int) {
	pe := handles.phone(uint64(id))
	if pe == nil {
		return nil, fail(vENotFound, "%s: unknown or stale phone handle %d", name, uint64(id))
	}
	return pe, vOK
}

func callOf(name string, id C.uint64_t) (*callEntry, C.int) {
	ce := handles.call(uint64(id))
	if ce == nil {
		return nil, fail(vENotFound, "%s: unknown or stale call handle %d", name, uint64(id))
	}
	return ce, vOK
}

// copyOut writes s and a NUL into the caller's buffer.
func copyOut(name string, buf *C.char, buflen C.size_t, s string) C.int {
	if buf == nil || buflen == 0 {
		return fail(vEInval, "%s: NULL or zero-length output buffer", name)
	}
	dst := unsafe.Slice((*byte)(unsafe.Pointer(buf)), int(buflen))
	if len(s)+1 > len(dst) {
		dst[0] = 0
		return fail(vENoSpace, "%s: buffer of %d bytes is too small for %d", name, int(buflen), len(s)+1)
	}
	copy(dst, s)
	dst[len(s)] = 0
	return vOK
}

// timeout converts milliseconds (-1 = forever) to a duration (< 0 = forever).
func timeout(ms C.int32_t) time.Duration {
	if ms < 0 {
		return -1
	}
	return time.Duration(ms) * time.Millisecond
}

//export voip_phone_new
func voip_phone_new(out *C.uint64_t) C.int {
	return guard("voip_phone_new", func() C.int {
		if out == nil {
			return fail(vEInval, "voip_phone_new: phone_out is NULL")
		}
		pe := handles.addPhone(voip.NewPhone(voip.DefaultConfig()))
		pe.installHandler()
		*out = C.uint64_t(pe.id)
		return vOK
	})
}

//export voip_phone_set_option
func voip_phone_set_option(phone C.uint64_t, key, value *C.char) C.int {
	return guard("voip_phone_set_option", func() C.int {
		pe, rc := phoneOf("voip_phone_set_option", phone)
		if pe == nil {
			return rc
		}
		if key == nil || value == nil {
			return fail(vEInval, "voip_phone_set_option: key or value is NULL")
		}
		if err := pe.phone.SetOption(C.GoString(key), C.GoString(value)); err != nil {
			return failErr("voip_phone_set_option", err)
		}
		return vOK
	})
}

//export voip_phone_get_option
func voip_phone_get_option(phone C.uint64_t, key *C.char, buf *C.char, buflen C.size_t) C.int {
	return guard("voip_phone_get_option", func() C.int {
		pe, rc := phoneOf("voip_phone_get_option", phone)
		if pe == nil {
			return rc
		}
		if key == nil {
			return fail(vEInval, "voip_phone_get_option: key is NULL")
		}
		v, err := pe.phone.Option(C.GoString(key))
		if err != nil {
			return failErr("voip_phone_get_option", err)
		}
		return copyOut("voip_phone_get_option", buf, buflen, v)
	})
}

//export voip_phone_start
func voip_phone_start(phone C.uint64_t) C.int {
	return guard("voip_phone_start", func() C.int {
		pe, rc := phoneOf("voip_phone_start", phone)
		if pe == nil {
			return rc
		}
		if err := pe.phone.Start(); err != nil {
			return failErr("voip_phone_start", err)
		}
		return vOK
	})
}

//export voip_phone_stop
func voip_phone_stop(phone C.uint64_t) C.int {
	return guard("voip_phone_stop", func() C.int {
		pe, rc := phoneOf("voip_phone_stop", phone)
		if pe == nil {
			return rc
		}
		if err := pe.phone.Stop(); err != nil {
			return failErr("voip_phone_stop", err)
		}
		return vOK
	})
}

//export voip_phone_destroy
func voip_phone_destroy(phone C.uint64_t) C.int {
	return guard("voip_phone_destroy", func() C.int {
		if handles.phone(uint64(phone)) == nil {
			return fail(vENotFound, "voip_phone_destroy: unknown or stale phone handle %d", uint64(phone))
		}
		if uint64(C.voip__callback_phone()) == uint64(phone) {
			return fail(vEState, "voip_phone_destroy: called from one of the phone's own callbacks")
		}
		pe := handles.removePhone(uint64(phone))
		if pe == nil {
			return fail(vENotFound, "voip_phone_destroy: phone %d already destroyed", uint64(phone))
		}
		pe.phone.Close(true)
		return vOK
	})
}

//export voip_phone_status
func voip_phone_status(phone C.uint64_t, out *C.int32_t) C.int {
	return guard("voip_phone_status", func() C.int {
		pe, rc := phoneOf("voip_phone_status", phone)
		if pe == nil {
			return rc
		}
		if out == nil {
			return fail(vEInval, "voip_phone_status: status_out is NULL")
		}
		s, _ := pe.phone.Status()
		*out = C.int32_t(s)
		return vOK
	})
}

// setCallback stores a callback of a phone.
func setCallback(name string, phone C.uint64_t, fn, ud unsafe.Pointer, slot func(*phoneEntry) *callback) C.int {
	return guard(name, func() C.int {
		pe, rc := phoneOf(name, phone)
		if pe == nil {
			return rc
		}
		pe.mu.Lock()
		*slot(pe) = callback{fn: fn, ud: ud}
		pe.mu.Unlock()
		pe.installHandler()
		return vOK
	})
}

//export voip_phone_on_incoming_call
func voip_phone_on_incoming_call(phone C.uint64_t, fn, ud unsafe.Pointer) C.int {
	return setCallback("voip_phone_on_incoming_call", phone, fn, ud, func(pe *phoneEntry) *callback { return &pe.incoming })
}

//export voip_phone_on_call_state
func voip_phone_on_call_state(phone C.uint64_t, fn, ud unsafe.Pointer) C.int {
	return setCallback("voip_phone_on_call_state", phone, fn, ud, func(pe *phoneEntry) *callback { return &pe.state })
}

//export voip_phone_on_dtmf
func voip_phone_on_dtmf(phone C.uint64_t, fn, ud unsafe.Pointer) C.int {
	return setCallback("voip_phone_on_dtmf", phone, fn, ud, func(pe *phoneEntry) *callback { return &pe.dtmf })
}

//export voip_phone_on_status
func voip_phone_on_status(phone C.uint64_t, fn, ud unsafe.Pointer) C.int {
	return setCallback("voip_phone_on_status", phone, fn, ud, func(pe *phoneEntry) *callback { return &pe.status })
}

//export voip_phone_on_request
func voip_phone_on_request(phone C.uint64_t, fn, ud unsafe.Pointer) C.int {
	return setCallback("voip_phone_on_request", phone, fn, ud, func(pe *phoneEntry) *callback { return &pe.request })
}

//export voip_phone_add_credentials
func voip_phone_add_credentials(phone C.uint64_t, username, password, realm, user *C.char) C.int {
	return guard("voip_phone_add_credentials", func() C.int {
		pe, rc := phoneOf("voip_phone_add_credentials", phone)
		if pe == nil {
			return rc
		}
		if username == nil || password == nil {
			return fail(vEInval, "voip_phone_add_credentials: username or password is NULL")
		}
		err := pe.phone.AddCredentials(C.GoString(username), C.GoString(password), C.GoString(realm), C.GoString(user))
		if err != nil {
			return failErr("voip_phone_add_credentials", err)
		}
		return vOK
	})
}

//export voip_phone_send_message
func voip_phone_send_message(phone C.uint64_t, uri, contentType, body *C.char, timeoutMs C.int32_t) C.int {
	return guard("voip_phone_send_message", func() C.int {
		pe, rc := phoneOf("voip_phone_send_message", phone)
		if pe == nil {
			return rc
		}
		if uri == nil || body == nil {
			return fail(vEInval, "voip_phone_send_message: uri or body is NULL")
		}
		ctx := context.Background()
		if timeoutMs >= 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, time.Duration(timeoutMs)*time.Millisecond)
			defer cancel()
		}
		err := pe.phone.SendMessage(ctx, C.GoString(uri), C.GoString(contentType), []byte(C.GoString(body)))
		if err != nil {
			return failErr("voip_phone_send_message", err)
		}
		return vOK
	})
}

//export voip_phone_set_log
func voip_phone_set_log(phone C.uint64_t, minLevel C.int32_t, fn, ud unsafe.Pointer) C.int {
	return guard("voip_phone_set_log", func() C.int {
		pe, rc := phoneOf("voip_phone_set_log", phone)
		if pe == nil {
			return rc
		}
		level, ok := levelFromC(int(minLevel))
		if !ok {
			return fail(vEInval, "voip_phone_set_log: level %d is not VOIP_LOG_DEBUG..VOIP_LOG_ERROR", int(minLevel))
		}
		pe.mu.Lock()
		pe.log = callback{fn: fn, ud: ud}
		pe.mu.Unlock()
		if fn == nil {
			pe.phone.SetLog(level, nil)
		} else {
			pe.phone.SetLog(level, pe.onLog)
		}
		return vOK
	})
}

//export voip_phone_call
func voip_phone_call(phone C.uint64_t, uri *C.char, out *C.uint64_t) C.int {
	return guard("voip_phone_call", func() C.int {
		pe, rc := phoneOf("voip_phone_call", phone)
		if pe == nil {
			return rc
		}
		if uri == nil || out == nil {
			return fail(vEInval, "voip_phone_call: uri or call_out is NULL")
		}
		c, err := pe.phone.Call(C.GoString(uri))
		if err != nil {
			return failErr("voip_phone_call", err)
		}
		id := handles.addCall(pe, c)
		if id == 0 {
			c.Release()
			return fail(vENotFound, "voip_phone_call: phone %d was destroyed", uint64(phone))
		}
		*out = C.uint64_t(id)
		return vOK
	})
}

//export voip_call_wait
func voip_call_wait(call C.uint64_t, mask C.uint32_t, timeoutMs C.int32_t, out *C.int32_t) C.int {
	return guard("voip_call_wait", func() C.int {
		ce, rc := callOf("voip_call_wait", call)
		if ce == nil {
			return rc
		}
		ctx := context.Background()
		if timeoutMs >= 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, time.Duration(timeoutMs)*time.Millisecond)
			defer cancel()
		}
		s, err := ce.call.Wait(ctx, voip.StateMask(mask))
		if out != nil {
			*out = C.int32_t(s)
		}
		if err != nil {
			return fail(vETimeout, "voip_call_wait: call %d still %s after %d ms", uint64(call), s, int(timeoutMs))
		}
		return vOK
	})
}

//export voip_call_state
func voip_call_state(call C.uint64_t, out *C.int32_t) C.int {
	return guard("voip_call_state", func() C.int {
		ce, rc := callOf("voip_call_state", call)
		if ce == nil {
			return rc
		}
		if out == nil {
			return fail(vEInval, "voip_call_state: state_out is NULL")
		}
		*out = C.int32_t(ce.call.State())
		return vOK
	})
}

// callAction runs a state-changing action on a call.
func callAction(name string, call C.uint64_t, action func(*voip.Call) error) C.int {
	return guard(name, func() C.int {
		ce, rc := callOf(name, call)
		if ce == nil {
			return rc
		}
		if err := action(ce.call); err != nil {
			return failErr(fmt.Sprintf("%s: call %d", name, uint64(call)), err)
		}
		return vOK
	})
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

//export voip_call_read_audio
func voip_call_read_audio(call C.uint64_t, buf *C.uint8_t, length C.size_t, timeoutMs C.int32_t, nread *C.size_t) C.int {
	return guard("voip_call_read_audio", func() C.int {
		if nread != nil {
			*nread = 0
		}
		ce, rc := callOf("voip_call_read_audio", call)
		if ce == nil {
			return rc
		}
		if buf == nil || length == 0 {
			return fail(vEInval, "voip_call_read_audio: NULL or zero-length buffer")
		}
		dst := unsafe.Slice((*byte)(unsafe.Pointer(buf)), int(length))
		n, err := ce.call.ReadAudio(dst, timeout(timeoutMs))
		if nread != nil {
			*nread = C.size_t(n)
		}
		if err != nil {
			return failErr(fmt.Sprintf("voip_call_read_audio: call %d", uint64(call)), err)
		}
		return vOK
	})
}

//export voip_call_write_audio
func voip_call_write_audio(call C.uint64_t, data *C.uint8_t, length C.size_t, timeoutMs C.int32_t, nwritten *C.size_t) C.int {
	return guard("voip_call_write_audio", func() C.int {
		if nwritten != nil {
			*nwritten = 0
		}
		ce, rc := callOf("voip_call_write_audio", call)
		if ce == nil {
			return rc
		}
		if data == nil && length > 0 {
			return fail(vEInval, "voip_call_write_audio: data is NULL")
		}
		var src []byte
		if length > 0 {
			src = unsafe.Slice((*byte)(unsafe.Pointer(data)), int(length))
		}
		n, err := ce.call.WriteAudio(src, timeout(timeoutMs))
		if nwritten != nil {
			*nwritten = C.size_t(n)
		}
		if err != nil {
			return failErr(fmt.Sprintf("voip_call_write_audio: call %d", uint64(call)), err)
		}
		return vOK
	})
}

//export voip_call_send_dtmf
func voip_call_send_dtmf(call C.uint64_t, digits *C.char, durationMs C.int32_t) C.int {
	return guard("voip_call_send_dtmf", func() C.int {
		ce, rc := callOf("voip_call_send_dtmf", call)
		if ce == nil {
			return rc
		}
		if digits == nil {
			return fail(vEInval, "voip_call_send_dtmf: digits is NULL")
		}
		if durationMs < 0 {
			return fail(vEInval, "voip_call_send_dtmf: negative duration %d", int(durationMs))
		}
		err := ce.call.SendDTMF(C.GoString(digits), time.Duration(durationMs)*time.Millisecond)
		if err != nil {
			return failErr(fmt.Sprintf("voip_call_send_dtmf: call %d", uint64(call)), err)
		}
		return vOK
	})
}

//export voip_call_get_dtmf
func voip_call_get_dtmf(call C.uint64_t, buf *C.char, buflen C.size_t, count *C.size_t) C.int {
	return guard("voip_call_get_dtmf", func() C.int {
		if count != nil {
			*count = 0
		}
		ce, rc := callOf("voip_call_get_dtmf", call)
		if ce == nil {
			return rc
		}
		if buf == nil || buflen == 0 {
			return fail(vEInval, "voip_call_get_dtmf: NULL or zero-length buffer")
		}
		digits := ""
		if buflen > 1 {
			digits = ce.call.GetDTMF(int(buflen) - 1)
		}
		if count != nil {
			*count = C.size_t(len(digits))
		}
		return copyOut("voip_call_get_dtmf", buf, buflen, digits)
	})
}

//export voip_call_info
func voip_call_info(call C.uint64_t, key *C.char, buf *C.char, buflen C.size_t) C.int {
	return guard("voip_call_info", func() C.int {
		ce, rc := callOf("voip_call_info", call)
		if ce == nil {
			return rc
		}
		if key == nil {
			return fail(vEInval, "voip_call_info: key is NULL")
		}
		v, err := ce.call.Info(C.GoString(key))
		if err != nil {
			return failErr("voip_call_info", err)
		}
		return copyOut("voip_call_info", buf, buflen, v)
	})
}

//export voip_call_release
func voip_call_release(call C.uint64_t) C.int {
	return guard("voip_call_release", func() C.int {
		ce := handles.removeCall(uint64(call))
		if ce == nil {
			return fail(vENotFound, "voip_call_release: unknown or stale call handle %d", uint64(call))
		}
		ce.call.Release()
		return vOK
	})
}

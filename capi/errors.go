package main

/*
#include <stdlib.h>
#include "bridge.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"io/fs"
	"runtime/debug"
	"sync"
	"unsafe"

	"github.com/libvoip/libvoip/dsp"
	"github.com/libvoip/libvoip/media"
	"github.com/libvoip/libvoip/voip"
)

// Result codes of include/voip.h (a test checks them against the header).
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
	vEIO       = 12
	vEFormat   = 13
)

// maxErrorLen is the longest message kept (bytes, without the NUL): the
// thread-local buffer of bridge.c holds 1024 bytes.
const maxErrorLen = 1023

// apiError is a failure found by capi itself (a NULL pointer, a stale
// handle, a buffer too small), with its result code.
type apiError struct {
	code int
	msg  string
}

func (e *apiError) Error() string { return e.msg }

// errorf returns an *apiError with code.
func errorf(code int, format string, args ...any) error {
	return &apiError{code: code, msg: fmt.Sprintf(format, args...)}
}

// voipCodes maps package voip's errors to result codes.
var voipCodes = []struct {
	err  error
	code int
}{
	{voip.ErrInvalidArgument, vEInval},
	{voip.ErrInvalidState, vEState},
	{voip.ErrInvalidRange, vERange},
	{voip.ErrNoPortsAvailable, vENoPorts},
	{voip.ErrNetwork, vENetwork},
	{voip.ErrTimeout, vETimeout},
	{voip.ErrCallEnded, vEEnded},
	{voip.ErrRejected, vERejected},
	{media.ErrFormat, vEFormat},
	{media.ErrCorrupt, vEFormat},
	{media.ErrSelf, vEInval},
	{media.ErrDirection, vEInval},
	{media.ErrClosed, vEEnded},
	{dsp.ErrToneSpec, vEInval},
	{fs.ErrNotExist, vEIO},
	{fs.ErrPermission, vEIO},
}

// codeOf is the result code of err (VOIP_ERROR when nothing matches).
func codeOf(err error) int {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.code
	}
	for _, m := range voipCodes {
		if errors.Is(err, m.err) {
			return m.code
		}
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return vEIO
	}
	return vError
}

// lastError is the message of a handle's most recent failure
// (voip_phone_last_error, voip_call_last_error).
type lastError struct {
	mu  sync.Mutex
	msg string
}

func (l *lastError) set(msg string) {
	l.mu.Lock()
	l.msg = msg
	l.mu.Unlock()
}

func (l *lastError) get() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.msg
}

// fail records "name: err" as the calling thread's last error and, when
// on is not nil, as the handle's; it returns the result code.
func fail(name string, on *lastError, err error) C.int {
	msg := name + ": " + err.Error()
	if len(msg) > maxErrorLen {
		msg = msg[:maxErrorLen]
	}
	setThreadError(msg)
	if on != nil {
		on.set(msg)
	}
	return C.int(codeOf(err))
}

func setThreadError(msg string) {
	cm := C.CString(msg)
	C.voip__set_error(cm)
	C.free(unsafe.Pointer(cm))
}

// guard runs an export's body; a panic becomes VOIP_ERROR with its message
// instead of killing the host process.
func guard(name string, body func() C.int) (rc C.int) {
	defer func() {
		if r := recover(); r != nil {
			rc = fail(name, nil, errorf(vError, "internal error: %v\n%s", r, debug.Stack()))
		}
	}()
	return body()
}

// result turns a body's error into a result code, recording it.
func result(name string, on *lastError, err error) C.int {
	if err == nil {
		return vOK
	}
	return fail(name, on, err)
}

// withPhone is an export on a phone: look the handle up, run body, record
// and map its error.
func withPhone(name string, id C.uint64_t, body func(pe *phoneEntry) error) C.int {
	return guard(name, func() C.int {
		pe := handles.phone(uint64(id))
		if pe == nil {
			return fail(name, nil, errorf(vENotFound, "unknown or stale phone handle %d", uint64(id)))
		}
		return result(name, &pe.lastErr, body(pe))
	})
}

// withCall is an export on a call: look the handle up, run body, record
// and map its error.
func withCall(name string, id C.uint64_t, body func(ce *callEntry) error) C.int {
	return guard(name, func() C.int {
		ce := handles.call(uint64(id))
		if ce == nil {
			return fail(name, nil, errorf(vENotFound, "unknown or stale call handle %d", uint64(id)))
		}
		return result(name, &ce.lastErr, body(ce))
	})
}

// copyOut writes s and a NUL into the caller's buffer.
func copyOut(buf *C.char, buflen C.size_t, s string) error {
	if buf == nil || buflen == 0 {
		return errorf(vEInval, "NULL or zero-length output buffer")
	}
	dst := unsafe.Slice((*byte)(unsafe.Pointer(buf)), int(buflen))
	if len(s)+1 > len(dst) {
		dst[0] = 0
		return errorf(vENoSpace, "buffer of %d bytes is too small for %d", int(buflen), len(s)+1)
	}
	copy(dst, s)
	dst[len(s)] = 0
	return nil
}

// nonNil reports an *apiError (EINVAL) naming the first NULL argument.
func nonNil(args ...any) error {
	for i := 0; i+1 < len(args); i += 2 {
		if isNil(args[i+1]) {
			return errorf(vEInval, "%s is NULL", args[i])
		}
	}
	return nil
}

func isNil(p any) bool {
	switch v := p.(type) {
	case *C.char:
		return v == nil
	case *C.uint64_t:
		return v == nil
	case *C.int32_t:
		return v == nil
	case unsafe.Pointer:
		return v == nil
	}
	return p == nil
}

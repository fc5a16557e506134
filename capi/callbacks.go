package main

/*
#include <stdlib.h>
#include "bridge.h"
*/
import "C"

import (
	"log/slog"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/libvoip/libvoip/voip"
)

// Events of a phone reach the application's C callbacks here: a
// voip.Handler whose functions look up the call's handle, copy strings to
// C and call the function pointer through a trampoline of bridge.c (Go
// cannot call a C function pointer itself). They run on the phone's
// dispatcher goroutine, one at a time.

// installHandler gives the phone a voip.Handler that forwards to the C
// callbacks. IncomingCall is set only while the application has an
// incoming-call callback: without one, calls are answered 486.
func (pe *phoneEntry) installHandler() {
	pe.mu.Lock()
	hasIncoming := pe.incoming.fn != nil
	pe.mu.Unlock()
	h := voip.Handler{
		CallState: pe.onCallState,
		DTMF:      pe.onDTMF,
		Status:    pe.onStatus,
		Request:   pe.onRequest,
		CallEvent: pe.onCallEvent,
		// Events (subscription.go).
		Notify:               pe.onNotify,
		SubscriptionState:    pe.onSubState,
		IncomingSubscription: pe.onIncomingSub,
		// Media ends reach the call event callback under the media
		// handle (media.go).
		MediaEvent: pe.onMediaEvent,
	}
	if hasIncoming {
		h.IncomingCall = pe.onIncoming
	}
	pe.phone.SetHandler(h)
}

func (pe *phoneEntry) get(which *callback) callback {
	pe.mu.Lock()
	defer pe.mu.Unlock()
	return *which
}

func (pe *phoneEntry) onIncoming(c *voip.Call) {
	cb := pe.get(&pe.incoming)
	if cb.fn == nil {
		// The callback was removed after the INVITE was accepted.
		_ = c.Deny(486)
		return
	}
	id := handles.addCall(pe, c)
	if id == 0 {
		_ = c.Deny(480)
		return
	}
	from, _ := c.Info("remote_uri")
	to, _ := c.Info("local_uri")
	cfrom, cto := C.CString(from), C.CString(to)
	defer C.free(unsafe.Pointer(cfrom))
	defer C.free(unsafe.Pointer(cto))
	C.voip__call_incoming(cb.fn, cb.ud, C.uint64_t(pe.id), C.uint64_t(id), cfrom, cto)
}

func (pe *phoneEntry) onCallState(c *voip.Call, s voip.CallState, reason string) {
	cb := pe.get(&pe.state)
	id := pe.handleOf(c)
	if s == voip.Ended {
		defer pe.endedDelivered(c)
	}
	if cb.fn == nil || id == 0 {
		return
	}
	cr := C.CString(reason)
	defer C.free(unsafe.Pointer(cr))
	C.voip__call_state(cb.fn, cb.ud, C.uint64_t(pe.id), C.uint64_t(id), C.int32_t(s), cr)
}

func (pe *phoneEntry) onDTMF(c *voip.Call, digit byte) {
	cb := pe.get(&pe.dtmf)
	id := pe.handleOf(c)
	if cb.fn == nil || id == 0 {
		return
	}
	C.voip__call_dtmf(cb.fn, cb.ud, C.uint64_t(pe.id), C.uint64_t(id), C.int32_t(digit))
}

func (pe *phoneEntry) onCallEvent(c *voip.Call, name, detail string) {
	cb := pe.get(&pe.event)
	id := pe.handleOf(c)
	if id != 0 {
		detail = pe.successorDetail(c, name, detail) // transfer.go
	}
	if cb.fn == nil || id == 0 {
		return
	}
	cn, cd := C.CString(name), C.CString(detail)
	defer C.free(unsafe.Pointer(cn))
	defer C.free(unsafe.Pointer(cd))
	C.voip__call_event(cb.fn, cb.ud, C.uint64_t(pe.id), C.uint64_t(id), cn, cd)
}

func (pe *phoneEntry) onStatus(s voip.PhoneStatus, reason string) {
	cb := pe.get(&pe.status)
	if cb.fn == nil {
		return
	}
	cr := C.CString(reason)
	defer C.free(unsafe.Pointer(cr))
	C.voip__call_status(cb.fn, cb.ud, C.uint64_t(pe.id), C.int32_t(s), cr)
}

func (pe *phoneEntry) onRequest(c *voip.Call, method, from, contentType string, body []byte) {
	cb := pe.get(&pe.request)
	if cb.fn == nil {
		return
	}
	var id uint64
	if c != nil {
		id = pe.handleOf(c)
	}
	text := string(body)
	if strings.IndexByte(text, 0) >= 0 || !utf8.ValidString(text) {
		text = "" // the header promises NUL-free text
	}
	cm, cf, ct, cb2 := C.CString(method), C.CString(from), C.CString(contentType), C.CString(text)
	defer C.free(unsafe.Pointer(cm))
	defer C.free(unsafe.Pointer(cf))
	defer C.free(unsafe.Pointer(ct))
	defer C.free(unsafe.Pointer(cb2))
	C.voip__call_request(cb.fn, cb.ud, C.uint64_t(pe.id), C.uint64_t(id), cm, cf, ct, cb2)
}

func (pe *phoneEntry) onLog(level slog.Level, msg string) {
	cb := pe.get(&pe.log)
	if cb.fn == nil {
		return
	}
	cm := C.CString(msg)
	defer C.free(unsafe.Pointer(cm))
	C.voip__call_log(cb.fn, cb.ud, C.uint64_t(pe.id), C.int32_t(levelToC(level)), cm)
}

// Log levels of the C API.
const (
	logDebug = 0
	logInfo  = 1
	logWarn  = 2
	logError = 3
)

func levelToC(l slog.Level) int {
	switch {
	case l >= slog.LevelError:
		return logError
	case l >= slog.LevelWarn:
		return logWarn
	case l >= slog.LevelInfo:
		return logInfo
	}
	return logDebug
}

func levelFromC(l int) (slog.Level, bool) {
	switch l {
	case logDebug:
		return slog.LevelDebug, true
	case logInfo:
		return slog.LevelInfo, true
	case logWarn:
		return slog.LevelWarn, true
	case logError:
		return slog.LevelError, true
	}
	return 0, false
}

// setLog forwards the phone's log lines at level and above to cb (none
// when cb.fn is nil).
func (pe *phoneEntry) setLog(level slog.Level, cb callback) {
	pe.mu.Lock()
	pe.log = cb
	pe.mu.Unlock()
	if cb.fn == nil {
		pe.phone.SetLog(level, nil)
	} else {
		pe.phone.SetLog(level, pe.onLog)
	}
}

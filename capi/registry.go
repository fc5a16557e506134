package main

/*
#include <stdlib.h>
#include "bridge.h"
*/
import "C"

import (
	"log/slog"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/libvoip/libvoip/voip"
)

// The handle registry. Ids are never reused and 0 is never issued, so a
// stale id can only miss; it can never reach another object. (Raw
// cgo.Handle panics on a stale handle, killing the host; mattn/go-pointer
// reuses freed addresses.)
type registry struct {
	mu     sync.RWMutex
	next   uint64
	phones map[uint64]*phoneEntry
	calls  map[uint64]*callEntry
}

var handles = registry{phones: map[uint64]*phoneEntry{}, calls: map[uint64]*callEntry{}}

// callback is an application function pointer with its user data; both
// are C pointers.
type callback struct {
	fn unsafe.Pointer
	ud unsafe.Pointer
}

type phoneEntry struct {
	id    uint64
	phone *voip.Phone

	mu       sync.Mutex
	incoming callback
	state    callback
	dtmf     callback
	status   callback
	request  callback
	log      callback
	// callIDs maps calls to their handles for callbacks. A released call
	// stays here (but not in the registry) until its ENDED callback has
	// been delivered, so every call's ENDED reaches the application.
	callIDs  map[*voip.Call]uint64
	released map[*voip.Call]bool // released, ENDED not yet delivered
	ended    map[*voip.Call]bool // ENDED delivered, not yet released
}

type callEntry struct {
	id    uint64
	call  *voip.Call
	owner *phoneEntry
}

func (r *registry) newID() uint64 {
	r.next++
	return r.next
}

func (r *registry) addPhone(p *voip.Phone) *phoneEntry {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := &phoneEntry{id: r.newID(), phone: p, callIDs: map[*voip.Call]uint64{},
		released: map[*voip.Call]bool{}, ended: map[*voip.Call]bool{}}
	r.phones[e.id] = e
	return e
}

func (r *registry) phone(id uint64) *phoneEntry {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.phones[id]
}

func (r *registry) call(id uint64) *callEntry {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.calls[id]
}

// addCall issues a handle for c (once; later calls return the same id).
func (r *registry) addCall(pe *phoneEntry, c *voip.Call) uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, alive := r.phones[pe.id]; !alive {
		return 0
	}
	pe.mu.Lock()
	defer pe.mu.Unlock()
	if id, ok := pe.callIDs[c]; ok {
		return id
	}
	id := r.newID()
	pe.callIDs[c] = id
	r.calls[id] = &callEntry{id: id, call: c, owner: pe}
	return id
}

// callID returns the handle of c, or 0 when it has none (released).
func (pe *phoneEntry) callID(c *voip.Call) uint64 {
	pe.mu.Lock()
	defer pe.mu.Unlock()
	return pe.callIDs[c]
}

func (r *registry) removeCall(id uint64) *callEntry {
	r.mu.Lock()
	defer r.mu.Unlock()
	ce := r.calls[id]
	if ce == nil {
		return nil
	}
	delete(r.calls, id)
	pe := ce.owner
	pe.mu.Lock()
	if pe.ended[ce.call] {
		delete(pe.callIDs, ce.call)
		delete(pe.ended, ce.call)
	} else {
		pe.released[ce.call] = true
	}
	pe.mu.Unlock()
	return ce
}

// endedDelivered forgets a released call once its ENDED callback ran, or
// remembers that it ran for when the call is released.
func (pe *phoneEntry) endedDelivered(c *voip.Call) {
	pe.mu.Lock()
	defer pe.mu.Unlock()
	if pe.released[c] {
		delete(pe.released, c)
		delete(pe.callIDs, c)
		return
	}
	pe.ended[c] = true
}

// removePhone unregisters a phone and all its call handles.
func (r *registry) removePhone(id uint64) *phoneEntry {
	r.mu.Lock()
	defer r.mu.Unlock()
	pe := r.phones[id]
	if pe == nil {
		return nil
	}
	delete(r.phones, id)
	pe.mu.Lock()
	for c, cid := range pe.callIDs {
		delete(r.calls, cid)
		delete(pe.callIDs, c)
	}
	clear(pe.released)
	clear(pe.ended)
	pe.mu.Unlock()
	return pe
}

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
	id := pe.callID(c)
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
	id := pe.callID(c)
	if cb.fn == nil || id == 0 {
		return
	}
	C.voip__call_dtmf(cb.fn, cb.ud, C.uint64_t(pe.id), C.uint64_t(id), C.int32_t(digit))
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
		id = pe.callID(c)
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

package main

/*
#include <stdlib.h>
#include "bridge.h"
*/
import "C"

import (
	"strings"
	"unsafe"

	"github.com/libvoip/libvoip/voip"
)

// The incoming-subscription exports (voip.h "Events"): the callback that
// issues their handles, and accept, reject, notify, end.

//export voip_phone_on_subscribe
func voip_phone_on_subscribe(phone C.uint64_t, packages *C.char, fn, ud unsafe.Pointer) C.int {
	return withPhone("voip_phone_on_subscribe", phone, func(pe *phoneEntry) error {
		var list []string
		if fn != nil {
			if err := nonNil("packages", packages); err != nil {
				return err
			}
			list = strings.Split(C.GoString(packages), ",")
		}
		if err := pe.phone.ServeEvents(list...); err != nil {
			return err
		}
		evHandles.setCallback(pe, func(c *phoneEventCallbacks) { c.incoming = callback{fn: fn, ud: ud} })
		return nil
	})
}

// onIncomingSub issues a handle for a new incoming subscription and hands
// it to the C callback (489 without one).
func (pe *phoneEntry) onIncomingSub(s *voip.IncomingSubscription) {
	cb := evHandles.callbacks(pe).incoming
	if cb.fn == nil {
		_ = s.Reject(489)
		return
	}
	id := newHandleID()
	evHandles.mu.Lock()
	evHandles.isubs[id] = &isubEntry{id: id, sub: s, owner: pe}
	evHandles.isubIDs[s] = id
	evHandles.mu.Unlock()
	strs := []*C.char{C.CString(s.Event), C.CString(s.From), C.CString(s.To)}
	defer freeAll(strs)
	C.voip__call_incoming_sub(cb.fn, cb.ud, C.uint64_t(pe.id), C.uint64_t(id), strs[0], strs[1], strs[2])
}

// withISub is an export on an incoming subscription handle.
func withISub(name string, id C.uint64_t, body func(ie *isubEntry) error) C.int {
	return guard(name, func() C.int {
		evHandles.mu.Lock()
		ie := evHandles.isubs[uint64(id)]
		evHandles.mu.Unlock()
		if ie == nil {
			return fail(name, nil, errorf(vENotFound, "unknown or stale incoming subscription handle %d", uint64(id)))
		}
		return result(name, &ie.lastErr, body(ie))
	})
}

//export voip_incoming_subscription_accept
func voip_incoming_subscription_accept(isub C.uint64_t) C.int {
	return withISub("voip_incoming_subscription_accept", isub, func(ie *isubEntry) error { return ie.sub.Accept() })
}

//export voip_incoming_subscription_accept_pending
func voip_incoming_subscription_accept_pending(isub C.uint64_t) C.int {
	return withISub("voip_incoming_subscription_accept_pending", isub, func(ie *isubEntry) error { return ie.sub.AcceptPending() })
}

//export voip_incoming_subscription_reject
func voip_incoming_subscription_reject(isub C.uint64_t, code C.int32_t) C.int {
	return withISub("voip_incoming_subscription_reject", isub, func(ie *isubEntry) error { return ie.sub.Reject(int(code)) })
}

//export voip_incoming_subscription_notify
func voip_incoming_subscription_notify(isub C.uint64_t, contentType, body *C.char, timeoutMs C.int32_t) C.int {
	return withISub("voip_incoming_subscription_notify", isub, func(ie *isubEntry) error {
		if err := nonNil("content_type", contentType, "body", body); err != nil {
			return err
		}
		ctx, cancel := contextFor(timeoutMs)
		defer cancel()
		return ie.sub.Notify(ctx, C.GoString(contentType), []byte(C.GoString(body)))
	})
}

//export voip_incoming_subscription_end
func voip_incoming_subscription_end(isub C.uint64_t, reason *C.char, timeoutMs C.int32_t) C.int {
	return withISub("voip_incoming_subscription_end", isub, func(ie *isubEntry) error {
		r := ""
		if reason != nil {
			r = C.GoString(reason)
		}
		ctx, cancel := contextFor(timeoutMs)
		defer cancel()
		return ie.sub.End(ctx, r)
	})
}

//export voip_incoming_subscription_state
func voip_incoming_subscription_state(isub C.uint64_t, buf *C.char, buflen C.size_t) C.int {
	return withISub("voip_incoming_subscription_state", isub, func(ie *isubEntry) error {
		return copyOut(buf, buflen, ie.sub.State())
	})
}

//export voip_incoming_subscription_release
func voip_incoming_subscription_release(isub C.uint64_t) C.int {
	return withISub("voip_incoming_subscription_release", isub, func(ie *isubEntry) error {
		evHandles.mu.Lock()
		delete(evHandles.isubs, ie.id)
		delete(evHandles.isubIDs, ie.sub)
		evHandles.mu.Unlock()
		return nil
	})
}

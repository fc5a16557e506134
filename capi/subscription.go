package main

/*
#include <stdlib.h>
#include "bridge.h"
*/
import "C"

import (
	"encoding/json"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/libvoip/libvoip/voip"
)

// The event exports (voip.h "Events"): subscription handles, their
// callbacks, presence and PUBLISH. Incoming subscriptions are
// subscription_in.go. Handles come from the registry's one counter.

// subEntry is an outgoing subscription's handle.
type subEntry struct {
	id      uint64
	sub     *voip.Subscription
	owner   *phoneEntry
	lastErr lastError
}

// isubEntry is an incoming subscription's handle.
type isubEntry struct {
	id      uint64
	sub     *voip.IncomingSubscription
	owner   *phoneEntry
	lastErr lastError
}

// phoneEventCallbacks are a phone's event callbacks.
type phoneEventCallbacks struct {
	notify, state, incoming callback
}

// eventHandles holds the event handles and callbacks; its mutex is a
// leaf.
type eventHandles struct {
	mu      sync.Mutex
	subs    map[uint64]*subEntry
	subIDs  map[*voip.Subscription]uint64
	isubs   map[uint64]*isubEntry
	isubIDs map[*voip.IncomingSubscription]uint64
	cbs     map[*phoneEntry]*phoneEventCallbacks
}

var evHandles = eventHandles{subs: map[uint64]*subEntry{}, subIDs: map[*voip.Subscription]uint64{},
	isubs: map[uint64]*isubEntry{}, isubIDs: map[*voip.IncomingSubscription]uint64{},
	cbs: map[*phoneEntry]*phoneEventCallbacks{}}

// newHandleID issues an id from the registry's never-reused counter.
func newHandleID() uint64 {
	handles.mu.Lock()
	defer handles.mu.Unlock()
	return handles.newID()
}

func (h *eventHandles) callbacks(pe *phoneEntry) phoneEventCallbacks {
	h.mu.Lock()
	defer h.mu.Unlock()
	if c := h.cbs[pe]; c != nil {
		return *c
	}
	return phoneEventCallbacks{}
}

func (h *eventHandles) setCallback(pe *phoneEntry, f func(*phoneEventCallbacks)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.cbs[pe]
	if c == nil {
		c = &phoneEventCallbacks{}
		h.cbs[pe] = c
	}
	f(c)
}

func (h *eventHandles) sub(id uint64) *subEntry {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.subs[id]
}

func (h *eventHandles) subID(s *voip.Subscription) uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.subIDs[s]
}

// dropPhone forgets a destroyed phone's handles and callbacks.
func (h *eventHandles) dropPhone(pe *phoneEntry) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for id, e := range h.subs {
		if e.owner == pe {
			delete(h.subs, id)
			delete(h.subIDs, e.sub)
		}
	}
	for id, e := range h.isubs {
		if e.owner == pe {
			delete(h.isubs, id)
			delete(h.isubIDs, e.sub)
		}
	}
	delete(h.cbs, pe)
}

// withSub is an export on a subscription handle.
func withSub(name string, id C.uint64_t, body func(se *subEntry) error) C.int {
	return guard(name, func() C.int {
		se := evHandles.sub(uint64(id))
		if se == nil {
			return fail(name, nil, errorf(vENotFound, "unknown or stale subscription handle %d", uint64(id)))
		}
		return result(name, &se.lastErr, body(se))
	})
}

//export voip_phone_on_notify
func voip_phone_on_notify(phone C.uint64_t, fn, ud unsafe.Pointer) C.int {
	return withPhone("voip_phone_on_notify", phone, func(pe *phoneEntry) error {
		evHandles.setCallback(pe, func(c *phoneEventCallbacks) { c.notify = callback{fn: fn, ud: ud} })
		return nil
	})
}

//export voip_phone_on_subscription_state
func voip_phone_on_subscription_state(phone C.uint64_t, fn, ud unsafe.Pointer) C.int {
	return withPhone("voip_phone_on_subscription_state", phone, func(pe *phoneEntry) error {
		evHandles.setCallback(pe, func(c *phoneEventCallbacks) { c.state = callback{fn: fn, ud: ud} })
		return nil
	})
}

//export voip_subscription_new
func voip_subscription_new(phone C.uint64_t, uri, event, accept *C.char, out *C.uint64_t) C.int {
	return withPhone("voip_subscription_new", phone, func(pe *phoneEntry) error {
		if err := nonNil("uri", uri, "event", event, "sub_out", out); err != nil {
			return err
		}
		var types []string
		if accept != nil {
			for _, a := range strings.Split(C.GoString(accept), ",") {
				if a = strings.TrimSpace(a); a != "" {
					types = append(types, a)
				}
			}
		}
		s, err := pe.phone.NewSubscription(C.GoString(uri), C.GoString(event), types...)
		if err != nil {
			return err
		}
		id := newHandleID()
		evHandles.mu.Lock()
		evHandles.subs[id] = &subEntry{id: id, sub: s, owner: pe}
		evHandles.subIDs[s] = id
		evHandles.mu.Unlock()
		*out = C.uint64_t(id)
		return nil
	})
}

//export voip_subscription_start
func voip_subscription_start(sub C.uint64_t, timeoutMs C.int32_t) C.int {
	return withSub("voip_subscription_start", sub, func(se *subEntry) error {
		ctx, cancel := contextFor(timeoutMs)
		defer cancel()
		return se.sub.Start(ctx)
	})
}

//export voip_subscription_stop
func voip_subscription_stop(sub C.uint64_t, timeoutMs C.int32_t) C.int {
	return withSub("voip_subscription_stop", sub, func(se *subEntry) error {
		ctx, cancel := contextFor(timeoutMs)
		defer cancel()
		return se.sub.Stop(ctx)
	})
}

//export voip_subscription_state
func voip_subscription_state(sub C.uint64_t, buf *C.char, buflen C.size_t) C.int {
	return withSub("voip_subscription_state", sub, func(se *subEntry) error {
		st, _ := se.sub.State()
		return copyOut(buf, buflen, st)
	})
}

//export voip_subscription_release
func voip_subscription_release(sub C.uint64_t) C.int {
	return withSub("voip_subscription_release", sub, func(se *subEntry) error {
		evHandles.mu.Lock()
		delete(evHandles.subs, se.id)
		delete(evHandles.subIDs, se.sub)
		evHandles.mu.Unlock()
		go func() {
			ctx, cancel := contextFor(5000)
			defer cancel()
			_ = se.sub.Stop(ctx)
		}()
		return nil
	})
}

// cText is s for a C callback: "" when it holds a NUL or is not UTF-8
// (the header promises NUL-free text).
func cText(b []byte) string {
	s := string(b)
	if strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s) {
		return ""
	}
	return s
}

// summaryJSON is the C summary of n: its JSON, or {"error": ...}.
func summaryJSON(n voip.Notification) string {
	if n.Err != nil {
		b, _ := json.Marshal(map[string]string{"error": n.Err.Error()})
		return string(b)
	}
	return n.Summary
}

// onNotify forwards a NOTIFY to the C callback.
func (pe *phoneEntry) onNotify(s *voip.Subscription, n voip.Notification) {
	cb := evHandles.callbacks(pe).notify
	if cb.fn == nil {
		return
	}
	var id uint64
	if s != nil {
		if id = evHandles.subID(s); id == 0 {
			return // released
		}
	}
	strs := []*C.char{C.CString(n.Event), C.CString(n.State), C.CString(n.ContentType),
		C.CString(cText(n.Body)), C.CString(summaryJSON(n))}
	defer freeAll(strs)
	C.voip__call_notify(cb.fn, cb.ud, C.uint64_t(pe.id), C.uint64_t(id), strs[0], strs[1], strs[2], strs[3], strs[4])
}

// onSubState forwards a subscription's state change to the C callback.
func (pe *phoneEntry) onSubState(s *voip.Subscription, state, reason string) {
	cb := evHandles.callbacks(pe).state
	id := evHandles.subID(s)
	if cb.fn == nil || id == 0 {
		return
	}
	strs := []*C.char{C.CString(state), C.CString(reason)}
	defer freeAll(strs)
	C.voip__call_sub_state(cb.fn, cb.ud, C.uint64_t(pe.id), C.uint64_t(id), strs[0], strs[1])
}

func freeAll(strs []*C.char) {
	for _, s := range strs {
		C.free(unsafe.Pointer(s))
	}
}

//export voip_phone_set_presence
func voip_phone_set_presence(phone C.uint64_t, basic, note, activities *C.char, timeoutMs C.int32_t) C.int {
	return withPhone("voip_phone_set_presence", phone, func(pe *phoneEntry) error {
		if err := nonNil("basic", basic); err != nil {
			return err
		}
		var acts []string
		if activities != nil {
			for _, a := range strings.Split(C.GoString(activities), ",") {
				if a = strings.TrimSpace(a); a != "" {
					acts = append(acts, a)
				}
			}
		}
		n := ""
		if note != nil {
			n = C.GoString(note)
		}
		ctx, cancel := contextFor(timeoutMs)
		defer cancel()
		return pe.phone.SetPresence(ctx, C.GoString(basic), n, acts...)
	})
}

//export voip_phone_publish
func voip_phone_publish(phone C.uint64_t, event, contentType, body *C.char, timeoutMs C.int32_t) C.int {
	return withPhone("voip_phone_publish", phone, func(pe *phoneEntry) error {
		if err := nonNil("event", event); err != nil {
			return err
		}
		var b []byte
		ct := ""
		if body != nil {
			if err := nonNil("content_type", contentType); err != nil {
				return err
			}
			b, ct = []byte(C.GoString(body)), C.GoString(contentType)
		}
		ctx, cancel := contextFor(timeoutMs)
		defer cancel()
		return pe.phone.Publish(ctx, C.GoString(event), ct, b)
	})
}

//export voip_subscription_last_error
func voip_subscription_last_error(sub C.uint64_t, buf *C.char, buflen C.size_t) C.int {
	return guard("voip_subscription_last_error", func() C.int {
		se := evHandles.sub(uint64(sub))
		if se == nil {
			return fail("voip_subscription_last_error", nil, errorf(vENotFound, "unknown or stale subscription handle %d", uint64(sub)))
		}
		if err := copyOut(buf, buflen, se.lastErr.get()); err != nil {
			return fail("voip_subscription_last_error", nil, err)
		}
		return vOK
	})
}

package main

import (
	"sync"
	"unsafe"

	"github.com/libvoip/libvoip/media"
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
	media  map[uint64]*mediaEntry // players, recorders, tones (media.go)
}

var handles = registry{phones: map[uint64]*phoneEntry{}, calls: map[uint64]*callEntry{},
	media: map[uint64]*mediaEntry{}}

// callback is an application function pointer with its user data; both
// are C pointers.
type callback struct {
	fn unsafe.Pointer
	ud unsafe.Pointer
}

type phoneEntry struct {
	id      uint64
	phone   *voip.Phone
	lastErr lastError

	// dialing is held shared while voip_phone_call creates a call and
	// issues its handle. The first events of an outgoing call may be
	// dispatched before that; a callback for a call without a handle
	// takes it exclusively, so it waits for the handle instead of
	// dropping the event (handleOf).
	dialing sync.RWMutex

	mu       sync.Mutex
	incoming callback
	state    callback
	dtmf     callback
	event    callback
	status   callback
	request  callback
	log      callback
	// callIDs maps calls to their handles for callbacks. A released call
	// stays here (but not in the registry) until its ENDED callback has
	// been delivered, so every call's ENDED reaches the application.
	callIDs  map[*voip.Call]uint64
	released map[*voip.Call]bool   // released, ENDED not yet delivered
	ended    map[*voip.Call]bool   // ENDED delivered, not yet released
	mediaIDs map[media.Port]uint64 // media handles, for their end events

	frames frameSet // calls the batched audio path visits (audio_batch.go)
}

type callEntry struct {
	id      uint64
	call    *voip.Call
	owner   *phoneEntry
	lastErr lastError
}

func (r *registry) newID() uint64 {
	r.next++
	return r.next
}

func (r *registry) addPhone(p *voip.Phone) *phoneEntry {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := &phoneEntry{id: r.newID(), phone: p, callIDs: map[*voip.Call]uint64{},
		released: map[*voip.Call]bool{}, ended: map[*voip.Call]bool{}, mediaIDs: map[media.Port]uint64{}}
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
	ce := &callEntry{id: id, call: c, owner: pe}
	r.calls[id] = ce
	pe.frames.add(ce)
	return id
}

// callID returns the handle of c, or 0 when it has none (released).
func (pe *phoneEntry) callID(c *voip.Call) uint64 {
	pe.mu.Lock()
	defer pe.mu.Unlock()
	return pe.callIDs[c]
}

// handleOf returns the handle of c for a callback: when c has none yet,
// it waits for the calls being dialed to get theirs (see dialing).
func (pe *phoneEntry) handleOf(c *voip.Call) uint64 {
	if id := pe.callID(c); id != 0 {
		return id
	}
	pe.dialing.Lock()
	pe.dialing.Unlock() //nolint:staticcheck // an empty critical section: waits for dialers
	return pe.callID(c)
}

// dial places a call and issues its handle.
func (pe *phoneEntry) dial(uri string) (uint64, error) {
	pe.dialing.RLock()
	defer pe.dialing.RUnlock()
	c, err := pe.phone.Call(uri)
	if err != nil {
		return 0, err
	}
	id := handles.addCall(pe, c)
	if id == 0 {
		c.Release()
		return 0, errorf(vENotFound, "phone %d was destroyed", pe.id)
	}
	return id, nil
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
	pe.frames.remove(ce)
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
	for port, mid := range pe.mediaIDs {
		delete(r.media, mid)
		delete(pe.mediaIDs, port)
	}
	pe.mu.Unlock()
	return pe
}

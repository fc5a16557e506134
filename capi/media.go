package main

/*
#include <stdint.h>
#include <stdlib.h>
#include "bridge.h"
*/
import "C"

import (
	"fmt"
	"time"
	"unsafe"

	"github.com/libvoip/libvoip/media"
	"github.com/libvoip/libvoip/voip"
)

// The media toolkit's exports: players, recorders and tones are handles of
// the same never-reused registry as phones and calls; a call handle is a
// port too (voip_connect).

// Flags of voip_player_new and voip_recorder_new (include/voip.h).
const (
	playerLoop     = 1
	recorderStereo = 1
)

type mediaEntry struct {
	id      uint64
	port    media.Port
	owner   *phoneEntry
	lastErr lastError
}

// addMedia issues a handle for a port the phone created.
func (r *registry) addMedia(pe *phoneEntry, port media.Port) (uint64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, alive := r.phones[pe.id]; !alive {
		return 0, errorf(vENotFound, "phone %d was destroyed", pe.id)
	}
	id := r.newID()
	r.media[id] = &mediaEntry{id: id, port: port, owner: pe}
	pe.mu.Lock()
	pe.mediaIDs[port] = id
	pe.mu.Unlock()
	return id, nil
}

func (r *registry) mediaOf(id uint64) *mediaEntry {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.media[id]
}

func (r *registry) removeMedia(id uint64) *mediaEntry {
	r.mu.Lock()
	defer r.mu.Unlock()
	me := r.media[id]
	if me != nil {
		delete(r.media, id)
		me.owner.mu.Lock()
		delete(me.owner.mediaIDs, me.port)
		me.owner.mu.Unlock()
	}
	return me
}

// port resolves a handle given to voip_connect: a media handle or a call.
func (r *registry) port(id uint64) (media.Port, *phoneEntry, error) {
	if me := r.mediaOf(id); me != nil {
		return me.port, me.owner, nil
	}
	if ce := r.call(id); ce != nil {
		return ce.call.Port(), ce.owner, nil
	}
	return nil, nil, errorf(vENotFound, "unknown or stale media or call handle %d", id)
}

// withMedia is an export on a media handle.
func withMedia(name string, id C.uint64_t, body func(me *mediaEntry) error) C.int {
	return guard(name, func() C.int {
		me := handles.mediaOf(uint64(id))
		if me == nil {
			return fail(name, nil, errorf(vENotFound, "unknown or stale media handle %d", uint64(id)))
		}
		return result(name, &me.lastErr, body(me))
	})
}

// newMedia creates a port on a phone and issues its handle into out.
func newMedia(name string, phone C.uint64_t, out *C.uint64_t, create func(*voip.Phone) (media.Port, error)) C.int {
	return withPhone(name, phone, func(pe *phoneEntry) error {
		if err := nonNil("id_out", out); err != nil {
			return err
		}
		port, err := create(pe.phone)
		if err != nil {
			return err
		}
		id, err := handles.addMedia(pe, port)
		if err != nil {
			pe.phone.Release(port)
			return err
		}
		*out = C.uint64_t(id)
		return nil
	})
}

//export voip_player_new
func voip_player_new(phone C.uint64_t, path *C.char, flags C.uint32_t, out *C.uint64_t) C.int {
	return newMedia("voip_player_new", phone, out, func(p *voip.Phone) (media.Port, error) {
		if path == nil {
			return nil, errorf(vEInval, "path is NULL")
		}
		return p.NewPlayer(C.GoString(path), flags&playerLoop != 0)
	})
}

//export voip_player_new_from_memory
func voip_player_new_from_memory(phone C.uint64_t, data unsafe.Pointer, n C.size_t, flags C.uint32_t, out *C.uint64_t) C.int {
	return newMedia("voip_player_new_from_memory", phone, out, func(p *voip.Phone) (media.Port, error) {
		if data == nil || n == 0 || n > 1<<30 {
			return nil, errorf(vEInval, "data is NULL or its length is 0 or over 1 GiB")
		}
		return p.NewPlayerFromMemory(C.GoBytes(data, C.int(n)), flags&playerLoop != 0)
	})
}

//export voip_recorder_new
func voip_recorder_new(phone C.uint64_t, path *C.char, flags C.uint32_t, out *C.uint64_t) C.int {
	return newMedia("voip_recorder_new", phone, out, func(p *voip.Phone) (media.Port, error) {
		if path == nil {
			return nil, errorf(vEInval, "path is NULL")
		}
		return p.NewRecorder(C.GoString(path), media.RecorderOptions{Stereo: flags&recorderStereo != 0})
	})
}

//export voip_recorder_set_max_duration
func voip_recorder_set_max_duration(recorder C.uint64_t, ms C.uint32_t) C.int {
	return withMedia("voip_recorder_set_max_duration", recorder, func(me *mediaEntry) error {
		r, ok := me.port.(*media.Recorder)
		if !ok {
			return errorf(vEInval, "handle %d is not a recorder", me.id)
		}
		r.SetMaxDuration(time.Duration(ms) * time.Millisecond)
		return nil
	})
}

//export voip_tone_new
func voip_tone_new(phone C.uint64_t, spec *C.char, out *C.uint64_t) C.int {
	return newMedia("voip_tone_new", phone, out, func(p *voip.Phone) (media.Port, error) {
		if spec == nil {
			return nil, errorf(vEInval, "spec is NULL")
		}
		return p.NewTone(C.GoString(spec))
	})
}

// link runs connect or disconnect on two handles of one phone.
func link(name string, src, dst C.uint64_t, op func(p *voip.Phone, s, d media.Port) error) C.int {
	return guard(name, func() C.int {
		s, ps, err := handles.port(uint64(src))
		if err != nil {
			return fail(name, nil, err)
		}
		d, pd, err := handles.port(uint64(dst))
		if err != nil {
			return fail(name, nil, err)
		}
		if ps != pd {
			return fail(name, &ps.lastErr, errorf(vEInval, "handles %d and %d belong to different phones", src, dst))
		}
		if err := op(ps.phone, s, d); err != nil {
			return fail(name, &ps.lastErr, fmt.Errorf("%d -> %d: %w", src, dst, err))
		}
		return vOK
	})
}

//export voip_connect
func voip_connect(src, dst C.uint64_t) C.int {
	return link("voip_connect", src, dst, (*voip.Phone).Connect)
}

//export voip_disconnect
func voip_disconnect(src, dst C.uint64_t) C.int {
	return link("voip_disconnect", src, dst, (*voip.Phone).Disconnect)
}

//export voip_media_destroy
func voip_media_destroy(id C.uint64_t) C.int {
	return guard("voip_media_destroy", func() C.int {
		me := handles.removeMedia(uint64(id))
		if me == nil {
			return fail("voip_media_destroy", nil, errorf(vENotFound, "unknown or stale media handle %d", uint64(id)))
		}
		me.owner.phone.Release(me.port)
		return vOK
	})
}

// ender is what players, tones and recorders share.
type ender interface {
	Done() <-chan struct{}
}

//export voip_media_wait
func voip_media_wait(id C.uint64_t, timeoutMs C.int32_t) C.int {
	return withMedia("voip_media_wait", id, func(me *mediaEntry) error {
		e, ok := me.port.(ender)
		if !ok {
			return errorf(vEInval, "handle %d does not end", me.id)
		}
		ctx, cancel := contextFor(timeoutMs)
		defer cancel()
		select {
		case <-e.Done():
			return nil
		case <-ctx.Done():
			return errorf(vETimeout, "media %d still running after %d ms", me.id, int(timeoutMs))
		}
	})
}

//export voip_media_last_error
func voip_media_last_error(id C.uint64_t, buf *C.char, buflen C.size_t) C.int {
	return withMedia("voip_media_last_error", id, func(me *mediaEntry) error {
		return copyOut(buf, buflen, me.lastErr.get())
	})
}

// onMediaEvent delivers a media port's end through the call event
// callback, with the media handle in place of a call's.
func (pe *phoneEntry) onMediaEvent(port media.Port, name, detail string) {
	cb := pe.get(&pe.event)
	pe.mu.Lock()
	id := pe.mediaIDs[port]
	pe.mu.Unlock()
	if cb.fn == nil || id == 0 {
		return
	}
	cn, cd := C.CString(name), C.CString(detail)
	defer C.free(unsafe.Pointer(cn))
	defer C.free(unsafe.Pointer(cd))
	C.voip__call_event(cb.fn, cb.ud, C.uint64_t(pe.id), C.uint64_t(id), cn, cd)
}

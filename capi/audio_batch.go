package main

/*
#include <stdint.h>
#include <stddef.h>
*/
import "C"

import (
	"errors"
	"sync"
	"time"
	"unsafe"

	"github.com/libvoip/libvoip/internal/cow"
	"github.com/libvoip/libvoip/voip"
)

// The batched audio path (voip_phone_read_frames, voip_phone_write_frames,
// voip_phone_exchange_frames): one application thread serves every call of
// a phone, one crossing of the ABI per direction per media tick instead of
// a blocked thread per call. The Go side allocates nothing per frame
// (audio_batch_test.go).

// maxBatch bounds the entries of one batch call (a sanity check on sizes
// coming from C).
const maxBatch = 1 << 20

// frameSet is the calls of a phone whose handles the application holds,
// in the order they got them: the calls voip_phone_read_frames visits.
// A call leaves it when its handle is released or when its end has been
// reported (VOIP_EENDED).
type frameSet struct {
	mu     sync.Mutex
	calls  []*callEntry // copy-on-write: readers scan a snapshot
	cursor int          // where the next scan starts (fairness when a batch is full)
}

func (fs *frameSet) add(ce *callEntry) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.calls = cow.Append(fs.calls, ce)
}

func (fs *frameSet) remove(ce *callEntry) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.calls = cow.Remove(fs.calls, ce)
}

func (fs *frameSet) snapshot() ([]*callEntry, int) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.calls, fs.cursor
}

func (fs *frameSet) setCursor(c int) {
	fs.mu.Lock()
	fs.cursor = c
	fs.mu.Unlock()
}

// frameBatch is one batch's arrays, from C or a test: entry i is the call
// calls[i], its frame frames[i*size:(i+1)*size] and its result status[i].
type frameBatch struct {
	calls  []uint64
	frames []byte
	status []int32
	size   int // bytes per frame
}

func (b *frameBatch) frame(i int) []byte { return b.frames[i*b.size : (i+1)*b.size] }

// collect takes one ready frame from each call of pe (at most len(out.calls)
// entries) without waiting; a call that ended is reported once with
// VOIP_EENDED and leaves the set. It returns the entries filled.
func collect(pe *phoneEntry, out *frameBatch) int {
	calls, cursor := pe.frames.snapshot()
	if len(calls) == 0 {
		return 0
	}
	start := cursor % len(calls)
	n := 0
	for i := 0; i < len(calls) && n < len(out.calls); i++ {
		ce := calls[(start+i)%len(calls)]
		ok, err := ce.call.ReadFrame(out.frame(n))
		switch {
		case ok:
			out.status[n] = vOK
		case errors.Is(err, voip.ErrCallEnded):
			out.status[n] = vEEnded
			pe.frames.remove(ce)
		default:
			continue
		}
		out.calls[n] = ce.id
		n++
		if n == len(out.calls) {
			pe.frames.setCursor(start + i + 1)
		}
	}
	return n
}

// readFrames waits up to timeout (negative: no limit) until at least one
// call of pe has a frame ready or ended, then fills out (see collect).
func readFrames(pe *phoneEntry, out *frameBatch, timeout time.Duration) (int, error) {
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	for {
		if n := collect(pe, out); n > 0 || timeout == 0 {
			return n, nil
		}
		wait := timeout
		if timeout > 0 {
			if wait = time.Until(deadline); wait <= 0 {
				return 0, nil
			}
		}
		if err := pe.phone.WaitMediaTick(wait); err != nil && !errors.Is(err, voip.ErrTimeout) {
			return 0, err
		}
	}
}

// writeFrames queues each entry's frame on its call without waiting and
// sets its status: VOIP_OK, VOIP_ETIMEOUT (the call's send queue was full:
// part of the frame was queued), VOIP_EENDED, VOIP_ESTATE (not answered
// yet) or VOIP_ENOTFOUND (not a live handle of pe). It returns how many
// were queued whole.
func writeFrames(pe *phoneEntry, in *frameBatch) int {
	ok := 0
	for i, id := range in.calls {
		ce := handles.call(id)
		if ce == nil || ce.owner != pe {
			in.status[i] = vENotFound
			continue
		}
		_, err := ce.call.WriteAudio(in.frame(i), 0)
		if err != nil {
			in.status[i] = int32(codeOf(err))
			continue
		}
		in.status[i] = vOK
		ok++
	}
	return ok
}

// cBatch wraps C's arrays of count entries of size bytes; it checks the
// pointers and sizes first.
func cBatch(count, size C.size_t, calls *C.uint64_t, frames *C.uint8_t, status *C.int32_t) (frameBatch, error) {
	if size == 0 || size > 1<<16 || count > maxBatch {
		return frameBatch{}, errorf(vEInval, "frame_bytes %d or count %d out of range", uint64(size), uint64(count))
	}
	if count == 0 {
		return frameBatch{size: int(size)}, nil
	}
	if calls == nil || frames == nil || status == nil {
		return frameBatch{}, errorf(vEInval, "NULL calls, frames or status array")
	}
	n := int(count)
	return frameBatch{
		calls:  unsafe.Slice((*uint64)(unsafe.Pointer(calls)), n),
		frames: unsafe.Slice((*byte)(unsafe.Pointer(frames)), n*int(size)),
		status: unsafe.Slice((*int32)(unsafe.Pointer(status)), n),
		size:   int(size),
	}, nil
}

//export voip_phone_read_frames
func voip_phone_read_frames(phone C.uint64_t, timeoutMs C.int32_t, frameBytes, capacity C.size_t,
	calls *C.uint64_t, frames *C.uint8_t, status *C.int32_t, count *C.size_t) C.int {
	if capacity == 0 {
		return guard("voip_phone_read_frames", func() C.int {
			return fail("voip_phone_read_frames", nil, errorf(vEInval, "capacity is 0"))
		})
	}
	return exchange("voip_phone_read_frames", phone, frameBytes, 0, nil, nil, nil, timeoutMs, capacity, calls, frames, status, count)
}

//export voip_phone_write_frames
func voip_phone_write_frames(phone C.uint64_t, frameBytes, count C.size_t,
	calls *C.uint64_t, frames *C.uint8_t, status *C.int32_t) C.int {
	return exchange("voip_phone_write_frames", phone, frameBytes, count, calls, frames, status, 0, 0, nil, nil, nil, nil)
}

//export voip_phone_exchange_frames
func voip_phone_exchange_frames(phone C.uint64_t, frameBytes, nwrite C.size_t,
	wcalls *C.uint64_t, wframes *C.uint8_t, wstatus *C.int32_t,
	timeoutMs C.int32_t, capacity C.size_t,
	rcalls *C.uint64_t, rframes *C.uint8_t, rstatus *C.int32_t, count *C.size_t) C.int {
	return exchange("voip_phone_exchange_frames", phone, frameBytes, nwrite, wcalls, wframes, wstatus,
		timeoutMs, capacity, rcalls, rframes, rstatus, count)
}

// exchange writes nwrite frames, then, when capacity > 0, reads up to
// capacity (voip_phone_exchange_frames; the read and write exports are its
// halves).
func exchange(name string, phone C.uint64_t, frameBytes, nwrite C.size_t,
	wcalls *C.uint64_t, wframes *C.uint8_t, wstatus *C.int32_t,
	timeoutMs C.int32_t, capacity C.size_t,
	rcalls *C.uint64_t, rframes *C.uint8_t, rstatus *C.int32_t, count *C.size_t) C.int {
	if count != nil {
		*count = 0
	}
	return withPhone(name, phone, func(pe *phoneEntry) error {
		in, err := cBatch(nwrite, frameBytes, wcalls, wframes, wstatus)
		if err != nil {
			return err
		}
		writeFrames(pe, &in)
		if capacity == 0 {
			return nil
		}
		if count == nil {
			return errorf(vEInval, "count is NULL")
		}
		out, err := cBatch(capacity, frameBytes, rcalls, rframes, rstatus)
		if err != nil {
			return err
		}
		n, err := readFrames(pe, &out, timeout(timeoutMs))
		*count = C.size_t(n)
		if err == nil && n == 0 {
			return errorf(vETimeout, "no call had a frame ready in %d ms", int(timeoutMs))
		}
		return err
	})
}

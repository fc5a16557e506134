package rtp

import "fmt"

// MaxFramePayload is the largest payload a JitterBuffer stores: 60 ms of
// G.711 or 30 ms of 16-bit PCM at 8 kHz. Larger payloads are dropped.
const MaxFramePayload = 480

// Jitter buffer limits.
const (
	// jitterUnderrunPops is the number of consecutive Pops that must find
	// the buffer empty before it goes back to buffering.
	jitterUnderrunPops = 10
	// jitterMaxCapacity keeps sequence differences well inside int16.
	jitterMaxCapacity = 1 << 14
)

// PopStatus tells what JitterBuffer.Pop produced.
type PopStatus int

// Values of PopStatus.
const (
	// PopEmpty: playout has not started (or is re-buffering after an
	// underrun); nothing was produced and no sequence number was consumed.
	PopEmpty PopStatus = iota
	// PopFrame: the next frame was copied to dst.
	PopFrame
	// PopMissing: the next frame was lost or is late; the caller plays
	// silence or conceals, and the sequence number is skipped.
	PopMissing
)

// String returns the name of the status, e.g. "PopFrame".
func (s PopStatus) String() string {
	switch s {
	case PopEmpty:
		return "PopEmpty"
	case PopFrame:
		return "PopFrame"
	case PopMissing:
		return "PopMissing"
	}
	return fmt.Sprintf("PopStatus(%d)", int(s))
}

// JitterStats counts what a JitterBuffer did with its frames.
type JitterStats struct {
	Pushed     uint64 // calls to Push, including frames then dropped
	Played     uint64 // frames returned by Pop with PopFrame
	Late       uint64 // frames dropped: older than the playout point
	Duplicates uint64 // frames dropped: sequence number already buffered
	Missing    uint64 // Pops that returned PopMissing
	Oversize   uint64 // frames dropped: payload longer than MaxFramePayload
	Resets     uint64 // re-anchorings after a sequence number jump
}

// jitterSlot holds one buffered frame.
type jitterSlot struct {
	used bool
	seq  uint16
	n    uint16 // payload length
}

// JitterBuffer is a fixed-delay jitter buffer for 20 ms frames, keyed by RTP
// sequence number. Push stores received frames in any order; Pop, called
// once per 20 ms playout tick, returns them in sequence order.
//
// Playout starts once delay frames are buffered, with the lowest buffered
// sequence number. From then on each Pop plays the next sequence number:
// PopFrame when it is buffered, PopMissing when it is not (it is skipped).
// Frames older than the playout point are dropped as late, repeated ones as
// duplicates. A frame at least capacity sequence numbers ahead of the
// playout point means the stream jumped: the buffer is emptied and
// re-anchors on it. After 10 consecutive Pops found the buffer empty it
// goes back to buffering. Sequence numbers wrap around at 65535.
//
// All storage is allocated by NewJitterBuffer; Push and Pop do not allocate.
// A JitterBuffer is not safe for concurrent use.
type JitterBuffer struct {
	delay int
	mask  uint16
	slots []jitterSlot
	data  []byte // len(slots) * MaxFramePayload

	count     int    // frames buffered
	buffering bool   // waiting for delay frames before (re)starting playout
	low, high uint16 // while buffering with count > 0: lowest and highest seq
	next      uint16 // while playing: next seq to play
	emptyPops int    // consecutive Pops that found the buffer empty

	stats JitterStats
}

// NewJitterBuffer returns a buffer that starts playout after delayFrames
// frames (at least 1) and holds capacityFrames frames, rounded up to a power
// of two of at least 2*delayFrames+2 (and at most 16384).
func NewJitterBuffer(delayFrames, capacityFrames int) *JitterBuffer {
	delay := min(max(delayFrames, 1), jitterMaxCapacity/2-1)
	need := min(max(capacityFrames, 2*delay+2), jitterMaxCapacity)
	capacity := 1
	for capacity < need {
		capacity <<= 1
	}
	return &JitterBuffer{
		delay:     delay,
		mask:      uint16(capacity - 1),
		slots:     make([]jitterSlot, capacity),
		data:      make([]byte, capacity*MaxFramePayload),
		buffering: true,
	}
}

// Delay returns the number of frames buffered before playout starts.
func (j *JitterBuffer) Delay() int { return j.delay }

// Capacity returns the number of frames the buffer can hold.
func (j *JitterBuffer) Capacity() int { return len(j.slots) }

// Len returns the number of frames currently buffered.
func (j *JitterBuffer) Len() int { return j.count }

// Push stores a copy of the frame with sequence number seq. An empty payload
// is a valid placeholder frame (for instance for the sequence numbers used
// by telephone-event packets) that plays out as zero bytes. Payloads longer
// than MaxFramePayload are dropped.
func (j *JitterBuffer) Push(seq uint16, payload []byte) {
	j.stats.Pushed++
	if len(payload) > MaxFramePayload {
		j.stats.Oversize++
		return
	}
	capacity := len(j.slots)
	switch {
	case j.buffering && j.count == 0:
		j.low, j.high = seq, seq
	case j.buffering:
		if d := int16(seq - j.low); d < 0 {
			if int(int16(j.high-seq)) >= capacity {
				j.stats.Late++ // far behind everything buffered
				return
			}
			if j.isDuplicate(seq) {
				return
			}
			j.low = seq
		} else if d2 := int16(seq - j.high); d2 > 0 {
			if int(d) >= capacity {
				j.reanchor(seq)
			} else {
				j.high = seq
			}
		} else if j.isDuplicate(seq) {
			return
		}
	default:
		d := int16(seq - j.next)
		switch {
		case d < 0:
			j.stats.Late++
			return
		case int(d) >= capacity:
			j.reanchor(seq)
		case j.isDuplicate(seq):
			return
		}
	}
	j.store(seq, payload)
}

// isDuplicate reports (and counts) whether seq is already buffered.
func (j *JitterBuffer) isDuplicate(seq uint16) bool {
	s := &j.slots[seq&j.mask]
	if s.used && s.seq == seq {
		j.stats.Duplicates++
		return true
	}
	return false
}

// reanchor empties the buffer and starts buffering again at seq.
func (j *JitterBuffer) reanchor(seq uint16) {
	j.clear()
	j.stats.Resets++
	j.low, j.high = seq, seq
}

// clear discards every frame and returns to buffering.
func (j *JitterBuffer) clear() {
	if j.count > 0 {
		for i := range j.slots {
			j.slots[i].used = false
		}
	}
	j.count = 0
	j.buffering = true
	j.emptyPops = 0
}

// store copies payload into the slot of seq, which must be free.
func (j *JitterBuffer) store(seq uint16, payload []byte) {
	i := int(seq & j.mask)
	copy(j.data[i*MaxFramePayload:], payload)
	j.slots[i] = jitterSlot{used: true, seq: seq, n: uint16(len(payload))}
	j.count++
}

// Pop is called once per 20 ms playout tick. It copies the next frame into
// dst (truncating it if dst is too short) and returns its length with
// PopFrame, or returns PopMissing when that frame is absent, or PopEmpty
// while buffering. See JitterBuffer for the rules.
func (j *JitterBuffer) Pop(dst []byte) (n int, st PopStatus) {
	if j.buffering {
		if j.count < j.delay {
			return 0, PopEmpty
		}
		j.buffering = false
		j.next = j.low
		j.emptyPops = 0
	}
	if j.count == 0 {
		j.emptyPops++
	} else {
		j.emptyPops = 0
	}
	seq := j.next
	j.next++
	i := int(seq & j.mask)
	s := &j.slots[i]
	if s.used && s.seq == seq {
		s.used = false
		j.count--
		j.stats.Played++
		off := i * MaxFramePayload
		return copy(dst, j.data[off:off+int(s.n)]), PopFrame
	}
	j.stats.Missing++
	if j.emptyPops >= jitterUnderrunPops {
		j.clear()
	}
	return 0, PopMissing
}

// Stats returns the buffer's counters.
func (j *JitterBuffer) Stats() JitterStats { return j.stats }

// Reset discards every buffered frame and returns to buffering, as after
// NewJitterBuffer; the statistics are kept.
func (j *JitterBuffer) Reset() {
	j.clear()
}

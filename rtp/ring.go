package rtp

import "encoding/binary"

// Format is the sample format audio has at the application boundary.
type Format int

const (
	// FormatS16LE is signed 16-bit little-endian linear PCM (the default).
	FormatS16LE Format = iota
	// FormatU8 is pyVoIP's unsigned 8-bit linear PCM (sample/256 + 128).
	FormatU8
)

// BytesPerSample is the size of one sample in the format.
func (f Format) BytesPerSample() int {
	if f == FormatU8 {
		return 1
	}
	return 2
}

// String returns "s16le" or "u8".
func (f Format) String() string {
	if f == FormatU8 {
		return "u8"
	}
	return "s16le"
}

// ParseFormat accepts "s16le" and "u8".
func ParseFormat(s string) (Format, bool) {
	switch s {
	case "s16le", "S16LE":
		return FormatS16LE, true
	case "u8", "U8":
		return FormatU8, true
	}
	return FormatS16LE, false
}

// sampleRing is a fixed-capacity FIFO of 16-bit samples. It is not safe for
// concurrent use: the stream guards it with its mutex.
type sampleRing struct {
	buf  []int16
	head int // index of the oldest sample
	n    int // samples stored
}

func newSampleRing(capacity int) sampleRing {
	return sampleRing{buf: make([]int16, capacity)}
}

func (r *sampleRing) len() int  { return r.n }
func (r *sampleRing) room() int { return len(r.buf) - r.n }

// push appends samples, dropping the oldest ones when full; it returns how
// many old samples were dropped.
func (r *sampleRing) push(s []int16) (dropped int) {
	if len(s) > len(r.buf) {
		dropped += len(s) - len(r.buf)
		s = s[len(s)-len(r.buf):]
	}
	if over := len(s) - r.room(); over > 0 {
		r.discard(over)
		dropped += over
	}
	tail := (r.head + r.n) % len(r.buf)
	c := copy(r.buf[tail:], s)
	copy(r.buf, s[c:])
	r.n += len(s)
	return dropped
}

// pushSilence appends n zero samples, dropping the oldest when full.
func (r *sampleRing) pushSilence(n int) (dropped int) {
	if n > len(r.buf) {
		dropped = n - len(r.buf)
		n = len(r.buf)
	}
	if over := n - r.room(); over > 0 {
		r.discard(over)
		dropped += over
	}
	for i := 0; i < n; i++ {
		r.buf[(r.head+r.n+i)%len(r.buf)] = 0
	}
	r.n += n
	return dropped
}

// pop moves up to len(dst) of the oldest samples into dst.
func (r *sampleRing) pop(dst []int16) int {
	n := min(len(dst), r.n)
	c := copy(dst[:n], r.buf[r.head:min(r.head+n, len(r.buf))])
	copy(dst[c:n], r.buf)
	r.discard(n)
	return n
}

func (r *sampleRing) discard(n int) {
	n = min(n, r.n)
	r.head = (r.head + n) % len(r.buf)
	r.n -= n
	if r.n == 0 {
		r.head = 0
	}
}

// popBytes moves up to len(dst)/BytesPerSample samples into dst in format f
// and returns the number of bytes written.
func (r *sampleRing) popBytes(dst []byte, f Format) int {
	bps := f.BytesPerSample()
	n := min(len(dst)/bps, r.n)
	for i := 0; i < n; i++ {
		s := r.buf[(r.head+i)%len(r.buf)]
		if f == FormatU8 {
			dst[i] = uint8((s >> 8) + 128)
		} else {
			binary.LittleEndian.PutUint16(dst[2*i:], uint16(s))
		}
	}
	r.discard(n)
	return n * bps
}

// pushBytes appends as many whole samples of src (format f) as there is
// room for and returns the number of bytes consumed.
func (r *sampleRing) pushBytes(src []byte, f Format) int {
	bps := f.BytesPerSample()
	n := min(len(src)/bps, r.room())
	tail := r.head + r.n
	for i := 0; i < n; i++ {
		var s int16
		if f == FormatU8 {
			s = (int16(src[i]) - 128) << 8
		} else {
			s = int16(binary.LittleEndian.Uint16(src[2*i:]))
		}
		r.buf[(tail+i)%len(r.buf)] = s
	}
	r.n += n
	return n * bps
}

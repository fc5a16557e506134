package rtp

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

// sampleRing is a FIFO of 16-bit samples holding at most its capacity. It
// is not safe for concurrent use: the stream guards it with its mutex.
//
// Its buffer starts at ringInitial samples and doubles, up to the capacity,
// only when more is queued: a call whose application keeps up holds a few
// frames per direction instead of two seconds (64 KB) each. Growing is the
// only allocation, and it stops once the buffer reached the depth the
// application needs.
type sampleRing struct {
	buf   []int16
	head  int // index of the oldest sample
	n     int // samples stored
	limit int // capacity: the most samples kept
}

// ringInitial is a sampleRing's starting size: 80 ms.
const ringInitial = 4 * SamplesPerFrame

func newSampleRing(capacity int) sampleRing {
	return sampleRing{buf: make([]int16, min(capacity, ringInitial)), limit: capacity}
}

func (r *sampleRing) len() int  { return r.n }
func (r *sampleRing) room() int { return r.limit - r.n }

// grow makes buf hold need samples (need <= limit), keeping the contents
// in order.
func (r *sampleRing) grow(need int) {
	if need <= len(r.buf) {
		return
	}
	buf := make([]int16, min(max(2*len(r.buf), need), r.limit))
	c := copy(buf, r.buf[r.head:min(r.head+r.n, len(r.buf))])
	copy(buf[c:r.n], r.buf)
	r.buf, r.head = buf, 0
}

// push appends samples, dropping the oldest ones when full; it returns how
// many old samples were dropped.
func (r *sampleRing) push(s []int16) (dropped int) {
	if len(s) > r.limit {
		dropped += len(s) - r.limit
		s = s[len(s)-r.limit:]
	}
	if over := len(s) - r.room(); over > 0 {
		r.discard(over)
		dropped += over
	}
	r.grow(r.n + len(s))
	tail := (r.head + r.n) % len(r.buf)
	c := copy(r.buf[tail:], s)
	copy(r.buf, s[c:])
	r.n += len(s)
	return dropped
}

// pushSilence appends n zero samples, dropping the oldest when full.
func (r *sampleRing) pushSilence(n int) (dropped int) {
	if n > r.limit {
		dropped = n - r.limit
		n = r.limit
	}
	if over := n - r.room(); over > 0 {
		r.discard(over)
		dropped += over
	}
	r.grow(r.n + n)
	tail := (r.head + r.n) % len(r.buf)
	first := min(n, len(r.buf)-tail)
	clear(r.buf[tail : tail+first])
	clear(r.buf[:n-first])
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
// and returns the number of bytes written. The stored samples are at most
// two contiguous runs of buf, each converted by pcm.go's converters (which
// write into the given slices: they have the room, nothing is allocated).
func (r *sampleRing) popBytes(dst []byte, f Format) int {
	bps := f.BytesPerSample()
	n := min(len(dst)/bps, r.n)
	if n == 0 {
		return 0
	}
	first := min(n, len(r.buf)-r.head)
	out := dst
	for _, run := range [2][]int16{r.buf[r.head : r.head+first], r.buf[:n-first]} {
		if f == FormatU8 {
			U8FromPCM(out[:len(run)], run)
		} else {
			S16LEFromPCM(out[:2*len(run)], run)
		}
		out = out[len(run)*bps:]
	}
	r.discard(n)
	return n * bps
}

// pushBytes appends as many whole samples of src (format f) as there is
// room for and returns the number of bytes consumed. Like popBytes, it
// converts into the (at most two) contiguous runs of free space one after
// the other with pcm.go's converters.
func (r *sampleRing) pushBytes(src []byte, f Format) int {
	bps := f.BytesPerSample()
	n := min(len(src)/bps, r.room())
	if n == 0 {
		return 0
	}
	r.grow(r.n + n)
	tail := (r.head + r.n) % len(r.buf)
	first := min(n, len(r.buf)-tail)
	for _, run := range [2][]int16{r.buf[tail : tail+first], r.buf[:n-first]} {
		in := src[:len(run)*bps]
		if f == FormatU8 {
			PCMFromU8(run, in)
		} else {
			PCMFromS16LE(run, in)
		}
		src = src[len(run)*bps:]
	}
	r.n += n
	return n * bps
}

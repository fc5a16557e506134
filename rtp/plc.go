package rtp

// Packet loss concealment in the manner of ITU-T G.711 Appendix I: a lost
// frame is replaced by the last pitch period of the audio played before
// it, repeated, rather than by silence.
//
// The steps, with the constants of Appendix I at 8 kHz (scaled by
// rate/8000 at 16 and 48 kHz):
//   - History: the last plcHistLen samples played (good or concealed).
//   - Pitch: on the first lost frame, the period P (plcMinPitch..plcMaxPitch
//     samples, 5 to 15 ms: 66 to 200 Hz) that maximises the normalised
//     correlation of the last plcCorrLen samples with those P earlier; a
//     tone above 200 Hz is found at a multiple of its period.
//   - Synthesis: the erasure plays the pitch buffer (the last P samples,
//     two then three periods after 10 and 20 ms of erasure so that a long
//     erasure does not buzz) periodically; each wrap of the buffer is
//     cross-faded over P/4 samples to hide the seam.
//   - Fade: full level for the first 10 ms, then 20 % less per 10 ms, so
//     that 60 ms into an erasure the output is silent.
//   - Recovery: the first good frame after an erasure is cross-faded with
//     the synthetic continuation over P/4 samples (plus 4 ms per extra
//     10 ms of erasure, at most 10 ms).
//
// A PLC never allocates; it is not safe for concurrent use.

// The constants of Appendix I at 8 kHz; at another rate every one is
// multiplied by rate/8000 (plcDims), so the durations stay the same.
const (
	plcMinPitch  = 40  // 5 ms: 200 Hz
	plcMaxPitch  = 120 // 15 ms: 66.7 Hz
	plcCorrLen   = 160 // 20 ms correlated for the pitch search
	plcHistLen   = plcCorrLen + plcMaxPitch + plcMaxPitch/4 + 3*plcMaxPitch
	plcFadeStart = 80  // samples at full level (10 ms)
	plcFadeLen   = 400 // samples from full level to silence (50 ms)
	plcMaxOLA    = 80  // longest recovery cross-fade (10 ms)
	plcOLAStep   = 32  // recovery cross-fade growth per extra 10 ms (4 ms)
)

// plcDims are the constants in samples at one rate.
type plcDims struct {
	scale                        int // rate / 8000
	minPitch, maxPitch, corrLen  int
	histLen, fadeStart, fadeLen  int
	maxOLA, olaStep, pitchBufLen int
}

func newPLCDims(rate int) plcDims {
	k := max(rate/8000, 1)
	return plcDims{
		scale: k, minPitch: k * plcMinPitch, maxPitch: k * plcMaxPitch, corrLen: k * plcCorrLen,
		histLen: k * plcHistLen, fadeStart: k * plcFadeStart, fadeLen: k * plcFadeLen,
		maxOLA: k * plcMaxOLA, olaStep: k * plcOLAStep, pitchBufLen: k * (3*plcMaxPitch + plcMaxPitch/4),
	}
}

// PLC conceals lost frames by pitch-based waveform repetition. The zero
// value works at 8 kHz (its buffers made on first use); SetRate chooses
// another rate. Feed every good frame to Good and call Conceal for every
// lost one.
type PLC struct {
	d       plcDims
	hist    []int16 // the last samples played, oldest first (d.histLen)
	filled  int     // samples of hist that hold real history
	pitch   int     // P of the current erasure
	periods int     // pitch periods in the buffer (1..3)
	pos     int     // read position in the pitch buffer
	lost    int     // samples concealed in the current erasure
	buf     []float32

	// Concealed is the number of frames concealed so far.
	Concealed uint64
}

// SetRate prepares p for audio at rate Hz (8000, 16000 or 48000; frames
// of any length) and forgets its history. It allocates; call it before
// the first frame, not per frame.
func (p *PLC) SetRate(rate int) {
	concealed := p.Concealed
	d := newPLCDims(rate)
	*p = PLC{d: d, hist: make([]int16, d.histLen), buf: make([]float32, d.pitchBufLen), Concealed: concealed}
}

// ready makes the zero value's 8 kHz buffers.
func (p *PLC) ready() {
	if p.hist == nil {
		p.SetRate(8000)
	}
}

// Good records a frame that was received and decoded. After an erasure it
// first cross-fades the start of frame (in place) from the synthetic
// signal into the real one.
func (p *PLC) Good(frame []int16) {
	p.ready()
	if p.lost > 0 {
		n := min(p.pitch/4+p.d.olaStep*max(0, p.lost/p.d.fadeStart-1), p.d.maxOLA, len(frame))
		for i := 0; i < n; i++ {
			w := float32(i+1) / float32(n+1)
			syn := p.synth() * p.gain(p.lost+i)
			frame[i] = clamp16(float32(frame[i])*w + syn*(1-w))
		}
		p.lost = 0
	}
	p.remember(frame)
}

// Conceal fills out with the continuation of the audio played so far.
func (p *PLC) Conceal(out []int16) {
	p.ready()
	if p.filled < p.d.corrLen+p.d.maxPitch {
		clear(out) // not enough history to find a pitch
		p.remember(out)
		p.Concealed++
		return
	}
	if p.lost == 0 {
		p.start()
	}
	for i := range out {
		out[i] = clamp16(p.synth() * p.gain(p.lost))
		p.lost++
		if p.lost == 2*p.d.fadeStart || p.lost == 3*p.d.fadeStart {
			p.grow()
		}
	}
	p.remember(out)
	p.Concealed++
}

// start begins an erasure: the pitch is found and the pitch buffer filled.
func (p *PLC) start() {
	p.pitch = p.findPitch()
	p.periods = 1
	p.pos = 0
	p.fill()
}

// fill copies the last periods pitch periods played before the erasure
// (and P/4 samples before them, for the seam's cross-fade) into the pitch
// buffer; the history since holds concealed samples, which are skipped.
func (p *PLC) fill() {
	n := p.periods * p.pitch
	q := p.pitch / 4
	end := p.d.histLen - p.lost
	src := p.hist[end-n-q : end]
	for i := range n + q {
		p.buf[i] = float32(src[i])
	}
	// The seam: playing wraps from the buffer's end to its start, so its
	// last quarter period fades into the quarter period that preceded the
	// start (buf[:q]), which flows naturally into it.
	for i := 0; i < q; i++ {
		w := float32(i+1) / float32(q+1)
		p.buf[n+i] = p.buf[n+i]*(1-w) + p.buf[i]*w
	}
}

// grow adds one more pitch period to the buffer (at most three).
func (p *PLC) grow() {
	if p.periods >= 3 || p.lost+(p.periods+1)*p.pitch+p.pitch/4 > p.d.histLen {
		return
	}
	p.periods++
	p.fill()
}

// synth is the next synthetic sample of the erasure (before the fade).
func (p *PLC) synth() float32 {
	n := p.periods * p.pitch
	q := p.pitch / 4
	v := p.buf[q+p.pos%n]
	p.pos = (p.pos + 1) % n
	return v
}

// gain is the fade-out factor k samples into the erasure.
func (p *PLC) gain(k int) float32 {
	switch {
	case k < p.d.fadeStart:
		return 1
	case k >= p.d.fadeStart+p.d.fadeLen:
		return 0
	}
	return 1 - float32(k-p.d.fadeStart)/float32(p.d.fadeLen)
}

// findPitch returns the lag of the best normalised correlation between the
// last d.corrLen samples of history and the samples lag earlier. Above
// 8 kHz the search is coarse first (every scale-th lag and sample, the
// cost of the 8 kHz search), then exact around the coarse lag.
func (p *PLC) findPitch() int {
	k := p.d.scale
	lag := p.bestLag(p.d.minPitch, p.d.maxPitch, k)
	if k == 1 {
		return lag
	}
	return p.bestLag(max(lag-k+1, p.d.minPitch), min(lag+k-1, p.d.maxPitch), 1)
}

// bestLag searches lags lo..hi by step, correlating every step-th sample.
func (p *PLC) bestLag(lo, hi, step int) int {
	end := p.d.histLen
	best, bestLag := float32(-2), lo
	for lag := lo; lag <= hi; lag += step {
		var xy, yy float32
		for i := end - p.d.corrLen; i < end; i += step {
			x, y := float32(p.hist[i]), float32(p.hist[i-lag])
			xy += x * y
			yy += y * y
		}
		if yy <= 0 {
			continue
		}
		// Compare xy/sqrt(yy) without the root: sign and square.
		score := xy * abs32(xy) / yy
		if score > best {
			best, bestLag = score, lag
		}
	}
	return bestLag
}

// remember appends frame to the history.
func (p *PLC) remember(frame []int16) {
	p.ready()
	n, h := len(frame), p.d.histLen
	if n >= h {
		copy(p.hist, frame[n-h:])
		p.filled = h
		return
	}
	copy(p.hist, p.hist[n:])
	copy(p.hist[h-n:], frame)
	p.filled = min(p.filled+n, h)
}

// Reset forgets the history (a new source or codec); the rate stays.
func (p *PLC) Reset() {
	clear(p.hist)
	clear(p.buf)
	p.filled, p.pitch, p.periods, p.pos, p.lost = 0, 0, 0, 0, 0
}

func abs32(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}

func clamp16(x float32) int16 {
	switch {
	case x > 32767:
		return 32767
	case x < -32768:
		return -32768
	}
	return int16(x)
}

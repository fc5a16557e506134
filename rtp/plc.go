package rtp

// Packet loss concealment in the manner of ITU-T G.711 Appendix I: a lost
// frame is replaced by the last pitch period of the audio played before
// it, repeated, rather than by silence.
//
// The steps, with the constants of Appendix I at 8 kHz:
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

const (
	plcMinPitch  = 40  // 5 ms: 200 Hz
	plcMaxPitch  = 120 // 15 ms: 66.7 Hz
	plcCorrLen   = 160 // 20 ms correlated for the pitch search
	plcHistLen   = plcCorrLen + plcMaxPitch + plcMaxPitch/4 + 3*plcMaxPitch
	plcFadeStart = 80  // samples at full level (10 ms)
	plcFadeLen   = 400 // samples from full level to silence (50 ms)
	plcMaxOLA    = 80  // longest recovery cross-fade (10 ms)
)

// PLC conceals lost 8 kHz frames by pitch-based waveform repetition. The
// zero value is ready: feed every good frame to Good and call Conceal for
// every lost one.
type PLC struct {
	hist    [plcHistLen]int16 // the last samples played, oldest first
	filled  int               // samples of hist that hold real history
	pitch   int               // P of the current erasure
	periods int               // pitch periods in the buffer (1..3)
	pos     int               // read position in the pitch buffer
	lost    int               // samples concealed in the current erasure
	buf     [3*plcMaxPitch + plcMaxPitch/4]float32

	// Concealed is the number of frames concealed so far.
	Concealed uint64
}

// Good records a frame that was received and decoded. After an erasure it
// first cross-fades the start of frame (in place) from the synthetic
// signal into the real one.
func (p *PLC) Good(frame []int16) {
	if p.lost > 0 {
		n := min(p.pitch/4+4*8*max(0, p.lost/plcFadeStart-1), plcMaxOLA, len(frame))
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
	if p.filled < plcCorrLen+plcMaxPitch {
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
		if p.lost == 2*plcFadeStart || p.lost == 3*plcFadeStart {
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
	end := plcHistLen - p.lost
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
	if p.periods >= 3 || p.lost+(p.periods+1)*p.pitch+p.pitch/4 > plcHistLen {
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
	case k < plcFadeStart:
		return 1
	case k >= plcFadeStart+plcFadeLen:
		return 0
	}
	return 1 - float32(k-plcFadeStart)/plcFadeLen
}

// findPitch returns the lag of the best normalised correlation between the
// last plcCorrLen samples of history and the samples lag earlier.
func (p *PLC) findPitch() int {
	end := plcHistLen
	best, bestLag := float32(-2), plcMinPitch
	for lag := plcMinPitch; lag <= plcMaxPitch; lag++ {
		var xy, yy float32
		for i := end - plcCorrLen; i < end; i++ {
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
	n := len(frame)
	if n >= plcHistLen {
		copy(p.hist[:], frame[n-plcHistLen:])
		p.filled = plcHistLen
		return
	}
	copy(p.hist[:], p.hist[n:])
	copy(p.hist[plcHistLen-n:], frame)
	p.filled = min(p.filled+n, plcHistLen)
}

// Reset forgets the history (a new source or codec).
func (p *PLC) Reset() {
	concealed := p.Concealed
	*p = PLC{Concealed: concealed}
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

package dsp

import "math"

// Goertzel returns the power of frequency hz in x (sampled at rate),
// normalised so that a pure sine at hz spanning whole cycles of x gives the
// signal's energy sum(x²): the ratio to that energy is the fraction of the
// block's energy at hz.
func Goertzel(x []int16, hz float64, rate int) float64 {
	return goertzelCoef(x, 2*math.Cos(2*math.Pi*hz/float64(rate)))
}

func goertzelCoef(x []int16, coef float64) float64 {
	var s1, s2 float64
	for _, v := range x {
		s0 := float64(v) + coef*s1 - s2
		s2, s1 = s1, s0
	}
	p := s1*s1 + s2*s2 - coef*s1*s2
	return 2 * p / float64(len(x))
}

// Detection thresholds of DTMFDetector.
const (
	// dtmfMinRMS: quieter blocks are not examined (about -45 dBFS).
	dtmfMinRMS = 180
	// dtmfMinShare: the row and column tones together hold at least this
	// share of the block's energy (speech spreads its energy wider).
	dtmfMinShare = 0.55
	// dtmfMaxTwist: row and column powers differ by at most this ratio
	// (8 dB).
	dtmfMaxTwist = 6.3
	// dtmfRival: the strongest tone of a group is this many times stronger
	// than the group's second.
	dtmfRival = 6.0
	// dtmfBlocks: a key is reported after this many consecutive blocks
	// (20 ms each) agree on it.
	dtmfBlocks = 2
)

// DTMFDetector finds DTMF keys in audio with the Goertzel algorithm. It
// examines 20 ms blocks (rate/50 samples: a 50 Hz resolution, enough for
// the 73 Hz spacing of the rows), reports a key once when two consecutive
// blocks hold it and again only after a block without it. Process
// allocates nothing.
type DTMFDetector struct {
	rate  int
	block []int16
	fill  int
	coefs [8]float64
	last  byte // key of the previous block (0: none)
	run   int  // consecutive blocks holding last
	held  bool // last has been reported
}

// NewDTMFDetector returns a detector for audio at rate samples per second.
func NewDTMFDetector(rate int) (*DTMFDetector, error) {
	if rate < 8000 || rate > 192000 || rate%50 != 0 {
		return nil, ErrRate
	}
	d := &DTMFDetector{rate: rate, block: make([]int16, rate/50)}
	for i := 0; i < 4; i++ {
		d.coefs[i] = 2 * math.Cos(2*math.Pi*dtmfRows[i]/float64(rate))
		d.coefs[4+i] = 2 * math.Cos(2*math.Pi*dtmfCols[i]/float64(rate))
	}
	return d, nil
}

// Reset forgets any partial block and key in progress.
func (d *DTMFDetector) Reset() {
	d.fill, d.last, d.run, d.held = 0, 0, 0, false
}

// Process examines pcm (any length) and returns the keys that began in it,
// at most one per completed block, appended to keys (pass a reused slice
// with capacity to stay allocation-free; a frame of rate/50 samples
// completes at most one block).
func (d *DTMFDetector) Process(keys []byte, pcm []int16) []byte {
	for len(pcm) > 0 {
		k := copy(d.block[d.fill:], pcm)
		d.fill += k
		pcm = pcm[k:]
		if d.fill < len(d.block) {
			break
		}
		d.fill = 0
		if key, ok := d.step(d.classify(d.block)); ok {
			keys = append(keys, key)
		}
	}
	return keys
}

// step follows the debounce: a key is reported after dtmfBlocks blocks.
func (d *DTMFDetector) step(key byte) (byte, bool) {
	if key == 0 || key != d.last {
		d.last, d.run, d.held = key, 0, false
	}
	if key == 0 {
		return 0, false
	}
	d.run++
	if d.run >= dtmfBlocks && !d.held {
		d.held = true
		return key, true
	}
	return 0, false
}

// classify returns the key one block holds, or 0.
func (d *DTMFDetector) classify(x []int16) byte {
	var energy float64
	for _, v := range x {
		energy += float64(v) * float64(v)
	}
	if energy < dtmfMinRMS*dtmfMinRMS*float64(len(x)) {
		return 0
	}
	var p [8]float64
	for i, c := range d.coefs {
		p[i] = goertzelCoef(x, c)
	}
	r, rp, ok := strongest(p[:4])
	if !ok {
		return 0
	}
	c, cp, ok := strongest(p[4:])
	if !ok {
		return 0
	}
	if rp+cp < dtmfMinShare*energy || rp > dtmfMaxTwist*cp || cp > dtmfMaxTwist*rp {
		return 0
	}
	return dtmfKeys[r*4+c]
}

// strongest returns the index and power of the strongest of four tones,
// and false when another is within dtmfRival of it.
func strongest(p []float64) (int, float64, bool) {
	best := 0
	for i := range p {
		if p[i] > p[best] {
			best = i
		}
	}
	for i := range p {
		if i != best && p[i]*dtmfRival > p[best] {
			return 0, 0, false
		}
	}
	return best, p[best], true
}

package rtp

import "fmt"

// G.722 (ITU-T Recommendation G.722, 11/88 and 09/2012): 7 kHz audio coded
// as sub-band ADPCM at 64 kbit/s. A 24-tap quadrature mirror filter splits
// 16 kHz audio into a lower and a higher band of 8 kHz each; the lower band
// is coded with 6 bits per sample, the higher with 2, and each pair packs
// into one octet (higher band in the two top bits). Each band has its own
// adaptive predictor (two poles, six zeros) and step size. The block names
// in the comments (SUBTRA, QUANTL, INVQAL, LOGSCL, SCALEL, UPPOL1, ...) are
// those of the Recommendation.
//
// Written here because no maintained pure-Go G.722 is served by the module
// proxy; it is checked against baresip's g722 module (tests/interop).

// Tables of the Recommendation.
var (
	g722QMF = [12]int32{3, -11, 12, 32, -210, 951, 3876, -805, 362, -156, 53, -11}
	// Decision levels of the 6-bit lower-band quantiser (QUANTL).
	g722Q6 = [32]int32{
		0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714,
		786, 858, 940, 1023, 1121, 1219, 1339, 1458, 1612, 1765, 1980, 2195, 2557, 2919, 0, 0,
	}
	g722ILN = [32]int32{
		0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19,
		18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 0,
	}
	g722ILP = [32]int32{
		0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47,
		46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33, 32, 0,
	}
	g722WL   = [8]int32{-60, -30, 58, 172, 334, 538, 1198, 3042}
	g722RL42 = [16]int32{0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0}
	g722ILB  = [32]int32{
		2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834,
		2896, 2960, 3025, 3091, 3158, 3228, 3298, 3371, 3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
	}
	// Output levels of the 4-bit quantiser used for adaptation (INVQAL).
	g722QM4 = [16]int32{
		0, -20456, -12896, -8968, -6288, -4240, -2584, -1200,
		20456, 12896, 8968, 6288, 4240, 2584, 1200, 0,
	}
	// Output levels of the 6-bit quantiser (INVQBL, 64 kbit/s mode).
	g722QM6 = [64]int32{
		-136, -136, -136, -136, -24808, -21904, -19008, -16704,
		-14984, -13512, -12280, -11192, -10232, -9360, -8576, -7856,
		-7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576,
		-3168, -2776, -2400, -2032, -1688, -1360, -1040, -728,
		24808, 21904, 19008, 16704, 14984, 13512, 12280, 11192,
		10232, 9360, 8576, 7856, 7192, 6576, 6000, 5456,
		4944, 4464, 4008, 3576, 3168, 2776, 2400, 2032,
		1688, 1360, 1040, 728, 432, 136, -432, -136,
	}
	g722QM2 = [4]int32{-7408, -1616, 7408, 1616}
	g722IHN = [3]int32{0, 1, 0}
	g722IHP = [3]int32{0, 3, 2}
	g722WH  = [3]int32{0, -214, 798}
	g722RH2 = [4]int32{2, 1, 2, 1}
)

// g722Band is one sub-band's ADPCM state.
type g722Band struct {
	s, sp, sz int32    // signal estimate, pole and zero parts
	r         [3]int32 // reconstructed signal, delayed
	a, ap     [3]int32 // pole predictor coefficients
	b, bp     [7]int32 // zero predictor coefficients
	d         [7]int32 // quantised difference signal, delayed
	p         [3]int32 // partial reconstructed signal, delayed
	nb, det   int32    // log scale factor and scale factor
}

func (b *g722Band) reset(det int32) { *b = g722Band{det: det} }

func sat16(x int32) int32 { return min(max(x, -32768), 32767) }

// sameSign reports whether two 16-bit values have the same sign bit.
func sameSign(x, y int32) bool { return (x >> 15) == (y >> 15) }

// adapt runs BLOCK 4 of the Recommendation with the quantised difference
// d: reconstruction, predictor adaptation and the next signal estimate.
func (b *g722Band) adapt(d int32) {
	b.d[0] = d
	b.r[0] = sat16(b.s + d)  // RECONS
	b.p[0] = sat16(b.sz + d) // PARREC

	// UPPOL2
	wd1 := sat16(b.a[1] << 2)
	wd2 := wd1
	if sameSign(b.p[0], b.p[1]) {
		wd2 = -wd1
	}
	wd2 = min(wd2, 32767)
	wd3 := int32(-128)
	if sameSign(b.p[0], b.p[2]) {
		wd3 = 128
	}
	wd3 += wd2 >> 7
	wd3 += (b.a[2] * 32512) >> 15
	b.ap[2] = min(max(wd3, -12288), 12288)

	// UPPOL1
	wd1 = -192
	if sameSign(b.p[0], b.p[1]) {
		wd1 = 192
	}
	b.ap[1] = sat16(wd1 + (b.a[1]*32640)>>15)
	lim := sat16(15360 - b.ap[2])
	b.ap[1] = min(max(b.ap[1], -lim), lim)

	// UPZERO
	var step int32
	if d != 0 {
		step = 128
	}
	for i := 1; i < 7; i++ {
		w := -step
		if sameSign(b.d[i], d) {
			w = step
		}
		b.bp[i] = sat16(w + (b.b[i]*32640)>>15)
	}

	// DELAYZ, DELAYL, DELAYA
	for i := 6; i > 0; i-- {
		b.d[i] = b.d[i-1]
		b.b[i] = b.bp[i]
	}
	for i := 2; i > 0; i-- {
		b.r[i] = b.r[i-1]
		b.p[i] = b.p[i-1]
		b.a[i] = b.ap[i]
	}

	// FILTEP, FILTEZ, PREDIC
	b.sp = sat16((b.a[1]*sat16(b.r[1]+b.r[1]))>>15 + (b.a[2]*sat16(b.r[2]+b.r[2]))>>15)
	var sz int32
	for i := 6; i > 0; i-- {
		sz += (b.b[i] * sat16(b.d[i]+b.d[i])) >> 15
	}
	b.sz = sat16(sz)
	b.s = sat16(b.sp + b.sz)
}

// scale runs LOGSCL/LOGSCH and SCALEL/SCALEH: the log scale factor
// follows the code's weight w, limited to top, and sets the step size.
func (b *g722Band) scale(w, top, shift int32) {
	nb := (b.nb*127)>>7 + w
	b.nb = min(max(nb, 0), top)
	i := (b.nb >> 6) & 31
	sh := shift - (b.nb >> 11)
	var v int32
	if sh < 0 {
		v = g722ILB[i] << -sh
	} else {
		v = g722ILB[i] >> sh
	}
	b.det = v << 2
}

func (b *g722Band) scaleLow(ril int32)    { b.scale(g722WL[g722RL42[ril]], 18432, 8) }
func (b *g722Band) scaleHigh(ih int32)    { b.scale(g722WH[g722RH2[ih]], 22528, 10) }
func (b *g722Band) invq4(ril int32) int32 { return (b.det * g722QM4[ril]) >> 15 }
func (b *g722Band) invq2(ih int32) int32  { return (b.det * g722QM2[ih]) >> 15 }

// qmfSplit and qmfJoin run the 24-tap QMF over the delay line x, whose two
// newest samples are x[22] and x[23].
func qmfSplit(x *[24]int32) (lo, hi int32) {
	var even, odd int32
	for i := 0; i < 12; i++ {
		odd += x[2*i] * g722QMF[i]
		even += x[2*i+1] * g722QMF[11-i]
	}
	return (even + odd) >> 14, (even - odd) >> 14
}

func qmfJoin(x *[24]int32) (first, second int16) {
	var o1, o2 int32
	for i := 0; i < 12; i++ {
		o2 += x[2*i] * g722QMF[i]
		o1 += x[2*i+1] * g722QMF[11-i]
	}
	return int16(sat16(o1 >> 11)), int16(sat16(o2 >> 11))
}

// G722Encoder is a G.722 encoder at 64 kbit/s: two 16 kHz samples in, one
// octet out. The zero value is not ready: use NewG722Encoder.
type G722Encoder struct {
	x       [24]int32
	low, hi g722Band
}

// NewG722Encoder returns an encoder in the Recommendation's reset state.
func NewG722Encoder() *G722Encoder {
	e := &G722Encoder{}
	e.Reset()
	return e
}

// Reset returns the encoder to its initial state.
func (e *G722Encoder) Reset() {
	e.x = [24]int32{}
	e.low.reset(32)
	e.hi.reset(8)
}

// Encode codes pcm (16 kHz, an even number of samples) into dst, one octet
// per two samples, and returns the number of octets.
func (e *G722Encoder) Encode(dst []byte, pcm []int16) (int, error) {
	n := len(pcm) / 2
	if len(dst) < n {
		return 0, fmt.Errorf("%w: G.722 payload buffer of %d for %d samples", ErrCodec, len(dst), len(pcm))
	}
	for j := 0; j < n; j++ {
		copy(e.x[:22], e.x[2:])
		e.x[22], e.x[23] = int32(pcm[2*j]), int32(pcm[2*j+1])
		xl, xh := qmfSplit(&e.x)
		dst[j] = byte(e.encodeHigh(xh)<<6 | e.encodeLow(xl))
	}
	return n, nil
}

// encodeLow quantises the lower band (SUBTRA, QUANTL) and adapts.
func (e *G722Encoder) encodeLow(xl int32) int32 {
	b := &e.low
	el := sat16(xl - b.s)
	wd := el
	if el < 0 {
		wd = -(el + 1)
	}
	i := 1
	for ; i < 30; i++ {
		if wd < (g722Q6[i]*b.det)>>12 {
			break
		}
	}
	code := g722ILP[i]
	if el < 0 {
		code = g722ILN[i]
	}
	ril := code >> 2
	d := b.invq4(ril)
	b.scaleLow(ril)
	b.adapt(d)
	return code
}

// encodeHigh quantises the higher band (SUBTRA, QUANTH) and adapts.
func (e *G722Encoder) encodeHigh(xh int32) int32 {
	b := &e.hi
	eh := sat16(xh - b.s)
	wd := eh
	if eh < 0 {
		wd = -(eh + 1)
	}
	mih := 1
	if wd >= (564*b.det)>>12 {
		mih = 2
	}
	code := g722IHP[mih]
	if eh < 0 {
		code = g722IHN[mih]
	}
	d := b.invq2(code)
	b.scaleHigh(code)
	b.adapt(d)
	return code
}

// G722Decoder is a G.722 decoder at 64 kbit/s: one octet in, two 16 kHz
// samples out. The zero value is not ready: use NewG722Decoder.
type G722Decoder struct {
	x       [24]int32
	low, hi g722Band
}

// NewG722Decoder returns a decoder in the Recommendation's reset state.
func NewG722Decoder() *G722Decoder {
	d := &G722Decoder{}
	d.Reset()
	return d
}

// Reset returns the decoder to its initial state.
func (d *G722Decoder) Reset() {
	d.x = [24]int32{}
	d.low.reset(32)
	d.hi.reset(8)
}

// Decode expands payload into dst, two samples per octet, and returns the
// number of samples written; octets that do not fit in dst are ignored.
func (d *G722Decoder) Decode(dst []int16, payload []byte) (int, error) {
	n := min(len(payload), len(dst)/2)
	for j := 0; j < n; j++ {
		code := int32(payload[j])
		rl := d.decodeLow(code & 0x3f)
		rh := d.decodeHigh(code >> 6)
		copy(d.x[:22], d.x[2:])
		d.x[22], d.x[23] = rl+rh, rl-rh
		dst[2*j], dst[2*j+1] = qmfJoin(&d.x)
	}
	return 2 * n, nil
}

// decodeLow runs INVQBL, RECONS and LIMIT for the output, then adapts
// with the 4-bit difference like the encoder.
func (d *G722Decoder) decodeLow(code int32) int32 {
	b := &d.low
	rl := min(max(b.s+(b.det*g722QM6[code])>>15, -16384), 16383)
	ril := code >> 2
	dl := b.invq4(ril)
	b.scaleLow(ril)
	b.adapt(dl)
	return rl
}

// decodeHigh runs INVQAH, RECONS and LIMIT, then adapts.
func (d *G722Decoder) decodeHigh(code int32) int32 {
	b := &d.hi
	dh := b.invq2(code)
	rh := min(max(b.s+dh, -16384), 16383)
	b.scaleHigh(code)
	b.adapt(dh)
	return rh
}

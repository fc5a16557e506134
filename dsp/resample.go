// Package dsp holds libvoip's signal processing on 16-bit PCM audio: pure
// functions and small state machines that depend on no other libvoip
// package, so that both the media path (rtp) and the media toolkit can use
// them. Every per-frame operation is allocation-free once warmed up.
package dsp

import (
	"errors"
	"fmt"
	"math"
)

// Resampler rate limits. Rates outside [MinRate, MaxRate], or a pair whose
// reduced ratio needs a filter table of more than maxCoefs coefficients
// (such as 44,101 Hz to 8 kHz), are refused.
const (
	MinRate = 1000
	MaxRate = 384000

	// maxCoefs bounds the polyphase table (phases × taps, 1 MiB): every
	// rate pair in use (8, 11.025, 16, 22.05, 32, 44.1, 48, 96 kHz) needs
	// at most about 22,000 coefficients.
	maxCoefs = 1 << 18

	// tapsPerZero is the filter length, in samples of the lower of the two
	// rates. The Kaiser-windowed sinc's transition band is then about
	// 5/tapsPerZero of that rate (≈ 0.1 × the lower Nyquist frequency):
	// for 44.1 kHz → 8 kHz, flat to about 3.2 kHz and down more than 70 dB
	// from 4 kHz, so nothing above the new Nyquist frequency folds back.
	tapsPerZero = 48
	kaiserBeta  = 8.0
)

// ErrRate reports a sample rate or rate pair the Resampler cannot convert.
var ErrRate = errors.New("dsp: unsupported sample rate")

// Resampler converts a stream of mono 16-bit samples from one sample rate to
// another with a polyphase windowed-sinc low-pass filter (a rational
// up-by-L, filter, down-by-M converter), so that frequencies above the lower
// Nyquist frequency are removed rather than folded back, as sample dropping
// or linear interpolation would do.
//
// It is a stream: the filter's history is kept between calls, so a signal
// cut into chunks of any size gives the same output as the whole signal.
// The output lags the input by half the filter length (about 3 ms at
// 8 kHz). A Resampler is not safe for concurrent use. Process allocates
// only when a chunk is larger than every chunk before it.
type Resampler struct {
	inRate, outRate int
	up, down        int       // L and M: out/in = up/down, reduced
	taps            int       // coefficients per phase
	coef            []float32 // up phases × taps, phase-major, gain up
	buf             []float32 // taps-1 samples of history, then pending input
	pos             int       // next output's position, in 1/up input samples, in buf
}

// NewResampler returns a Resampler from inRate to outRate (Hz, each within
// [MinRate, MaxRate]). Equal rates give a Resampler that copies.
func NewResampler(inRate, outRate int) (*Resampler, error) {
	if inRate < MinRate || inRate > MaxRate || outRate < MinRate || outRate > MaxRate {
		return nil, fmt.Errorf("%w: %d Hz to %d Hz (each must be %d–%d Hz)", ErrRate, inRate, outRate, MinRate, MaxRate)
	}
	g := gcd(inRate, outRate)
	r := &Resampler{inRate: inRate, outRate: outRate, up: outRate / g, down: inRate / g}
	if inRate == outRate {
		r.taps = 1
		r.coef = []float32{1}
		r.Reset()
		return r, nil
	}
	ratio := max(1, float64(inRate)/float64(outRate)) // input samples per lower-rate sample
	r.taps = int(math.Ceil(tapsPerZero * ratio))
	if r.up*r.taps > maxCoefs {
		return nil, fmt.Errorf("%w: %d Hz to %d Hz reduces to %d/%d, a filter of more than %d coefficients", ErrRate, inRate, outRate, r.up, r.down, maxCoefs)
	}
	r.design()
	r.Reset()
	return r, nil
}

// design fills coef with the polyphase decomposition of a Kaiser-windowed
// sinc low-pass at the rate up × inRate, cut off just below the lower of the
// two Nyquist frequencies.
func (r *Resampler) design() {
	n := r.up * r.taps
	lower := float64(min(r.inRate, r.outRate))
	transition := 5.0 / tapsPerZero * lower / 2
	cutoff := (lower/2 - transition/2) / (float64(r.up) * float64(r.inRate)) // cycles per up-rate sample
	center := float64(n-1) / 2
	r.coef = make([]float32, n)
	i0Beta := besselI0(kaiserBeta)
	for i := 0; i < n; i++ {
		t := float64(i) - center
		h := 2 * cutoff * sinc(2*cutoff*t)
		w := besselI0(kaiserBeta*math.Sqrt(max(0, 1-(t/center)*(t/center)))) / i0Beta
		// Phase p holds h[p + j*up] (the weight of input n0-j) for j =
		// 0..taps-1, stored oldest input first so that it lines up with the
		// history, and scaled by up to keep unity gain after the
		// zero-stuffing of the upsampler.
		p, j := i%r.up, i/r.up
		r.coef[p*r.taps+r.taps-1-j] = float32(h * w * float64(r.up))
	}
}

// Reset forgets the history, as if the Resampler were new.
func (r *Resampler) Reset() {
	if cap(r.buf) < r.taps-1 {
		r.buf = make([]float32, r.taps-1, 2*r.taps)
	}
	r.buf = r.buf[:r.taps-1]
	clear(r.buf)
	r.pos = (r.taps - 1) * r.up
}

// InRate returns the input sample rate in Hz.
func (r *Resampler) InRate() int { return r.inRate }

// OutRate returns the output sample rate in Hz.
func (r *Resampler) OutRate() int { return r.outRate }

// MaxOut returns how many samples the next Process call produces from n
// input samples when dst has room for all of them: the size dst needs so
// that nothing stays pending. For a steady stream it is n × out/in, give or
// take one.
func (r *Resampler) MaxOut(n int) int {
	limit := (len(r.buf) + n) * r.up
	if r.pos >= limit {
		return 0
	}
	return (limit-r.pos-1)/r.down + 1
}

// Process appends src to the stream and writes the output samples it
// completes to dst, returning how many were written. When dst is shorter
// than MaxOut(len(src)) the rest stays pending and comes out first on the
// next call: no sample is lost either way.
func (r *Resampler) Process(dst, src []int16) int {
	for _, v := range src {
		r.buf = append(r.buf, float32(v))
	}
	out := 0
	if r.taps == 1 { // equal rates
		for ; out < len(dst) && out < len(r.buf); out++ {
			dst[out] = int16(r.buf[out])
		}
		r.buf = r.buf[:copy(r.buf, r.buf[out:])]
		return out
	}
	limit := len(r.buf) * r.up
	for ; out < len(dst) && r.pos < limit; out++ {
		n0, p := r.pos/r.up, r.pos%r.up
		dst[out] = saturate(dot(r.coef[p*r.taps:(p+1)*r.taps], r.buf[n0-r.taps+1:n0+1]))
		r.pos += r.down
	}
	// Keep the taps-1 samples before the next output's newest input.
	drop := min(r.pos/r.up-(r.taps-1), len(r.buf))
	if drop > 0 {
		r.buf = r.buf[:copy(r.buf, r.buf[drop:])]
		r.pos -= drop * r.up
	}
	return out
}

// dot returns Σ c[k]·x[k]. Four accumulators let the CPU overlap the adds.
func dot(c, x []float32) float32 {
	x = x[:len(c)]
	var a0, a1, a2, a3 float32
	k := 0
	for ; k+4 <= len(c); k += 4 {
		a0 += c[k] * x[k]
		a1 += c[k+1] * x[k+1]
		a2 += c[k+2] * x[k+2]
		a3 += c[k+3] * x[k+3]
	}
	for ; k < len(c); k++ {
		a0 += c[k] * x[k]
	}
	return (a0 + a1) + (a2 + a3)
}

func saturate(v float32) int16 {
	v = float32(math.Round(float64(v)))
	switch {
	case v > math.MaxInt16:
		return math.MaxInt16
	case v < math.MinInt16:
		return math.MinInt16
	}
	return int16(v)
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

// besselI0 is the zeroth-order modified Bessel function of the first kind,
// by its power series (converges fast for the β of a Kaiser window).
func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; k < 64 && term > 1e-12*sum; k++ {
		term *= (x / (2 * float64(k))) * (x / (2 * float64(k)))
		sum += term
	}
	return sum
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// Package audiotest generates and measures audio for libvoip's tests and
// tools: sine tones (Tone) and the dominant frequency and level of a signal
// (DominantFrequency). It is internal to the module, not part of the
// library's API, and depends on no other libvoip package so that the rtp
// package's own tests can use it.
package audiotest

import "math"

// Tone fills every element of dst with a sine wave of frequency freqHz
// sampled at sampleRate and returns dst.
//
// amplitude is the peak value: a value in (0, 1] is taken as a fraction of
// full scale (32767), a larger value as an absolute peak in sample units;
// results are clipped to the int16 range. phase, in radians, is where the
// wave starts; it is advanced past the generated samples (and kept within
// [0, 2π)) so that consecutive calls produce a continuous tone. A nil phase
// starts at 0. A non-positive sampleRate yields silence.
func Tone(dst []int16, freqHz, amplitude float64, sampleRate int, phase *float64) []int16 {
	if sampleRate <= 0 {
		clear(dst)
		return dst
	}
	if amplitude > 0 && amplitude <= 1 {
		amplitude *= math.MaxInt16
	}
	var ph float64
	if phase != nil {
		ph = *phase
	}
	step := 2 * math.Pi * freqHz / float64(sampleRate)
	for i := range dst {
		v := math.Round(amplitude * math.Sin(ph+step*float64(i)))
		dst[i] = int16(max(math.MinInt16, min(math.MaxInt16, v)))
	}
	if phase != nil {
		ph = math.Mod(ph+step*float64(len(dst)), 2*math.Pi)
		if ph < 0 {
			ph += 2 * math.Pi
		}
		*phase = ph
	}
	return dst
}

// Frequency range searched by DominantFrequency.
const (
	minDominantHz = 50
	maxDominantHz = 3800
)

// DominantFrequency estimates the strongest frequency between 50 and 3800 Hz
// (capped below the Nyquist frequency) in pcm sampled at sampleRate, and
// returns it with the RMS level of the whole signal in sample units (a
// full-scale sine has an RMS of about 23170).
//
// A coarse search averages Hann-windowed Goertzel powers over 100 ms blocks
// on a 10 Hz grid; the peak is then refined over the whole signal with a
// Hann-windowed Goertzel scan in 0.25 Hz steps and parabolic interpolation.
// For a clean tone of 0.5 s or more the result is typically within 1 Hz.
// It returns 0 Hz for silence, an empty signal or a non-positive sampleRate.
// It allocates and is meant for tests and diagnostics, not per-frame use.
func DominantFrequency(pcm []int16, sampleRate int) (hz float64, rms float64) {
	if len(pcm) == 0 || sampleRate <= 0 {
		return 0, 0
	}
	var sum float64
	for _, s := range pcm {
		sum += float64(s) * float64(s)
	}
	rms = math.Sqrt(sum / float64(len(pcm)))
	if rms == 0 {
		return 0, 0
	}
	fs := float64(sampleRate)
	hi := math.Min(maxDominantHz, fs/2-minDominantHz)
	if hi < minDominantHz {
		return 0, rms
	}

	// Coarse: Welch-style average over blocks of 100 ms.
	const coarseStep = 10.0
	block := min(len(pcm), max(sampleRate/10, 16))
	win := hannWindow(block)
	buf := make([]float64, block)
	nf := int((hi-minDominantHz)/coarseStep) + 1
	power := make([]float64, nf)
	for off := 0; off+block <= len(pcm); off += block {
		for i := range buf {
			buf[i] = float64(pcm[off+i]) * win[i]
		}
		for k := range power {
			power[k] += goertzel(buf, (minDominantHz+coarseStep*float64(k))/fs)
		}
	}
	best := 0
	for k, p := range power {
		if p > power[best] {
			best = k
		}
	}
	coarse := minDominantHz + coarseStep*float64(best)

	// Fine: whole signal, Hann window, 0.25 Hz steps around the coarse peak.
	win = hannWindow(len(pcm))
	buf = make([]float64, len(pcm))
	for i, s := range pcm {
		buf[i] = float64(s) * win[i]
	}
	const fineStep, fineSpan = 0.25, 2 * coarseStep
	lo := math.Max(minDominantHz, coarse-fineSpan)
	n := int((math.Min(hi, coarse+fineSpan)-lo)/fineStep) + 1
	fine := make([]float64, n)
	bestFine := 0
	for k := range fine {
		fine[k] = goertzel(buf, (lo+fineStep*float64(k))/fs)
		if fine[k] > fine[bestFine] {
			bestFine = k
		}
	}
	hz = lo + fineStep*float64(bestFine)
	if bestFine > 0 && bestFine < n-1 {
		a, b, c := fine[bestFine-1], fine[bestFine], fine[bestFine+1]
		if d := a - 2*b + c; d < 0 {
			hz += fineStep * 0.5 * (a - c) / d
		}
	}
	return hz, rms
}

// hannWindow returns the n-point symmetric Hann window.
func hannWindow(n int) []float64 {
	w := make([]float64, n)
	if n == 1 {
		w[0] = 1
		return w
	}
	for i := range w {
		w[i] = 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(n-1))
	}
	return w
}

// goertzel returns the power of x at the normalised frequency f
// (cycles per sample).
func goertzel(x []float64, f float64) float64 {
	coeff := 2 * math.Cos(2*math.Pi*f)
	var s1, s2 float64
	for _, v := range x {
		s1, s2 = v+coeff*s1-s2, s1
	}
	return s1*s1 + s2*s2 - coeff*s1*s2
}

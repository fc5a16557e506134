package audiotest

import "math"

// ToneLevel returns the RMS level, in sample units, of the component of pcm
// (sampled at sampleRate) at freqHz: a Hann-windowed Goertzel filter over
// the whole signal, scaled so that a pure sine of amplitude A at freqHz
// reads A/√2 (its own RMS). A tone 50 Hz or more away reads at least 40 dB
// lower over 0.5 s of signal. It allocates and is meant for tests.
func ToneLevel(pcm []int16, sampleRate int, freqHz float64) float64 {
	if len(pcm) < 2 || sampleRate <= 0 || freqHz <= 0 || freqHz >= float64(sampleRate)/2 {
		return 0
	}
	win := hannWindow(len(pcm))
	buf := make([]float64, len(pcm))
	var wsum float64
	for i, s := range pcm {
		buf[i] = float64(s) * win[i]
		wsum += win[i]
	}
	p := goertzel(buf, freqHz/float64(sampleRate))
	// |X| = A·Σw/2 for a sine of amplitude A.
	amp := 2 * math.Sqrt(math.Max(p, 0)) / wsum
	return amp / math.Sqrt2
}

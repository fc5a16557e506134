package rtp

import "math"

// Comfort noise (RFC 3389): a peer that stops sending during silence sends
// a CN packet (static payload type 13 at 8 kHz) whose first byte is the
// noise level in -dBov (0 to 127); spectral coefficients may follow. Until
// audio resumes, the receiver plays noise at that level instead of
// silence.
//
// The level is taken relative to a full-scale 16-bit signal: 0 dBov is an
// RMS of 32767, so level L plays white noise of RMS 32767·10^(-L/20) (for
// example 40 → 328, 70 → 10). The spectral coefficients are not applied:
// the noise is white, at the signalled level.

// CNPayloadType is the static RTP payload type of comfort noise (RFC 3551).
const CNPayloadType = 13

// ComfortNoise renders RFC 3389 noise. The zero value is inactive; it
// never allocates and is not safe for concurrent use.
type ComfortNoise struct {
	active bool
	rms    float32
	state  uint32 // xorshift generator
	// Frames is the number of frames of noise rendered so far.
	Frames uint64
}

// SetLevel starts noise at the level of a CN payload (its first byte, in
// -dBov); an empty payload keeps the previous level (or 127 dBov).
func (c *ComfortNoise) SetLevel(payload []byte) {
	level := 127
	if c.active {
		level = c.levelOf()
	}
	if len(payload) > 0 {
		level = int(payload[0] & 0x7f)
	}
	c.rms = float32(32767 * math.Pow(10, -float64(level)/20))
	c.active = true
	if c.state == 0 {
		c.state = 0x9e3779b9
	}
}

// levelOf is the current level in -dBov, rounded.
func (c *ComfortNoise) levelOf() int {
	if c.rms <= 0 {
		return 127
	}
	return int(math.Round(-20 * math.Log10(float64(c.rms)/32767)))
}

// Active reports whether noise is being played (a CN packet came and no
// audio since).
func (c *ComfortNoise) Active() bool { return c.active }

// Stop ends the noise: audio came.
func (c *ComfortNoise) Stop() { c.active = false }

// Render fills out with white noise at the current level.
func (c *ComfortNoise) Render(out []int16) {
	// A uniform variable on [-a, a] has RMS a/√3.
	a := c.rms * sqrt3
	for i := range out {
		c.state ^= c.state << 13
		c.state ^= c.state >> 17
		c.state ^= c.state << 5
		u := float32(c.state)/float32(math.MaxUint32)*2 - 1
		out[i] = clamp16(u * a)
	}
	c.Frames++
}

const sqrt3 = 1.7320508075688772

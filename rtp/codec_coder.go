package rtp

import "fmt"

// Encoder compresses 20 ms frames of one codec, keeping the codec's state
// between frames. It is used by one goroutine at a time.
type Encoder interface {
	// Encode compresses one frame of mono samples at the encoder's rate
	// into dst (whose length bounds the payload) and returns the payload
	// length.
	Encode(dst []byte, pcm []int16) (int, error)
	// Reset returns the encoder to its initial state.
	Reset()
}

// Decoder expands one codec's payloads into mono samples, keeping the
// codec's state between frames. It is used by one goroutine at a time.
type Decoder interface {
	// Decode expands payload into dst at the decoder's rate and returns
	// the number of samples written.
	Decode(dst []int16, payload []byte) (int, error)
	// Reset returns the decoder to its initial state.
	Reset()
}

// NativeRate is the audio rate at which c's encoder and decoder work when
// the application's rate is appRate: the codec's own rate, except for Opus,
// which codes 8, 16 or 48 kHz audio natively and so needs no resampling.
func (c *Codec) NativeRate(appRate int) int {
	if c.kind == kindOpus && opusRateOK(appRate) {
		return appRate
	}
	return c.SampleRate
}

// NewEncoder returns an encoder of c working at rate, which must be
// c.NativeRate(rate) or c.SampleRate.
func (c *Codec) NewEncoder(rate int) (Encoder, error) {
	switch c.kind {
	case kindULaw, kindALaw:
		if rate == 8000 {
			return g711Coder{c}, nil
		}
	case kindG722:
		if rate == 16000 {
			return NewG722Encoder(), nil
		}
	case kindOpus:
		return newOpusEncoder(rate)
	}
	return nil, fmt.Errorf("%w: %s cannot encode at %d Hz", ErrCodec, c.Name, rate)
}

// NewDecoder returns a decoder of c working at rate, which must be
// c.NativeRate(rate) or c.SampleRate.
func (c *Codec) NewDecoder(rate int) (Decoder, error) {
	switch c.kind {
	case kindULaw, kindALaw:
		if rate == 8000 {
			return g711Coder{c}, nil
		}
	case kindG722:
		if rate == 16000 {
			return NewG722Decoder(), nil
		}
	case kindOpus:
		return newOpusDecoder(rate)
	}
	return nil, fmt.Errorf("%w: %s cannot decode at %d Hz", ErrCodec, c.Name, rate)
}

// g711Coder is the stateless G.711 codec as an Encoder and a Decoder.
type g711Coder struct{ c *Codec }

func (g g711Coder) Encode(dst []byte, pcm []int16) (int, error) {
	if len(dst) < len(pcm) {
		return 0, fmt.Errorf("%w: payload buffer too small", ErrCodec)
	}
	return len(g.c.Encode(dst[:0], pcm)), nil
}

func (g g711Coder) Decode(dst []int16, payload []byte) (int, error) {
	n := min(len(payload), len(dst))
	return len(g.c.Decode(dst[:0], payload[:n])), nil
}

func (g711Coder) Reset() {}

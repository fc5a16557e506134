package rtp

import (
	"fmt"

	"github.com/libvoip/libvoip/dsp"
)

// The codec side of a stream: the application reads and writes 20 ms
// frames at its own rate (StreamConfig.SampleRate: 8, 16 or 48 kHz); the
// codec codes at its native rate (G.711 8 kHz, G.722 16 kHz, Opus the
// application's rate). A codecPath resamples between the two with
// dsp.Resampler, whose low-pass filter keeps a wideband application's
// high frequencies from folding into a narrowband codec.

// DefaultSampleRate is the application's audio rate when none is set.
const DefaultSampleRate = 8000

// ValidSampleRate reports whether rate is an application audio rate a
// stream accepts: 8000, 16000 or 48000 Hz.
func ValidSampleRate(rate int) bool {
	return rate == 8000 || rate == 16000 || rate == 48000
}

// codecPath encodes application frames into payloads and decodes payloads
// into application frames for one codec. Only the pacer goroutine uses it
// (under the stream's lock).
type codecPath struct {
	codec         *Codec
	appRate, rate int // application rate, coder rate
	coderFrame    int // samples of a 20 ms frame at the coder's rate
	enc           Encoder
	dec           Decoder
	up, down      *dsp.Resampler // application → coder, coder → application; nil when equal
	encBuf        [MaxFrameSamples]int16
	decBuf        [MaxFrameSamples]int16
}

func newCodecPath(c *Codec, appRate int) (*codecPath, error) {
	p := &codecPath{codec: c, appRate: appRate, rate: c.NativeRate(appRate)}
	p.coderFrame = p.rate * FrameMs / 1000
	var err error
	if p.enc, err = c.NewEncoder(p.rate); err != nil {
		return nil, err
	}
	if p.dec, err = c.NewDecoder(p.rate); err != nil {
		return nil, err
	}
	if p.rate != appRate {
		if p.up, err = dsp.NewResampler(appRate, p.rate); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrCodec, err)
		}
		if p.down, err = dsp.NewResampler(p.rate, appRate); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrCodec, err)
		}
	}
	return p, nil
}

// encode codes one application frame into dst and returns the payload
// length.
func (p *codecPath) encode(dst []byte, pcm []int16) (int, error) {
	if p.up != nil {
		n := p.up.Process(p.encBuf[:p.coderFrame], pcm)
		clear(p.encBuf[n:p.coderFrame])
		pcm = p.encBuf[:p.coderFrame]
	}
	return p.enc.Encode(dst, pcm)
}

// decode expands payload into dst (room for one application frame) and
// returns the samples written.
func (p *codecPath) decode(dst []int16, payload []byte) (int, error) {
	if p.down == nil {
		return p.dec.Decode(dst, payload)
	}
	n, err := p.dec.Decode(p.decBuf[:], payload)
	if err != nil {
		return 0, err
	}
	// One frame's worth, as without resampling: a longer packet (a peer
	// ignoring ptime) must not pile up in the resampler.
	return p.down.Process(dst, p.decBuf[:min(n, p.coderFrame)]), nil
}

// resetDecoder forgets the receive side's history: the peer restarted its
// stream (a new SSRC), whose encoder starts from its initial state.
func (p *codecPath) resetDecoder() {
	p.dec.Reset()
	if p.down != nil {
		p.down.Reset()
	}
}

// decodeFrame decodes one received payload into the stream's frame buffer
// and returns at most one application frame; a payload that does not
// decode gives none (the caller plays silence). Called with mu held.
func (s *Stream) decodeFrame(payload []byte) []int16 {
	n, err := s.path.decode(s.decoded[:s.frame], payload)
	if err != nil {
		s.malformed.Add(1)
		return nil
	}
	return s.decoded[:min(n, s.frame)]
}

// encodeFrame encodes one application frame into s.payload and returns
// the payload; ok is false when it could not be coded. Called with mu held.
func (s *Stream) encodeFrame(pcm []int16) (payload []byte, ok bool) {
	n, err := s.path.encode(s.payload[:], pcm)
	if err != nil {
		return nil, false
	}
	return s.payload[:n], true
}

// clockStep is the RTP timestamp advance of one 20 ms packet at the
// current codec's clock.
func (s *Stream) clockStep() uint32 { return uint32(s.cfg.Codec.ClockSamples()) }

// setCodec switches the stream to codec c (a renegotiation): new coders,
// and DTMF timestamps at c's clock (RFC 4733 §2.1). Called with mu held.
func (s *Stream) setCodec(c *Codec) error {
	p, err := newCodecPath(c, s.frame*50)
	if err != nil {
		return err
	}
	s.path, s.cfg.Codec = p, c
	s.dtmfGen.setPacketSamples(uint32(c.ClockSamples()))
	return nil
}

package rtp

import (
	"time"

	"github.com/libvoip/libvoip/dsp"
)

// streamTap lets a media bridge (package media) use a stream as a port
// without taking the application's place: it sees a copy of each frame
// played out and of each frame sent, and what it gives is summed into the
// next frame sent, after the application's own writes. Its fields are
// guarded by Stream.mu; nothing is copied while the tap is off.
// The frames are slices of the stream's frame size, made by newTap.
type streamTap struct {
	on     bool
	rx     []int16 // the frame played out this tick
	sent   []int16 // the frame sent this tick
	tx     []int16 // summed into the next frame sent
	txFull bool
}

func newTap(frame int) streamTap {
	return streamTap{rx: make([]int16, frame), sent: make([]int16, frame), tx: make([]int16, frame)}
}

// inband is a stream's in-band DTMF: tones queued to send (replacing the
// audio while they play) and the Goertzel detector of received audio.
type inband struct {
	gen      *dsp.ToneGenerator // nil until a key is sent in band
	detector *dsp.DTMFDetector  // nil unless StreamConfig.DetectInband
	frame    []int16            // the received frame, padded with silence
	keys     []byte             // keys found this tick (pacer goroutine)
}

// SetTap turns the bridge tap on or off. Off, the stream copies nothing
// and pending bridge audio is dropped.
func (s *Stream) SetTap(on bool) {
	s.mu.Lock()
	s.tap.on = on
	if !on {
		s.tap.txFull = false
	}
	s.mu.Unlock()
}

// TapReceived copies the frame played out by the latest tick (silence when
// nothing arrived) into dst and reports whether the tap is on.
func (s *Stream) TapReceived(dst []int16) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.tap.on || s.closed {
		return false
	}
	copy(dst, s.tap.rx)
	return true
}

// TapSent copies the audio frame sent by the latest tick (the
// application's audio, the bridge's and in-band tones; silence while an
// RFC 4733 event or nothing was sent) into dst and reports whether the
// tap is on.
func (s *Stream) TapSent(dst []int16) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.tap.on || s.closed {
		return false
	}
	copy(dst, s.tap.sent)
	return true
}

// MixSend has src summed (saturating) into the next frame sent. A second
// call before that frame replaces the first.
func (s *Stream) MixSend(src []int16) {
	s.mu.Lock()
	if s.tap.on {
		n := copy(s.tap.tx, src)
		clear(s.tap.tx[n:])
		s.tap.txFull = true
	}
	s.mu.Unlock()
}

// SendInbandDTMF queues digits to be sent as DTMF tones in the audio, each
// lasting duration (0 = 100 ms) followed by as long a pause; while they
// play they replace the audio.
func (s *Stream) SendInbandDTMF(digits string, duration time.Duration) error {
	ms := int(duration / time.Millisecond)
	if ms <= 0 {
		ms = 100
	}
	t, err := dsp.DTMFTone(digits, ms, max(ms, 60))
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if !s.cfg.Send {
		return ErrNoDTMF
	}
	if s.inband.gen == nil {
		s.inband.gen = dsp.Idle(s.cfg.SampleRate)
	}
	if err := s.inband.gen.Append(t.Segments...); err != nil {
		return err
	}
	s.dtmfSent.Add(uint64(len(digits)))
	return nil
}

// sendAudio finishes the audio frame in s.pcm (the application's samples):
// in-band tones replace it, the bridge's audio is summed into it, and the
// tap keeps a copy. Called with mu held.
func (s *Stream) sendAudio() {
	pcm := s.pcm[:s.frame]
	if g := s.inband.gen; g != nil && !g.Done() {
		g.Read(pcm)
	} else if s.tap.txFull {
		mixInto(pcm, s.tap.tx)
	}
	s.tap.txFull = false
	if s.tap.on {
		copy(s.tap.sent, pcm)
	}
}

// sendEvent notes that an RFC 4733 event replaced this frame's audio.
// Called with mu held.
func (s *Stream) sendEvent() {
	s.tap.txFull = false
	if s.tap.on {
		clear(s.tap.sent)
	}
}

// played observes the frame played out this tick (pcm, shorter or nil for
// silence): the tap's copy and the in-band detector. It returns the keys
// detected, to be reported once mu is released. Called with mu held.
func (s *Stream) played(pcm []int16) []byte {
	if !s.tap.on && s.inband.detector == nil {
		return nil
	}
	n := copy(s.inband.frame, pcm)
	clear(s.inband.frame[n:])
	if s.tap.on {
		copy(s.tap.rx, s.inband.frame)
	}
	if s.inband.detector == nil {
		return nil
	}
	s.inband.keys = s.inband.detector.Process(s.inband.keys[:0], s.inband.frame)
	return s.inband.keys
}

// reportKeys delivers keys found in band like RFC 4733 ones. Called
// without mu, from the pacer goroutine.
func (s *Stream) reportKeys(keys []byte) {
	for _, k := range keys {
		s.dtmfReceived.Add(1)
		if s.cfg.OnDTMF != nil {
			s.cfg.OnDTMF(k)
		}
	}
}

// mixInto adds src to dst, saturating at the int16 range.
func mixInto(dst, src []int16) {
	for i := range dst {
		if i >= len(src) {
			return
		}
		v := int32(dst[i]) + int32(src[i])
		dst[i] = int16(max(-32768, min(32767, v)))
	}
}

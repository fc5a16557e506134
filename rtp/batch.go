package rtp

// ReadFrame is the batched audio path's read (voip's Phone.ReadFrames):
// it copies one whole frame of received audio into dst (len(dst) rounded
// down to whole samples of the stream's format) without waiting. It
// returns true when it did. When less than dst is queued it copies
// nothing and returns false with nil, or, once the stream is closed, false
// with ErrClosed (what remains is less than a frame and is dropped). A
// frame is never split between two reads, so a caller that reads one
// frame per tick of every stream neither loses nor repeats samples.
func (s *Stream) ReadFrame(dst []byte) (bool, error) {
	bps := s.cfg.Format.BytesPerSample()
	want := len(dst) / bps * bps
	if want == 0 {
		return false, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rx.len()*bps >= want {
		s.rx.popBytes(dst[:want], s.cfg.Format)
		return true, nil
	}
	if s.closed {
		s.rx.discard(s.rx.len())
		return false, ErrClosed
	}
	return false, nil
}

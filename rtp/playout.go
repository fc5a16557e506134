package rtp

// The receive half of a tick: one frame from the playout buffer, decoded,
// or concealed (plc.go), or comfort noise (cng.go), or silence, into the
// read queue.

// quietPeak is the largest sample of a frame counted as silence by the
// adaptive playout's shrinking (about -40 dBov).
const quietPeak = 328

// playout plays one 20 ms frame of s.frame samples at the application's
// rate, and returns the keys the in-band detector found in it (s.played).
// Called by tick with mu held.
func (s *Stream) playout() []byte {
	frame := s.out[:s.frame]
	n, st := s.jb.Pop(s.payload[:], s.quiet)
	var pcm []int16 // decoded audio; nil when none
	if st == PopFrame && n > 0 {
		pcm = s.decodeFrame(s.payload[:n]) // nil when it does not decode
	}
	switch {
	case pcm != nil:
		clear(frame[copy(frame, pcm):]) // a short frame padded with silence
		s.cng.Stop()
		if s.cfg.PLC {
			s.plc.Good(frame)
		}
	case s.cng.Active():
		s.cng.Render(frame)
		s.plc.remember(frame)
	case s.cfg.PLC && (st == PopMissing || (st == PopEmpty && s.jb.Playing())):
		s.plc.Conceal(frame)
	default:
		// Nothing to play (buffering, a DTMF placeholder, PLC off, a
		// payload that does not decode).
		clear(frame)
		if st == PopFrame && s.cfg.PLC {
			s.plc.Good(frame)
		}
	}
	s.quiet = isQuiet(frame)
	s.readOverruns.Add(uint64(s.rx.push(frame)))
	return s.played(frame)
}

// isQuiet reports whether every sample of frame is below quietPeak.
func isQuiet(frame []int16) bool {
	for _, v := range frame {
		if v > quietPeak || v < -quietPeak {
			return false
		}
	}
	return true
}

// Playing reports whether playout has started (not buffering) and the
// peer is not quiet (adaptive mode: nothing buffered, nothing coming), so
// that a PopEmpty is a wait to conceal, not silence.
func (p *Playout) Playing() bool { return !p.jb.buffering && !p.idle }

// PlayoutStats returns the jitter buffer's counters and delay.
func (s *Stream) PlayoutStats() PlayoutStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.jb.Stats()
}

// Concealed returns the number of frames concealed by PLC and of comfort
// noise frames played.
func (s *Stream) Concealed() (plc, noise uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.plc.Concealed, s.cng.Frames
}

package rtp

// The receive half of a tick: one frame from the playout buffer, decoded,
// or concealed (plc.go), or comfort noise (cng.go), or silence, into the
// read queue.

// quietPeak is the largest sample of a frame counted as silence by the
// adaptive playout's shrinking (about -40 dBov).
const quietPeak = 328

// playout plays one 20 ms frame. Called by tick with mu held.
func (s *Stream) playout() {
	frame := s.frame[:]
	n, st := s.jb.Pop(s.payload[:], s.quiet)
	switch {
	case st == PopFrame && n > 0:
		pcm := s.cfg.Codec.Decode(s.decoded[:0], s.payload[:n])
		clear(frame[copy(frame, pcm):])
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
		// Nothing to play (buffering, a DTMF placeholder, PLC off).
		clear(frame)
		if st == PopFrame && s.cfg.PLC {
			s.plc.Good(frame)
		}
	}
	s.quiet = isQuiet(frame)
	s.readOverruns.Add(uint64(s.rx.push(frame)))
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

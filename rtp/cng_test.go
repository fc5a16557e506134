package rtp

import (
	"math"
	"testing"
)

// Comfort noise plays at the level its CN packet signals.
func TestComfortNoiseLevel(t *testing.T) {
	for _, level := range []byte{30, 40, 60, 70} {
		var c ComfortNoise
		c.SetLevel([]byte{level, 0x12}) // spectral bytes are ignored
		out := make([]int16, 8000)
		for i := 0; i < len(out); i += SamplesPerFrame {
			c.Render(out[i : i+SamplesPerFrame])
		}
		got := 20 * math.Log10(rms(out)/32767)
		if math.Abs(got+float64(level)) > 1 {
			t.Errorf("level %d: noise at %.1f dBov, want -%d ± 1", level, got, level)
		}
		if !c.Active() || c.Frames != 50 {
			t.Errorf("level %d: active %v, frames %d", level, c.Active(), c.Frames)
		}
	}
	var c ComfortNoise
	c.SetLevel([]byte{50})
	c.SetLevel(nil) // no level: the previous one stays
	out := make([]int16, 4000)
	c.Render(out)
	if got := 20 * math.Log10(rms(out)/32767); math.Abs(got+50) > 1 {
		t.Errorf("empty CN payload: %.1f dBov, want -50", got)
	}
	c.Stop()
	if c.Active() {
		t.Error("still active after Stop")
	}
}

// A stream that received a CN packet plays noise at its level until audio
// comes again; without CN negotiated the packet is dropped.
func TestStreamPlaysComfortNoise(t *testing.T) {
	for _, cn := range []uint8{CNPayloadType, 0} {
		cfg := stConfig()
		// The adaptive buffer (the default) waits through the silence for the
		// next sequence number, which comes when the peer talks again.
		cfg.JitterDelay, cfg.JitterMin, cfg.AdaptiveJitter, cfg.CNPayloadType, cfg.PLC = 1, 1, true, cn, true
		s, peer := stNew(t, cfg)
		stStartRx(s)
		tone := stEncode(PCMU, stFrame(1, 160))
		seq := uint16(200)
		send := func(pt uint8, pl []byte) {
			stSend(t, peer, s.LocalAddr(), stBuild(pt, false, seq, uint32(seq)*160, 5, pl))
			seq++
			stWaitFor(t, "packet", func() bool {
				st := s.Stats()
				return st.PacketsReceived+st.DroppedPayloadType == uint64(seq-200)
			})
		}
		send(0, tone)
		s.tick()
		send(CNPayloadType, []byte{40}) // -40 dBov: RMS 328
		for i := 0; i < 10; i++ {       // the peer sends nothing in silence
			s.tick()
		}
		got := make([]byte, 11*320)
		if n, err := s.ReadAudio(got, 0); n != len(got) || err != nil {
			t.Fatalf("ReadAudio = %d, %v", n, err)
		}
		pcm := stSamples(FormatS16LE, got)
		level := rms(pcm[5*160:]) // after the concealment of the CN's own slot
		_, noise := s.Concealed()
		if cn != 0 && (math.Abs(20*math.Log10(level/32767)+40) > 1.5 || noise < 5) {
			t.Errorf("CN at -40 dBov: played %.1f dBov (rms %.0f), %d noise frames", 20*math.Log10(level/32767), level, noise)
		}
		if cn == 0 && (level > 50 || noise != 0) {
			t.Errorf("CN not negotiated: rms %.0f, %d noise frames", level, noise)
		}
		// Audio again: the noise stops.
		send(0, tone)
		s.tick()
		s.tick()
		frame := make([]byte, 320)
		for i := 0; i < 2; i++ {
			_, _ = s.ReadAudio(frame, 0)
		}
		if _, noise2 := s.Concealed(); noise2 > noise+1 {
			t.Errorf("noise went on after audio came: %d then %d frames", noise, noise2)
		}
	}
}

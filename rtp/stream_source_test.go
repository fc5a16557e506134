package rtp

import (
	"encoding/binary"
	"fmt"
	"math"
	"net"
	"slices"
	"sync"
	"testing"

	"github.com/libvoip/libvoip/internal/audiotest"
)

// Tests of the choice of remote source (SSRC): a spoofer that knows the
// peer's address and sends packets under ever new SSRCs must not disturb
// the call, and a peer that restarts its stream under a new SSRC must still
// be heard (RFC 3550 §A.1 probation).

const (
	srcToneHz  = 1000
	srcToneAmp = 0.5 // of full scale
)

// srcTone returns n consecutive 20 ms PCMU payloads of a sine at hz.
func srcTone(hz float64, n int) [][]byte {
	var phase float64
	pcm := make([]int16, SamplesPerFrame)
	out := make([][]byte, n)
	for i := range out {
		audiotest.Tone(pcm, hz, srcToneAmp, 8000, &phase)
		out[i] = PCMU.Encode(nil, pcm)
	}
	return out
}

// srcPlayed reads the frames played by ticks ticks (s16le) as samples.
func srcPlayed(t *testing.T, s *Stream, ticks int) []int16 {
	t.Helper()
	buf := make([]byte, 2*SamplesPerFrame*ticks)
	if n, err := s.ReadAudio(buf, 0); n != len(buf) || err != nil {
		t.Fatalf("ReadAudio = %d, %v; want %d, nil", n, err, len(buf))
	}
	return stSamples(FormatS16LE, buf)
}

// srcCheckTone checks that every 20 ms frame of pcm carries the tone at
// its level and that the whole is at hz.
func srcCheckTone(t *testing.T, what string, pcm []int16, hz float64) {
	t.Helper()
	wantRMS := srcToneAmp * math.MaxInt16 / math.Sqrt2
	muted := 0
	for off := 0; off+SamplesPerFrame <= len(pcm); off += SamplesPerFrame {
		if _, rms := audiotest.DominantFrequency(pcm[off:off+SamplesPerFrame], 8000); rms < 0.8*wantRMS {
			muted++
		}
	}
	if muted > 0 {
		t.Errorf("%s: %d of %d frames muted or quiet (RMS below 80%% of %.0f)", what, muted, len(pcm)/SamplesPerFrame, wantRMS)
	}
	if got, rms := audiotest.DominantFrequency(pcm, 8000); math.Abs(got-hz) > 5 || rms < 0.8*wantRMS {
		t.Errorf("%s: played %.1f Hz at RMS %.0f, want %v Hz at %.0f", what, got, rms, hz, wantRMS)
	}
}

// spoofSSRC is the SSRC of the spoofer's packet k: a new one every packet.
func spoofSSRC(k int) uint32 { return 0x5B00F000 + uint32(k) }

// TestStreamSpoofedSSRCAudio: a spoofer sending from the peer's address one
// packet of silence per new SSRC, interleaved with the real stream, neither
// mutes the real audio nor resets the reception statistics, whether its
// packets follow the real stream's or come first.
func TestStreamSpoofedSSRCAudio(t *testing.T) {
	const (
		packets  = 50
		realSSRC = 0x11112222
		tail     = 3 // the default playout delay
	)
	lost := map[int]bool{5: true, 6: true} // the real stream loses two packets
	tone := srcTone(srcToneHz, packets)
	silence := make([]byte, SamplesPerFrame)
	for i := range silence {
		silence[i] = silenceU
	}
	for _, spoofFirst := range []bool{false, true} {
		t.Run(fmt.Sprintf("spoofer first %v", spoofFirst), func(t *testing.T) {
			s, peer := stNew(t, stConfig())
			stStartRx(s)
			for i := 0; i < packets; i++ {
				spoof := stBuild(0, true, uint16(i*7919), uint32(i)*104729, spoofSSRC(i), silence)
				if spoofFirst {
					stSend(t, peer, s.LocalAddr(), spoof)
				}
				if !lost[i] {
					stSend(t, peer, s.LocalAddr(), stBuild(0, i == 0, uint16(1000+i), uint32(5000+160*i), realSSRC, tone[i]))
				}
				if !spoofFirst {
					stSend(t, peer, s.LocalAddr(), spoof)
				}
				stFence(t, s, peer)
				s.tick()
			}
			for i := 0; i < tail; i++ {
				s.tick()
			}
			pcm := srcPlayed(t, s, packets+tail)
			// Frames 0-1 are the playout delay and 7-8 the lost
			// packets; from frame 10 on, every frame is the real tone.
			srcCheckTone(t, "real stream with a spoofer", pcm[10*SamplesPerFrame:(packets+tail-1)*SamplesPerFrame], srcToneHz)
			st := s.Stats()
			if st.PacketsLost != int64(len(lost)) {
				t.Errorf("PacketsLost = %d, want %d: the statistics were reset", st.PacketsLost, len(lost))
			}
			if st.Late != 0 {
				t.Errorf("Late = %d, want 0", st.Late)
			}
			// Held back: every spoofed packet but, when the spoofer came
			// first, its first one (played) and the real stream's
			// first one (its probation).
			if st.DroppedSSRC != packets || st.PacketsReceived != packets-uint64(len(lost)) {
				t.Errorf("DroppedSSRC %d PacketsReceived %d, want %d and %d", st.DroppedSSRC, st.PacketsReceived, packets, packets-len(lost))
			}
		})
	}
}

// srcDTMF sends the packets of one RFC 4733 event: updates, then three end
// packets, all with timestamp ts; ssrc(k) and seq(k) give packet k's.
type srcEvent struct {
	code    uint8
	ts      uint32
	updates int
}

func (e srcEvent) payload(k int) []byte {
	end := k >= e.updates
	dur := uint16(160 * min(k+1, e.updates))
	pl := []byte{e.code, stVolume, 0, 0}
	if end {
		pl[1] |= 0x80
	}
	binary.BigEndian.PutUint16(pl[2:], dur)
	return pl
}

func (e srcEvent) packets() int { return e.updates + 3 }

// srcDigits makes a stream that records its digits.
func srcDigits(t *testing.T) (*Stream, *net.UDPConn, func() string) {
	var mu sync.Mutex
	var got []byte
	cfg := stConfig()
	cfg.OnDTMF = func(d byte) {
		mu.Lock()
		got = append(got, d)
		mu.Unlock()
	}
	s, peer := stNew(t, cfg)
	stStartRx(s)
	return s, peer, func() string {
		mu.Lock()
		defer mu.Unlock()
		return string(got)
	}
}

// TestStreamSpoofedSSRCDTMF: eight telephone-events from a spoofer whose
// every packet has a new SSRC, interleaved with a real stream that sends
// audio and the digits "4" and "2", report "42" and nothing else.
func TestStreamSpoofedSSRCDTMF(t *testing.T) {
	const realSSRC = 0x33334444
	s, peer, digits := srcDigits(t)
	tone := srcTone(srcToneHz, 1)[0]
	// The real stream: audio, event "4", audio, event "2", audio.
	real4 := srcEvent{code: 4, ts: 5000 + 160*10, updates: 5}
	real2 := srcEvent{code: 2, ts: 5000 + 160*30, updates: 5}
	realPkt := func(i int) []byte {
		seq, ts := uint16(2000+i), uint32(5000+160*i)
		switch {
		case i >= 10 && i < 10+real4.packets():
			return stBuild(stDTMFPT, i == 10, seq, real4.ts, realSSRC, real4.payload(i-10))
		case i >= 30 && i < 30+real2.packets():
			return stBuild(stDTMFPT, i == 30, seq, real2.ts, realSSRC, real2.payload(i-30))
		}
		return stBuild(0, i == 0, seq, ts, realSSRC, tone)
	}
	// The spoofer: eight events of eight packets (five updates, three
	// ends), each packet under a new SSRC.
	const spoofEvents, perEvent = 8, 8
	for k := 0; k < spoofEvents*perEvent; k++ {
		ev := srcEvent{code: uint8(k / perEvent), ts: 900000 + 1600*uint32(k/perEvent), updates: 5}
		stSend(t, peer, s.LocalAddr(), stBuild(stDTMFPT, k%perEvent == 0, uint16(k*7919), ev.ts, spoofSSRC(k), ev.payload(k%perEvent)))
		stSend(t, peer, s.LocalAddr(), realPkt(k))
		if k%16 == 15 {
			stFence(t, s, peer) // keeps the socket buffer from overflowing
		}
	}
	stFence(t, s, peer)
	got := digits()
	t.Logf("%d spoofed events (%d packets): digits reported %q (%d)", spoofEvents, spoofEvents*perEvent, got, len(got))
	if got != "42" {
		t.Errorf("digits %q, want %q (only the real stream's)", got, "42")
	}
	if n := s.Stats().DTMFReceived; n != 2 {
		t.Errorf("DTMFReceived = %d, want 2", n)
	}
}

// TestStreamSSRCChange: a peer that restarts its stream under a new SSRC
// (two or more sequential packets) is heard after probation: its audio
// plays and its statistics start over.
func TestStreamSSRCChange(t *testing.T) {
	const before, after = 20, 30
	s, peer := stNew(t, stConfig())
	stStartRx(s)
	a, b := srcTone(srcToneHz, before), srcTone(600, after)
	for i := 0; i < before; i++ {
		stSend(t, peer, s.LocalAddr(), stBuild(0, i == 0, uint16(65530+i), uint32(7000+160*i), 0xAAAA, a[i]))
		stFence(t, s, peer)
		s.tick()
	}
	for i := 0; i < after; i++ {
		stSend(t, peer, s.LocalAddr(), stBuild(0, i == 0, uint16(300+i), uint32(123456+160*i), 0xBBBB, b[i]))
		stFence(t, s, peer)
		s.tick()
	}
	pcm := srcPlayed(t, s, before+after)
	srcCheckTone(t, "first source", pcm[3*SamplesPerFrame:before*SamplesPerFrame], srcToneHz)
	// The new source plays after its probation packet and the playout
	// delay: the last 20 frames are its tone.
	srcCheckTone(t, "restarted source", pcm[(before+after-20)*SamplesPerFrame:], 600)
	st := s.Stats()
	if st.PacketsLost != 0 {
		t.Errorf("PacketsLost = %d after a restart, want 0", st.PacketsLost)
	}
	if st.DroppedSSRC != 1 || st.PacketsReceived != before+after-1 {
		t.Errorf("DroppedSSRC %d PacketsReceived %d, want 1 (the probation packet) and %d", st.DroppedSSRC, st.PacketsReceived, before+after-1)
	}
}

// TestStreamDTMFPerSource: telephone-events are reported once per event per
// source, across changes of source.
func TestStreamDTMFPerSource(t *testing.T) {
	type pkt struct {
		ssrc uint32
		seq  uint16
		ev   srcEvent
		k    int // packet index in ev; -1: an audio packet
	}
	audio := func(ssrc uint32, seq uint16) pkt { return pkt{ssrc, seq, srcEvent{}, -1} }
	event := func(ssrc uint32, seq uint16, ev srcEvent, from, to int) []pkt {
		var out []pkt
		for k := from; k < to; k++ {
			out = append(out, pkt{ssrc, seq, ev, k})
			seq++
		}
		return out
	}
	cat := func(l ...[]pkt) []pkt { return slices.Concat(l...) }
	one := srcEvent{code: 1, ts: 8000, updates: 3}
	nine := srcEvent{code: 9, ts: 9600, updates: 3}
	tests := []struct {
		name string
		pkts []pkt
		want string
	}{
		{"restarted source reports its events", cat(
			event(0xA, 10, one, 0, 6),
			[]pkt{audio(0xB, 500), audio(0xB, 501)},
			event(0xB, 502, one, 0, 6), // same timestamp and code, new source
		), "11"},
		{"returning source does not report again", cat(
			event(0xA, 10, one, 0, 4),
			[]pkt{audio(0xB, 500), audio(0xB, 501)},
			event(0xA, 14, one, 4, 6), // A's last end packets, after B
			[]pkt{audio(0xA, 16)},
		), "1"},
		{"returning source reports new events", cat(
			event(0xA, 10, one, 0, 6),
			[]pkt{audio(0xB, 500), audio(0xB, 501)},
			[]pkt{audio(0xA, 16), audio(0xA, 17)},
			event(0xA, 18, nine, 0, 6),
		), "19"},
		{"one stray packet of an event is not a digit", cat(
			event(0xA, 10, one, 0, 3),
			event(0xC, 77, nine, 0, 1),
			event(0xA, 13, one, 3, 6),
		), "1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, peer, digits := srcDigits(t)
			for _, p := range tc.pkts {
				if p.k < 0 {
					stSend(t, peer, s.LocalAddr(), stBuild(0, false, p.seq, uint32(p.seq)*160, p.ssrc, make([]byte, 160)))
					continue
				}
				stSend(t, peer, s.LocalAddr(), stBuild(stDTMFPT, p.k == 0, p.seq, p.ev.ts, p.ssrc, p.ev.payload(p.k)))
			}
			stFence(t, s, peer)
			if got := digits(); got != tc.want {
				t.Errorf("digits %q, want %q", got, tc.want)
			}
		})
	}
}

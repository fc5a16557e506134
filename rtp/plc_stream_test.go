package rtp

import (
	"math"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/libvoip/libvoip/internal/audiotest"
)

// A packet lost on the way is concealed at the application's rate: with
// the codec of the call and its resampling, the frame played in its slot
// keeps the tone's frequency and level, and counts as concealed.
func TestStreamConcealsLostPacketAtEveryRate(t *testing.T) {
	const amp = 8000 / math.Sqrt2
	tests := []struct {
		codec *Codec
		rate  int
		hz    float64
	}{
		{PCMU, 8000, 1000},
		{G722, 16000, 1000},
		{G722, 16000, 5000},
		{PCMU, 48000, 1000},
		{Opus, 48000, 5000},
	}
	for _, tt := range tests {
		name := tt.codec.Name + "/" + strconv.Itoa(tt.rate) + "/" + strconv.Itoa(int(tt.hz))
		t.Run(name, func(t *testing.T) {
			got := stCarryLosing(t, tt.codec, tt.rate, tt.hz, 30)
			n := tt.rate / 50
			lost := got[30*n : 31*n]
			level := audiotest.ToneLevel(lost, tt.rate, tt.hz)
			share := level / math.Max(rms(lost), 1)
			t.Logf("lost frame: tone level %.0f (sent %.0f), %.2f of its RMS at %g Hz", level, amp, share, tt.hz)
			if level < 0.6*amp || level > 1.2*amp || share < 0.9 {
				t.Errorf("lost frame: tone level %.0f, share %.2f; want %.0f within 0.6..1.2 and share >= 0.9", level, share, amp)
			}
		})
	}
}

// stCarryLosing sends 40 frames of a tone from one stream to another
// with PLC on, through a relay that drops the packet of frame lose, and
// returns what the receiver played, frame for frame.
func stCarryLosing(t *testing.T, c *Codec, rate int, hz float64, lose int) []int16 {
	t.Helper()
	relay, ca, cb := stListen(t), stListen(t), stListen(t)
	mk := func(conn *net.UDPConn, send bool) *Stream {
		cfg := stConfig()
		cfg.Conn, cfg.Remote, cfg.Send = conn, stAddr(relay), send
		cfg.Codec, cfg.PayloadType = c, c.PayloadType
		cfg.SampleRate, cfg.JitterDelay, cfg.PLC = rate, 1, true
		s, err := NewStream(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		stStartRx(s)
		return s
	}
	a, b := mk(ca, true), mk(cb, false)
	var phase float64
	frame := make([]int16, rate/50)
	buf := make([]byte, 2*len(frame))
	pkt := make([]byte, 1500)
	in := make([]byte, 2*rate/50)
	var got []int16
	for i := 0; i < 40; i++ {
		audiotest.Tone(frame, hz, 8000, rate, &phase)
		if _, err := a.WriteAudio(S16LEFromPCM(buf, frame), 0); err != nil {
			t.Fatal(err)
		}
		a.tick()
		_ = relay.SetReadDeadline(time.Now().Add(stWait))
		n, _, err := relay.ReadFromUDPAddrPort(pkt)
		if err != nil {
			t.Fatalf("relay: %v", err)
		}
		if i != lose {
			stSend(t, relay, stAddr(cb), pkt[:n])
			want := uint64(i + 1)
			if i > lose {
				want--
			}
			stWaitFor(t, "packet "+strconv.Itoa(i+1), func() bool { return b.Stats().PacketsReceived >= want })
		}
		b.tick()
		n, _ = b.ReadAudio(in, 0)
		got = append(got, PCMFromS16LE(nil, in[:n])...)
	}
	if plc, _ := b.Concealed(); plc != 1 {
		t.Errorf("%d frames concealed, want 1", plc)
	}
	return got
}

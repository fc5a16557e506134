package voip

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libvoip/libvoip/internal/audiotest"
	"github.com/libvoip/libvoip/rtp"
	"github.com/libvoip/libvoip/sip"
)

// writeToneAt writes a sine of freq for d in 20 ms frames at rate.
func writeToneAt(c *Call, freq float64, rate int, d time.Duration) error {
	var phase float64
	pcm := make([]int16, rate/50)
	buf := make([]byte, 2*len(pcm))
	for i := 0; i < int(d/rtp.FrameInterval); i++ {
		audiotest.Tone(pcm, freq, 8000, rate, &phase)
		for j, s := range pcm {
			binary.LittleEndian.PutUint16(buf[2*j:], uint16(s))
		}
		if _, err := c.WriteAudio(buf, time.Second); err != nil {
			return err
		}
	}
	return nil
}

// readAt reads d of audio at rate and returns it without its first 600 ms.
func readAt(t *testing.T, c *Call, rate int, d time.Duration) []int16 {
	t.Helper()
	var pcm []int16
	buf := make([]byte, 2*rate/50)
	for i := 0; i < int(d/rtp.FrameInterval); i++ {
		n, err := c.ReadAudio(buf, time.Second)
		if err != nil && !errors.Is(err, ErrTimeout) {
			t.Fatal(err)
		}
		for j := 0; j+1 < n; j += 2 {
			pcm = append(pcm, int16(binary.LittleEndian.Uint16(buf[j:])))
		}
	}
	return pcm[min(len(pcm), rate*3/5):]
}

func TestCallWidebandCodecs(t *testing.T) {
	const amp = 8000 / math.Sqrt2
	tests := []struct {
		codecsA, codecsB string // B answers
		rateA, rateB     int
		want             string // negotiated codec
	}{
		{"G722,PCMU", "PCMU,G722", 16000, 16000, "G722"},
		{"opus,G722,PCMU", "PCMA,G722,opus", 48000, 16000, "opus"},
		{"PCMU,opus", "opus,PCMU", 16000, 48000, "PCMU"},
		{"G722", "g722", 48000, 8000, "G722"},
	}
	for i, tt := range tests {
		name := tt.want + "/" + strconv.Itoa(tt.rateA) + "-" + strconv.Itoa(tt.rateB)
		t.Run(name, func(t *testing.T) {
			in := newIncoming()
			b := testPhoneWith(t, 43000+100*i, map[string]string{"codecs": tt.codecsB, "sample_rate": strconv.Itoa(tt.rateB)}, in.handler(true))
			a := testPhoneWith(t, 43050+100*i, map[string]string{"codecs": tt.codecsA, "sample_rate": strconv.Itoa(tt.rateA)}, Handler{})
			ca, err := a.Call(uriOf(t, b))
			if err != nil {
				t.Fatal(err)
			}
			waitState(t, ca, Answered, 5*time.Second)
			cb := in.next(t)
			waitState(t, cb, Answered, 5*time.Second)
			wantInfo(t, ca, "codec", tt.want)
			wantInfo(t, cb, "codec", tt.want)

			// A sends 1 kHz then 5 kHz; B hears both when the codec and
			// B's rate are wideband, only the first otherwise.
			wide := rtp.CodecByName(tt.want).Wideband() && tt.rateB > 8000 && tt.rateA > 8000
			for _, hz := range []float64{1000, 5000} {
				var wg sync.WaitGroup
				wg.Add(1)
				go func() { defer wg.Done(); _ = writeToneAt(ca, hz, tt.rateA, 1500*time.Millisecond) }()
				got := readAt(t, cb, tt.rateB, 1500*time.Millisecond)
				wg.Wait()
				level := audiotest.ToneLevel(got, tt.rateB, hz)
				present := hz < 4000 || wide
				if present && (level < amp/2 || level > amp*2) {
					t.Errorf("%g Hz arrived at level %.0f, want %.0f within 6 dB", hz, level, amp)
				}
				if !present && level > amp/100 {
					t.Errorf("%g Hz arrived at level %.0f through a narrowband path, want < %.0f", hz, level, amp/100)
				}
			}
			// DTMF as RFC 4733 events at the codec's clock.
			if err := ca.SendDTMF("159#", 0); err != nil {
				t.Fatal(err)
			}
			var got string
			for deadline := time.Now().Add(4 * time.Second); len(got) < 4 && time.Now().Before(deadline); {
				got += cb.GetDTMF(-1)
				time.Sleep(20 * time.Millisecond)
			}
			if got != "159#" {
				t.Errorf("digits %q, want 159#", got)
			}
			// As RFC 4733 events (telephone-event at the codec's clock
			// was agreed), not SIP INFO.
			if st, _ := ca.Info("stats"); !strings.Contains(st, `"dtmf_sent":4,`) || !strings.Contains(st, `"dtmf_info_sent":0`) {
				t.Errorf("caller stats %s, want 4 RFC 4733 digits and no INFO", st)
			}
			// The quality names the negotiated codec; jitter is read at its
			// RTP clock (Opus's 48 kHz read as 8 kHz would be 6 times off:
			// over 100 ms).
			for _, c := range []*Call{ca, cb} {
				if q := c.Quality(); q.Codec != tt.want || q.PacketsReceived < 100 || q.JitterMs > 30 {
					t.Errorf("quality: codec %q (want %q), %d packets received, jitter %.1f ms", q.Codec, tt.want, q.PacketsReceived, q.JitterMs)
				}
			}
			_ = ca.Hangup()
		})
	}
}

func TestSampleRateOption(t *testing.T) {
	cfg := DefaultConfig()
	if v, _ := cfg.Get("sample_rate"); v != "8000" {
		t.Errorf("default sample_rate %q", v)
	}
	for _, bad := range []string{"44100", "0", "x", "96000"} {
		if err := cfg.Set("sample_rate", bad); err == nil {
			t.Errorf("sample_rate %q accepted", bad)
		}
	}
	if err := cfg.Set("sample_rate", "48000"); err != nil || cfg.SampleRate != 48000 {
		t.Errorf("sample_rate 48000: %v, %d", err, cfg.SampleRate)
	}
	if err := cfg.Set("codecs", "OPUS, g722 ,pcmu,opus"); err != nil {
		t.Fatal(err)
	}
	if v, _ := cfg.Get("codecs"); v != "opus,G722,PCMU" {
		t.Errorf("codecs = %q", v)
	}
	if err := cfg.Set("codecs", "G729"); err == nil {
		t.Error("codecs G729 accepted")
	}
}

func TestSDPCodecsPayloadTypes(t *testing.T) {
	tests := []struct {
		codecs   string
		dtmf     uint8
		wantPT   []uint8
		wantDTMF []sip.Codec
	}{
		{"PCMU,PCMA", 101, []uint8{0, 8}, nil},
		{"opus,G722,PCMU", 101, []uint8{111, 9, 0}, []sip.Codec{{PayloadType: 102, Name: "telephone-event", ClockRate: 48000}}},
		{"opus", 111, []uint8{112}, []sip.Codec{{PayloadType: 113, Name: "telephone-event", ClockRate: 48000}}},
		{"opus", 127, []uint8{111}, []sip.Codec{{PayloadType: 96, Name: "telephone-event", ClockRate: 48000}}},
		{"opus", 0, []uint8{111}, nil},
	}
	for _, tt := range tests {
		cfg := DefaultConfig()
		if err := cfg.Set("codecs", tt.codecs); err != nil {
			t.Fatal(err)
		}
		cfg.DTMFPayloadType = tt.dtmf
		codecs, dtmf := sdpCodecs(&cfg)
		var pts []uint8
		for _, c := range codecs {
			pts = append(pts, c.PayloadType)
		}
		if !slices.Equal(pts, tt.wantPT) || len(dtmf) != len(tt.wantDTMF) {
			t.Errorf("%s/%d: payload types %v, events %v; want %v, %v", tt.codecs, tt.dtmf, pts, dtmf, tt.wantPT, tt.wantDTMF)
			continue
		}
		for i := range dtmf {
			if dtmf[i] != tt.wantDTMF[i] {
				t.Errorf("%s/%d: event %v, want %v", tt.codecs, tt.dtmf, dtmf[i], tt.wantDTMF[i])
			}
		}
	}
}

package voip

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/libvoip/libvoip/dsp"
	"github.com/libvoip/libvoip/internal/audiotest"
	"github.com/libvoip/libvoip/media"
	"github.com/libvoip/libvoip/rtp"
)

// mediaEvents collects a phone's media events.
type mediaEvents struct {
	mu  sync.Mutex
	got map[media.Port][]string
	ch  chan struct{}
}

func newMediaEvents() *mediaEvents {
	return &mediaEvents{got: map[media.Port][]string{}, ch: make(chan struct{}, 64)}
}

func (m *mediaEvents) on(port media.Port, name, detail string) {
	m.mu.Lock()
	m.got[port] = append(m.got[port], name+" "+detail)
	m.mu.Unlock()
	m.ch <- struct{}{}
}

func (m *mediaEvents) of(port media.Port) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.got[port]...)
}

// mediaCallPair calls b from a and returns both answered sides.
func mediaCallPair(t *testing.T, a, b *Phone, in *incoming) (*Call, *Call) {
	t.Helper()
	out, err := a.Call(uriOf(t, b))
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, out, Answered, 5*time.Second)
	c := in.next(t)
	waitState(t, c, Answered, 5*time.Second)
	return out, c
}

// record reads a call's audio for d.
func record(t *testing.T, c *Call, d time.Duration) []int16 {
	t.Helper()
	var pcm []int16
	buf := make([]byte, 2*rtp.SamplesPerFrame)
	for deadline := time.Now().Add(d); time.Now().Before(deadline); {
		n, err := c.ReadAudio(buf, time.Second)
		if err != nil && !errors.Is(err, ErrTimeout) {
			t.Error(err)
			return pcm
		}
		for i := 0; i+1 < n; i += 2 {
			pcm = append(pcm, int16(binary.LittleEndian.Uint16(buf[i:])))
		}
	}
	return pcm
}

// loudSpan returns how long (ms) the audio is above a low level, between
// its first and last loud 10 ms.
func loudSpan(pcm []int16) int {
	first, last := -1, -1
	for i := 0; i+80 <= len(pcm); i += 80 {
		peak := 0
		for _, v := range pcm[i : i+80] {
			peak = max(peak, int(v), -int(v))
		}
		if peak > 2000 {
			if first < 0 {
				first = i
			}
			last = i + 80
		}
	}
	return (last - first) / 8
}

// toneWAV is a WAV file of a tone: channels (the tone in every channel),
// rate, hz, ms.
func toneWAV(channels, rate int, hz float64, ms int) []byte {
	pcm := audiotest.Tone(make([]int16, rate*ms/1000), hz, 0.4, rate, nil)
	inter := make([]int16, 0, len(pcm)*channels)
	for _, v := range pcm {
		for range channels {
			inter = append(inter, v)
		}
	}
	return media.EncodeWAV(inter, rate, channels)
}

func TestPlayerReachesPeer(t *testing.T) {
	ev := newMediaEvents()
	in := newIncoming()
	a := testPhone(t, 52000, Handler{MediaEvent: ev.on})
	b := testPhone(t, 52050, in.handler(true))
	ca, cb := mediaCallPair(t, a, b, in)
	dir := t.TempDir()
	for _, tc := range []struct {
		name           string
		channels, rate int
		hz             float64
	}{
		{"8 kHz mono", 1, 8000, 600},
		{"16 kHz mono", 1, 16000, 1000},
		{"44.1 kHz stereo", 2, 44100, 1400},
	} {
		path := filepath.Join(dir, tc.name+".wav")
		if err := os.WriteFile(path, toneWAV(tc.channels, tc.rate, tc.hz, 1000), 0o644); err != nil {
			t.Fatal(err)
		}
		pl, err := a.NewPlayer(path, false)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Connect(pl, ca.Port()); err != nil {
			t.Fatal(err)
		}
		pcm := record(t, cb, 1600*time.Millisecond)
		hz, _ := audiotest.DominantFrequency(pcm, 8000)
		span := loudSpan(pcm)
		if math.Abs(hz-tc.hz) > 3 || span < 940 || span > 1060 {
			t.Errorf("%s: peer heard %.1f Hz for %d ms, want %.0f Hz for 1000 ms", tc.name, hz, span, tc.hz)
		}
		if _, err := pl.Wait(ctxTimeout(t, 2*time.Second)); err != nil {
			t.Fatalf("%s: player did not end: %v", tc.name, err)
		}
		waitEvent(t, ev, pl, EventPlaybackEnded+" finished")
		a.Release(pl)
		if err := a.Connect(pl, ca.Port()); !errors.Is(err, media.ErrClosed) {
			t.Errorf("connecting a released player: %v", err)
		}
	}
}

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func waitEvent(t *testing.T, ev *mediaEvents, port media.Port, want string) {
	t.Helper()
	deadline := time.After(2 * time.Second)
	for {
		for _, e := range ev.of(port) {
			if e == want {
				return
			}
		}
		select {
		case <-ev.ch:
		case <-deadline:
			t.Fatalf("no event %q, got %q", want, ev.of(port))
		}
	}
}

// share is the fraction of pcm's energy at hz.
func share(pcm []int16, hz float64) float64 {
	e := energy(pcm)
	if e == 0 {
		return 0
	}
	return dsp.Goertzel(pcm, hz, 8000) / e
}

func TestRecorderOfCallAndAbruptStop(t *testing.T) {
	ev := newMediaEvents()
	in := newIncoming()
	a := testPhone(t, 52100, Handler{})
	hb := in.handler(true)
	hb.MediaEvent = ev.on
	b := testPhone(t, 52150, hb)
	ca, cb := mediaCallPair(t, a, b, in)
	path := filepath.Join(t.TempDir(), "call.wav")
	rec, err := b.NewRecorder(path, media.RecorderOptions{Stereo: true})
	if err != nil {
		t.Fatal(err)
	}
	tone, err := b.NewTone("1000")
	if err != nil {
		t.Fatal(err)
	}
	// b's call records both ways; b sends a tone; the application of b
	// still reads the call's audio at the same time.
	for _, pair := range [][2]media.Port{{cb.Port(), rec}, {tone, cb.Port()}} {
		if err := b.Connect(pair[0], pair[1]); err != nil {
			t.Fatal(err)
		}
	}
	go func() { _ = writeTone(ca, 440, 1500*time.Millisecond) }()
	heard := record(t, cb, 1500*time.Millisecond)
	if hz, _ := audiotest.DominantFrequency(heard[4000:], 8000); math.Abs(hz-440) > 3 {
		t.Errorf("b's application heard %.1f Hz, want 440", hz)
	}
	if hz, _ := audiotest.DominantFrequency(record(t, ca, time.Second)[2000:], 8000); math.Abs(hz-1000) > 3 {
		t.Errorf("a heard %.1f Hz from b's tone, want 1000", hz)
	}
	// The phone stops with the recorder running: its file is complete.
	if err := b.Stop(); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, ev, rec, EventRecordingEnded+" stopped")
	left, right, rate := readStereo(t, path)
	if rate != 8000 || len(left) < 2*8000 || len(left) > 3*8000 {
		t.Fatalf("recording: %d Hz, %d frames", rate, len(left))
	}
	// Each channel holds its own tone and not the other's. (Above 0.6 of
	// the energy, not 0.8: under the race detector on a loaded machine the
	// jitter buffer conceals a few frames, whose joins spread some energy;
	// a swapped or mixed channel has under 0.1 at the wrong tone.)
	if s := share(left[4000:12000], 440); s < 0.6 {
		t.Errorf("left channel (received): 440 Hz share %.2f", s)
	}
	if s := share(left[4000:12000], 1000); s > 0.1 {
		t.Errorf("left channel (received) holds the sent 1000 Hz: share %.2f", s)
	}
	if s := share(right[4000:], 1000); s < 0.6 {
		t.Errorf("right channel (sent): 1000 Hz share %.2f", s)
	}
	if s := share(right[4000:], 440); s > 0.1 {
		t.Errorf("right channel (sent) holds the received 440 Hz: share %.2f", s)
	}
}

// readStereo reads a 16-bit stereo WAV, checking that its header matches
// the file.
func readStereo(t *testing.T, path string) (left, right []int16, rate int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	size := int(binary.LittleEndian.Uint32(b[40:]))
	if size != len(b)-44 || int(binary.LittleEndian.Uint32(b[4:])) != 36+size {
		t.Fatalf("header says %d bytes of audio, the file has %d", size, len(b)-44)
	}
	if _, info, err := media.DecodeWAV(b); err != nil || info.Channels != 2 {
		t.Fatalf("DecodeWAV: %v %+v", err, info)
	}
	for i := 44; i+3 < len(b); i += 4 {
		left = append(left, int16(binary.LittleEndian.Uint16(b[i:])))
		right = append(right, int16(binary.LittleEndian.Uint16(b[i+2:])))
	}
	return left, right, int(binary.LittleEndian.Uint32(b[24:]))
}

func TestConferenceOfThree(t *testing.T) {
	in := newIncoming()
	hub := testPhone(t, 52200, in.handler(true))
	freqs := []float64{500, 900, 1400}
	var legs, members []*Call
	for i := range freqs {
		p := testPhone(t, 52250+50*i, Handler{})
		c, err := p.Call(uriOf(t, hub))
		if err != nil {
			t.Fatal(err)
		}
		waitState(t, c, Answered, 5*time.Second)
		members = append(members, c)
		legs = append(legs, in.next(t))
	}
	if err := hub.Conference(legs[0].Port(), legs[1].Port(), legs[2].Port()); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	heard := make([][]int16, 3)
	for i, c := range members {
		wg.Add(2)
		go func() { defer wg.Done(); _ = writeTone(c, freqs[i], 2*time.Second) }()
		go func() { defer wg.Done(); heard[i] = record(t, c, 2*time.Second) }()
	}
	wg.Wait()
	for i := range members {
		pcm := heard[i][6000:14000]
		for j, f := range freqs {
			s := share(pcm, f)
			if j == i && s > 0.02 {
				t.Errorf("member %d hears itself: %.0f Hz share %.2f", i, f, s)
			}
			if j != i && s < 0.3 {
				t.Errorf("member %d: %.0f Hz share %.2f, want about 0.5", i, f, s)
			}
		}
	}
}

func TestBridgeTwoCalls(t *testing.T) {
	in := newIncoming()
	b := testPhone(t, 52400, in.handler(true))
	a := testPhone(t, 52450, Handler{})
	c := testPhone(t, 52500, Handler{})
	ab, err := a.Call(uriOf(t, b))
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, ab, Answered, 5*time.Second)
	legA := in.next(t)
	cb, err := c.Call(uriOf(t, b))
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, cb, Answered, 5*time.Second)
	legC := in.next(t)
	if err := b.Connect(legA.Port(), legC.Port()); err != nil {
		t.Fatal(err)
	}
	if err := b.Connect(legC.Port(), legC.Port()); !errors.Is(err, media.ErrSelf) {
		t.Fatalf("a call to itself: %v", err)
	}
	go func() { _ = writeTone(ab, 750, 1500*time.Millisecond) }()
	pcm := record(t, cb, 1500*time.Millisecond)
	if hz, rms := audiotest.DominantFrequency(pcm[4000:], 8000); math.Abs(hz-750) > 3 || rms < 3000 {
		t.Fatalf("c heard %.1f Hz rms %.0f through b's bridge, want 750 Hz", hz, rms)
	}
	// A call that ended leaves the bridge and cannot join it again.
	if err := cb.Hangup(); err != nil {
		t.Fatal(err)
	}
	waitState(t, legC, Ended, 5*time.Second)
	if err := b.Connect(legA.Port(), legC.Port()); !errors.Is(err, media.ErrClosed) {
		t.Fatalf("connecting an ended call: %v", err)
	}
}

func TestInbandDTMFBetweenPhones(t *testing.T) {
	in := newIncoming()
	a := testPhoneWith(t, 52550, map[string]string{"dtmf_mode": "inband"}, Handler{})
	b := testPhoneWith(t, 52600, map[string]string{"dtmf_detect_inband": "1", "dtmf_payload_type": "0"}, in.handler(true))
	ca, cb := mediaCallPair(t, a, b, in)
	if err := ca.SendDTMF("1590*#", 0); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(4 * time.Second)
	got := ""
	for time.Now().Before(deadline) && len(got) < 6 {
		got += cb.GetDTMF(0)
		time.Sleep(20 * time.Millisecond)
	}
	if got != "1590*#" {
		t.Fatalf("b detected %q, want 1590*#", got)
	}
	// The tone player and bad specs.
	if _, err := a.NewTone("ringback:mars"); !errors.Is(err, dsp.ErrToneSpec) {
		t.Fatalf("bad spec: %v", err)
	}
}

func TestMediaErrorsWhenStopped(t *testing.T) {
	p := newTestPhone(t, 52650, nil, Handler{})
	if _, err := p.NewTone("ringback"); !errors.Is(err, ErrInvalidState) {
		t.Fatalf("tone on a stopped phone: %v", err)
	}
	if _, err := p.NewPlayerFromMemory(toneWAV(1, 8000, 440, 100), false); !errors.Is(err, ErrInvalidState) {
		t.Fatalf("player on a stopped phone: %v", err)
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := p.NewPlayer(filepath.Join(t.TempDir(), "none.wav"), false); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	if _, err := p.NewPlayerFromMemory([]byte("RIFF...."), false); !errors.Is(err, media.ErrCorrupt) {
		t.Fatalf("corrupt WAV: %v", err)
	}
	if _, err := p.NewRecorder(filepath.Join(t.TempDir(), "no", "dir.wav"), media.RecorderOptions{}); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("recorder in a missing directory: %v", err)
	}
}

// TestMediaWideband runs the toolkit at the application's sample_rate: a
// 44.1 kHz stereo WAV of 5 kHz (beyond narrowband) played into an Opus
// call at 48 kHz reaches the peer at 5 kHz; a G.722 call at 16 kHz carries
// in-band DTMF both ways through the detector at that rate.
func TestMediaWideband(t *testing.T) {
	for _, tc := range []struct {
		codec string
		rate  int
	}{{"opus", 48000}, {"G722", 16000}} {
		in := newIncoming()
		opts := map[string]string{"codecs": tc.codec, "sample_rate": strconv.Itoa(tc.rate)}
		b := testPhoneWith(t, 52700, withOpts(opts, "dtmf_detect_inband", "1"), in.handler(true))
		a := testPhoneWith(t, 52750, withOpts(opts, "dtmf_mode", "inband"), Handler{})
		ca, cb := mediaCallPair(t, a, b, in)
		if br, _ := a.Bridge(); br.Rate() != tc.rate || br.FrameSize() != tc.rate/50 {
			t.Fatalf("%s: bridge at %d Hz, %d samples a frame", tc.codec, br.Rate(), br.FrameSize())
		}
		pl, err := a.NewPlayerFromMemory(toneWAV(2, 44100, 5000, 1000), false)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Connect(pl, ca.Port()); err != nil {
			t.Fatal(err)
		}
		pcm := record(t, cb, 1500*time.Millisecond)
		loud := pcm[len(pcm)/3 : len(pcm)/2] // inside the second of tone
		if s := dsp.Goertzel(loud, 5000, tc.rate) / energy(loud); s < 0.8 {
			t.Errorf("%s at %d Hz: 5 kHz share %.2f of what the peer heard", tc.codec, tc.rate, s)
		}
		if err := ca.SendDTMF("37#", 0); err != nil {
			t.Fatal(err)
		}
		got := ""
		for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline) && len(got) < 3; {
			got += cb.GetDTMF(0)
			time.Sleep(20 * time.Millisecond)
		}
		if got != "37#" {
			t.Errorf("%s at %d Hz: in-band keys detected %q, want 37#", tc.codec, tc.rate, got)
		}
		_ = ca.Hangup()
		a.Close(true)
		b.Close(true)
	}
}

func withOpts(m map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for x, y := range m {
		out[x] = y
	}
	return out
}

func energy(x []int16) float64 {
	var e float64
	for _, v := range x {
		e += float64(v) * float64(v)
	}
	return e
}

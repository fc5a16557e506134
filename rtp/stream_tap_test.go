package rtp

import (
	"sync"
	"testing"
	"time"
)

// stPair makes two streams sending to each other; the test ticks them.
func stPair(t *testing.T, cfgB StreamConfig) (a, b *Stream) {
	t.Helper()
	ca, cb := stListen(t), stListen(t)
	cfgA := stConfig()
	cfgA.Conn, cfgA.Remote = ca, stAddr(cb)
	cfgB.Conn, cfgB.Remote = cb, stAddr(ca)
	var err error
	if a, err = NewStream(cfgA); err != nil {
		t.Fatal(err)
	}
	if b, err = NewStream(cfgB); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	t.Cleanup(b.Close)
	stStartRx(a)
	stStartRx(b)
	return a, b
}

// stTickBoth ticks a then b, waiting for a's packet to reach b.
func stTickBoth(t *testing.T, a, b *Stream) {
	t.Helper()
	before := b.Stats().PacketsReceived
	a.tick()
	stWaitFor(t, "packet", func() bool { return b.Stats().PacketsReceived > before })
	b.tick()
}

func TestStreamTap(t *testing.T) {
	a, b := stPair(t, stConfig())
	frame := stFrame(7, SamplesPerFrame)
	got := make([]int16, SamplesPerFrame)
	if a.TapSent(got) || b.TapReceived(got) {
		t.Fatal("tap reads succeed while the tap is off")
	}
	a.MixSend(frame) // dropped: tap off
	a.SetTap(true)
	b.SetTap(true)
	a.MixSend(frame)
	// The application's audio and the bridge's are summed.
	app := make([]int16, SamplesPerFrame)
	for i := range app {
		app[i] = 1000
	}
	if _, err := a.WriteAudio(stBytes(FormatS16LE, app), 0); err != nil {
		t.Fatal(err)
	}
	want := make([]int16, SamplesPerFrame)
	copy(want, frame)
	mixInto(want, app)
	// a's first frame reaches b's tap after the jitter delay, as G.711 has it.
	ref := stDecode(PCMU, stEncode(PCMU, want))
	heard := -1
	for i := 0; i < 6; i++ {
		stTickBoth(t, a, b)
		if i == 0 && (!a.TapSent(got) || !slicesEqual(got, want)) {
			t.Fatalf("TapSent = %v..., want %v...", got[:4], want[:4])
		}
		if b.TapReceived(got) && !isSilent(got) && heard < 0 {
			heard = i
			if !slicesEqual(got, ref) {
				t.Fatalf("TapReceived = %v..., want %v...", got[:4], ref[:4])
			}
		}
	}
	if heard < 0 {
		t.Fatal("b's tap never heard a's frame")
	}
	if !b.TapSent(got) || !isSilent(got) {
		t.Fatal("b sent audio it was not given")
	}
	// The application still reads every frame: the tap does not consume.
	buf := make([]byte, 2*SamplesPerFrame*6)
	n, _ := b.ReadAudio(buf, 0)
	if n != len(buf) {
		t.Fatalf("application read %d bytes, want %d", n, len(buf))
	}
}

func slicesEqual(a, b []int16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func isSilent(x []int16) bool {
	for _, v := range x {
		if v != 0 {
			return false
		}
	}
	return true
}

func TestStreamInbandDTMF(t *testing.T) {
	var mu sync.Mutex
	var keys []byte
	cfg := stConfig()
	cfg.DTMFPayloadType = 0 // a peer without RFC 4733
	cfg.DetectInband = true
	cfg.OnDTMF = func(d byte) { mu.Lock(); keys = append(keys, d); mu.Unlock() }
	a, b := stPair(t, cfg)
	if err := a.SendInbandDTMF("159#*0", 80*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := a.SendInbandDTMF("x", 0); err == nil {
		t.Fatal("bad key accepted")
	}
	for i := 0; i < 6*8+10; i++ {
		stTickBoth(t, a, b)
		if i == 20 {
			_ = a.SendInbandDTMF("D", 0) // queued behind the others
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if string(keys) != "159#*0D" {
		t.Fatalf("detected %q, want 159#*0D", keys)
	}
	if b.Stats().DTMFReceived != 7 || a.Stats().DTMFSent != 7 {
		t.Fatalf("counters: received %d sent %d", b.Stats().DTMFReceived, a.Stats().DTMFSent)
	}
}

func TestStreamTapZeroAlloc(t *testing.T) {
	cfg := stConfig()
	cfg.DetectInband = true
	a, b := stPair(t, cfg)
	a.SetTap(true)
	b.SetTap(true)
	frame := make([]int16, SamplesPerFrame)
	if n := testing.AllocsPerRun(100, func() {
		a.MixSend(frame)
		a.tick()
		b.tick()
		b.TapReceived(frame)
		a.TapSent(frame)
	}); n != 0 {
		t.Fatalf("%v allocations per frame", n)
	}
}

package rtp

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestDTMFEventMarshalParse(t *testing.T) {
	tests := []struct {
		ev    DTMFEvent
		bytes [4]byte
	}{
		{DTMFEvent{Event: 1, Volume: 10, Duration: 160}, [4]byte{1, 10, 0x00, 0xa0}},
		{DTMFEvent{Event: 11, End: true, Volume: 10, Duration: 800}, [4]byte{11, 0x8a, 0x03, 0x20}},
		{DTMFEvent{Event: 15, End: true, Volume: 63, Duration: 0xffff}, [4]byte{15, 0xbf, 0xff, 0xff}},
		{DTMFEvent{Event: 255}, [4]byte{255, 0, 0, 0}},
	}
	for _, tt := range tests {
		var b [4]byte
		n, err := tt.ev.MarshalTo(b[:])
		if err != nil || n != 4 || b != tt.bytes {
			t.Errorf("%+v.MarshalTo = % x, %d, %v; want % x", tt.ev, b, n, err, tt.bytes)
		}
		got, err := ParseDTMFEvent(tt.bytes[:])
		if err != nil || got != tt.ev {
			t.Errorf("ParseDTMFEvent(% x) = %+v, %v; want %+v", tt.bytes, got, err, tt.ev)
		}
	}
}

func TestDTMFEventErrors(t *testing.T) {
	if _, err := (DTMFEvent{Volume: 64}).MarshalTo(make([]byte, 4)); !errors.Is(err, ErrInvalidVolume) {
		t.Errorf("volume 64: err = %v", err)
	}
	if _, err := (DTMFEvent{}).MarshalTo(make([]byte, 3)); !errors.Is(err, ErrShortPayload) {
		t.Errorf("short buffer: err = %v", err)
	}
	for n := range 4 {
		if _, err := ParseDTMFEvent(make([]byte, n)); !errors.Is(err, ErrShortPayload) {
			t.Errorf("ParseDTMFEvent(%d bytes): err = %v", n, err)
		}
	}
	// Extra bytes are ignored; so is the reserved R bit.
	got, err := ParseDTMFEvent([]byte{5, 0xc7, 0, 160, 9, 9, 9, 9})
	if want := (DTMFEvent{Event: 5, End: true, Volume: 7, Duration: 160}); err != nil || got != want {
		t.Errorf("long payload: got %+v, %v; want %+v", got, err, want)
	}
}

func TestDigitMapping(t *testing.T) {
	tests := []struct {
		digit byte
		event uint8
	}{
		{'0', 0}, {'1', 1}, {'2', 2}, {'3', 3}, {'4', 4}, {'5', 5}, {'6', 6},
		{'7', 7}, {'8', 8}, {'9', 9}, {'*', 10}, {'#', 11},
		{'A', 12}, {'B', 13}, {'C', 14}, {'D', 15},
	}
	for _, tt := range tests {
		if ev, ok := DigitEvent(tt.digit); !ok || ev != tt.event {
			t.Errorf("DigitEvent(%q) = %d, %v; want %d", tt.digit, ev, ok, tt.event)
		}
		if lower := tt.digit | 0x20; tt.digit >= 'A' {
			if ev, ok := DigitEvent(lower); !ok || ev != tt.event {
				t.Errorf("DigitEvent(%q) = %d, %v; want %d", lower, ev, ok, tt.event)
			}
		}
		if d, ok := EventDigit(tt.event); !ok || d != tt.digit {
			t.Errorf("EventDigit(%d) = %q, %v; want %q", tt.event, d, ok, tt.digit)
		}
	}
	for _, d := range []byte{'E', 'e', 'x', ' ', ',', '/', ':', 0, 0xff} {
		if _, ok := DigitEvent(d); ok {
			t.Errorf("DigitEvent(%q) ok", d)
		}
	}
	for _, ev := range []uint8{16, 17, 32, 255} {
		if _, ok := EventDigit(ev); ok {
			t.Errorf("EventDigit(%d) ok", ev)
		}
	}
}

// dtmfPkt is one received telephone-event packet in detector tests.
type dtmfPkt struct {
	ts      uint32
	payload []byte
}

func evPkt(ts uint32, event uint8, end bool, dur uint16) dtmfPkt {
	var b [4]byte
	if _, err := (DTMFEvent{Event: event, End: end, Volume: 10, Duration: dur}).MarshalTo(b[:]); err != nil {
		panic(err)
	}
	return dtmfPkt{ts, b[:]}
}

// evPackets is the packet train of one 100 ms event: 4 updates and 3 ends.
func evPackets(ts uint32, event uint8) []dtmfPkt {
	return []dtmfPkt{
		evPkt(ts, event, false, 160), evPkt(ts, event, false, 320),
		evPkt(ts, event, false, 480), evPkt(ts, event, false, 640),
		evPkt(ts, event, true, 800), evPkt(ts, event, true, 800), evPkt(ts, event, true, 800),
	}
}

func dtmfTrains(trains ...[]dtmfPkt) []dtmfPkt {
	var out []dtmfPkt
	for _, t := range trains {
		out = append(out, t...)
	}
	return out
}

func TestDTMFDetector(t *testing.T) {
	tests := []struct {
		name string
		pkts []dtmfPkt
		want string
	}{
		{"single digit with triple end", evPackets(1000, 5), "5"},
		{"duplicates", dtmfTrains(evPackets(1000, 1), evPackets(1000, 1)), "1"},
		{"sequence", dtmfTrains(evPackets(0, 1), evPackets(1280, 2), evPackets(2560, 3)), "123"},
		{"same digit twice", dtmfTrains(evPackets(1000, 7), evPackets(2280, 7)), "77"},
		{"lost start packet", evPackets(1000, 9)[2:], "9"},
		{"only end packets", evPackets(1000, 11)[4:], "#"},
		{"late packet of ended event", dtmfTrains(evPackets(1000, 1), evPackets(2280, 2),
			[]dtmfPkt{evPkt(1000, 1, false, 320), evPkt(1000, 1, true, 800)}), "12"},
		{"reordered within event", []dtmfPkt{
			evPkt(500, 4, false, 320), evPkt(500, 4, false, 160),
			evPkt(500, 4, true, 640), evPkt(500, 4, false, 480),
		}, "4"},
		{"overtaken event is dropped", dtmfTrains(evPackets(2280, 2), evPackets(1000, 1)), "2"},
		{"events above 15", dtmfTrains(evPackets(1000, 16), evPackets(2000, 255), evPackets(3000, 3)), "3"},
		{"short payloads", []dtmfPkt{{100, nil}, {100, []byte{1}}, {100, []byte{1, 0, 0}}, evPkt(100, 1, false, 160)}, "1"},
		{"letters and symbols", dtmfTrains(evPackets(0, 10), evPackets(1000, 12), evPackets(2000, 15)), "*AD"},
		{"timestamp wraparound", dtmfTrains(evPackets(0xffffff00, 1), evPackets(0x00000300, 2), evPackets(0xffffff00, 1)), "12"},
		{"stream restart far back", dtmfTrains(evPackets(1_000_000, 1), evPackets(5000, 1)), "11"},
		{"two events same timestamp", dtmfTrains(evPackets(800, 1), evPackets(800, 2), evPackets(800, 1)), "12"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d DTMFDetector
			var got strings.Builder
			for _, p := range tt.pkts {
				if digit, ok := d.Detect(p.ts, p.payload); ok {
					got.WriteByte(digit)
				}
			}
			if got.String() != tt.want {
				t.Errorf("digits = %q, want %q", got.String(), tt.want)
			}
		})
	}
}

func TestDTMFDetectorReset(t *testing.T) {
	var d DTMFDetector
	p := evPkt(1000, 3, false, 160)
	if _, ok := d.Detect(p.ts, p.payload); !ok {
		t.Fatal("first packet not reported")
	}
	if _, ok := d.Detect(p.ts, p.payload); ok {
		t.Fatal("duplicate reported")
	}
	d.Reset()
	if digit, ok := d.Detect(p.ts, p.payload); !ok || digit != '3' {
		t.Fatalf("after Reset: %q, %v", digit, ok)
	}
}

func TestDTMFDetectorZeroAlloc(t *testing.T) {
	var d DTMFDetector
	payload := []byte{1, 10, 0, 160}
	var ts uint32
	n := testing.AllocsPerRun(1000, func() {
		ts += 160
		d.Detect(ts, payload)
		d.Detect(ts, payload)
	})
	if n != 0 {
		t.Errorf("Detect allocs = %v, want 0", n)
	}
}

// genTick is one expected Next result.
type genTick struct {
	ok     bool
	event  uint8
	ts     uint32
	marker bool
	end    bool
	dur    uint16
	repeat int
}

func (g genTick) String() string {
	if !g.ok {
		return "audio"
	}
	return fmt.Sprintf("ev=%d ts=%d m=%v e=%v dur=%d x%d", g.event, g.ts, g.marker, g.end, g.dur, g.repeat)
}

func TestDTMFGeneratorSequence(t *testing.T) {
	g := NewDTMFGenerator(160)
	if g.Busy() {
		t.Fatal("new generator busy")
	}
	if err := g.Queue("1#", 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if !g.Busy() {
		t.Fatal("not busy after Queue")
	}
	const t0 = 5000
	want := []genTick{
		{true, 1, t0, true, false, 160, 1},
		{true, 1, t0, false, false, 320, 1},
		{true, 1, t0, false, false, 480, 1},
		{true, 1, t0, false, false, 640, 1},
		{true, 1, t0, false, true, 800, 3},
		{}, {}, {}, // inter-digit gap: three ticks of audio
		{true, 11, t0 + 8*160, true, false, 160, 1},
		{true, 11, t0 + 8*160, false, false, 320, 1},
		{true, 11, t0 + 8*160, false, false, 480, 1},
		{true, 11, t0 + 8*160, false, false, 640, 1},
		{true, 11, t0 + 8*160, false, true, 800, 3},
		{}, {}, {}, {}, {},
	}
	for i, w := range want {
		ts := uint32(t0 + 160*i)
		p, ok := g.Next(ts)
		got := genTick{ok: ok}
		if ok {
			ev, err := ParseDTMFEvent(p.Payload[:])
			if err != nil {
				t.Fatal(err)
			}
			if ev.Volume != DTMFVolume {
				t.Errorf("tick %d: volume %d", i, ev.Volume)
			}
			got = genTick{true, ev.Event, p.Timestamp, p.Marker, ev.End, ev.Duration, p.Repeat}
		}
		if got != w {
			t.Errorf("tick %d: got %v, want %v", i, got, w)
		}
		if i == 12 && g.Busy() {
			t.Errorf("tick %d: busy after last end packet", i)
		}
	}
}

func TestDTMFGeneratorDurations(t *testing.T) {
	tests := []struct {
		name          string
		packetSamples uint32
		duration      time.Duration
		wantPackets   int
		wantFinal     uint16
	}{
		{"default", 160, 0, 5, 800},
		{"clamped up to 40ms", 160, 10 * time.Millisecond, 2, 320},
		{"rounded up", 160, 50 * time.Millisecond, 3, 480},
		{"one second", 160, time.Second, 50, 8000},
		{"clamped down to 5s", 160, time.Minute, 250, 40000},
		{"48kHz limited by 16 bits", 960, 5 * time.Second, 68, 65280},
		{"zero packetSamples means 160", 0, 0, 5, 800},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewDTMFGenerator(tt.packetSamples)
			if err := g.Queue("0", tt.duration); err != nil {
				t.Fatal(err)
			}
			var packets int
			var last DTMFEvent
			for i := 0; g.Busy() && i < 1000; i++ {
				p, ok := g.Next(uint32(i))
				if !ok {
					t.Fatalf("tick %d: no packet while busy", i)
				}
				packets++
				last, _ = ParseDTMFEvent(p.Payload[:])
			}
			if packets != tt.wantPackets || !last.End || last.Duration != tt.wantFinal {
				t.Errorf("packets %d, last %+v; want %d packets ending at %d", packets, last, tt.wantPackets, tt.wantFinal)
			}
		})
	}
}

func TestDTMFGeneratorQueueErrors(t *testing.T) {
	tests := []struct {
		name     string
		prefill  int
		digits   string
		duration time.Duration
		err      error
	}{
		{"empty", 0, "", 0, ErrNoDigits},
		{"invalid digit", 0, "12x3", 0, ErrInvalidDigit},
		{"comma", 0, "1,2", 0, ErrInvalidDigit},
		{"negative duration", 0, "1", -time.Millisecond, ErrInvalidDuration},
		{"full", 0, strings.Repeat("1", DTMFQueueSize+1), 0, ErrQueueFull},
		{"fills exactly", 0, strings.Repeat("1", DTMFQueueSize), 0, nil},
		{"full after prefill", 100, strings.Repeat("2", 29), 0, ErrQueueFull},
		{"fits after prefill", 100, strings.Repeat("2", 28), 0, nil},
		{"all digits", 0, "0123456789*#ABCDabcd", 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewDTMFGenerator(160)
			if tt.prefill > 0 {
				if err := g.Queue(strings.Repeat("9", tt.prefill), 0); err != nil {
					t.Fatal(err)
				}
			}
			err := g.Queue(tt.digits, tt.duration)
			if !errors.Is(err, tt.err) {
				t.Fatalf("Queue(%q) = %v, want %v", tt.digits, err, tt.err)
			}
			want := tt.prefill
			if err == nil {
				want += len(tt.digits)
			}
			if got := countEvents(g); got != want {
				t.Errorf("%d events sent, want %d (nothing queued on error)", got, want)
			}
		})
	}
}

// countEvents drains g and returns the number of events it started.
func countEvents(g *DTMFGenerator) int {
	n := 0
	for i := 0; g.Busy() || i < 4; i++ {
		if p, ok := g.Next(uint32(160 * i)); ok && p.Marker {
			n++
		}
		if i > 1_000_000 {
			panic("generator never finishes")
		}
	}
	return n
}

func TestDTMFGeneratorLoopback(t *testing.T) {
	g := NewDTMFGenerator(160)
	if err := g.Queue("0123456789*#ABCD", 60*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	var d DTMFDetector
	var got strings.Builder
	for i := 0; g.Busy() || i < 4; i++ {
		p, ok := g.Next(uint32(160 * i))
		if !ok {
			continue
		}
		for range p.Repeat {
			if digit, ok := d.Detect(p.Timestamp, p.Payload[:]); ok {
				got.WriteByte(digit)
			}
		}
	}
	if got.String() != "0123456789*#ABCD" {
		t.Errorf("loopback digits = %q", got.String())
	}
}

func TestDTMFGeneratorReset(t *testing.T) {
	g := NewDTMFGenerator(160)
	if err := g.Queue("123", 0); err != nil {
		t.Fatal(err)
	}
	g.Next(0)
	g.Reset()
	if g.Busy() {
		t.Fatal("busy after Reset")
	}
	if _, ok := g.Next(160); ok {
		t.Fatal("packet after Reset")
	}
}

func TestDTMFGeneratorZeroAlloc(t *testing.T) {
	g := NewDTMFGenerator(160)
	var ts uint32
	n := testing.AllocsPerRun(1000, func() {
		if !g.Busy() {
			if err := g.Queue("5", 0); err != nil {
				panic(err)
			}
		}
		ts += 160
		g.Next(ts)
	})
	if n != 0 {
		t.Errorf("Queue/Next allocs = %v, want 0", n)
	}
}

func FuzzParseDTMFEvent(f *testing.F) {
	f.Add([]byte{1, 10, 0, 160})
	f.Add([]byte{11, 0x8a, 3, 32, 0})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{1, 2})
	f.Fuzz(func(t *testing.T, b []byte) {
		ev, err := ParseDTMFEvent(b)
		if len(b) < 4 {
			if err == nil {
				t.Fatalf("no error for %d bytes", len(b))
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if ev.Volume > 63 {
			t.Fatalf("volume %d", ev.Volume)
		}
		var out [4]byte
		if _, err := ev.MarshalTo(out[:]); err != nil {
			t.Fatal(err)
		}
		want := [4]byte{b[0], b[1] &^ 0x40, b[2], b[3]} // R bit dropped
		if out != want {
			t.Fatalf("re-marshal % x, want % x", out, want)
		}
	})
}

// FuzzDTMFDetect feeds the detector random packet sequences. Timestamps are a
// fuzzed base plus 16-bit signed offsets, as within one stream; the detector
// must never panic, must report only well-formed DTMF events, and must never
// report the same (timestamp, event) twice.
func FuzzDTMFDetect(f *testing.F) {
	f.Add(uint32(0), []byte{0, 0, 4, 1, 10, 0, 160, 0, 0, 4, 1, 138, 3, 32})
	f.Add(uint32(0xffffff00), []byte{0, 0, 4, 1, 10, 0, 160, 1, 0, 4, 2, 0, 0, 1, 0, 0, 4, 1, 0, 0, 0})
	f.Add(uint32(7), []byte{128, 0, 4, 16, 0, 0, 0, 127, 255, 3, 1, 2, 3, 0})
	f.Fuzz(func(t *testing.T, base uint32, data []byte) {
		var d DTMFDetector
		type key struct {
			ts uint32
			ev uint8
		}
		seen := make(map[key]bool)
		// Bounded input keeps the fuzzer's minimisation of new inputs short.
		data = data[:min(len(data), 384)]
		constrained, raw := data[:len(data)/2], data[len(data)/2:]
		for data := constrained; len(data) >= 3; {
			off := int16(uint16(data[0])<<8 | uint16(data[1]))
			n := min(int(data[2]%8), len(data)-3)
			payload := data[3 : 3+n]
			data = data[3+n:]
			ts := base + uint32(int32(off))
			digit, ok := d.Detect(ts, payload)
			if !ok {
				continue
			}
			if len(payload) < 4 || payload[0] > 15 {
				t.Fatalf("reported %q for malformed payload % x", digit, payload)
			}
			if want, _ := EventDigit(payload[0]); digit != want {
				t.Fatalf("reported %q for event %d", digit, payload[0])
			}
			k := key{ts, payload[0]}
			if seen[k] {
				t.Fatalf("event %d at ts %d reported twice", k.ev, k.ts)
			}
			seen[k] = true
		}
		// Unconstrained timestamps: only must not panic.
		d.Reset()
		for data := raw; len(data) >= 5; {
			ts := uint32(data[0])<<24 | uint32(data[1])<<16 | uint32(data[2])<<8 | uint32(data[3])
			n := min(int(data[4]%8), len(data)-5)
			d.Detect(ts, data[5:5+n])
			data = data[5+n:]
		}
	})
}

func BenchmarkDTMFDetect(b *testing.B) {
	var d DTMFDetector
	train := evPackets(0, 5)
	b.ReportAllocs()
	var ts uint32
	for b.Loop() {
		ts += 1280
		for _, p := range train {
			d.Detect(ts, p.payload)
		}
	}
}

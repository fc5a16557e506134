package rtp

import (
	"encoding/binary"
	"errors"
	"time"
)

// Errors returned by the DTMF functions.
var (
	// ErrInvalidDigit reports a character that is not a DTMF digit
	// (0-9, *, #, A-D).
	ErrInvalidDigit = errors.New("rtp: invalid DTMF digit")
	// ErrInvalidVolume reports a telephone-event volume above 63.
	ErrInvalidVolume = errors.New("rtp: telephone-event volume out of range")
	// ErrShortPayload reports a telephone-event payload or buffer shorter
	// than 4 bytes.
	ErrShortPayload = errors.New("rtp: telephone-event payload too short")
	// ErrNoDigits reports an empty digit string passed to
	// DTMFGenerator.Queue.
	ErrNoDigits = errors.New("rtp: no DTMF digits")
	// ErrInvalidDuration reports a negative DTMF duration.
	ErrInvalidDuration = errors.New("rtp: invalid DTMF duration")
	// ErrQueueFull reports that queuing the digits would exceed the
	// DTMFGenerator's capacity of DTMFQueueSize digits.
	ErrQueueFull = errors.New("rtp: DTMF queue full")
)

// DTMFEventSize is the size of a telephone-event payload in bytes.
const DTMFEventSize = 4

// DTMFEvent is the 4-byte RFC 4733 telephone-event payload.
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|     event     |E|R| volume    |          duration             |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
type DTMFEvent struct {
	Event    uint8  // event code; 0-15 are the DTMF digits (see DigitEvent)
	End      bool   // E bit: this packet ends the event
	Volume   uint8  // power level in -dBm0, 0..63
	Duration uint16 // duration so far, in RTP timestamp units
}

// MarshalTo writes the 4-byte payload of e into b and returns the number of
// bytes written. It fails with ErrShortPayload if len(b) < 4 and with
// ErrInvalidVolume if e.Volume > 63. The reserved R bit is written as zero.
func (e DTMFEvent) MarshalTo(b []byte) (int, error) {
	if len(b) < DTMFEventSize {
		return 0, ErrShortPayload
	}
	if e.Volume > 63 {
		return 0, ErrInvalidVolume
	}
	b[0] = e.Event
	b[1] = e.Volume
	if e.End {
		b[1] |= 0x80
	}
	binary.BigEndian.PutUint16(b[2:], e.Duration)
	return DTMFEventSize, nil
}

// ParseDTMFEvent decodes a telephone-event payload. It fails with
// ErrShortPayload if the payload is shorter than 4 bytes.
//
// Only the first 4 bytes are read: bytes beyond them (another event block, as
// RFC 4733 allows when events are combined with RFC 2198 redundancy and the
// payload is not stripped of it, or padding) are ignored. The reserved R bit
// is ignored. Event codes above 15 (non-DTMF events) are returned as is.
func ParseDTMFEvent(payload []byte) (DTMFEvent, error) {
	if len(payload) < DTMFEventSize {
		return DTMFEvent{}, ErrShortPayload
	}
	return DTMFEvent{
		Event:    payload[0],
		End:      payload[1]&0x80 != 0,
		Volume:   payload[1] & 0x3f,
		Duration: binary.BigEndian.Uint16(payload[2:]),
	}, nil
}

// DigitEvent returns the RFC 4733 event code of the DTMF digit d:
// '0'-'9' map to 0-9, '*' to 10, '#' to 11, and 'A'-'D' (or 'a'-'d') to
// 12-15. It reports false for any other byte.
func DigitEvent(d byte) (uint8, bool) {
	switch {
	case d >= '0' && d <= '9':
		return d - '0', true
	case d == '*':
		return 10, true
	case d == '#':
		return 11, true
	case d >= 'A' && d <= 'D':
		return d - 'A' + 12, true
	case d >= 'a' && d <= 'd':
		return d - 'a' + 12, true
	}
	return 0, false
}

// EventDigit is the inverse of DigitEvent: it returns the digit for the
// event code ev, with 'A'-'D' in upper case, and false if ev > 15.
func EventDigit(ev uint8) (byte, bool) {
	switch {
	case ev <= 9:
		return '0' + ev, true
	case ev == 10:
		return '*', true
	case ev == 11:
		return '#', true
	case ev <= 15:
		return 'A' + ev - 12, true
	}
	return 0, false
}

// dtmfStaleWindow is how far (in timestamp units) a telephone-event packet
// may lag behind the newest reported event and still be treated as a late
// packet of the same stream; anything older is taken as a restarted stream.
// 1<<16 units is about 8 s at 8 kHz.
const dtmfStaleWindow = 1 << 16

// DTMFDetector turns received telephone-event packets into digits, each
// digit once. The zero value is ready to use.
//
// All packets of one event share the event's RTP timestamp (RFC 4733
// §2.5.1.3), so an event is identified by its (timestamp, event code) pair.
// A digit is reported on the first packet seen for a new pair, be it a start,
// an update or an end packet, so a lost start packet does not lose the digit;
// duplicates, retransmissions and the repeated end packets report nothing.
//
// The detector remembers the newest reported timestamp and the set of
// events reported with it (a 16-bit mask, which is the whole history that
// matters). A packet whose timestamp is older than the newest reported one
// (in RFC 1982 serial-number order) belongs to an earlier event that was
// either already reported or overtaken, and is ignored, so late and
// reordered packets never report a digit twice nor out of order. A packet
// more than about 8 s (1<<16 units) older is taken as a new stream with a
// restarted timestamp and reported; call Reset when the remote source
// changes to forget the history at once.
type DTMFDetector struct {
	valid  bool   // lastTS and events hold a reported event
	lastTS uint32 // timestamp of the newest reported event
	events uint16 // bit e set: event e reported with timestamp lastTS
}

// Detect processes the payload of one received telephone-event packet whose
// RTP timestamp is timestamp. It returns the digit ('0'-'9', '*', '#',
// 'A'-'D') and true when the packet starts a digit not reported before, and
// false for repeats, stale packets, non-DTMF events (codes above 15) and
// malformed payloads.
func (d *DTMFDetector) Detect(timestamp uint32, payload []byte) (digit byte, ok bool) {
	ev, err := ParseDTMFEvent(payload)
	if err != nil {
		return 0, false
	}
	digit, ok = EventDigit(ev.Event)
	if !ok {
		return 0, false
	}
	bit := uint16(1) << ev.Event
	diff := int32(timestamp - d.lastTS)
	switch {
	case !d.valid || diff > 0 || diff < -dtmfStaleWindow:
		d.valid, d.lastTS, d.events = true, timestamp, bit
		return digit, true
	case diff == 0 && d.events&bit == 0:
		d.events |= bit
		return digit, true
	}
	return 0, false
}

// Reset forgets every event seen, as after a change of remote source.
func (d *DTMFDetector) Reset() {
	*d = DTMFDetector{}
}

// DTMF generator parameters.
const (
	// DTMFQueueSize is the number of digits a DTMFGenerator can hold.
	DTMFQueueSize = 128
	// DTMFDefaultDuration is the tone length used when Queue is given 0.
	DTMFDefaultDuration = 100 * time.Millisecond
	// DTMFMinDuration and DTMFMaxDuration bound the tone length; Queue
	// clamps durations into this range.
	DTMFMinDuration = 40 * time.Millisecond
	DTMFMaxDuration = 5 * time.Second
	// DTMFVolume is the volume (-dBm0) written in generated events.
	DTMFVolume = 10
	// DTMFGapTicks is the number of packet intervals of audio the generator
	// leaves between two events.
	DTMFGapTicks = 3
	// DTMFEndRepeat is the number of copies of an end packet to send.
	DTMFEndRepeat = 3

	dtmfTick = 20 * time.Millisecond
)

// DTMFPacket is one telephone-event packet to send now.
type DTMFPacket struct {
	Payload   [4]byte // marshalled DTMFEvent
	Timestamp uint32  // RTP timestamp: the event's start, same for all its packets
	Marker    bool    // RTP marker bit: set on the first packet of an event only
	// Repeat is how many copies to send back to back (each with its own RTP
	// sequence number): 1, or DTMFEndRepeat for the end packet (RFC 4733
	// §2.5.1.4).
	Repeat int
}

// dtmfDigit is one queued digit.
type dtmfDigit struct {
	event uint8
	ticks uint16 // length in packet intervals
}

// DTMFGenerator produces the RFC 4733 packets for queued digits, one step per
// packet interval (20 ms).
//
// The media loop calls Next once per 20 ms tick; when it returns a packet the
// tick carries that telephone-event packet instead of audio. The zero value
// is not usable; create generators with NewDTMFGenerator.
type DTMFGenerator struct {
	packetSamples uint32
	maxTicks      int

	queue      [DTMFQueueSize]dtmfDigit
	head, size int

	active bool
	cur    dtmfDigit
	ts     uint32 // timestamp of the current event
	tick   int    // packets sent for the current event
	gap    int    // audio ticks still owed after the last event
}

// NewDTMFGenerator returns a generator for a stream whose 20 ms packet
// interval spans packetSamples timestamp units (160 at 8 kHz); 0 means 160.
func NewDTMFGenerator(packetSamples uint32) *DTMFGenerator {
	if packetSamples == 0 {
		packetSamples = 160
	}
	return &DTMFGenerator{
		packetSamples: packetSamples,
		// The 16-bit duration field must not overflow.
		maxTicks: int(0xffff / packetSamples),
	}
}

// setPacketSamples changes the timestamp span of a packet interval (a
// codec of another clock rate was negotiated); an event in progress ends.
func (g *DTMFGenerator) setPacketSamples(n uint32) {
	if n == 0 || n == g.packetSamples {
		return
	}
	g.Reset()
	g.packetSamples, g.maxTicks = n, int(0xffff/n)
}

// Queue appends digits (each one of 0-9, *, #, A-D, a-d) to be sent, each
// lasting duration. A duration of 0 selects DTMFDefaultDuration (100 ms);
// other durations are clamped to [DTMFMinDuration, DTMFMaxDuration] (40 ms
// to 5 s) and rounded up to whole 20 ms packet intervals, and further
// limited so that the 16-bit duration field cannot overflow (about 1.3 s at
// 48 kHz; no long-event segmentation is done).
//
// Queue validates everything first and queues nothing on error: it returns
// ErrNoDigits for an empty string, ErrInvalidDigit for a character that is
// not a digit, ErrInvalidDuration for a negative duration and ErrQueueFull
// if the digits would not fit in the DTMFQueueSize-digit queue.
func (g *DTMFGenerator) Queue(digits string, duration time.Duration) error {
	if digits == "" {
		return ErrNoDigits
	}
	if duration < 0 {
		return ErrInvalidDuration
	}
	for i := 0; i < len(digits); i++ {
		if _, ok := DigitEvent(digits[i]); !ok {
			return ErrInvalidDigit
		}
	}
	if g.size+len(digits) > DTMFQueueSize {
		return ErrQueueFull
	}
	if duration == 0 {
		duration = DTMFDefaultDuration
	}
	duration = min(max(duration, DTMFMinDuration), DTMFMaxDuration)
	ticks := min(int((duration+dtmfTick-1)/dtmfTick), max(g.maxTicks, 1))
	for i := 0; i < len(digits); i++ {
		ev, _ := DigitEvent(digits[i])
		g.queue[(g.head+g.size)%DTMFQueueSize] = dtmfDigit{event: ev, ticks: uint16(ticks)}
		g.size++
	}
	return nil
}

// Busy reports whether a digit is in progress or queued.
func (g *DTMFGenerator) Busy() bool {
	return g.active || g.size > 0
}

// Reset drops the queued digits and abandons the event in progress without
// sending its end packets.
func (g *DTMFGenerator) Reset() {
	g.head, g.size = 0, 0
	g.active, g.tick, g.gap = false, 0, 0
}

// Next advances the generator by one packet interval. ts is the stream's RTP
// timestamp for this tick. It returns the telephone-event packet to send in
// place of audio, or false when the tick should carry audio.
//
// An event starts on the first tick on which a digit is queued and the
// generator is idle and at least DTMFGapTicks audio ticks have passed since
// the previous event. Its packets all carry the start tick's timestamp; the
// first has the marker bit and a duration of one packet interval, and each
// following tick adds one interval. The packet whose duration reaches the
// requested length has the E bit and Repeat = DTMFEndRepeat, and ends the
// event.
func (g *DTMFGenerator) Next(ts uint32) (DTMFPacket, bool) {
	var p DTMFPacket
	if !g.active {
		if g.gap > 0 {
			g.gap--
			return p, false
		}
		if g.size == 0 {
			return p, false
		}
		g.cur = g.queue[g.head]
		g.head = (g.head + 1) % DTMFQueueSize
		g.size--
		g.active, g.ts, g.tick = true, ts, 0
		p.Marker = true
	}
	g.tick++
	ev := DTMFEvent{
		Event:    g.cur.event,
		Volume:   DTMFVolume,
		Duration: uint16(uint32(g.tick) * g.packetSamples),
	}
	p.Repeat = 1
	if g.tick >= int(g.cur.ticks) {
		ev.End = true
		p.Repeat = DTMFEndRepeat
		g.active = false
		g.gap = DTMFGapTicks
	}
	p.Timestamp = g.ts
	_, _ = ev.MarshalTo(p.Payload[:]) // cannot fail: 4-byte buffer, volume 10
	return p, true
}

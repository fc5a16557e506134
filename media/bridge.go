// Package media is libvoip's audio bridge: ports that produce and consume
// 20 ms frames (calls, WAV players and recorders, tone generators),
// connected by Connect/Disconnect like PJSUA2's startTransmit and mixed
// once per tick of the phone's media clock (rtp.Pacer). A port fed by
// several sources hears their saturating sum. No goroutine or timer exists
// per port; a tick allocates nothing; a port without connections costs
// nothing.
package media

import (
	"errors"
	"fmt"
	"sync"
)

// Errors of the bridge. The constructors wrap ErrFormat, ErrCorrupt or an
// *os.PathError for a file they cannot use.
var (
	ErrClosed    = errors.New("media: port or bridge closed")
	ErrSelf      = errors.New("media: a port cannot be connected to itself")
	ErrDirection = errors.New("media: the source produces no audio or the destination takes none")
	ErrBridge    = errors.New("media: the ports belong to different bridges")
	ErrFormat    = errors.New("media: unsupported audio format")
	ErrCorrupt   = errors.New("media: corrupt or truncated file")
)

// Port is a producer and/or consumer of frames of Bridge.FrameSize samples
// at Bridge.Rate. The bridge calls its methods from the pacer goroutine,
// under the bridge's lock: they must not block and must not call the
// bridge.
type Port interface {
	// Caps says whether the port produces (source) and consumes (sink).
	Caps() (source, sink bool)
	// Read fills dst with the port's next frame and reports whether it
	// holds audio (false: silence, nothing to mix). It is called at most
	// once per tick, and only while the port feeds a sink.
	Read(dst []int16) bool
	// Write delivers the mix of the port's sources for this tick.
	Write(mix []int16)
}

// Activator is implemented by ports that want to know when they start or
// stop being used as a source or sink (a call turns its stream's tap on).
type Activator interface {
	Active(source, sink bool)
}

// StereoSink is implemented by sinks that also take, as a second channel,
// the audio their call sources sent (a recorder of both directions).
type StereoSink interface {
	WriteStereo(left, right []int16)
}

// SentReader is implemented by sources that can also give the audio they
// sent this tick (a call).
type SentReader interface {
	ReadSent(dst []int16) bool
}

// Bridge mixes ports. Create one per phone with NewBridge, register it with
// the phone's pacer (rtp.Pacer.AddTicker) and Close it when the phone stops.
type Bridge struct {
	rate, frame int

	mu     sync.Mutex
	slots  map[Port]*slot
	sinks  []*slot // slots with at least one source: the only ones ticked
	tickN  uint64
	closed bool
	acc    []int32
	right  []int32
	tmp    []int16
}

type slot struct {
	port   Port
	src    bool
	snk    bool
	srcs   []*slot // sources feeding this slot
	feeds  int     // sinks this slot feeds
	frame  []int16 // this tick's output
	audio  bool    // frame holds audio
	stamp  uint64  // tick of frame
	mix    []int16 // this tick's input
	mixR   []int16 // the second channel for a StereoSink
	stereo StereoSink
	sent   SentReader
}

// NewBridge returns a bridge of 20 ms frames at rate samples per second
// (8000, 16000, 48000, ...: a multiple of 50).
func NewBridge(rate int) (*Bridge, error) {
	if rate < 8000 || rate > 192000 || rate%50 != 0 {
		return nil, fmt.Errorf("media: sample rate %d is not a multiple of 50 in 8000..192000", rate)
	}
	n := rate / 50
	return &Bridge{rate: rate, frame: n, slots: map[Port]*slot{},
		acc: make([]int32, n), right: make([]int32, n), tmp: make([]int16, n)}, nil
}

// Rate is the bridge's sample rate.
func (b *Bridge) Rate() int { return b.rate }

// FrameSize is the number of samples of a frame (Rate/50).
func (b *Bridge) FrameSize() int { return b.frame }

// Add makes p a port of the bridge. Adding a port twice does nothing.
func (b *Bridge) Add(p Port) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return ErrClosed
	}
	if _, ok := b.slots[p]; ok {
		return nil
	}
	s := &slot{port: p}
	s.src, s.snk = p.Caps()
	if s.src {
		s.frame = make([]int16, b.frame)
	}
	if s.snk {
		s.mix = make([]int16, b.frame)
	}
	if st, ok := p.(StereoSink); ok && s.snk {
		s.stereo, s.mixR = st, make([]int16, b.frame)
	}
	s.sent, _ = p.(SentReader)
	b.slots[p] = s
	return nil
}

// Remove disconnects p from everything and takes it off the bridge.
func (b *Bridge) Remove(p Port) {
	b.mu.Lock()
	defer b.mu.Unlock()
	s, ok := b.slots[p]
	if !ok {
		return
	}
	for _, src := range append([]*slot(nil), s.srcs...) {
		b.unlinkLocked(src, s)
	}
	for _, dst := range b.slots {
		if dst.has(s) {
			b.unlinkLocked(s, dst)
		}
	}
	delete(b.slots, p)
}

// Connect makes src's audio flow to dst (PJSUA2's startTransmit).
// Connecting twice does nothing.
func (b *Bridge) Connect(src, dst Port) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	s, d, err := b.pairLocked(src, dst)
	if err != nil {
		return err
	}
	if !s.src || !d.snk {
		return ErrDirection
	}
	if d.has(s) {
		return nil
	}
	d.srcs = append(d.srcs, s)
	s.feeds++
	if len(d.srcs) == 1 {
		b.sinks = append(b.sinks, d)
		activate(d)
	}
	if s.feeds == 1 {
		activate(s)
	}
	return nil
}

// Disconnect stops src's audio flowing to dst. Disconnecting ports that
// are not connected does nothing.
func (b *Bridge) Disconnect(src, dst Port) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	s, d, err := b.pairLocked(src, dst)
	if err != nil {
		return err
	}
	if d.has(s) {
		b.unlinkLocked(s, d)
	}
	return nil
}

// Connected reports whether src's audio flows to dst.
func (b *Bridge) Connected(src, dst Port) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	s, d := b.slots[src], b.slots[dst]
	return s != nil && d != nil && d.has(s)
}

func (b *Bridge) pairLocked(src, dst Port) (*slot, *slot, error) {
	if b.closed {
		return nil, nil, ErrClosed
	}
	if src == dst {
		return nil, nil, ErrSelf
	}
	s, d := b.slots[src], b.slots[dst]
	if s == nil || d == nil {
		return nil, nil, ErrClosed
	}
	return s, d, nil
}

func (b *Bridge) unlinkLocked(s, d *slot) {
	for i, x := range d.srcs {
		if x == s {
			d.srcs = append(d.srcs[:i], d.srcs[i+1:]...)
			break
		}
	}
	s.feeds--
	if len(d.srcs) == 0 {
		for i, x := range b.sinks {
			if x == d {
				b.sinks = append(b.sinks[:i], b.sinks[i+1:]...)
				break
			}
		}
	}
	activate(s)
	activate(d)
}

func (s *slot) has(src *slot) bool {
	for _, x := range s.srcs {
		if x == src {
			return true
		}
	}
	return false
}

func activate(s *slot) {
	if a, ok := s.port.(Activator); ok {
		a.Active(s.feeds > 0, len(s.srcs) > 0)
	}
}

// Close disconnects every port; later calls fail with ErrClosed. It does
// not close the ports (the owner of a recorder closes it).
func (b *Bridge) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, s := range b.slots {
		s.srcs, s.feeds = nil, 0
		activate(s)
	}
	b.slots, b.sinks, b.closed = map[Port]*slot{}, nil, true
}

// Tick mixes one frame for every port that has sources: each source is
// read once, each sink hears the saturating sum of its sources. The phone's
// pacer calls it after every stream's tick.
func (b *Bridge) Tick() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.tickN++
	for _, d := range b.sinks {
		b.mixLocked(d)
	}
}

func (b *Bridge) mixLocked(d *slot) {
	clear(b.acc)
	if d.stereo != nil {
		clear(b.right)
	}
	for _, s := range d.srcs {
		if s.stamp != b.tickN {
			s.stamp = b.tickN
			s.audio = s.port.Read(s.frame)
		}
		if s.audio {
			add(b.acc, s.frame)
		}
		if d.stereo != nil && s.sent != nil && s.sent.ReadSent(b.tmp) {
			add(b.right, b.tmp)
		}
	}
	saturate(d.mix, b.acc)
	if d.stereo != nil {
		saturate(d.mixR, b.right)
		d.stereo.WriteStereo(d.mix, d.mixR)
		return
	}
	d.port.Write(d.mix)
}

func add(acc []int32, x []int16) {
	for i, v := range x[:len(acc)] {
		acc[i] += int32(v)
	}
}

func saturate(dst []int16, acc []int32) {
	for i, v := range acc[:len(dst)] {
		dst[i] = int16(max(-32768, min(32767, v)))
	}
}

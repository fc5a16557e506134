package voip

import (
	"sync"

	"github.com/libvoip/libvoip/media"
	"github.com/libvoip/libvoip/rtp"
)

// callPort is a call as a port of the phone's bridge: its source is the
// audio the call receives, its sink the audio it sends (summed with what
// the application writes). It reaches the call's stream through the
// stream's tap (rtp/stream_tap.go), so the application's reads and writes
// go on as before. Its lock is a leaf.
type callPort struct {
	mu     sync.Mutex
	stream *rtp.Stream
	bridge *media.Bridge // set while the port is on the bridge
	ended  bool
	tapped bool
}

// Port is the call as a port of the phone's audio bridge, for
// Phone.Connect: what it receives is its source, what it is given is sent
// (mixed with Call.WriteAudio's audio). It is the same value for the
// life of the call.
func (c *Call) Port() media.Port {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.portLocked()
}

func (c *Call) portLocked() *callPort {
	if c.bport == nil {
		c.bport = &callPort{stream: c.stream, ended: c.state == Ended}
	}
	return c.bport
}

// setStream gives the port the call's stream once it exists.
func (cp *callPort) setStream(s *rtp.Stream) {
	cp.mu.Lock()
	cp.stream = s
	tapped := cp.tapped
	cp.mu.Unlock()
	if s != nil && tapped {
		s.SetTap(true)
	}
}

func (cp *callPort) join(b *media.Bridge) error {
	cp.mu.Lock()
	if cp.ended {
		cp.mu.Unlock()
		return media.ErrClosed
	}
	cp.bridge = b
	cp.mu.Unlock()
	return b.Add(cp)
}

// leave takes the port off the bridge when the call ends.
func (cp *callPort) leave() {
	cp.mu.Lock()
	b := cp.bridge
	cp.ended, cp.bridge = true, nil
	cp.mu.Unlock()
	if b != nil {
		b.Remove(cp)
	}
}

func (cp *callPort) current() *rtp.Stream {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	return cp.stream
}

// Caps reports that a call both produces and consumes audio.
func (cp *callPort) Caps() (source, sink bool) { return true, true }

// Read gives the frame the call received this tick.
func (cp *callPort) Read(dst []int16) bool {
	s := cp.current()
	return s != nil && s.TapReceived(dst)
}

// ReadSent gives the frame the call sent this tick.
func (cp *callPort) ReadSent(dst []int16) bool {
	s := cp.current()
	return s != nil && s.TapSent(dst)
}

// Write has mix sent in the call's next frame.
func (cp *callPort) Write(mix []int16) {
	if s := cp.current(); s != nil {
		s.MixSend(mix)
	}
}

// Active turns the stream's tap on while the call is connected.
func (cp *callPort) Active(source, sink bool) {
	cp.mu.Lock()
	cp.tapped = source || sink
	s, on := cp.stream, cp.tapped
	cp.mu.Unlock()
	if s != nil {
		s.SetTap(on)
	}
}

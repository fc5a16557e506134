package rtp

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libvoip/libvoip/dsp"
)

// SamplesPerFrame is the number of 8 kHz samples in one 20 ms frame; a
// stream's frame holds SampleRate/50 samples (stream_codec.go).
const SamplesPerFrame = 160

const (
	headerSize    = 12
	maxPacketSize = 1500
	queueSeconds  = 2 // default capacity of the read and write queues
	// jitterCapacity is the jitter buffer's reordering window in frames
	// (320 ms); NewJitterBuffer raises it to fit a longer playout delay.
	jitterCapacity = 16
)

var (
	// ErrClosed is returned by reads and writes once the stream is closed
	// (the call ended) and, for reads, its audio is drained.
	ErrClosed = errors.New("rtp: stream closed")
	// ErrTimeout is returned when a read or write could not complete in time.
	ErrTimeout = errors.New("rtp: timeout")
	// ErrNoDTMF is returned by SendDTMF when telephone-events were not agreed
	// or the stream does not send.
	ErrNoDTMF = errors.New("rtp: telephone-event not negotiated")
)

// StreamConfig describes one negotiated audio stream.
type StreamConfig struct {
	Conn            *net.UDPConn   // the stream's own socket; Close closes it
	Remote          netip.AddrPort // where to send, and the only source accepted
	Codec           *Codec         // negotiated codec
	PayloadType     uint8          // payload type on the wire for Codec
	DTMFPayloadType uint8          // telephone-event payload type; 0 = none
	Send, Receive   bool           // negotiated direction
	JitterDelay     int            // playout delay in frames; 0 means 3
	QueueSamples    int            // capacity of the read and write queues; 0 = 2 s
	Format          Format         // sample format of ReadAudio/WriteAudio
	SampleRate      int            // application audio rate: 8000 (0), 16000 or 48000
	// Unconfirmed limits sending to UnconfirmedFrames intervals (about one
	// second) until Confirm is called or a valid RTP packet arrives from
	// Remote: the peer has not yet shown that the address is its own.
	Unconfirmed bool
	// OnDTMF is called once per key press from the goroutine that
	// receives the stream's packets. On Linux that goroutine receives for
	// every stream of the process (socket_linux.go), so a callback that
	// blocks delays the media of every call: it must not block.
	OnDTMF func(digit byte)
	// InactivityTimeout, when positive, has OnInactive called once when
	// nothing came from the peer for that long while the stream is
	// sendrecv (inactivity.go); a stream on hold is never timed out.
	InactivityTimeout time.Duration
	// OnInactive is called from the pacer goroutine, which ticks every
	// stream of the phone: it must not block (start the hang-up
	// elsewhere).
	OnInactive func()
	// DetectInband runs a Goertzel DTMF detector (package dsp) over the
	// received audio and reports its keys through OnDTMF like RFC 4733
	// events, from the pacer goroutine; for peers that send no RFC 4733.
	DetectInband bool
	// Protector, when not nil, seals every packet sent and opens every
	// packet received (SRTP, srtp.go); nil is plain RTP.
	Protector Protector
	// OnSTUN, when set, receives the STUN messages arriving on the
	// stream's socket (first byte 0-3, RFC 7983): ICE connectivity checks
	// and keep-alives (ice.go). It is called like OnDTMF, must not block
	// and must copy b to keep it.
	OnSTUN func(b []byte, from netip.AddrPort)
}

// Stats are a stream's media counters.
type Stats struct {
	PacketsSent        uint64
	PacketsReceived    uint64
	PacketsLost        int64
	Late               uint64
	DroppedSource      uint64
	DroppedPayloadType uint64
	DroppedSSRC        uint64 // packets of a new SSRC on probation (source.go)
	Malformed          uint64
	DTMFSent           uint64
	DTMFReceived       uint64
	ReadOverruns       uint64 // samples dropped because nobody read them
	Latched            uint64 // times the send address moved to the peer's source port
	JitterMs           float64
}

// Stream is one call's RTP session: one UDP socket, sending and receiving on
// the same port (symmetric RTP). A Pacer calls tick every 20 ms, which sends
// one packet (audio from the write queue, silence when it is empty, or a
// DTMF event) and plays one frame out of the jitter buffer into the read
// queue.
//
// Receiving: on Linux one goroutine reads the sockets of every stream of the
// process (the shared receiver in socket_linux.go) and calls receive for
// each packet; elsewhere, or when a socket cannot join that receiver, the
// stream reads its socket in a goroutine of its own (receiveLoop). Either
// way one goroutine at a time handles a stream's packets, in arrival order.
type Stream struct {
	cfg   StreamConfig
	conn  *net.UDPConn
	ssrc  uint32
	pacer *Pacer
	relay atomic.Pointer[RelayWriter] // an ICE relay carries the media (ice.go)

	mu      sync.Mutex
	remote  netip.AddrPort // where packets go; latches to the peer's source port
	heard   bool           // a packet came from remote
	seq     uint16
	ts      uint32
	started bool // first packet sent (marker bit)
	tx      sampleRing
	rx      sampleRing
	dtmfGen *DTMFGenerator
	path    *codecPath // encoder and decoder at the application's rate
	frame   int        // samples of a 20 ms frame at the application's rate
	jb      *JitterBuffer
	source  remoteSource // which SSRC plays, and its DTMF history
	recv    ReceptionStats
	closed  bool
	tap     streamTap // a media bridge's port (stream_tap.go)
	inband  inband    // in-band DTMF (stream_tap.go)

	drain drainState // waiters of Drain (drain.go)

	// confirmed: sending is unlimited (confirm.go); unconfirmedSent counts
	// the intervals sent before.
	confirmed       bool
	unconfirmedSent int

	// Inactivity (inactivity.go): born is the stream's creation, the
	// origin of lastHeard (the peer's last packet, in nanoseconds since
	// born); sinceCheck and inactive are the pacer goroutine's.
	born       time.Time
	lastHeard  atomic.Int64
	sinceCheck int
	inactive   bool

	// Buffers of the tick, used only by the pacer goroutine.
	pcm     [MaxFrameSamples]int16
	payload [MaxFramePayload]byte
	decoded [MaxFrameSamples]int16
	pkts    [3][headerSize + MaxFramePayload + ProtectOverhead]byte

	rxReady chan struct{}    // a token per played frame, for a waiting reader
	timers  chan *time.Timer // stopped timers kept for waiting reads and writes
	txRoom  chan struct{}    // a token per consumed frame, for a waiting writer
	done    chan struct{}    // closed by Close
	wg      sync.WaitGroup
	rxFD    int       // socket in the shared receiver (socket_linux.go); -1 when not
	sock    sockState // raw sending (socket_linux.go); pacer goroutine only

	packetsSent, packetsReceived, latched atomic.Uint64
	droppedSource, droppedPT, malformed   atomic.Uint64
	dtmfSent, dtmfReceived, readOverruns  atomic.Uint64
	droppedSSRC                           atomic.Uint64
	srtpReplayed, srtpAuthFailed          atomic.Uint64 // srtp_stream.go
}

// NewStream prepares a stream; Start begins sending and receiving.
func NewStream(cfg StreamConfig) (*Stream, error) {
	if cfg.Conn == nil || cfg.Codec == nil {
		return nil, errors.New("rtp: stream needs a socket and a codec")
	}
	if cfg.JitterDelay <= 0 {
		cfg.JitterDelay = 3
	}
	if cfg.SampleRate == 0 {
		cfg.SampleRate = DefaultSampleRate
	}
	if !ValidSampleRate(cfg.SampleRate) {
		return nil, fmt.Errorf("%w: sample rate %d (want 8000, 16000 or 48000)", ErrCodec, cfg.SampleRate)
	}
	if cfg.QueueSamples <= 0 {
		cfg.QueueSamples = queueSeconds * cfg.SampleRate
	}
	path, err := newCodecPath(cfg.Codec, cfg.SampleRate)
	if err != nil {
		return nil, err
	}
	var b [10]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	s := &Stream{
		cfg:     cfg,
		conn:    cfg.Conn,
		remote:  cfg.Remote,
		ssrc:    binary.BigEndian.Uint32(b[0:4]),
		seq:     binary.BigEndian.Uint16(b[4:6]),
		ts:      binary.BigEndian.Uint32(b[6:10]),
		tx:      newSampleRing(cfg.QueueSamples),
		rx:      newSampleRing(cfg.QueueSamples),
		dtmfGen: NewDTMFGenerator(uint32(cfg.Codec.ClockSamples())),
		path:    path,
		frame:   cfg.SampleRate * FrameMs / 1000,
		tap:     newTap(cfg.SampleRate * FrameMs / 1000),
		inband:  inband{frame: make([]int16, cfg.SampleRate*FrameMs/1000)},
		jb:      NewJitterBuffer(cfg.JitterDelay, jitterCapacity),
		rxFD:    -1,
		born:    time.Now(),
		rxReady: make(chan struct{}, 1),
		timers:  make(chan *time.Timer, 4),
		txRoom:  make(chan struct{}, 1),
		done:    make(chan struct{}),
	}
	s.confirmed = !cfg.Unconfirmed
	if cfg.DetectInband {
		s.inband.detector, err = dsp.NewDTMFDetector(cfg.SampleRate)
		if err != nil {
			return nil, err
		}
		s.inband.keys = make([]byte, 0, 4)
	}
	s.initSocket()
	return s, nil
}

// Start registers the stream with the pacer and starts its receive loop.
func (s *Stream) Start(p *Pacer) {
	s.pacer = p
	s.startReceiving()
	p.Add(s)
}

// Close stops the stream, closes its socket and wakes blocked readers and
// writers. It is safe to call more than once.
func (s *Stream) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.mu.Unlock()
	if s.pacer != nil {
		s.pacer.Remove(s)
	}
	close(s.done)
	s.stopReceiving()
	s.conn.Close()
	s.wg.Wait()
}

// LocalAddr is the stream's socket address.
func (s *Stream) LocalAddr() netip.AddrPort {
	return s.conn.LocalAddr().(*net.UDPAddr).AddrPort()
}

// Remote is the peer address the stream sends to (the negotiated one, or
// where the peer's media came from after latching).
func (s *Stream) Remote() netip.AddrPort {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.remote
}

// SSRC is the stream's own synchronization source.
func (s *Stream) SSRC() uint32 { return s.ssrc }

// skip advances the RTP clock over n intervals the pacer could not run.
func (s *Stream) skip(n int) {
	s.mu.Lock()
	s.ts += uint32(n) * s.clockStep()
	s.mu.Unlock()
}

// tick sends one packet interval and plays out one frame. Only the pacer
// goroutine calls it.
func (s *Stream) tick() {
	var out [3][]byte
	nout := 0

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.noteTickLocked()
	ts := s.ts
	s.ts += s.clockStep()
	// Send side: a DTMF event, or 20 ms of audio (silence when the
	// application wrote nothing). Nothing is built while the stream does
	// not send (on hold): its sequence numbers stay contiguous.
	remote := s.remote
	sending := s.cfg.Send && remote.IsValid() && remote.Port() != 0 && s.mayProbe()
	if sending {
		nout = s.protectLocked(&out, s.buildSend(&out, ts))
	} else {
		s.tx.discard(s.frame)
		s.sendEvent()
	}
	// Receive side: one frame from the jitter buffer, or silence.
	var pcm []int16
	n, st := s.jb.Pop(s.payload[:])
	if st == PopFrame && n > 0 {
		pcm = s.decodeFrame(s.payload[:n])
		dropped := s.rx.push(pcm)
		if len(pcm) < s.frame {
			dropped += s.rx.pushSilence(s.frame - len(pcm))
		}
		s.readOverruns.Add(uint64(dropped))
	} else {
		s.readOverruns.Add(uint64(s.rx.pushSilence(s.frame)))
	}
	keys := s.played(pcm)
	// Under mu: a renegotiation (Update) may change what is expected.
	inactive := s.checkInactive()
	s.mu.Unlock()

	signal(s.rxReady)
	signal(s.txRoom)
	s.reportKeys(keys)
	if inactive && s.cfg.OnInactive != nil {
		s.cfg.OnInactive()
	}
	if !sending {
		return
	}
	for i := 0; i < nout; i++ {
		if err := s.transmit(out[i], remote); err == nil {
			s.packetsSent.Add(1)
		}
	}
}

// buildSend writes this interval's packets into out: a DTMF event's (audio
// written during an event is dropped so that it stays in step with the
// clock) or one audio frame. Called with mu held; it returns how many.
func (s *Stream) buildSend(out *[3][]byte, ts uint32) int {
	ev, ok := s.dtmfGen.Next(ts)
	if !ok || s.cfg.DTMFPayloadType == 0 {
		got := s.tx.pop(s.pcm[:s.frame])
		clear(s.pcm[got:s.frame])
		s.sendAudio()
		payload, ok := s.encodeFrame(s.pcm[:s.frame])
		if !ok {
			return 0
		}
		out[0] = s.header(s.pkts[0][:], s.cfg.PayloadType, !s.started, ts)
		out[0] = append(out[0], payload...)
		s.started = true
		return 1
	}
	s.tx.discard(s.frame)
	s.sendEvent()
	nout := 0
	repeat := max(ev.Repeat, 1)
	for i := 0; i < repeat && i < len(s.pkts); i++ {
		out[i] = s.header(s.pkts[i][:], s.cfg.DTMFPayloadType, ev.Marker && i == 0, ev.Timestamp)
		out[i] = append(out[i], ev.Payload[:]...)
		nout++
	}
	if ev.Marker {
		s.dtmfSent.Add(1)
	}
	return nout
}

// header writes an RTP header into b (whose capacity holds a whole packet)
// with the next sequence number and returns b[:12]. Called with mu held.
func (s *Stream) header(b []byte, pt uint8, marker bool, ts uint32) []byte {
	b = b[:headerSize]
	b[0] = 0x80 // version 2, no padding, no extension, no CSRC
	b[1] = pt & 0x7f
	if marker {
		b[1] |= 0x80
	}
	binary.BigEndian.PutUint16(b[2:], s.seq)
	binary.BigEndian.PutUint32(b[4:], ts)
	binary.BigEndian.PutUint32(b[8:], s.ssrc)
	s.seq++
	return b
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// SendDTMF queues digits to be sent as RFC 4733 events, each lasting
// duration (0 = 100 ms).
func (s *Stream) SendDTMF(digits string, duration time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cfg.DTMFPayloadType == 0 || !s.cfg.Send {
		return ErrNoDTMF
	}
	if s.closed {
		return ErrClosed
	}
	return s.dtmfGen.Queue(digits, duration)
}

// waitTimer returns a running timer for timeout (> 0); release it with
// releaseTimer. The stream keeps a few stopped timers (s.timers) for the
// reads and writes that wait, so that an application thread paced by its
// call (a blocking read every 20 ms) does not allocate a timer per frame.
// A per-stream free list rather than a sync.Pool: the pool may drop what
// it holds at any time (the race detector drops a quarter on purpose),
// which would make the zero-allocation promise a matter of luck. Since Go
// 1.23 a stopped timer delivers no stale tick, so it can be Reset safely.
func (s *Stream) waitTimer(timeout time.Duration) *time.Timer {
	select {
	case t := <-s.timers:
		t.Reset(timeout)
		return t
	default:
		return time.NewTimer(timeout)
	}
}

func (s *Stream) releaseTimer(t *time.Timer) {
	if t == nil {
		return
	}
	t.Stop()
	select {
	case s.timers <- t:
	default: // more waiters than the list holds: let this one go
	}
}

// ReadAudio fills dst with received audio in the stream's format. It waits
// until dst is full, the stream closes or timeout passes (negative: no
// limit; zero: no wait), and returns the bytes copied with nil (full),
// ErrTimeout (partial) or ErrClosed (closed and not full).
func (s *Stream) ReadAudio(dst []byte, timeout time.Duration) (int, error) {
	bps := s.cfg.Format.BytesPerSample()
	want := len(dst) / bps * bps
	var timer *time.Timer
	var expire <-chan time.Time
	defer func() { s.releaseTimer(timer) }()
	for {
		s.mu.Lock()
		closed := s.closed
		if s.rx.len()*bps >= want || closed || timeout == 0 {
			n := s.rx.popBytes(dst[:want], s.cfg.Format)
			s.mu.Unlock()
			switch {
			case n == want:
				return n, nil
			case closed:
				return n, ErrClosed
			default:
				return n, ErrTimeout
			}
		}
		s.mu.Unlock()
		if timer == nil && timeout > 0 {
			timer = s.waitTimer(timeout)
			expire = timer.C
		}
		select {
		case <-s.rxReady:
		case <-s.done:
		case <-expire:
			s.mu.Lock()
			n := s.rx.popBytes(dst[:want], s.cfg.Format)
			s.mu.Unlock()
			if n == want {
				return n, nil
			}
			return n, ErrTimeout
		}
	}
}

// WriteAudio queues src (in the stream's format) for sending, waiting up to
// timeout for room when the queue is full. It returns the bytes queued with
// nil (all), ErrTimeout (part) or ErrClosed.
func (s *Stream) WriteAudio(src []byte, timeout time.Duration) (int, error) {
	bps := s.cfg.Format.BytesPerSample()
	src = src[:len(src)/bps*bps]
	total := 0
	var timer *time.Timer
	var expire <-chan time.Time
	defer func() { s.releaseTimer(timer) }()
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return total, ErrClosed
		}
		total += s.tx.pushBytes(src[total:], s.cfg.Format)
		s.mu.Unlock()
		if total == len(src) {
			return total, nil
		}
		if timeout == 0 {
			return total, ErrTimeout
		}
		if timer == nil && timeout > 0 {
			timer = s.waitTimer(timeout)
			expire = timer.C
		}
		select {
		case <-s.txRoom:
		case <-s.done:
		case <-expire:
			return total, ErrTimeout
		}
	}
}

// Stats returns the stream's counters.
func (s *Stream) Stats() Stats {
	s.mu.Lock()
	lost := s.recv.Lost()
	jitter := float64(s.recv.Jitter()) * 1000 / float64(s.cfg.Codec.ClockRate)
	jst := s.jb.Stats()
	s.mu.Unlock()
	return Stats{
		PacketsSent:        s.packetsSent.Load(),
		PacketsReceived:    s.packetsReceived.Load(),
		PacketsLost:        lost,
		Late:               jst.Late,
		DroppedSource:      s.droppedSource.Load(),
		DroppedPayloadType: s.droppedPT.Load(),
		DroppedSSRC:        s.droppedSSRC.Load(),
		Malformed:          s.malformed.Load(),
		DTMFSent:           s.dtmfSent.Load(),
		DTMFReceived:       s.dtmfReceived.Load(),
		ReadOverruns:       s.readOverruns.Load(),
		Latched:            s.latched.Load(),
		JitterMs:           jitter,
	}
}

package rtp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	pionrtp "github.com/pion/rtp"
	"github.com/zaf/g711"
)

// The tests in this file drive a Stream's clock by calling tick directly, so
// that everything but the loopback sockets is deterministic. A peer socket
// the test controls stands for the remote party.

const (
	stDTMFPT   = 101
	stWait     = 3 * time.Second // upper bound for anything to reach a socket
	silenceU   = 0xFF            // PCMU encoding of a zero sample
	silenceA   = 0xD5            // PCMA encoding of a zero sample
	stVolume   = DTMFVolume
	stEndFlags = 0x80 | stVolume
)

func stListen(t testing.TB) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// stListenOther listens on 127.0.0.2, another loopback address, to play a
// source whose IP is not the negotiated one. It skips the test where only
// 127.0.0.1 is configured (as on macOS).
func stListenOther(t testing.TB) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2)})
	if err != nil {
		t.Skipf("no second loopback address: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func stAddr(c *net.UDPConn) netip.AddrPort { return c.LocalAddr().(*net.UDPAddr).AddrPort() }

// stConfig is a sendrecv PCMU stream with telephone-events on 101.
func stConfig() StreamConfig {
	return StreamConfig{
		Codec:           PCMU,
		PayloadType:     PCMU.PayloadType,
		DTMFPayloadType: stDTMFPT,
		Send:            true,
		Receive:         true,
	}
}

// stNew makes a stream on a fresh socket. Unless cfg.Remote is set, the
// remote is a fresh peer socket, which is returned.
func stNew(t testing.TB, cfg StreamConfig) (*Stream, *net.UDPConn) {
	t.Helper()
	peer := stListen(t)
	cfg.Conn = stListen(t)
	if !cfg.Remote.IsValid() {
		cfg.Remote = stAddr(peer)
	}
	s, err := NewStream(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, peer
}

// stStartRx starts the stream's receive goroutine without a running clock:
// the pacer is never started, the test calls tick.
func stStartRx(s *Stream) { s.Start(NewPacer(0)) }

// stPkt is an RTP packet as the peer received it.
type stPkt struct {
	b0      byte // V, P, X, CC
	marker  bool
	pt      uint8
	seq     uint16
	ts      uint32
	ssrc    uint32
	payload []byte
}

func (p stPkt) String() string {
	return fmt.Sprintf("{pt %d m %v seq %d ts %d ssrc %08x len %d}", p.pt, p.marker, p.seq, p.ts, p.ssrc, len(p.payload))
}

// stRead reads one packet at the peer and checks it came from s.
func stRead(t testing.TB, peer *net.UDPConn, s *Stream) stPkt {
	t.Helper()
	buf := make([]byte, 2048)
	peer.SetReadDeadline(time.Now().Add(stWait))
	n, from, err := peer.ReadFromUDPAddrPort(buf)
	if err != nil {
		t.Fatalf("peer read: %v", err)
	}
	if from != s.LocalAddr() {
		t.Fatalf("packet from %v, want the stream's socket %v", from, s.LocalAddr())
	}
	if n < 12 {
		t.Fatalf("short packet: %d bytes", n)
	}
	b := buf[:n]
	return stPkt{
		b0:      b[0],
		marker:  b[1]&0x80 != 0,
		pt:      b[1] & 0x7f,
		seq:     binary.BigEndian.Uint16(b[2:]),
		ts:      binary.BigEndian.Uint32(b[4:]),
		ssrc:    binary.BigEndian.Uint32(b[8:]),
		payload: slices.Clone(b[12:]),
	}
}

// stNoMore checks that nothing more arrives at the peer for a short while.
func stNoMore(t testing.TB, peer *net.UDPConn) {
	t.Helper()
	buf := make([]byte, 2048)
	peer.SetReadDeadline(time.Now().Add(30 * time.Millisecond))
	if n, _, err := peer.ReadFromUDPAddrPort(buf); err == nil {
		t.Fatalf("unexpected extra datagram of %d bytes", n)
	}
}

// stBuild makes an RTP packet with a plain 12-byte header.
func stBuild(pt uint8, marker bool, seq uint16, ts, ssrc uint32, payload []byte) []byte {
	b := make([]byte, 12, 12+len(payload))
	b[0] = 0x80
	b[1] = pt
	if marker {
		b[1] |= 0x80
	}
	binary.BigEndian.PutUint16(b[2:], seq)
	binary.BigEndian.PutUint32(b[4:], ts)
	binary.BigEndian.PutUint32(b[8:], ssrc)
	return append(b, payload...)
}

func stSend(t testing.TB, from *net.UDPConn, to netip.AddrPort, b []byte) {
	t.Helper()
	if _, err := from.WriteToUDPAddrPort(b, to); err != nil {
		t.Fatalf("send: %v", err)
	}
}

// stWaitFor polls cond until it holds, failing the test after stWait.
func stWaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(stWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// stFrame returns n deterministic, varied samples.
func stFrame(seed, n int) []int16 {
	out := make([]int16, n)
	x := uint32(seed)*2654435761 + 1
	for i := range out {
		x = x*1664525 + 1013904223
		out[i] = int16(x >> 16)
	}
	return out
}

// stEncode is the reference G.711 encoder (the g711 package itself).
func stEncode(c *Codec, pcm []int16) []byte {
	out := make([]byte, len(pcm))
	for i, s := range pcm {
		if c == PCMA {
			out[i] = g711.EncodeAlawFrame(s)
		} else {
			out[i] = g711.EncodeUlawFrame(s)
		}
	}
	return out
}

func stDecode(c *Codec, b []byte) []int16 {
	out := make([]int16, len(b))
	for i, v := range b {
		if c == PCMA {
			out[i] = g711.DecodeAlawFrame(v)
		} else {
			out[i] = g711.DecodeUlawFrame(v)
		}
	}
	return out
}

// stBytes converts samples to the application format, independently of the
// code under test.
func stBytes(f Format, pcm []int16) []byte {
	if f == FormatU8 {
		out := make([]byte, len(pcm))
		for i, s := range pcm {
			out[i] = uint8(int(s)>>8 + 128)
		}
		return out
	}
	out := make([]byte, 2*len(pcm))
	for i, s := range pcm {
		binary.LittleEndian.PutUint16(out[2*i:], uint16(s))
	}
	return out
}

// stSamples is the inverse of stBytes: what the stream must make of b.
func stSamples(f Format, b []byte) []int16 {
	if f == FormatU8 {
		out := make([]int16, len(b))
		for i, v := range b {
			out[i] = int16((int(v) - 128) << 8)
		}
		return out
	}
	out := make([]int16, len(b)/2)
	for i := range out {
		out[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
	}
	return out
}

func stSilenceByte(c *Codec) byte {
	if c == PCMA {
		return silenceA
	}
	return silenceU
}

func TestStreamSendHeadersAndPayload(t *testing.T) {
	tests := []struct {
		name   string
		codec  *Codec
		pt     uint8
		format Format
		seq    uint16 // first sequence number
		ts     uint32 // first timestamp
	}{
		{"PCMU s16le", PCMU, 0, FormatS16LE, 1000, 160000},
		{"PCMA u8", PCMA, 8, FormatU8, 7, 42},
		{"seq and ts wrap", PCMU, 0, FormatS16LE, 65533, 0xFFFFFFFF - 2*160 + 1},
		{"PCMA dynamic payload type", PCMA, 96, FormatS16LE, 0, 0},
	}
	a, b, cd := stFrame(1, 160), stFrame(2, 100), stFrame(3, 320)
	// writes[i] is written before tick i.
	writes := [][]int16{a, nil, b, cd, nil, nil}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := stConfig()
			cfg.Codec, cfg.PayloadType, cfg.Format = tc.codec, tc.pt, tc.format
			s, peer := stNew(t, cfg)
			s.seq, s.ts = tc.seq, tc.ts // internal: pin the random start

			var want [][]int16 // PCM each packet must carry
			var queued []int16
			for _, w := range writes {
				if w != nil {
					in := stBytes(tc.format, w)
					if n, err := s.WriteAudio(in, 0); n != len(in) || err != nil {
						t.Fatalf("WriteAudio = %d, %v; want %d, nil", n, err, len(in))
					}
					queued = append(queued, stSamples(tc.format, in)...)
				}
				frame := make([]int16, SamplesPerFrame) // zero-padded
				queued = queued[copy(frame, queued):]
				want = append(want, frame)
				s.tick()
			}

			ssrc := s.SSRC()
			for i := range writes {
				p := stRead(t, peer, s)
				if p.b0 != 0x80 {
					t.Errorf("packet %d: first byte %#x, want 0x80 (V=2, no P/X/CC)", i, p.b0)
				}
				if p.pt != tc.pt {
					t.Errorf("packet %d: payload type %d, want %d", i, p.pt, tc.pt)
				}
				if p.marker != (i == 0) {
					t.Errorf("packet %d: marker %v, want %v", i, p.marker, i == 0)
				}
				if p.ssrc != ssrc {
					t.Errorf("packet %d: SSRC %08x, want %08x", i, p.ssrc, ssrc)
				}
				if wantSeq := tc.seq + uint16(i); p.seq != wantSeq {
					t.Errorf("packet %d: seq %d, want %d", i, p.seq, wantSeq)
				}
				if wantTS := tc.ts + uint32(160*i); p.ts != wantTS {
					t.Errorf("packet %d: ts %d, want %d", i, p.ts, wantTS)
				}
				if wantPayload := stEncode(tc.codec, want[i]); !bytes.Equal(p.payload, wantPayload) {
					t.Errorf("packet %d: payload differs from G.711 of the written audio\n got % x\nwant % x", i, p.payload, wantPayload)
				}
			}
			stNoMore(t, peer)
			if st := s.Stats(); st.PacketsSent != uint64(len(writes)) {
				t.Errorf("PacketsSent = %d, want %d", st.PacketsSent, len(writes))
			}
		})
	}
}

func TestStreamSendSilence(t *testing.T) {
	for _, c := range []*Codec{PCMU, PCMA} {
		t.Run(c.Name, func(t *testing.T) {
			cfg := stConfig()
			cfg.Codec, cfg.PayloadType = c, c.PayloadType
			s, peer := stNew(t, cfg)
			for i := 0; i < 3; i++ {
				s.tick()
				p := stRead(t, peer, s)
				if want := bytes.Repeat([]byte{stSilenceByte(c)}, SamplesPerFrame); !bytes.Equal(p.payload, want) {
					t.Fatalf("tick %d: payload % x, want 160 x %#x", i, p.payload, stSilenceByte(c))
				}
			}
		})
	}
}

// TestStreamSendDirection: a stream that does not send still advances its
// clock but puts nothing on the wire.
func TestStreamSendDirection(t *testing.T) {
	tests := []struct {
		name   string
		send   bool
		remote netip.AddrPort
	}{
		{"recvonly", false, netip.AddrPort{}},
		{"remote port zero", true, netip.MustParseAddrPort("127.0.0.1:0")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := stConfig()
			cfg.Send, cfg.Remote = tc.send, tc.remote
			s, peer := stNew(t, cfg)
			ts := s.ts
			for i := 0; i < 3; i++ {
				s.tick()
			}
			stNoMore(t, peer)
			if s.ts != ts+3*160 {
				t.Errorf("ts advanced by %d, want 480", s.ts-ts)
			}
			if st := s.Stats(); st.PacketsSent != 0 {
				t.Errorf("PacketsSent = %d, want 0", st.PacketsSent)
			}
		})
	}
}

func stEventCode(d byte) uint8 {
	return map[byte]uint8{'0': 0, '1': 1, '5': 5, '9': 9, '*': 10, '#': 11, 'A': 12, 'D': 15}[d]
}

func TestStreamSendDTMF(t *testing.T) {
	tests := []struct {
		name    string
		codec   *Codec
		digits  string
		dur     time.Duration
		evTicks int // packet intervals per event
		seq     uint16
	}{
		{"one digit default length", PCMU, "5", 0, 5, 100},
		{"two digits 40ms across seq wrap", PCMA, "1#", 40 * time.Millisecond, 2, 65530},
		{"50ms rounds up to 3 ticks", PCMU, "D", 50 * time.Millisecond, 3, 0},
		{"below minimum is 40ms", PCMU, "*A", 10 * time.Millisecond, 2, 9},
		{"same digit twice", PCMA, "99", 60 * time.Millisecond, 3, 500},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := stConfig()
			cfg.Codec, cfg.PayloadType = tc.codec, tc.codec.PayloadType
			s, peer := stNew(t, cfg)
			s.seq = tc.seq
			ts0 := s.ts
			tone := stBytes(FormatS16LE, stFrame(7, 160))

			// The model: what each tick must send. Tick 0 is audio,
			// then each digit's event followed by DTMFGapTicks audio
			// ticks, then one more audio tick.
			type tickKind struct {
				digit     byte // 0: audio
				k         int  // index of the tick within the event
				startTick int  // tick the event started on
			}
			model := []tickKind{{}}
			for i := 0; i < len(tc.digits); i++ {
				start := len(model)
				for k := 0; k < tc.evTicks; k++ {
					model = append(model, tickKind{digit: tc.digits[i], k: k, startTick: start})
				}
				for g := 0; g < DTMFGapTicks; g++ {
					model = append(model, tickKind{})
				}
			}
			model = append(model, tickKind{})

			if _, err := s.WriteAudio(tone, 0); err != nil {
				t.Fatal(err)
			}
			s.tick()
			if err := s.SendDTMF(tc.digits, tc.dur); err != nil {
				t.Fatalf("SendDTMF: %v", err)
			}
			// Audio written while an event is being sent is dropped.
			if _, err := s.WriteAudio(tone, 0); err != nil {
				t.Fatal(err)
			}
			for range model[1:] {
				s.tick()
			}

			seq := tc.seq
			next := func() stPkt {
				t.Helper()
				p := stRead(t, peer, s)
				if p.seq != seq {
					t.Fatalf("seq %d, want %d (every packet, end copies included, takes the next number)", p.seq, seq)
				}
				if p.ssrc != s.SSRC() {
					t.Fatalf("SSRC %08x, want %08x", p.ssrc, s.SSRC())
				}
				seq++
				return p
			}
			packets := 0
			for tick, m := range model {
				tickTS := ts0 + uint32(160*tick)
				if m.digit == 0 {
					p := next()
					packets++
					if p.pt != tc.codec.PayloadType || p.ts != tickTS || p.marker != (tick == 0) {
						t.Fatalf("tick %d: audio packet %v, want pt %d ts %d marker %v", tick, p, tc.codec.PayloadType, tickTS, tick == 0)
					}
					if tick > 0 && !bytes.Equal(p.payload, bytes.Repeat([]byte{stSilenceByte(tc.codec)}, 160)) {
						t.Fatalf("tick %d: audio after the event is not silence: the frame written during the event was sent", tick)
					}
					continue
				}
				end := m.k == tc.evTicks-1
				copies := 1
				if end {
					copies = DTMFEndRepeat
				}
				for c := 0; c < copies; c++ {
					p := next()
					packets++
					wantTS := ts0 + uint32(160*m.startTick)
					if p.pt != stDTMFPT || p.ts != wantTS {
						t.Fatalf("tick %d: event packet %v, want pt %d ts %d (the event's start)", tick, p, stDTMFPT, wantTS)
					}
					if wantM := m.k == 0 && c == 0; p.marker != wantM {
						t.Fatalf("tick %d copy %d: marker %v, want %v", tick, c, p.marker, wantM)
					}
					flags := byte(stVolume)
					if end {
						flags = stEndFlags
					}
					want := []byte{stEventCode(m.digit), flags, 0, 0}
					binary.BigEndian.PutUint16(want[2:], uint16(160*(m.k+1)))
					if !bytes.Equal(p.payload, want) {
						t.Fatalf("tick %d copy %d: event payload % x, want % x", tick, c, p.payload, want)
					}
				}
			}
			stNoMore(t, peer)
			st := s.Stats()
			if st.DTMFSent != uint64(len(tc.digits)) {
				t.Errorf("DTMFSent = %d, want %d", st.DTMFSent, len(tc.digits))
			}
			if st.PacketsSent != uint64(packets) {
				t.Errorf("PacketsSent = %d, want %d", st.PacketsSent, packets)
			}
			if s.ts != ts0+uint32(160*len(model)) {
				t.Errorf("clock at %d after %d ticks, want %d", s.ts-ts0, len(model), 160*len(model))
			}
		})
	}
}

func TestStreamSendDTMFErrors(t *testing.T) {
	tests := []struct {
		name    string
		mod     func(*StreamConfig)
		closed  bool
		digits  string
		wantErr error
	}{
		{"not negotiated", func(c *StreamConfig) { c.DTMFPayloadType = 0 }, false, "1", ErrNoDTMF},
		{"recvonly", func(c *StreamConfig) { c.Send = false }, false, "1", ErrNoDTMF},
		{"closed", nil, true, "1", ErrClosed},
		{"invalid digit", nil, false, "1x", ErrInvalidDigit},
		{"empty", nil, false, "", ErrNoDigits},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := stConfig()
			if tc.mod != nil {
				tc.mod(&cfg)
			}
			s, peer := stNew(t, cfg)
			if tc.closed {
				s.Close()
			}
			if err := s.SendDTMF(tc.digits, 0); !errors.Is(err, tc.wantErr) {
				t.Fatalf("SendDTMF = %v, want %v", err, tc.wantErr)
			}
			if !tc.closed && cfg.Send {
				// Nothing was queued: the next tick is audio.
				s.tick()
				if p := stRead(t, peer, s); p.pt == stDTMFPT {
					t.Fatalf("an event was sent after a failed SendDTMF")
				}
			}
		})
	}
}

// stFence sends a packet with an unused payload type from the peer and waits
// until the stream has counted it: everything the peer sent before has then
// been handled (one socket, one reader, in order).
func stFence(t testing.TB, s *Stream, peer *net.UDPConn) {
	t.Helper()
	before := s.Stats().DroppedPayloadType
	stSend(t, peer, s.LocalAddr(), stBuild(77, false, 0, 0, 1, make([]byte, 160)))
	stWaitFor(t, "fence packet", func() bool { return s.Stats().DroppedPayloadType > before })
}

func TestStreamReceiveAudio(t *testing.T) {
	tests := []struct {
		name   string
		codec  *Codec
		pt     uint8
		format Format
		delay  int // JitterDelay; 0 means the default of 3
	}{
		{"PCMU s16le default delay", PCMU, 0, FormatS16LE, 0},
		{"PCMA s16le delay 1", PCMA, 8, FormatS16LE, 1},
		{"PCMU u8 delay 2", PCMU, 0, FormatU8, 2},
		{"PCMA u8 dynamic pt", PCMA, 97, FormatU8, 3},
	}
	const packets = 6
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := stConfig()
			cfg.Codec, cfg.PayloadType, cfg.Format, cfg.JitterDelay = tc.codec, tc.pt, tc.format, tc.delay
			s, peer := stNew(t, cfg)
			stStartRx(s)
			delay := max(tc.delay, 1)
			if tc.delay == 0 {
				delay = 3
			}

			var payloads [][]byte
			for i := 0; i < packets; i++ {
				pl := make([]byte, 160)
				for j := range pl {
					pl[j] = byte(i*41 + j*7)
				}
				payloads = append(payloads, pl)
				stSend(t, peer, s.LocalAddr(), stBuild(tc.pt, i == 0, uint16(60000+i), uint32(1234+160*i), 0xCAFE, pl))
				stWaitFor(t, "packet", func() bool { return s.Stats().PacketsReceived == uint64(i+1) })
				s.tick() // one packet arrives per 20 ms tick
			}
			for i := 0; i < delay; i++ {
				s.tick()
			}

			// Playout starts once delay frames are buffered: delay-1
			// silent frames, the packets, then silence again.
			var want []int16
			want = append(want, make([]int16, 160*(delay-1))...)
			for _, pl := range payloads {
				want = append(want, stDecode(tc.codec, pl)...)
			}
			want = append(want, make([]int16, 160)...)
			wantBytes := stBytes(tc.format, want)

			got := make([]byte, len(wantBytes)+7)
			n, err := s.ReadAudio(got[:len(wantBytes)], 0)
			if n != len(wantBytes) || err != nil {
				t.Fatalf("ReadAudio = %d, %v; want %d, nil", n, err, len(wantBytes))
			}
			if !bytes.Equal(got[:n], wantBytes) {
				t.Fatalf("received audio differs from the decoded packets\n got % x\nwant % x", got[:n], wantBytes)
			}
			if n, err := s.ReadAudio(got, 0); n != 0 || err != ErrTimeout {
				t.Fatalf("ReadAudio on an empty queue = %d, %v; want 0, ErrTimeout", n, err)
			}
			st := s.Stats()
			if st.PacketsReceived != packets || st.PacketsLost != 0 || st.Malformed+st.DroppedSource+st.DroppedPayloadType != 0 {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

// TestStreamReceiveRejects: after a good packet from the peer, one bad
// datagram and another good packet are sent. The bad one must be counted in
// its own counter, once, and never played.
func TestStreamReceiveRejects(t *testing.T) {
	good := [][]byte{bytes.Repeat([]byte{0x10}, 160), bytes.Repeat([]byte{0x20}, 160)}
	bad := bytes.Repeat([]byte{0x90}, 160)
	hdr := func(b0, b1 byte, rest ...byte) []byte {
		return append([]byte{b0, b1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9}, rest...)
	}
	dropped := func(s Stats) uint64 { return s.DroppedSource }
	badPT := func(s Stats) uint64 { return s.DroppedPayloadType }
	malformed := func(s Stats) uint64 { return s.Malformed }
	tests := []struct {
		name    string
		from    string // "peer"; "port": another port of the peer's IP; "ip": another IP
		data    []byte
		counter func(Stats) uint64
	}{
		{"other port", "port", stBuild(0, false, 2, 160, 9, bad), dropped},
		{"other port, garbage", "port", []byte{1, 2, 3}, dropped},
		{"other IP", "ip", stBuild(0, false, 2, 160, 9, bad), dropped},
		{"wrong payload type", "peer", stBuild(18, false, 2, 160, 9, bad), badPT},
		{"payload type 8 on a PCMU stream", "peer", stBuild(8, false, 2, 160, 9, bad), badPT},
		{"empty datagram", "peer", []byte{}, malformed},
		{"too short", "peer", stBuild(0, false, 2, 160, 9, nil)[:11], malformed},
		{"version 1", "peer", hdr(0x40, 0, bad...), malformed},
		{"version 0", "peer", hdr(0x00, 0, bad...), malformed},
		{"version 3", "peer", hdr(0xC0, 0, bad...), malformed},
		{"CSRC count beyond the datagram", "peer", hdr(0x8F, 0), malformed},
		{"truncated extension", "peer", hdr(0x90, 0, 0xBE), malformed},
		{"extension longer than the datagram", "peer", hdr(0x90, 0, 0xBE, 0xDE, 0, 9, 1, 2), malformed},
		{"zero padding size", "peer", hdr(0xA0, 0, 1, 2, 0), malformed},
		{"padding beyond the payload", "peer", hdr(0xA0, 0, 1, 2, 50), malformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := stConfig()
			cfg.JitterDelay = 1
			s, peer := stNew(t, cfg)
			stStartRx(s)
			from := peer
			switch tc.from {
			case "port":
				from = stListen(t)
			case "ip":
				from = stListenOther(t)
			}
			stSend(t, peer, s.LocalAddr(), stBuild(0, false, 1, 0, 9, good[0]))
			stWaitFor(t, "the first packet", func() bool { return s.Stats().PacketsReceived == 1 })
			stSend(t, from, s.LocalAddr(), tc.data)
			stSend(t, peer, s.LocalAddr(), stBuild(0, false, 2, 160, 9, good[1]))
			stWaitFor(t, "both datagrams", func() bool {
				st := s.Stats()
				return tc.counter(st) == 1 && st.PacketsReceived == 2
			})
			st := s.Stats()
			if sum := st.DroppedSource + st.DroppedPayloadType + st.Malformed; sum != 1 || st.Latched != 0 {
				t.Fatalf("rejections counted %d times (want once), latched %d: %+v", sum, st.Latched, st)
			}
			if s.Remote() != stAddr(peer) {
				t.Fatalf("Remote() moved to %v", s.Remote())
			}
			s.tick()
			s.tick()
			got := make([]byte, 640)
			if n, err := s.ReadAudio(got, 0); n != 640 || err != nil {
				t.Fatalf("ReadAudio = %d, %v", n, err)
			}
			if want := stBytes(FormatS16LE, stDecode(PCMU, slices.Concat(good...))); !bytes.Equal(got, want) {
				t.Fatalf("played frames are not the two good packets")
			}
		})
	}
}

// TestStreamLatching: a peer behind NAT sends from its negotiated IP but
// another port. Until anything came from the negotiated address itself,
// such media is accepted and moves the send address to its port, once;
// afterwards, and from any other IP, other sources are dropped.
func TestStreamLatching(t *testing.T) {
	tests := []struct {
		name    string
		senders []string // in order: "peer", "nat" (another port), "ip" (127.0.0.2)
		accept  []bool   // per sender
		latched uint64
		sendTo  string // where the stream sends afterwards
	}{
		{"NAT port latches", []string{"nat", "nat"}, []bool{true, true}, 1, "nat"},
		{"negotiated port no longer accepted after latching", []string{"nat", "peer", "nat"}, []bool{true, false, true}, 1, "nat"},
		{"no latching once the negotiated address was heard", []string{"peer", "nat", "peer"}, []bool{true, false, true}, 0, "peer"},
		{"other IP never latches", []string{"ip", "nat"}, []bool{false, true}, 1, "nat"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := stConfig()
			cfg.JitterDelay = 1
			s, peer := stNew(t, cfg)
			stStartRx(s)
			socks := map[string]*net.UDPConn{"peer": peer, "nat": stListen(t)}
			if slices.Contains(tc.senders, "ip") {
				socks["ip"] = stListenOther(t)
			}
			s.tick()
			stRead(t, peer, s) // first packet: to the negotiated address
			var accepted, rejected uint64
			var want []int16
			for i, name := range tc.senders {
				pl := bytes.Repeat([]byte{byte(0x30 + i)}, 160)
				// Numbered as the accepted packets, so that those play out
				// back to back.
				seq := uint16(accepted)
				stSend(t, socks[name], s.LocalAddr(), stBuild(0, false, seq, 160*uint32(seq), 5, pl))
				if tc.accept[i] {
					accepted++
					want = append(want, stDecode(PCMU, pl)...)
				} else {
					rejected++
				}
				stWaitFor(t, "packet "+name, func() bool {
					st := s.Stats()
					return st.PacketsReceived == accepted && st.DroppedSource == rejected
				})
			}
			if st := s.Stats(); st.Latched != tc.latched {
				t.Fatalf("Latched = %d, want %d", st.Latched, tc.latched)
			}
			if s.Remote() != stAddr(socks[tc.sendTo]) {
				t.Fatalf("Remote() = %v, want %s's %v", s.Remote(), tc.sendTo, stAddr(socks[tc.sendTo]))
			}
			for i := uint64(0); i < accepted; i++ {
				s.tick()
				stRead(t, socks[tc.sendTo], s)
			}
			for name, c := range socks {
				if name != tc.sendTo {
					stNoMore(t, c)
				}
			}
			got := make([]byte, 2*160*(1+int(accepted)))
			if n, _ := s.ReadAudio(got, 0); n != len(got) {
				t.Fatalf("ReadAudio = %d bytes, want %d", n, len(got))
			}
			if !bytes.Equal(got[320:], stBytes(FormatS16LE, want)) {
				t.Fatalf("played audio is not the accepted packets'")
			}
		})
	}
}

// TestStreamReceiveIPv4Mapped: a remote given as an IPv4-mapped IPv6
// address still matches packets from the IPv4 source.
func TestStreamReceiveIPv4Mapped(t *testing.T) {
	cfg := stConfig()
	peer := stListen(t)
	p := stAddr(peer)
	cfg.Remote = netip.AddrPortFrom(netip.AddrFrom16(p.Addr().As16()), p.Port())
	s, _ := stNew(t, cfg)
	stStartRx(s)
	stSend(t, peer, s.LocalAddr(), stBuild(0, false, 1, 0, 9, make([]byte, 160)))
	stWaitFor(t, "packet", func() bool { return s.Stats().PacketsReceived == 1 })
}

func TestStreamReceiveDTMF(t *testing.T) {
	type ev struct {
		seq  uint16
		ts   uint32
		code uint8
		end  bool
		dur  uint16
		m    bool
	}
	// event returns the packets of one event: start, updates, 3 ends.
	event := func(seq uint16, ts uint32, code uint8, ticks int) []ev {
		var out []ev
		for k := 1; k <= ticks; k++ {
			out = append(out, ev{seq, ts, code, false, uint16(160 * k), k == 1})
			seq++
		}
		for c := 0; c < 3; c++ {
			out = append(out, ev{seq, ts, code, true, uint16(160 * ticks), false})
			seq++
		}
		return out
	}
	cat := func(l ...[]ev) []ev { return slices.Concat(l...) }
	dup := func(l []ev) []ev {
		var out []ev
		for _, e := range l {
			out = append(out, e, e)
		}
		return out
	}
	tests := []struct {
		name string
		pkts []ev
		want string
	}{
		{"one digit", event(10, 8000, 5, 4), "5"},
		{"two digits", cat(event(10, 8000, 1, 3), event(20, 9600, 11, 3)), "1#"},
		{"duplicated packets", dup(cat(event(10, 8000, 0, 3), event(20, 9600, 15, 2))), "0D"},
		{"same digit twice", cat(event(10, 8000, 7, 2), event(20, 9600, 7, 2)), "77"},
		{"start lost", cat(event(10, 8000, 3, 3)[2:], event(20, 9600, 4, 3)[3:]), "34"},
		{"first end lost", cat(event(10, 8000, 10, 2)[2:], event(20, 9600, 9, 2)[2:])[1:], "*9"},
		{"across seq wrap", cat(event(65533, 1000, 2, 3), event(4, 2600, 8, 3)), "28"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
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
			for _, e := range tc.pkts {
				pl := []byte{e.code, stVolume, 0, 0}
				if e.end {
					pl[1] |= 0x80
				}
				binary.BigEndian.PutUint16(pl[2:], e.dur)
				stSend(t, peer, s.LocalAddr(), stBuild(stDTMFPT, e.m, e.seq, e.ts, 0xD7, pl))
			}
			stFence(t, s, peer)
			mu.Lock()
			defer mu.Unlock()
			if string(got) != tc.want {
				t.Fatalf("OnDTMF got %q, want %q", got, tc.want)
			}
			st := s.Stats()
			if st.DTMFReceived != uint64(len(tc.want)) || st.PacketsReceived != uint64(len(tc.pkts)) {
				t.Fatalf("DTMFReceived %d PacketsReceived %d, want %d and %d", st.DTMFReceived, st.PacketsReceived, len(tc.want), len(tc.pkts))
			}
		})
	}
}

// TestStreamReceiveDTMFPlaysSilence: the sequence numbers used by events
// play out as silence, and audio around them stays in order.
func TestStreamReceiveDTMFPlaysSilence(t *testing.T) {
	cfg := stConfig()
	cfg.JitterDelay = 1
	s, peer := stNew(t, cfg)
	stStartRx(s)
	a1, a2 := bytes.Repeat([]byte{0x20}, 160), bytes.Repeat([]byte{0x30}, 160)
	seq := uint16(100)
	send := func(pt uint8, pl []byte) {
		stSend(t, peer, s.LocalAddr(), stBuild(pt, false, seq, 0, 5, pl))
		seq++
		stWaitFor(t, "packet", func() bool { return s.Stats().PacketsReceived == uint64(seq-100) })
		s.tick()
	}
	send(0, a1)
	send(stDTMFPT, []byte{1, 0x80 | 10, 1, 0x40})
	send(0, a2)
	got := make([]byte, 3*320)
	if n, err := s.ReadAudio(got, 0); n != len(got) || err != nil {
		t.Fatalf("ReadAudio = %d, %v", n, err)
	}
	want := slices.Concat(stDecode(PCMU, a1), make([]int16, 160), stDecode(PCMU, a2))
	if !bytes.Equal(got, stBytes(FormatS16LE, want)) {
		t.Fatalf("playout is not audio, silence, audio")
	}
	if st := s.Stats(); st.PacketsLost != 0 || st.DTMFReceived != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestStreamReceiveDisabledPlaysSilence(t *testing.T) {
	for _, f := range []Format{FormatS16LE, FormatU8} {
		t.Run(f.String(), func(t *testing.T) {
			cfg := stConfig()
			cfg.Receive, cfg.JitterDelay, cfg.Format = false, 1, f
			s, peer := stNew(t, cfg)
			stStartRx(s)
			for i := 0; i < 4; i++ {
				stSend(t, peer, s.LocalAddr(), stBuild(0, false, uint16(i), uint32(160*i), 5, bytes.Repeat([]byte{0x11}, 160)))
			}
			stFence(t, s, peer)
			for i := 0; i < 4; i++ {
				s.tick()
			}
			got := make([]byte, 4*160*f.BytesPerSample())
			if n, err := s.ReadAudio(got, 0); n != len(got) || err != nil {
				t.Fatalf("ReadAudio = %d, %v", n, err)
			}
			if want := stBytes(f, make([]int16, 4*160)); !bytes.Equal(got, want) {
				t.Fatalf("a stream that does not receive played something other than silence")
			}
			if st := s.Stats(); st.PacketsReceived != 0 {
				t.Fatalf("PacketsReceived = %d, want 0", st.PacketsReceived)
			}
		})
	}
}

// TestStreamReceiveSmallQueue: a read queue smaller than a frame keeps the
// newest samples and counts the rest as overruns.
func TestStreamReceiveSmallQueue(t *testing.T) {
	cfg := stConfig()
	cfg.QueueSamples, cfg.JitterDelay = 100, 1
	s, peer := stNew(t, cfg)
	stStartRx(s)
	pl := make([]byte, 160)
	for i := range pl {
		pl[i] = byte(i)
	}
	stSend(t, peer, s.LocalAddr(), stBuild(0, false, 1, 0, 5, pl))
	stWaitFor(t, "packet", func() bool { return s.Stats().PacketsReceived == 1 })
	s.tick() // the frame
	got := make([]byte, 2*200)
	n, err := s.ReadAudio(got, 0)
	if n != 200 || err != ErrTimeout {
		t.Fatalf("ReadAudio = %d, %v; want 200, ErrTimeout", n, err)
	}
	if want := stBytes(FormatS16LE, stDecode(PCMU, pl[60:])); !bytes.Equal(got[:n], want) {
		t.Fatalf("kept samples are not the newest 100")
	}
	s.tick() // silence, more than the queue holds
	if n, _ := s.ReadAudio(got, 0); n != 200 || !bytes.Equal(got[:n], make([]byte, 200)) {
		t.Fatalf("silence frame: read %d bytes % x", n, got[:n])
	}
	if st := s.Stats(); st.ReadOverruns != 60+60 {
		t.Fatalf("ReadOverruns = %d, want 120", st.ReadOverruns)
	}
}

func TestStreamReadAudioTimeout(t *testing.T) {
	tests := []struct {
		name    string
		format  Format
		frames  int           // frames played before reading
		buf     int           // ReadAudio buffer length in bytes
		timeout time.Duration // ReadAudio timeout
		n       int
		err     error
	}{
		{"zero timeout partial", FormatS16LE, 1, 640, 0, 320, ErrTimeout},
		{"zero timeout empty", FormatS16LE, 0, 640, 0, 0, ErrTimeout},
		{"zero timeout full", FormatS16LE, 2, 640, 0, 640, nil},
		{"odd buffer uses whole samples", FormatS16LE, 1, 201, 0, 200, nil},
		{"u8 partial", FormatU8, 1, 400, 0, 160, ErrTimeout},
		{"u8 full", FormatU8, 1, 100, 0, 100, nil},
		{"timeout partial", FormatS16LE, 1, 640, 30 * time.Millisecond, 320, ErrTimeout},
		{"timeout empty", FormatU8, 0, 10, 30 * time.Millisecond, 0, ErrTimeout},
		{"empty buffer", FormatS16LE, 0, 0, -1, 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := stConfig()
			cfg.Format = tc.format
			s, _ := stNew(t, cfg)
			for i := 0; i < tc.frames; i++ {
				s.tick()
			}
			start := time.Now()
			n, err := s.ReadAudio(make([]byte, tc.buf), tc.timeout)
			if n != tc.n || err != tc.err {
				t.Fatalf("ReadAudio = %d, %v; want %d, %v", n, err, tc.n, tc.err)
			}
			if el := time.Since(start); tc.timeout > 0 && el < tc.timeout {
				t.Fatalf("returned after %v, before the %v timeout", el, tc.timeout)
			}
		})
	}
}

// TestStreamReadAudioWaits: a reader with no time limit is woken by the
// ticks that bring it audio.
func TestStreamReadAudioWaits(t *testing.T) {
	s, _ := stNew(t, stConfig())
	type res struct {
		n   int
		err error
	}
	done := make(chan res, 1)
	go func() {
		n, err := s.ReadAudio(make([]byte, 2*320), -1)
		done <- res{n, err}
	}()
	s.tick()
	select {
	case r := <-done:
		t.Fatalf("ReadAudio returned %d, %v with half of the audio", r.n, r.err)
	case <-time.After(20 * time.Millisecond):
	}
	s.tick()
	select {
	case r := <-done:
		if r.n != 640 || r.err != nil {
			t.Fatalf("ReadAudio = %d, %v; want 640, nil", r.n, r.err)
		}
	case <-time.After(stWait):
		t.Fatal("ReadAudio not woken by the tick")
	}
}

func TestStreamReadAfterCloseDrains(t *testing.T) {
	for _, f := range []Format{FormatS16LE, FormatU8} {
		t.Run(f.String(), func(t *testing.T) {
			cfg := stConfig()
			cfg.JitterDelay, cfg.Format = 1, f
			s, peer := stNew(t, cfg)
			stStartRx(s)
			pl := [][]byte{bytes.Repeat([]byte{0x21}, 160), bytes.Repeat([]byte{0xA5}, 160)}
			for i, p := range pl {
				stSend(t, peer, s.LocalAddr(), stBuild(0, false, uint16(i), 0, 5, p))
				stWaitFor(t, "packet", func() bool { return s.Stats().PacketsReceived == uint64(i+1) })
				s.tick()
			}
			all := stBytes(f, slices.Concat(stDecode(PCMU, pl[0]), stDecode(PCMU, pl[1])))
			stRead(t, peer, s) // the two ticks' packets
			stRead(t, peer, s)
			s.Close()
			s.tick() // no effect once closed
			bps := f.BytesPerSample()
			steps := []struct {
				timeout time.Duration
				buf, n  int
				err     error
			}{
				{-1, 240 * bps, 240 * bps, nil},
				{-1, 240 * bps, 80 * bps, ErrClosed},
				{-1, 240 * bps, 0, ErrClosed},
				{0, 240 * bps, 0, ErrClosed},
				{time.Minute, 240 * bps, 0, ErrClosed},
			}
			var got []byte
			for i, st := range steps {
				buf := make([]byte, st.buf)
				start := time.Now()
				n, err := s.ReadAudio(buf, st.timeout)
				if n != st.n || err != st.err {
					t.Fatalf("read %d: ReadAudio = %d, %v; want %d, %v", i, n, err, st.n, st.err)
				}
				if el := time.Since(start); el > stWait {
					t.Fatalf("read %d on a closed stream took %v", i, el)
				}
				got = append(got, buf[:n]...)
			}
			if !bytes.Equal(got, all) {
				t.Fatalf("drained audio differs from what was played")
			}
			if n, err := s.WriteAudio(make([]byte, 10), 0); n != 0 || err != ErrClosed {
				t.Fatalf("WriteAudio after Close = %d, %v; want 0, ErrClosed", n, err)
			}
			stNoMore(t, peer)
		})
	}
}

func TestStreamWriteAudioFull(t *testing.T) {
	tests := []struct {
		name    string
		format  Format
		queue   int // QueueSamples
		pre     int // samples queued first
		write   int // bytes then written
		timeout time.Duration
		n       int
		err     error
	}{
		{"fits", FormatS16LE, 320, 0, 640, 0, 640, nil},
		{"full zero timeout", FormatS16LE, 320, 0, 800, 0, 640, ErrTimeout},
		{"full with timeout", FormatS16LE, 320, 0, 800, 30 * time.Millisecond, 640, ErrTimeout},
		{"already full", FormatU8, 320, 320, 10, 30 * time.Millisecond, 0, ErrTimeout},
		{"u8 partial", FormatU8, 320, 300, 100, 0, 20, ErrTimeout},
		{"odd byte dropped", FormatS16LE, 320, 0, 11, 0, 10, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := stConfig()
			cfg.Format, cfg.QueueSamples = tc.format, tc.queue
			s, _ := stNew(t, cfg)
			if tc.pre > 0 {
				if _, err := s.WriteAudio(make([]byte, tc.pre*tc.format.BytesPerSample()), 0); err != nil {
					t.Fatal(err)
				}
			}
			start := time.Now()
			n, err := s.WriteAudio(make([]byte, tc.write), tc.timeout)
			if n != tc.n || err != tc.err {
				t.Fatalf("WriteAudio = %d, %v; want %d, %v", n, err, tc.n, tc.err)
			}
			if el := time.Since(start); tc.timeout > 0 && el < tc.timeout {
				t.Fatalf("returned after %v, before the %v timeout", el, tc.timeout)
			}
		})
	}
}

// TestStreamWriteAudioWaits: a writer with no time limit is woken by the
// ticks that make room, and everything it wrote is sent in order.
func TestStreamWriteAudioWaits(t *testing.T) {
	cfg := stConfig()
	cfg.QueueSamples = 320
	s, peer := stNew(t, cfg)
	pcm := stFrame(9, 480)
	in := stBytes(FormatS16LE, pcm)
	done := make(chan error, 1)
	go func() {
		n, err := s.WriteAudio(in, -1)
		if err == nil && n != len(in) {
			err = fmt.Errorf("wrote %d of %d bytes", n, len(in))
		}
		done <- err
	}()
	stWaitFor(t, "the queue to fill", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.tx.len() == 320
	})
	s.tick()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(stWait):
		t.Fatal("WriteAudio not woken by the tick")
	}
	s.tick()
	s.tick()
	for i := 0; i < 3; i++ {
		p := stRead(t, peer, s)
		if !bytes.Equal(p.payload, stEncode(PCMU, pcm[160*i:160*(i+1)])) {
			t.Fatalf("frame %d is not the written audio", i)
		}
	}
}

func TestStreamCloseWakesBlocked(t *testing.T) {
	tests := []struct {
		name string
		call func(s *Stream) (int, error)
		want error
	}{
		{"reader", func(s *Stream) (int, error) { return s.ReadAudio(make([]byte, 320), -1) }, ErrClosed},
		{"reader with timeout", func(s *Stream) (int, error) { return s.ReadAudio(make([]byte, 320), time.Minute) }, ErrClosed},
		{"writer", func(s *Stream) (int, error) { return s.WriteAudio(make([]byte, 1000), -1) }, ErrClosed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := stConfig()
			cfg.QueueSamples = 160
			s, _ := stNew(t, cfg)
			stStartRx(s)
			done := make(chan error, 1)
			go func() {
				_, err := tc.call(s)
				done <- err
			}()
			select {
			case err := <-done:
				t.Fatalf("returned %v before Close", err)
			case <-time.After(20 * time.Millisecond):
			}
			s.Close()
			select {
			case err := <-done:
				if err != tc.want {
					t.Fatalf("err = %v, want %v", err, tc.want)
				}
			case <-time.After(stWait):
				t.Fatal("not woken by Close")
			}
		})
	}
}

func TestStreamCloseIdempotent(t *testing.T) {
	p := NewPacer(0)
	var streams []*Stream
	for i := 0; i < 3; i++ {
		s, _ := stNew(t, stConfig())
		streams = append(streams, s)
	}
	streams[0].Start(p)
	streams[1].Start(p)
	// streams[2] is never started.
	if p.Len() != 2 {
		t.Fatalf("pacer has %d streams, want 2", p.Len())
	}
	for _, s := range streams {
		var wg sync.WaitGroup
		for i := 0; i < 4; i++ {
			wg.Add(1)
			go func() { defer wg.Done(); s.Close() }()
		}
		wg.Wait()
		s.Close()
		if err := s.SendDTMF("1", 0); err != ErrClosed {
			t.Fatalf("SendDTMF after Close = %v", err)
		}
	}
	if p.Len() != 0 {
		t.Fatalf("Close left %d streams in the pacer", p.Len())
	}
}

// TestStreamZeroAllocs checks the per-packet paths allocate nothing.
func TestStreamZeroAllocs(t *testing.T) {
	const runs = 200
	newStream := func(t *testing.T) (*Stream, *net.UDPConn) {
		cfg := stConfig()
		cfg.QueueSamples = 160 * (runs + 10)
		cfg.OnDTMF = func(byte) {}
		return stNew(t, cfg)
	}
	var seq uint16
	audio := stBuild(0, false, 0, 0, 77, make([]byte, 160))
	event := stBuild(stDTMFPT, false, 0, 0, 77, []byte{4, 10, 0, 160})
	spoof := stBuild(0, false, 0, 0, 0, make([]byte, 160)) // its SSRC is set per run
	receive := func(s *Stream, b []byte, from netip.AddrPort, pkt *pionrtp.Packet) {
		seq++
		binary.BigEndian.PutUint16(b[2:], seq)
		binary.BigEndian.PutUint32(b[4:], uint32(seq)*160)
		if b[1] == stDTMFPT {
			b[0+12] = byte(seq % 16) // a new digit each time
		}
		s.receive(b, from, pkt)
	}
	tests := []struct {
		name  string
		setup func(s *Stream)
		run   func(s *Stream, from netip.AddrPort, pkt *pionrtp.Packet)
	}{
		{"tick silence", nil, func(s *Stream, _ netip.AddrPort, _ *pionrtp.Packet) { s.tick() }},
		{"tick with the inactivity check", func(s *Stream) {
			s.cfg.InactivityTimeout = time.Hour
			s.cfg.OnInactive = func() {}
		}, func(s *Stream, _ netip.AddrPort, _ *pionrtp.Packet) { s.tick() }},
		{"tick audio queued", func(s *Stream) {
			s.WriteAudio(make([]byte, 2*160*(runs+5)), 0)
		}, func(s *Stream, _ netip.AddrPort, _ *pionrtp.Packet) { s.tick() }},
		{"tick DTMF", func(s *Stream) {
			s.SendDTMF("0123456789*#ABCD0123456789*#ABCD0123456789*#ABCD", 40*time.Millisecond)
		}, func(s *Stream, _ netip.AddrPort, _ *pionrtp.Packet) { s.tick() }},
		{"receive audio", nil, func(s *Stream, from netip.AddrPort, pkt *pionrtp.Packet) {
			receive(s, audio, from, pkt)
		}},
		{"receive DTMF", nil, func(s *Stream, from netip.AddrPort, pkt *pionrtp.Packet) {
			receive(s, event, from, pkt)
		}},
		{"receive other source", nil, func(s *Stream, _ netip.AddrPort, pkt *pionrtp.Packet) {
			s.receive(audio, netip.MustParseAddrPort("192.0.2.1:9"), pkt)
		}},
		{"receive a new SSRC per packet (probation)", nil, func(s *Stream, from netip.AddrPort, pkt *pionrtp.Packet) {
			binary.BigEndian.PutUint32(spoof[8:], uint32(seq)+1000)
			receive(s, spoof, from, pkt)
		}},
		{"receive a restart under a new SSRC", nil, func(s *Stream, from netip.AddrPort, pkt *pionrtp.Packet) {
			binary.BigEndian.PutUint32(spoof[8:], uint32(seq)+1000)
			receive(s, spoof, from, pkt) // probation
			receive(s, spoof, from, pkt) // next in sequence: accepted
			receive(s, event, from, pkt) // back to SSRC 77: probation
		}},
		{"both ways", func(s *Stream) {
			s.WriteAudio(make([]byte, 2*160*(runs+5)), 0)
		}, func(s *Stream, from netip.AddrPort, pkt *pionrtp.Packet) {
			receive(s, audio, from, pkt)
			s.tick()
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newStream(t)
			if tc.setup != nil {
				tc.setup(s)
			}
			var pkt pionrtp.Packet
			from := s.Remote()
			if n := testing.AllocsPerRun(runs, func() { tc.run(s, from, &pkt) }); n != 0 {
				t.Fatalf("%v allocations per run, want 0", n)
			}
		})
	}
}

// BenchmarkStreamTick measures one tick: a frame taken from the write
// queue, encoded, sent to a local socket, and a frame played out.
func BenchmarkStreamTick(b *testing.B) {
	for _, queued := range []bool{false, true} {
		name := "silence"
		if queued {
			name = "audio"
		}
		b.Run(name, func(b *testing.B) {
			cfg := stConfig()
			s, peer := stNew(b, cfg)
			go func() { // drain the peer so that the kernel never drops
				buf := make([]byte, 2048)
				for {
					if _, _, err := peer.ReadFromUDPAddrPort(buf); err != nil {
						return
					}
				}
			}()
			frame := stBytes(FormatS16LE, stFrame(1, 160))
			b.ReportAllocs()
			for b.Loop() {
				if queued {
					s.WriteAudio(frame, 0)
				}
				s.tick()
			}
		})
	}
}

// BenchmarkStreamReceive measures the handling of one received audio packet
// (parse, checks, statistics, jitter buffer), without the socket read.
func BenchmarkStreamReceive(b *testing.B) {
	s, _ := stNew(b, stConfig())
	pkt := stBuild(0, false, 0, 0, 77, make([]byte, 160))
	var p pionrtp.Packet
	from := s.Remote()
	var n uint32
	b.ReportAllocs()
	for b.Loop() {
		n++
		binary.BigEndian.PutUint16(pkt[2:], uint16(n))
		binary.BigEndian.PutUint32(pkt[4:], n*160)
		s.receive(pkt, from, &p)
	}
}

// TestStreamIgnoresRTCP: an RTCP packet from the peer's IP but another
// port (its RTCP port sending to our RTP port + 1, which is this stream's
// port) is dropped as a payload type we do not take and does not latch
// the stream; the peer's RTP is still accepted.
func TestStreamIgnoresRTCP(t *testing.T) {
	cfg := stConfig()
	cfg.JitterDelay = 1
	s, peer := stNew(t, cfg)
	stStartRx(s)
	rtcp := stListen(t)
	// A receiver report: V=2, RC=0, PT=201, length 1, SSRC.
	stSend(t, rtcp, s.LocalAddr(), []byte{0x80, 201, 0, 1, 1, 2, 3, 4})
	stWaitFor(t, "the RTCP packet", func() bool { return s.Stats().DroppedPayloadType == 1 })
	stSend(t, peer, s.LocalAddr(), stBuild(0, false, 1, 0, 9, bytes.Repeat([]byte{0x55}, 160)))
	stWaitFor(t, "the RTP packet", func() bool { return s.Stats().PacketsReceived == 1 })
	if st := s.Stats(); st.Latched != 0 || s.Remote() != stAddr(peer) {
		t.Fatalf("latched %d, Remote() = %v, want the negotiated %v", st.Latched, s.Remote(), stAddr(peer))
	}
}

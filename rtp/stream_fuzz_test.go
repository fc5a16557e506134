package rtp

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"slices"
	"testing"
	"time"

	pionrtp "github.com/pion/rtp"
)

// FuzzReceive feeds raw datagrams through a stream's receive path (parse,
// source and payload type checks, SSRC probation, statistics, DTMF
// detection, jitter buffer) and plays frames out with tick (jitter buffer
// pop, decode, read queue), checking that nothing panics, that every
// datagram is counted exactly once, that every tick plays exactly one
// frame, and that only DTMF digits are reported, each one counted.
//
// The input is a configuration byte followed by operations:
//
//	config: bit 0 PCMA (else PCMU), bit 1 u8 format, bits 2-3 playout
//	        delay 1-4, bit 4 receive disabled
//	0x00:            one tick, then the frame is read
//	0x01-0x7f n:     a datagram of the next n bytes
//	0x80-0xff h, l:  a datagram of the next (h&0x7f)<<8|l bytes
func FuzzReceive(f *testing.F) {
	for _, seed := range fuzzReceiveSeeds() {
		f.Add(seed)
	}
	conn := stListen(f)
	remote := netip.MustParseAddrPort("127.0.0.1:9") // never sent to: Send is false
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		cfg := data[0]
		var digits []byte
		sc := StreamConfig{
			Conn:            conn,
			Remote:          remote,
			Codec:           PCMU,
			PayloadType:     PCMU.PayloadType,
			DTMFPayloadType: stDTMFPT,
			Receive:         cfg&0x10 == 0,
			JitterDelay:     1 + int(cfg>>2&3),
			QueueSamples:    4 * SamplesPerFrame,
			OnDTMF:          func(d byte) { digits = append(digits, d) },
			// Call quality: RTCP received (never sent: its first report
			// is half an hour away), the adaptive buffer, PLC, CN.
			RTCP:           RTCPConfig{Enabled: cfg&0x20 != 0, Mux: true, MinInterval: time.Hour},
			AdaptiveJitter: cfg&0x40 != 0,
			PLC:            cfg&0x80 != 0,
			CNPayloadType:  CNPayloadType,
		}
		if cfg&1 != 0 {
			sc.Codec, sc.PayloadType = PCMA, PCMA.PayloadType
		}
		if cfg&2 != 0 {
			sc.Format = FormatU8
		}
		s, err := NewStream(sc) // never started nor closed: conn is shared
		if err != nil {
			t.Fatal(err)
		}
		frame := make([]byte, SamplesPerFrame*sc.Format.BytesPerSample())
		var pkt pionrtp.Packet
		var datagrams uint64
		for ops := data[1:]; len(ops) > 0; {
			var dgram []byte
			dgram, ops = fuzzNextOp(ops)
			if dgram == nil {
				s.tick()
				if n, err := s.ReadAudio(frame, 0); n != len(frame) || err != nil {
					t.Fatalf("tick played %d bytes (%v), want one frame of %d", n, err, len(frame))
				}
				continue
			}
			s.receive(dgram, remote, &pkt)
			datagrams++
		}
		st := s.Stats()
		counted := st.PacketsReceived + st.DroppedSSRC + st.DroppedPayloadType + st.Malformed + st.DroppedSource +
			s.RTCPStats().Received
		if sc.Receive && counted != datagrams || !sc.Receive && counted > datagrams {
			t.Fatalf("%d datagrams, counted %d: %+v", datagrams, counted, st)
		}
		if st.DTMFReceived != uint64(len(digits)) || st.DTMFReceived > st.PacketsReceived {
			t.Fatalf("DTMFReceived %d, %d digits reported, %d packets", st.DTMFReceived, len(digits), st.PacketsReceived)
		}
		for _, d := range digits {
			if !bytes.ContainsRune([]byte("0123456789*#ABCD"), rune(d)) {
				t.Fatalf("reported digit %q", d)
			}
		}
	})
}

// fuzzNextOp splits the next operation off ops: a datagram, or nil for a
// tick (also when the input ends inside a length).
func fuzzNextOp(ops []byte) (dgram, rest []byte) {
	h := ops[0]
	ops = ops[1:]
	n := int(h)
	if h >= 0x80 {
		if len(ops) == 0 {
			return nil, nil
		}
		n = int(h&0x7f)<<8 | int(ops[0])
		ops = ops[1:]
	}
	if n == 0 {
		return nil, ops
	}
	n = min(n, len(ops))
	return ops[:n:n], ops[n:]
}

// fuzzReceiveSeeds builds the seed corpus: audio in sequence with loss and
// reordering, telephone-events, a spoofer's new SSRC per packet, a restart
// under a new SSRC, and malformed datagrams.
func fuzzReceiveSeeds() [][]byte {
	op := func(b []byte) []byte {
		if len(b) < 0x80 {
			return append([]byte{byte(len(b))}, b...)
		}
		return append([]byte{0x80 | byte(len(b)>>8), byte(len(b))}, b...)
	}
	audio := func(seq uint16, ssrc uint32) []byte {
		return op(stBuild(0, false, seq, uint32(seq)*160, ssrc, bytes.Repeat([]byte{byte(seq)}, 160)))
	}
	event := func(seq uint16, ts uint32, code uint8, end bool, ssrc uint32) []byte {
		pl := []byte{code, stVolume, 0, 160}
		if end {
			pl[1] |= 0x80
		}
		return op(stBuild(stDTMFPT, false, seq, ts, ssrc, pl))
	}
	tick := []byte{0}
	var inOrder, lossy, dtmf, spoof, restart []byte
	for i := uint16(0); i < 8; i++ {
		inOrder = slices.Concat(inOrder, audio(100+i, 7), tick)
		if i != 3 {
			lossy = slices.Concat(lossy, audio(200+i^1, 7), tick) // pairs swapped, one lost
		}
		spoof = slices.Concat(spoof, audio(300+i, 7), audio(i*7919, 0x5000+uint32(i)), tick)
		ssrc := uint32(7)
		if i >= 4 {
			ssrc = 8
		}
		restart = slices.Concat(restart, audio(400+i, ssrc), tick)
	}
	for i := uint16(0); i < 6; i++ {
		dtmf = slices.Concat(dtmf, event(500+i, 8000, 5, i >= 3, 7), tick)
	}
	malformed := slices.Concat(
		op([]byte{0x80}), // too short
		op([]byte{0x8f, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 7}),                   // CSRCs beyond the datagram
		op([]byte{0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 7, 0xbe, 0xde, 0, 9}), // long extension
		op([]byte{0xa0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 7, 1, 2, 50}),         // long padding
		op(stBuild(stDTMFPT, true, 9, 9, 7, []byte{200, 0})),                // short event
		op(stBuild(0, false, 10, 1600, 7, make([]byte, 1400))),              // oversized payload
		tick,
	)
	big := make([]byte, 2)
	binary.BigEndian.PutUint16(big, 0x8000|600)
	return [][]byte{
		append([]byte{0x00}, inOrder...),
		append([]byte{0x05}, lossy...),
		append([]byte{0x0c}, dtmf...),
		append([]byte{0x02}, spoof...),
		append([]byte{0x01}, restart...),
		append([]byte{0x08}, malformed...),
		append([]byte{0x10}, inOrder...), // receive disabled
		append([]byte{0x00}, big...),     // a length beyond the input
	}
}

package rtp

import (
	"encoding/binary"
	"net"
	"testing"
	"time"

	"github.com/pion/rtcp"
)

// What marshalRTCP writes, pion/rtcp reads back field by field.
func TestMarshalRTCPRoundTrip(t *testing.T) {
	block := rtcp.ReceptionReport{SSRC: 0xabcdef01, FractionLost: 12, TotalLost: 0xfffffe,
		LastSequenceNumber: 0x10005, Jitter: 77, LastSenderReport: 0x12345678, Delay: 65536}
	for _, tc := range []struct {
		name string
		r    rtcpReport
	}{
		{"SR with a block", rtcpReport{ssrc: 1, sender: true, ntp: 0x0102030405060708, rtpTS: 99,
			packets: 7, octets: 1120, block: &block, cname: "alice@example.com"}},
		{"RR without a block, BYE", rtcpReport{ssrc: 2, cname: "x", bye: true}},
		{"RR, CNAME filling the padding", rtcpReport{ssrc: 3, block: &block, cname: "abcdef"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b [rtcpMaxSize]byte
			n := marshalRTCP(b[:], &tc.r)
			pkts, err := rtcp.Unmarshal(b[:n])
			if err != nil {
				t.Fatalf("pion/rtcp: %v (% x)", err, b[:n])
			}
			want := 2
			if tc.r.bye {
				want = 3
			}
			if len(pkts) != want {
				t.Fatalf("%d packets, want %d", len(pkts), want)
			}
			var reports []rtcp.ReceptionReport
			switch p := pkts[0].(type) {
			case *rtcp.SenderReport:
				if !tc.r.sender || p.SSRC != tc.r.ssrc || p.NTPTime != tc.r.ntp || p.RTPTime != tc.r.rtpTS ||
					p.PacketCount != tc.r.packets || p.OctetCount != tc.r.octets {
					t.Errorf("SR %+v", p)
				}
				reports = p.Reports
			case *rtcp.ReceiverReport:
				if tc.r.sender || p.SSRC != tc.r.ssrc {
					t.Errorf("RR %+v", p)
				}
				reports = p.Reports
			}
			if tc.r.block == nil && len(reports) != 0 || tc.r.block != nil && (len(reports) != 1 || reports[0] != block) {
				t.Errorf("report blocks %+v, want %+v", reports, tc.r.block)
			}
			sdes, ok := pkts[1].(*rtcp.SourceDescription)
			if !ok || len(sdes.Chunks) != 1 || sdes.Chunks[0].Source != tc.r.ssrc ||
				len(sdes.Chunks[0].Items) != 1 || sdes.Chunks[0].Items[0].Text != tc.r.cname {
				t.Errorf("SDES %+v", pkts[1])
			}
			if tc.r.bye {
				if bye, ok := pkts[2].(*rtcp.Goodbye); !ok || len(bye.Sources) != 1 || bye.Sources[0] != tc.r.ssrc {
					t.Errorf("BYE %+v", pkts[2])
				}
			}
		})
	}
}

// RFC 3550 §6.3: the interval is 0.5 to 1.5 times Td, over e - 3/2, the
// first one from half of Td.
func TestRTCPInterval(t *testing.T) {
	for _, tc := range []struct {
		first    bool
		u        float64
		min, max time.Duration
	}{
		{false, 0, 2050 * time.Millisecond, 2053 * time.Millisecond},
		{false, 0.5, 4100 * time.Millisecond, 4105 * time.Millisecond},
		{false, 0.999999, 6150 * time.Millisecond, 6160 * time.Millisecond},
		{true, 0.5, 2050 * time.Millisecond, 2053 * time.Millisecond},
	} {
		if got := rtcpInterval(5*time.Second, tc.first, tc.u); got < tc.min || got > tc.max {
			t.Errorf("first %v u %v: %v, want %v..%v", tc.first, tc.u, got, tc.min, tc.max)
		}
	}
}

// rtcpPair is two streams talking to each other on loopback, with RTCP
// every ~200 ms, muxed or on their own sockets.
func rtcpPair(t *testing.T, mux bool) (a, b *Stream) {
	t.Helper()
	return rtcpPairWith(t, mux, nil, nil)
}

// rtcpPairWith is rtcpPair with a's and b's Protectors (nil: plain).
func rtcpPairWith(t *testing.T, mux bool, pa, pb Protector) (a, b *Stream) {
	t.Helper()
	ca, cb := stListen(t), stListen(t)
	var ra, rb *net.UDPConn
	if !mux {
		ra, rb = stListen(t), stListen(t)
	}
	mk := func(conn, rconn *net.UDPConn, peer, peerRTCP *net.UDPConn, cname string, p Protector) *Stream {
		cfg := stConfig()
		cfg.Conn, cfg.Remote, cfg.Protector = conn, stAddr(peer), p
		cfg.RTCP = RTCPConfig{Enabled: true, Mux: mux, CNAME: cname, MinInterval: 200 * time.Millisecond}
		if !mux {
			cfg.RTCP.Conn, cfg.RTCP.Remote = rconn, stAddr(peerRTCP)
		}
		s, err := NewStream(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a = mk(ca, ra, cb, rb, "a@test", pa)
	b = mk(cb, rb, ca, ra, "b@test", pb)
	p := NewPacer(0)
	p.Start()
	a.Start(p)
	b.Start(p)
	t.Cleanup(func() { a.Close(); b.Close(); p.Stop() })
	return a, b
}

func TestRTCPBetweenStreams(t *testing.T) {
	for _, mux := range []bool{true, false} {
		name := "separate sockets"
		if mux {
			name = "rtcp-mux"
		}
		t.Run(name, func(t *testing.T) {
			a, b := rtcpPair(t, mux)
			stWaitFor(t, "RTT on both sides", func() bool {
				return a.RTCPStats().HaveRTT && b.RTCPStats().HaveRTT && a.RTCPStats().Received >= 3 && b.RTCPStats().Received >= 3
			})
			for _, s := range []*Stream{a, b} {
				st := s.RTCPStats()
				t.Logf("%+v", st)
				if st.RTT <= 0 || st.RTT > 30*time.Millisecond {
					t.Errorf("RTT %v on loopback", st.RTT)
				}
				if !st.HaveRemote || st.RemoteLost != 0 || st.RemoteHighestSeq == 0 || st.PeerPacketsSent == 0 {
					t.Errorf("peer's view: %+v", st)
				}
				if st.Mux != mux || st.Sent < 3 {
					t.Errorf("mux %v sent %d", st.Mux, st.Sent)
				}
			}
			if a.Stats().DroppedPayloadType != 0 || a.Stats().Malformed != 0 {
				t.Errorf("stats %+v", a.Stats())
			}
			a.Close()
			stWaitFor(t, "BYE at b", func() bool { return b.RTCPStats().ByeReceived })
		})
	}
}

// The report, built (sealed as SRTCP on an SRTP stream) and sent by the
// pacer's tick, allocates nothing.
func TestRTCPTickZeroAlloc(t *testing.T) {
	ours, theirs := srtpPair(t, "AES_CM_128_HMAC_SHA1_80", 30)
	for _, p := range [][2]Protector{{nil, nil}, {ours, theirs}} {
		a, _ := rtcpPairWith(t, true, p[0], p[1])
		a.pacer.Remove(a) // ticked by hand below
		if n := testing.AllocsPerRun(50, func() {
			a.rtcp.left = 1
			a.rtcpTick()
		}); n != 0 {
			t.Errorf("SRTP %v: %v allocations per report, want 0", p[0] != nil, n)
		}
	}
}

// BenchmarkRTCPTick is one report built and sent (SR, report block, SDES)
// by the media clock's tick.
func BenchmarkRTCPTick(b *testing.B) {
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	peer, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer peer.Close()
	cfg := stConfig()
	cfg.Conn, cfg.Remote = conn, stAddr(peer)
	cfg.RTCP = RTCPConfig{Enabled: true, Mux: true, CNAME: "bench@test"}
	s, err := NewStream(cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	s.tick() // one RTP packet: the report is an SR
	b.ReportAllocs()
	for b.Loop() {
		s.rtcp.left = 1
		s.rtcpTick()
	}
}

// The round trip from a report block: A - LSR - DLSR; a peer's DLSR a
// little longer than the time that passed here is a round trip of 0, a
// report far off is ignored.
func TestRTCPRoundTrip(t *testing.T) {
	now := time.Unix(1800000000, 0)
	mid := func(t time.Time) uint32 { return uint32(NTPTime(t) >> 16) }
	for _, tc := range []struct {
		name    string
		lsrAt   time.Time
		dlsr    time.Duration
		want    time.Duration
		haveRTT bool
	}{
		{"40 ms", now.Add(-2040 * time.Millisecond), 2 * time.Second, 40 * time.Millisecond, true},
		{"DLSR 0.3 ms too long", now.Add(-2040 * time.Millisecond), 2040*time.Millisecond + 300*time.Microsecond, 0, true},
		{"DLSR 1 s too long", now.Add(-2 * time.Second), 3 * time.Second, 0, false},
	} {
		s := &Stream{ssrc: 7, cfg: StreamConfig{Codec: PCMU}}
		s.reportAboutUsLocked([]rtcp.ReceptionReport{{SSRC: 7, LastSenderReport: mid(tc.lsrAt),
			Delay: uint32(tc.dlsr * 65536 / time.Second)}}, now)
		st := s.rtcp.stats
		if st.HaveRTT != tc.haveRTT || (tc.haveRTT && (st.RTT-tc.want).Abs() > time.Millisecond) {
			t.Errorf("%s: RTT %v (have %v), want %v (have %v)", tc.name, st.RTT, st.HaveRTT, tc.want, tc.haveRTT)
		}
	}
}

// An SR's RTP timestamp is at the codec's RTP clock: the last packet's
// timestamp, one 20 ms step (160 at 8 kHz, 960 for Opus) behind the next.
func TestRTCPSenderReportClock(t *testing.T) {
	for _, c := range []*Codec{PCMU, G722, Opus} {
		cfg := stConfig()
		cfg.Codec, cfg.PayloadType, cfg.SampleRate = c, c.PayloadType, 48000
		cfg.RTCP = RTCPConfig{Enabled: true, Mux: true, CNAME: "clock@test"}
		s, peer := stNew(t, cfg)
		s.tick()
		buf := make([]byte, 1500)
		_ = peer.SetReadDeadline(time.Now().Add(stWait))
		if _, _, err := peer.ReadFromUDPAddrPort(buf); err != nil {
			t.Fatal(err)
		}
		sent := binary.BigEndian.Uint32(buf[4:8]) // the RTP packet's timestamp
		s.mu.Lock()
		n, _ := s.buildRTCPLocked(buf, time.Now(), false)
		s.mu.Unlock()
		pkts, err := rtcp.Unmarshal(buf[:n])
		if err != nil {
			t.Fatal(err)
		}
		sr, ok := pkts[0].(*rtcp.SenderReport)
		if !ok {
			t.Fatalf("%s: first packet %T, want an SR", c.Name, pkts[0])
		}
		if sr.RTPTime != sent || s.ts-sr.RTPTime != uint32(c.ClockSamples()) {
			t.Errorf("%s: SR RTP time %d, last packet %d, next %d; want the last, %d behind", c.Name, sr.RTPTime, sent, s.ts, c.ClockSamples())
		}
	}
}

// RTCP between two SRTP streams goes through the SRTCP seam: each side
// gets the round trip and the other's report, nothing fails to open.
func TestRTCPOverSRTP(t *testing.T) {
	for _, mux := range []bool{true, false} {
		ours, theirs := srtpPair(t, "AES_CM_128_HMAC_SHA1_80", 30)
		a, b := rtcpPairWith(t, mux, ours, theirs)
		stWaitFor(t, "RTT on both sides", func() bool {
			return a.RTCPStats().HaveRTT && b.RTCPStats().HaveRTT && a.RTCPStats().HaveRemote && b.RTCPStats().HaveRemote
		})
		for _, s := range []*Stream{a, b} {
			if st := s.SRTPStats(); st.AuthFailed != 0 || st.Replayed != 0 || s.Stats().Malformed != 0 {
				t.Errorf("mux %v: SRTP drops %+v, malformed %d", mux, st, s.Stats().Malformed)
			}
		}
	}
}

package rtp

import (
	"math/rand/v2"
	"net"
	"net/netip"
	"time"

	"github.com/pion/rtcp"
)

// RTCP (RFC 3550 §6, RFC 3551, RFC 5761) for a stream, driven by the media
// clock: the pacer's tick counts down to the next report, so a call costs
// no goroutine and no timer.
//
// Each report is a compound packet: an SR while we send (else an RR), with
// one report block about the peer's stream built by ReceptionStats
// (stats.go), then SDES with our CNAME. The interval follows RFC 3550
// §6.3 for a two-party call: the minimum of 5 s dominates RTCP's 5 % share
// of the bandwidth, halved for the first report, each interval drawn
// uniformly from 0.5 to 1.5 times that and divided by e − 3/2 (about 4 s
// on average). Closing the stream sends a last report with a BYE.
//
// With rtcp-mux (RFC 5761) the packets go from and to the RTP socket and
// address; otherwise from the RTCP socket to the peer's RTCP address (its
// a=rtcp, else its RTP port + 1). Received packets, on either socket, are
// told from RTP by their packet type (RFC 5761 §4) and parsed with
// pion/rtcp: an SR's NTP time is remembered for our next report's
// LSR/DLSR, and a report block about our SSRC gives the peer's view of our
// stream (loss, jitter) and, from its LSR and DLSR, the round-trip time.

// RTCPConfig says whether and where a stream sends RTCP.
type RTCPConfig struct {
	Enabled bool
	// Mux sends and receives RTCP on the RTP socket and address.
	Mux bool
	// Conn is the RTCP socket when not Mux (the stream closes it); nil
	// sends from the RTP socket.
	Conn *net.UDPConn
	// Remote is the peer's RTCP address when not Mux.
	Remote netip.AddrPort
	// CNAME is the SDES canonical name (1..255 bytes); empty: a random one.
	CNAME string
	// MinInterval replaces RFC 3550's 5 s minimum interval (tests use a
	// shorter one); 0 means 5 s.
	MinInterval time.Duration
}

// RTCPStats is what RTCP told about the call.
type RTCPStats struct {
	Enabled  bool
	Mux      bool
	Sent     uint64 // compound packets sent
	Received uint64 // compound packets received and parsed
	// RTT is the last round-trip time; HaveRTT is false until a report
	// about our stream carried an LSR.
	RTT     time.Duration
	HaveRTT bool
	// The peer's last report block about our stream.
	HaveRemote         bool
	RemoteLost         int64   // cumulative packets of ours lost
	RemoteFractionLost float64 // fraction lost in its last interval, 0..1
	RemoteJitterMs     float64 // interarrival jitter of our packets
	RemoteHighestSeq   uint32  // extended highest sequence number received
	// From the peer's last SR.
	PeerPacketsSent uint32
	PeerOctetsSent  uint32
	ByeReceived     bool
}

// rtcpRTTSlack is how far below 0 (in 1/65536 s: 5 ms) a computed round
// trip may be and still count, as 0.
const rtcpRTTSlack = 65536 / 200

// RFC 3550 §6.3 interval constants.
const (
	rtcpMinInterval = 5 * time.Second
	rtcpCompensate  = 1.21828 // e − 3/2
)

// rtcpState is a stream's RTCP. left and buf belong to the pacer
// goroutine; the rest is guarded by the stream's mu.
type rtcpState struct {
	cfg   RTCPConfig
	rng   rand.PCG
	left  int // ticks until the next report
	buf   [rtcpMaxSize + ProtectOverhead]byte
	bye   [rtcpMaxSize + ProtectOverhead]byte // the last report, built by Close
	block rtcp.ReceptionReport
	fd    int // the RTCP socket in the shared receiver; -1 when not
	stats RTCPStats
}

// initRTCP prepares the stream's RTCP from its configuration.
func (s *Stream) initRTCP(seed [2]uint64) {
	r := &s.rtcp
	r.cfg, r.fd = s.cfg.RTCP, -1
	r.rng = *rand.NewPCG(seed[0], seed[1])
	if r.cfg.CNAME == "" || len(r.cfg.CNAME) > 255 {
		const hex = "0123456789abcdef"
		var b [16]byte
		for i := range b {
			b[i] = hex[r.rng.Uint64()&15]
		}
		r.cfg.CNAME = string(b[:])
	}
	r.stats.Enabled, r.stats.Mux = r.cfg.Enabled, r.cfg.Mux
	if r.cfg.MinInterval <= 0 {
		r.cfg.MinInterval = rtcpMinInterval
	}
	r.left = rtcpTicks(rtcpInterval(r.cfg.MinInterval, true, r.uniform()))
}

// uniform draws from [0, 1).
func (r *rtcpState) uniform() float64 {
	return float64(r.rng.Uint64()>>11) / (1 << 53)
}

// rtcpInterval is RFC 3550 §6.3's randomised interval for a two-party
// call, u drawn from [0, 1): Td·(0.5+u)/(e−3/2), Td the minimum interval
// (5 s; half that before the first report).
func rtcpInterval(td time.Duration, first bool, u float64) time.Duration {
	if first {
		td /= 2
	}
	return time.Duration(float64(td) * (0.5 + u) / rtcpCompensate)
}

// rtcpTicks rounds an interval to pacer ticks (at least one).
func rtcpTicks(d time.Duration) int {
	return max(int((d+FrameInterval/2)/FrameInterval), 1)
}

// rtcpTick is called by every tick, after the stream's own sending: it
// sends a report when one is due. Only the pacer goroutine calls it.
func (s *Stream) rtcpTick() {
	r := &s.rtcp
	if !r.cfg.Enabled {
		return
	}
	if r.left--; r.left > 0 {
		return
	}
	r.left = rtcpTicks(rtcpInterval(r.cfg.MinInterval, false, r.uniform()))
	s.mu.Lock()
	pkt, to := s.sealRTCPLocked(r.buf[:], false)
	s.mu.Unlock()
	if pkt == nil {
		return
	}
	var err error
	if r.cfg.Conn != nil && !r.cfg.Mux {
		_, err = r.cfg.Conn.WriteToUDPAddrPort(pkt, to)
	} else {
		err = s.transmit(pkt, to) // through an ICE relay when one is set (ice.go)
	}
	if err == nil {
		s.mu.Lock()
		r.stats.Sent++
		s.mu.Unlock()
	}
}

// rtcpRemoteLocked is where RTCP goes; invalid when nowhere yet.
func (s *Stream) rtcpRemoteLocked() netip.AddrPort {
	if s.rtcp.cfg.Mux {
		return s.remote
	}
	if s.rtcp.cfg.Remote.IsValid() {
		return s.rtcp.cfg.Remote
	}
	if s.cfg.Remote.IsValid() && s.cfg.Remote.Port() != 0 && s.cfg.Remote.Port() < 65535 {
		return netip.AddrPortFrom(s.cfg.Remote.Addr(), s.cfg.Remote.Port()+1)
	}
	return netip.AddrPort{}
}

// sealRTCPLocked builds our report (with a BYE when bye) into b, sealed
// as SRTCP when the stream has a Protector (srtp_stream.go), and returns
// the packet and its destination; nil when there is nowhere to send or it
// could not be sealed (it is never sent in clear then).
func (s *Stream) sealRTCPLocked(b []byte, bye bool) ([]byte, netip.AddrPort) {
	n, to := s.buildRTCPLocked(b[:len(b)-ProtectOverhead], time.Now(), bye)
	if n == 0 {
		return nil, to
	}
	pkt, ok := s.protectRTCPLocked(b[:n])
	if !ok {
		return nil, to
	}
	return pkt, to
}

// buildRTCPLocked writes our report (with a BYE when bye) into b and
// returns its length and destination; 0 when there is nowhere to send.
func (s *Stream) buildRTCPLocked(b []byte, now time.Time, bye bool) (int, netip.AddrPort) {
	to := s.rtcpRemoteLocked()
	if !to.IsValid() || to.Port() == 0 || to.Addr().IsUnspecified() {
		return 0, to // nowhere yet, or a peer holding with 0.0.0.0
	}
	r := &s.rtcp
	rep := rtcpReport{
		ssrc:   s.ssrc,
		sender: s.cfg.Send && s.packetsSent.Load() > 0,
		ntp:    NTPTime(now),
		// The packet of this tick carried ts - one frame, at the
		// codec's RTP clock.
		rtpTS:   s.ts - s.clockStep(),
		packets: uint32(s.packetsSent.Load()),
		octets:  uint32(s.octetsSent.Load()),
		cname:   r.cfg.CNAME,
		bye:     bye,
	}
	if s.source.known && s.recv.Received() > 0 {
		r.block = s.recv.ReceptionReportAt(s.source.ssrc, now)
		rep.block = &r.block
	}
	return marshalRTCP(b, &rep), to
}

// isRTCP reports whether a datagram is RTCP rather than RTP (RFC 5761 §4:
// packet types 192-223 where RTP has its marker and payload type).
func isRTCP(b []byte) bool {
	return len(b) >= 2 && b[1] >= 192 && b[1] <= 223
}

// receiveRTCP handles an RTCP datagram from the peer's address.
func (s *Stream) receiveRTCP(b []byte, from netip.AddrPort) {
	if from.Addr().Unmap() != s.cfg.Remote.Addr().Unmap() {
		s.droppedSource.Add(1)
		return
	}
	pkts, err := rtcp.Unmarshal(b)
	if err != nil {
		s.malformed.Add(1)
		return
	}
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rtcp.stats.Received++
	for _, p := range pkts {
		switch p := p.(type) {
		case *rtcp.SenderReport:
			if !s.source.known || p.SSRC == s.source.ssrc {
				s.recv.SenderReportReceived(p.NTPTime, now)
				s.rtcp.stats.PeerPacketsSent, s.rtcp.stats.PeerOctetsSent = p.PacketCount, p.OctetCount
			}
			s.reportAboutUsLocked(p.Reports, now)
		case *rtcp.ReceiverReport:
			s.reportAboutUsLocked(p.Reports, now)
		case *rtcp.Goodbye:
			s.rtcp.stats.ByeReceived = true
		}
	}
}

// reportAboutUsLocked takes the peer's report block about our SSRC.
func (s *Stream) reportAboutUsLocked(reports []rtcp.ReceptionReport, now time.Time) {
	for i := range reports {
		rr := &reports[i]
		if rr.SSRC != s.ssrc {
			continue
		}
		st := &s.rtcp.stats
		st.HaveRemote = true
		st.RemoteLost = int64(int32(rr.TotalLost<<8) >> 8) // 24-bit signed
		st.RemoteFractionLost = float64(rr.FractionLost) / 256
		st.RemoteJitterMs = float64(rr.Jitter) * 1000 / float64(s.cfg.Codec.ClockRate)
		st.RemoteHighestSeq = rr.LastSequenceNumber
		if rr.LastSenderReport != 0 {
			// RFC 3550 §6.4.1: A - LSR - DLSR, in 1/65536 s. On a
			// short path the peer's DLSR (measured on its clock) can
			// exceed the time that passed here by a fraction of a
			// millisecond: a result a little below 0 is a round trip
			// of 0; a larger negative one is a bogus report.
			a := uint32(NTPTime(now) >> 16)
			if d := int32(a - rr.LastSenderReport - rr.Delay); d >= -rtcpRTTSlack {
				st.RTT = time.Duration(uint64(max(d, 0)) * uint64(time.Second) >> 16)
				st.HaveRTT = true
			}
		}
	}
}

// sendBye sends the last report with a BYE; Close calls it before closing
// the sockets (from any goroutine: net.UDPConn writes are safe).
func (s *Stream) sendBye() {
	r := &s.rtcp
	if !r.cfg.Enabled {
		return
	}
	s.mu.Lock()
	pkt, to := s.sealRTCPLocked(r.bye[:], true)
	s.mu.Unlock()
	if pkt == nil {
		return
	}
	conn := s.conn
	if r.cfg.Conn != nil && !r.cfg.Mux {
		conn = r.cfg.Conn
	}
	var err error
	if w := s.relay.Load(); w != nil && conn == s.conn {
		err = (*w)(pkt) // muxed through an ICE relay (ice.go)
	} else {
		_, err = conn.WriteToUDPAddrPort(pkt, to)
	}
	if err == nil {
		s.mu.Lock()
		r.stats.Sent++
		s.mu.Unlock()
	}
}

// RTCPStats returns what RTCP told so far.
func (s *Stream) RTCPStats() RTCPStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rtcp.stats
}

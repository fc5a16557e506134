package rtp

import (
	"errors"
	"math"
	"time"

	"github.com/pion/rtcp"
)

// RFC 3550 appendix A.1 sequence validation parameters.
const (
	maxDropout    = 3000
	maxMisorder   = 100
	minSequential = 2
	rtpSeqMod     = 1 << 16
)

// ReceptionStats follows RFC 3550 appendix A.1/A.3/A.8 for one source.
//
// Sequence numbers are validated as in A.1 with MAX_DROPOUT 3000,
// MAX_MISORDER 100 and MIN_SEQUENTIAL 2, with one deviation: the packets
// received while the source is on probation are counted (the base sequence
// number is the first packet's), so Received and Expected both equal n after
// n in-order packets. A jump of more than MAX_DROPOUT is ignored unless the
// next packet follows it, in which case the statistics restart there. The
// interarrival jitter is A.8's integer estimator. The zero value is ready to
// use. A ReceptionStats is not safe for concurrent use.
type ReceptionStats struct {
	started   bool
	probation int
	maxSeq    uint16
	cycles    uint32 // count of sequence number wraps, shifted left 16
	baseSeq   uint32
	badSeq    uint32 // last "bad" seq + 1, rtpSeqMod+1 when none
	received  uint64

	expectedPrior uint64
	receivedPrior uint64

	haveTransit bool
	arrivalBase time.Time
	transit     uint32
	jitter      uint32 // A.8 estimate scaled by 16

	lsr    uint32    // middle 32 bits of the last SR's NTP time
	lsrAt  time.Time // when that SR arrived
	haveSR bool
}

// Update records one received RTP packet with sequence number seq and
// timestamp rtpTS, arriving at arrival; clockRate is the payload format's
// RTP clock rate (8000 for G.711), used for the jitter estimate (0 skips it).
// Packets rejected by the A.1 validation (a large jump not yet confirmed)
// change nothing except the validation state.
func (s *ReceptionStats) Update(seq uint16, rtpTS uint32, arrival time.Time, clockRate uint32) {
	if !s.updateSeq(seq) {
		return
	}
	if clockRate == 0 {
		return
	}
	if !s.haveTransit {
		s.haveTransit = true
		s.arrivalBase = arrival
		s.transit = -rtpTS
		return
	}
	transit := rtpUnits(arrival.Sub(s.arrivalBase), clockRate) - rtpTS
	d := int32(transit - s.transit)
	s.transit = transit
	if d < 0 {
		d = -d
	}
	// J += (|D| - J) / 16, with J kept scaled by 16 (RFC 3550 A.8),
	// saturating rather than wrapping on absurd timestamp jumps.
	j := uint64(s.jitter) + uint64(uint32(d)) - uint64((s.jitter+8)>>4)
	s.jitter = uint32(min(j, math.MaxUint32))
}

// rtpUnits converts d to timestamp units at clockRate, wrapping modulo 2^32.
func rtpUnits(d time.Duration, clockRate uint32) uint32 {
	sec := int64(d / time.Second)
	rem := int64(d % time.Second)
	return uint32(sec*int64(clockRate) + rem*int64(clockRate)/int64(time.Second))
}

// initSeq restarts the sequence state at seq (A.1 init_seq).
func (s *ReceptionStats) initSeq(seq uint16) {
	s.baseSeq = uint32(seq)
	s.maxSeq = seq
	s.badSeq = rtpSeqMod + 1
	s.cycles = 0
	s.received = 0
	s.expectedPrior = 0
	s.receivedPrior = 0
	s.haveTransit = false // a restarted sender may also restart its timestamps
}

// updateSeq is A.1 update_seq; it reports whether the packet is accepted.
func (s *ReceptionStats) updateSeq(seq uint16) bool {
	if !s.started {
		s.started = true
		s.initSeq(seq)
		s.probation = minSequential - 1
		s.received = 1
		return true
	}
	udelta := seq - s.maxSeq
	if s.probation > 0 {
		if seq == s.maxSeq+1 {
			s.probation--
			s.maxSeq = seq
		} else {
			s.initSeq(seq)
			s.probation = minSequential - 1
		}
		s.received++
		return true
	}
	switch {
	case udelta < maxDropout:
		if seq < s.maxSeq {
			s.cycles += rtpSeqMod
		}
		s.maxSeq = seq
	case uint32(udelta) <= rtpSeqMod-maxMisorder:
		// A very large jump: accept only if the sender restarted.
		if uint32(seq) != s.badSeq {
			s.badSeq = (uint32(seq) + 1) & (rtpSeqMod - 1)
			return false
		}
		s.initSeq(seq)
	default:
		// Duplicate or reordered packet.
	}
	s.received++
	return true
}

// Received returns the number of packets received, duplicates included.
func (s *ReceptionStats) Received() uint64 { return s.received }

// ExtendedHighest returns the extended highest sequence number received:
// the wrap count in the high 16 bits, the sequence number in the low ones.
func (s *ReceptionStats) ExtendedHighest() uint32 {
	return s.cycles + uint32(s.maxSeq)
}

// Expected returns the number of packets expected from the base sequence
// number to the extended highest one (A.3).
func (s *ReceptionStats) Expected() uint64 {
	if !s.started {
		return 0
	}
	return uint64(s.ExtendedHighest()) - uint64(s.baseSeq) + 1
}

// Lost returns the cumulative number of packets lost, Expected - Received;
// duplicates can make it negative (A.3).
func (s *ReceptionStats) Lost() int64 {
	return int64(s.Expected()) - int64(s.received)
}

// Jitter returns the interarrival jitter estimate in timestamp units (A.8).
func (s *ReceptionStats) Jitter() uint32 { return s.jitter >> 4 }

// SenderReportReceived records the arrival at at of an RTCP sender report
// whose NTP timestamp is ntp, so that later reception reports carry the LSR
// and DLSR fields used by the sender to compute the round-trip time.
func (s *ReceptionStats) SenderReportReceived(ntp uint64, at time.Time) {
	s.lsr = uint32(ntp >> 16)
	s.lsrAt = at
	s.haveSR = true
}

// ReceptionReport returns the reception report block about the source ssrc,
// as ReceptionReportAt with the current time.
func (s *ReceptionStats) ReceptionReport(ssrc uint32) rtcp.ReceptionReport {
	return s.ReceptionReportAt(ssrc, time.Now())
}

// ReceptionReportAt returns the reception report block about the source
// ssrc, to be sent at now: fraction lost since the previous report (A.3),
// cumulative loss clamped to 24 signed bits, extended highest sequence
// number and jitter; LastSenderReport and Delay are filled in when
// SenderReportReceived was called. It starts a new reporting interval.
func (s *ReceptionStats) ReceptionReportAt(ssrc uint32, now time.Time) rtcp.ReceptionReport {
	rr := rtcp.ReceptionReport{SSRC: ssrc}
	if s.haveSR {
		rr.LastSenderReport = s.lsr
		if d := now.Sub(s.lsrAt); d > 0 {
			rr.Delay = uint32(d * 65536 / time.Second)
		}
	}
	if !s.started {
		return rr
	}
	expected := s.Expected()
	lost := min(max(s.Lost(), -0x800000), 0x7fffff)
	expectedInterval := expected - s.expectedPrior
	receivedInterval := s.received - s.receivedPrior
	s.expectedPrior = expected
	s.receivedPrior = s.received
	lostInterval := int64(expectedInterval) - int64(receivedInterval)
	if expectedInterval != 0 && lostInterval > 0 {
		rr.FractionLost = uint8((lostInterval << 8) / int64(expectedInterval))
	}
	rr.TotalLost = uint32(lost) & 0xffffff
	rr.LastSequenceNumber = s.ExtendedHighest()
	rr.Jitter = s.Jitter()
	return rr
}

// ntpEpochOffset is the number of seconds from 1900 (NTP) to 1970 (Unix).
const ntpEpochOffset = 2208988800

// NTPTime converts t to the 64-bit NTP timestamp format of RFC 3550: seconds
// since 1900 in the high 32 bits, the fraction of a second in the low ones.
func NTPTime(t time.Time) uint64 {
	sec := uint64(t.Unix() + ntpEpochOffset)
	frac := (uint64(t.Nanosecond()) << 32) / uint64(time.Second)
	return sec<<32 | frac
}

// maxReportsPerPacket is the largest report count of an SR or RR packet.
const maxReportsPerPacket = 31

// ErrInvalidCNAME reports a CNAME that is empty or longer than 255 bytes.
var ErrInvalidCNAME = errors.New("rtp: CNAME must be 1 to 255 bytes")

// BuildReport marshals a compound RTCP packet into dst (reusing its capacity;
// the previous contents are overwritten) and returns it: a sender report for
// ssrc when sending is true, with the NTP time ntp, the matching RTP
// timestamp rtpTS and the sender's packet and octet counts, or a receiver
// report otherwise; then an SDES packet with the CNAME item cname.
// reports are the reception report blocks; beyond 31 of them, the rest go in
// additional receiver reports, as RFC 3550 §6.4.2 allows.
func BuildReport(dst []byte, ssrc uint32, cname string, sending bool, ntp time.Time, rtpTS uint32, packets, octets uint32, reports []rtcp.ReceptionReport) ([]byte, error) {
	if cname == "" || len(cname) > 255 {
		return nil, ErrInvalidCNAME
	}
	first := reports[:min(len(reports), maxReportsPerPacket)]
	rest := reports[len(first):]
	pkts := make(rtcp.CompoundPacket, 0, 2+(len(rest)+maxReportsPerPacket-1)/maxReportsPerPacket)
	if sending {
		pkts = append(pkts, &rtcp.SenderReport{
			SSRC:        ssrc,
			NTPTime:     NTPTime(ntp),
			RTPTime:     rtpTS,
			PacketCount: packets,
			OctetCount:  octets,
			Reports:     first,
		})
	} else {
		pkts = append(pkts, &rtcp.ReceiverReport{SSRC: ssrc, Reports: first})
	}
	for len(rest) > 0 {
		n := min(len(rest), maxReportsPerPacket)
		pkts = append(pkts, &rtcp.ReceiverReport{SSRC: ssrc, Reports: rest[:n]})
		rest = rest[n:]
	}
	pkts = append(pkts, rtcp.NewCNAMESourceDescription(ssrc, cname))
	b, err := pkts.Marshal()
	if err != nil {
		return nil, err
	}
	return append(dst[:0], b...), nil
}

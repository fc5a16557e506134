package rtp

import (
	"encoding/binary"

	"github.com/pion/rtcp"
)

// Marshalling of the compound RTCP packets a stream sends (RFC 3550 §6.4,
// §6.5, §6.6): an SR or RR with at most one report block, SDES with the
// CNAME, and BYE at the end. They are written by hand into a fixed buffer,
// so that the media clock's report costs no allocation (pion/rtcp's
// Marshal allocates); received packets are parsed with pion/rtcp, and the
// tests check the two agree.

// rtcpMaxSize bounds a compound packet we send: SR with one report block
// (52), SDES with a 255-byte CNAME (268) and BYE (8).
const rtcpMaxSize = 52 + 268 + 8

// rtcpReport is what goes into one compound packet.
type rtcpReport struct {
	ssrc    uint32
	sender  bool // SR rather than RR
	ntp     uint64
	rtpTS   uint32
	packets uint32
	octets  uint32
	block   *rtcp.ReceptionReport // nil: no report block
	cname   string
	bye     bool
}

// marshalRTCP writes r into b (at least rtcpMaxSize bytes) and returns
// the compound packet's length.
func marshalRTCP(b []byte, r *rtcpReport) int {
	blocks := 0
	if r.block != nil {
		blocks = 1
	}
	n := 8
	if r.sender {
		b[1] = byte(rtcp.TypeSenderReport)
		binary.BigEndian.PutUint64(b[8:], r.ntp)
		binary.BigEndian.PutUint32(b[16:], r.rtpTS)
		binary.BigEndian.PutUint32(b[20:], r.packets)
		binary.BigEndian.PutUint32(b[24:], r.octets)
		n = 28
	} else {
		b[1] = byte(rtcp.TypeReceiverReport)
	}
	b[0] = 0x80 | byte(blocks)
	binary.BigEndian.PutUint32(b[4:], r.ssrc)
	if r.block != nil {
		n += putReportBlock(b[n:], r.block)
	}
	binary.BigEndian.PutUint16(b[2:], uint16(n/4-1))
	n += putSDES(b[n:], r.ssrc, r.cname)
	if r.bye {
		b[n], b[n+1] = 0x81, byte(rtcp.TypeGoodbye)
		binary.BigEndian.PutUint16(b[n+2:], 1)
		binary.BigEndian.PutUint32(b[n+4:], r.ssrc)
		n += 8
	}
	return n
}

// putReportBlock writes a 24-byte reception report block.
func putReportBlock(b []byte, rr *rtcp.ReceptionReport) int {
	binary.BigEndian.PutUint32(b[0:], rr.SSRC)
	binary.BigEndian.PutUint32(b[4:], uint32(rr.FractionLost)<<24|rr.TotalLost&0xffffff)
	binary.BigEndian.PutUint32(b[8:], rr.LastSequenceNumber)
	binary.BigEndian.PutUint32(b[12:], rr.Jitter)
	binary.BigEndian.PutUint32(b[16:], rr.LastSenderReport)
	binary.BigEndian.PutUint32(b[20:], rr.Delay)
	return 24
}

// putSDES writes an SDES packet with one chunk: the CNAME item, then the
// null item and padding to a 32-bit boundary.
func putSDES(b []byte, ssrc uint32, cname string) int {
	cname = cname[:min(len(cname), 255)]
	b[0], b[1] = 0x81, byte(rtcp.TypeSourceDescription)
	binary.BigEndian.PutUint32(b[4:], ssrc)
	b[8], b[9] = byte(rtcp.SDESCNAME), byte(len(cname))
	n := 10 + copy(b[10:], cname)
	b[n] = 0 // end of the item list
	n++
	for n%4 != 0 {
		b[n] = 0
		n++
	}
	binary.BigEndian.PutUint16(b[2:], uint16(n/4-1))
	return n
}

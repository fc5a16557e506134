package rtp

import (
	"errors"
	"testing"
	"time"

	"github.com/pion/rtcp"
)

// rxPkt is one received packet in ReceptionStats tests.
type rxPkt struct {
	seq uint16
	ts  uint32
	at  time.Duration // arrival, from an arbitrary origin
}

func TestReceptionStatsHandComputed(t *testing.T) {
	// 20 ms frames at 8 kHz; seq 102 is lost and 103 arrives 5 ms late.
	//
	//  seq  ts   arrival  arrival(ts units)  transit  |D|  J*16 (A.8)
	//  100    0    0 ms      0                  0      -    0
	//  101  160   20 ms    160                  0      0    0 + 0 - 0      = 0
	//  103  480   65 ms    520                 40     40    0 + 40 - 0     = 40
	//  104  640   80 ms    640                  0     40    40 + 40 - 3    = 77
	//  105  800  100 ms    800                  0      0    77 + 0 - 5     = 72
	//
	// Jitter = 72 >> 4 = 4; expected 6, received 5, lost 1;
	// fraction lost = (1 << 8) / 6 = 42.
	pkts := []rxPkt{
		{100, 0, 0},
		{101, 160, 20 * time.Millisecond},
		{103, 480, 65 * time.Millisecond},
		{104, 640, 80 * time.Millisecond},
		{105, 800, 100 * time.Millisecond},
	}
	origin := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var s ReceptionStats
	for _, p := range pkts {
		s.Update(p.seq, p.ts+123456, origin.Add(p.at), 8000)
	}
	if s.Received() != 5 || s.Expected() != 6 || s.Lost() != 1 || s.Jitter() != 4 {
		t.Fatalf("received %d expected %d lost %d jitter %d; want 5 6 1 4",
			s.Received(), s.Expected(), s.Lost(), s.Jitter())
	}
	rr := s.ReceptionReportAt(0xcafe, origin)
	want := rtcp.ReceptionReport{SSRC: 0xcafe, FractionLost: 42, TotalLost: 1, LastSequenceNumber: 105, Jitter: 4}
	if rr != want {
		t.Fatalf("report %+v\n  want %+v", rr, want)
	}
	// Next interval: 106..109 with 107 duplicated, nothing lost.
	for i, seq := range []uint16{106, 107, 107, 108, 109} {
		ts := uint32(seq-100) * 160
		s.Update(seq, ts+123456, origin.Add(time.Duration(ts)*time.Second/8000+time.Duration(i)), 8000)
	}
	rr = s.ReceptionReportAt(0xcafe, origin)
	if rr.FractionLost != 0 || rr.TotalLost != 0 || rr.LastSequenceNumber != 109 {
		t.Fatalf("second report %+v: want fraction 0, total 0 (1 lost, 1 duplicate), highest 109", rr)
	}
	if s.Lost() != 0 || s.Received() != 10 || s.Expected() != 10 {
		t.Fatalf("lost %d received %d expected %d", s.Lost(), s.Received(), s.Expected())
	}
}

func TestReceptionStatsSequence(t *testing.T) {
	tests := []struct {
		name         string
		seqs         []uint16
		received     uint64
		expected     uint64
		lost         int64
		highest      uint32
		fractionLost uint8
		totalLost    uint32
	}{
		{"empty", nil, 0, 0, 0, 0, 0, 0},
		{"single", []uint16{7}, 1, 1, 0, 7, 0, 0},
		{"in order", []uint16{1, 2, 3, 4}, 4, 4, 0, 4, 0, 0},
		{"wraparound", []uint16{65534, 65535, 0, 1}, 4, 4, 0, 1<<16 | 1, 0, 0},
		{"loss across wrap", []uint16{65534, 65535, 2}, 3, 5, 2, 1<<16 | 2, 102, 2},
		{"reordered", []uint16{1, 2, 4, 3, 5}, 5, 5, 0, 5, 0, 0},
		{"duplicates make loss negative", []uint16{1, 2, 2, 2, 3}, 5, 3, -2, 3, 0, 0xfffffe},
		{"unconfirmed jump ignored", []uint16{1, 2, 3, 30000, 4}, 4, 4, 0, 4, 0, 0},
		{"confirmed jump restarts", []uint16{1, 2, 3, 30000, 30001, 30002}, 2, 2, 0, 30002, 0, 0},
		{"probation restart", []uint16{10, 50, 51, 52}, 3, 3, 0, 52, 0, 0},
		{"old packet within misorder", []uint16{200, 201, 202, 150}, 4, 3, -1, 202, 0, 0xffffff},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s ReceptionStats
			for i, seq := range tt.seqs {
				s.Update(seq, uint32(i)*160, time.Unix(0, 0).Add(time.Duration(i)*20*time.Millisecond), 8000)
			}
			if s.Received() != tt.received || s.Expected() != tt.expected || s.Lost() != tt.lost {
				t.Errorf("received %d expected %d lost %d; want %d %d %d",
					s.Received(), s.Expected(), s.Lost(), tt.received, tt.expected, tt.lost)
			}
			rr := s.ReceptionReportAt(1, time.Unix(0, 0))
			if rr.LastSequenceNumber != tt.highest || rr.FractionLost != tt.fractionLost || rr.TotalLost != tt.totalLost {
				t.Errorf("report %+v; want highest %d fraction %d total %#x", rr, tt.highest, tt.fractionLost, tt.totalLost)
			}
			if s.Jitter() != 0 {
				t.Errorf("jitter %d, want 0 for perfectly paced packets", s.Jitter())
			}
		})
	}
}

func TestReceptionStatsJitterConverges(t *testing.T) {
	// Arrivals alternately 0 and 10 ms late: |D| = 80 units each time, so
	// the estimate converges to 80.
	var s ReceptionStats
	origin := time.Now()
	for i := range 500 {
		late := time.Duration(i%2) * 10 * time.Millisecond
		s.Update(uint16(i), uint32(i)*160, origin.Add(time.Duration(i)*20*time.Millisecond+late), 8000)
	}
	if j := s.Jitter(); j < 78 || j > 80 {
		t.Errorf("jitter %d, want about 80", j)
	}
	// clockRate 0 skips the jitter estimate.
	var z ReceptionStats
	z.Update(1, 0, origin, 0)
	z.Update(2, 0, origin.Add(time.Second), 0)
	if z.Jitter() != 0 || z.Received() != 2 {
		t.Errorf("clockRate 0: jitter %d received %d", z.Jitter(), z.Received())
	}
}

func TestReceptionStatsSenderReport(t *testing.T) {
	var s ReceptionStats
	at := time.Unix(1_700_000_000, 0)
	s.Update(1, 0, at, 8000)
	ntp := uint64(0x1122334455667788)
	s.SenderReportReceived(ntp, at)
	rr := s.ReceptionReportAt(9, at.Add(1500*time.Millisecond))
	if rr.LastSenderReport != 0x33445566 || rr.Delay != 98304 {
		t.Errorf("LSR %#x DLSR %d; want 0x33445566, 98304", rr.LastSenderReport, rr.Delay)
	}
}

func TestNTPTime(t *testing.T) {
	tests := []struct {
		t    time.Time
		want uint64
	}{
		{time.Unix(0, 0), 2208988800 << 32},
		{time.Unix(1, 500_000_000), (2208988801 << 32) | 1<<31},
		{time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), 0},
	}
	for _, tt := range tests {
		if got := NTPTime(tt.t); got != tt.want {
			t.Errorf("NTPTime(%v) = %#x, want %#x", tt.t, got, tt.want)
		}
	}
}

func TestBuildReportRoundTrip(t *testing.T) {
	now := time.Unix(1_700_000_000, 250_000_000)
	blocks := []rtcp.ReceptionReport{
		{SSRC: 0xabcdef01, FractionLost: 42, TotalLost: 7, LastSequenceNumber: 1<<16 | 5, Jitter: 12, LastSenderReport: 0x1234, Delay: 99},
	}
	many := make([]rtcp.ReceptionReport, 40)
	for i := range many {
		many[i].SSRC = uint32(i + 1)
	}
	tests := []struct {
		name    string
		sending bool
		reports []rtcp.ReceptionReport
		packets int // RTCP packets in the compound
	}{
		{"SR", true, blocks, 2},
		{"SR without reports", true, nil, 2},
		{"RR", false, blocks, 2},
		{"RR without reports", false, nil, 2},
		{"SR with 40 reports", true, many, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := make([]byte, 0, 1500)
			b, err := BuildReport(dst, 0x11223344, "alice@example.com", tt.sending, now, 8000, 50, 8000, tt.reports)
			if err != nil {
				t.Fatal(err)
			}
			if &b[0] != &dst[:1][0] {
				t.Error("dst not reused")
			}
			pkts, err := rtcp.Unmarshal(b)
			if err != nil {
				t.Fatal(err)
			}
			if len(pkts) != tt.packets {
				t.Fatalf("%d packets, want %d", len(pkts), tt.packets)
			}
			if err := rtcp.CompoundPacket(pkts).Validate(); err != nil {
				t.Fatal(err)
			}
			cname, err := rtcp.CompoundPacket(pkts).CNAME()
			if err != nil || cname != "alice@example.com" {
				t.Fatalf("CNAME %q, %v", cname, err)
			}
			var got []rtcp.ReceptionReport
			for _, p := range pkts[:len(pkts)-1] {
				switch p := p.(type) {
				case *rtcp.SenderReport:
					if !tt.sending || p != pkts[0] {
						t.Fatalf("unexpected SR")
					}
					if p.SSRC != 0x11223344 || p.NTPTime != NTPTime(now) || p.RTPTime != 8000 || p.PacketCount != 50 || p.OctetCount != 8000 {
						t.Errorf("SR %+v", p)
					}
					got = append(got, p.Reports...)
				case *rtcp.ReceiverReport:
					if p.SSRC != 0x11223344 || (p == pkts[0]) == tt.sending {
						t.Errorf("RR %+v", p)
					}
					got = append(got, p.Reports...)
				default:
					t.Fatalf("unexpected %T", p)
				}
			}
			if len(got) != len(tt.reports) {
				t.Fatalf("%d report blocks, want %d", len(got), len(tt.reports))
			}
			for i := range got {
				if got[i] != tt.reports[i] {
					t.Errorf("block %d: %+v, want %+v", i, got[i], tt.reports[i])
				}
			}
		})
	}
}

func TestBuildReportErrors(t *testing.T) {
	long := string(make([]byte, 256))
	for _, cname := range []string{"", long} {
		if _, err := BuildReport(nil, 1, cname, true, time.Now(), 0, 0, 0, nil); !errors.Is(err, ErrInvalidCNAME) {
			t.Errorf("CNAME of %d bytes: err = %v", len(cname), err)
		}
	}
	bad := []rtcp.ReceptionReport{{TotalLost: 1 << 25}}
	if _, err := BuildReport(nil, 1, "x", false, time.Now(), 0, 0, 0, bad); err == nil {
		t.Error("invalid TotalLost: no error")
	}
}

func TestReceptionStatsReportThroughBuild(t *testing.T) {
	var s ReceptionStats
	origin := time.Now()
	for i := range 50 {
		if i == 10 || i == 11 {
			continue
		}
		s.Update(uint16(65500+i), uint32(i)*160, origin.Add(time.Duration(i)*20*time.Millisecond), 8000)
	}
	b, err := BuildReport(nil, 2, "bob", false, origin, 0, 0, 0, []rtcp.ReceptionReport{s.ReceptionReport(77)})
	if err != nil {
		t.Fatal(err)
	}
	pkts, err := rtcp.Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	rr := pkts[0].(*rtcp.ReceiverReport).Reports[0]
	want := rtcp.ReceptionReport{SSRC: 77, FractionLost: 2 * 256 / 50, TotalLost: 2, LastSequenceNumber: 1<<16 | 13}
	if rr != want {
		t.Errorf("report %+v\n  want %+v", rr, want)
	}
}

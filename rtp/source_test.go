package rtp

import (
	"strings"
	"testing"
)

func TestRemoteSourceAdmit(t *testing.T) {
	type p struct {
		ssrc uint32
		seq  uint16
	}
	// spoofed returns n packets of n new SSRCs.
	spoofed := func(n int) []p {
		out := make([]p, n)
		for i := range out {
			out[i] = p{0x5000 + uint32(i), uint16(i * 7919)}
		}
		return out
	}
	cat := func(l ...[]p) []p {
		var out []p
		for _, x := range l {
			out = append(out, x...)
		}
		return out
	}
	// want has one letter per packet: a (admitted), n (admittedNew),
	// p (probation).
	tests := []struct {
		name string
		pkts []p
		want string
	}{
		{"first source at once", []p{{1, 10}, {1, 11}, {1, 15}}, "aaa"},
		{"one stray packet", []p{{1, 10}, {2, 500}, {1, 11}}, "apa"},
		{"restart after two in sequence", []p{{1, 10}, {2, 500}, {2, 501}, {2, 502}, {1, 11}}, "apnap"},
		{"out of sequence starts over", []p{{1, 10}, {2, 500}, {2, 502}, {2, 503}}, "appn"},
		{"duplicate starts over", []p{{1, 10}, {2, 500}, {2, 500}, {2, 501}}, "appn"},
		{"across the wrap", []p{{1, 10}, {2, 65535}, {2, 0}}, "apn"},
		{"a new SSRC per packet never passes", cat([]p{{1, 10}}, spoofed(40), []p{{1, 11}}), "a" + strings.Repeat("p", 40) + "a"},
		{"restart among three spoofed SSRCs per packet", cat([]p{{1, 10}, {2, 500}}, spoofed(3), []p{{2, 501}}), "ap" + "ppp" + "n"},
		{"four spoofed SSRCs per packet evict it", cat([]p{{1, 10}, {2, 500}}, spoofed(4), []p{{2, 501}}), "ap" + "pppp" + "p"},
		{"back to the previous source", []p{{1, 10}, {2, 500}, {2, 501}, {1, 11}, {1, 12}, {1, 13}}, "apnpna"},
	}
	letters := map[admission]byte{admitted: 'a', admittedNew: 'n', probation: 'p'}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r remoteSource
			var got []byte
			for _, pk := range tc.pkts {
				got = append(got, letters[r.admit(pk.ssrc, pk.seq)])
			}
			if string(got) != tc.want {
				t.Fatalf("admissions %s, want %s", got, tc.want)
			}
		})
	}
}

func TestRemoteSourceDigits(t *testing.T) {
	tests := []struct {
		name string
		pkts []uint16 // sequence numbers of one source's packets
		in   string   // digit detected in each packet ('.': none)
		want string   // digits reported
	}{
		{"confirmed by the second packet", []uint16{1, 2, 3}, "5..", "5"},
		{"held until confirmed", []uint16{1, 3, 4, 5}, "5.7.", "57"},
		{"only the first digit is held", []uint16{1, 3, 5, 6}, "567.", "5"},
		{"never confirmed", []uint16{1, 3, 5}, "5..", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r remoteSource
			var got []byte
			for i, seq := range tc.pkts {
				if r.admit(9, seq) != admitted {
					t.Fatalf("packet %d not admitted", i)
				}
				d := tc.in[i]
				if d == '.' {
					d = 0
				}
				first, second := r.digits(d)
				for _, out := range []byte{first, second} {
					if out != 0 {
						got = append(got, out)
					}
				}
			}
			if string(got) != tc.want {
				t.Fatalf("reported %q, want %q", got, tc.want)
			}
		})
	}
}

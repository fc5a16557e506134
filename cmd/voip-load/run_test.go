package main

import "testing"

func TestSummaryAddConclude(t *testing.T) {
	tests := []struct {
		name  string
		calls []callTotals
		want  summary
	}{
		{"clean", []callTotals{{sent: 50, received: 50, frames: 50, tone: 50}},
			summary{Packets: packetSummary{Sent: 50, Received: 50, Expected: 50}, Audio: audioSummary{Frames: 50, ToneFrames: 50}, NoLoss: true}},
		{"one short by one packet is no deficit", []callTotals{{sent: 50, received: 49, frames: 49, tone: 49}},
			summary{Packets: packetSummary{Sent: 50, Received: 49, Expected: 50}, Audio: audioSummary{Frames: 49, ToneFrames: 49}, NoLoss: true}},
		{"loss, gaps, silence, early end", []callTotals{
			{sent: 50, received: 40, lost: 10, late: 2, frames: 40, tone: 30, gaps: 10},
			{endedEarly: true, sent: 50, received: 50, frames: 50}},
			summary{EndedEarly: 1,
				Packets: packetSummary{Sent: 100, Received: 90, LostSeq: 10, Expected: 100, Deficit: 10, Late: 2, LossPct: 10, CallsWithLoss: 1},
				Audio:   audioSummary{Frames: 90, ToneFrames: 30, GapFrames: 10, GapPct: 100 * 10.0 / 90, CallsWithGaps: 1, CallsNoTone: 1}}},
	}
	for _, tt := range tests {
		var s summary
		for _, c := range tt.calls {
			s.add(c, 50)
		}
		s.conclude()
		if s.Packets != tt.want.Packets || s.Audio != tt.want.Audio || s.EndedEarly != tt.want.EndedEarly || s.NoLoss != tt.want.NoLoss {
			t.Errorf("%s: got %+v %+v ended %d no_loss %v, want %+v %+v ended %d no_loss %v", tt.name,
				s.Packets, s.Audio, s.EndedEarly, s.NoLoss, tt.want.Packets, tt.want.Audio, tt.want.EndedEarly, tt.want.NoLoss)
		}
	}
}

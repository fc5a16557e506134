package sip

import "testing"

func TestIsOurUser(t *testing.T) {
	tests := []struct {
		user, ours string
		want       bool
	}{
		{"", "alice", true}, // no user part: addressed to the host
		{"alice", "alice", true},
		{"al%69ce", "alice", true},
		{"alice", "al%69ce", true},
		{"Alice", "alice", false},
		{"bob", "alice", false},
		{"alice%", "alice", false},
		{"+4930123", "+4930123", true},
		{"%2B4930123", "+4930123", true},
	}
	for _, tt := range tests {
		if got := isOurUser(tt.user, tt.ours); got != tt.want {
			t.Errorf("isOurUser(%q, %q) = %v, want %v", tt.user, tt.ours, got, tt.want)
		}
	}
}

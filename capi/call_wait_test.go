package main

import (
	"regexp"
	"strconv"
	"testing"

	"github.com/libvoip/libvoip/voip"
)

// TestDrainFlushCollectConstantsMatchHeader: voip.h's VOIP_DRAIN_*,
// VOIP_FLUSH_* and VOIP_COLLECT_* are package voip's values.
func TestDrainFlushCollectConstantsMatchHeader(t *testing.T) {
	want := map[string]int64{
		"VOIP_DRAIN_DTMF":           int64(voip.DrainDTMF),
		"VOIP_DRAIN_AUDIO":          int64(voip.DrainAudio),
		"VOIP_FLUSH_SEND_AUDIO":     int64(voip.FlushSendAudio),
		"VOIP_FLUSH_RECEIVED_AUDIO": int64(voip.FlushReceivedAudio),
		"VOIP_FLUSH_RECEIVED_DTMF":  int64(voip.FlushReceivedDTMF),
		"VOIP_COLLECT_MAX_DIGITS":   int64(voip.CollectMaxDigits),
		"VOIP_COLLECT_TERMINATOR":   int64(voip.CollectTerminator),
		"VOIP_COLLECT_TIMEOUT":      int64(voip.CollectTimeout),
		"VOIP_COLLECT_INTER_DIGIT":  int64(voip.CollectInterDigit),
		"VOIP_COLLECT_ENDED":        int64(voip.CollectEnded),
	}
	re := regexp.MustCompile(`(?m)^#define (VOIP_(?:DRAIN|FLUSH|COLLECT)_[A-Z_]+)\s+(\d+)u?\b`)
	got := map[string]int64{}
	for _, m := range re.FindAllStringSubmatch(readHeader(t), -1) {
		n, _ := strconv.ParseInt(m[2], 10, 64)
		got[m[1]] = n
	}
	for name, v := range want {
		if g, ok := got[name]; !ok || g != v {
			t.Errorf("voip.h %s = %d (defined %v), package voip %d", name, g, ok, v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("voip.h defines %d such constants, the test knows %d: %v", len(got), len(want), got)
	}
}

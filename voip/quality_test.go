package voip

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

func TestEModel(t *testing.T) {
	tests := []struct {
		name     string
		in       EModelInput
		min, max float64 // MOS
	}{
		{"clean call", EModelInput{Codec: "PCMU", OneWayDelayMs: 80, PLC: true}, 4.3, 4.45},
		{"5% loss, PLC", EModelInput{Codec: "PCMU", LossPercent: 5, OneWayDelayMs: 80, PLC: true}, 3.7, 3.95},
		{"5% loss, no PLC", EModelInput{Codec: "PCMU", LossPercent: 5, OneWayDelayMs: 80}, 1.9, 2.2},
		{"20% loss, PLC", EModelInput{Codec: "PCMA", LossPercent: 20, OneWayDelayMs: 80, PLC: true}, 2.3, 2.7},
		{"400 ms one way", EModelInput{Codec: "PCMU", OneWayDelayMs: 400, PLC: true}, 2.9, 3.3},
		{"everything lost", EModelInput{Codec: "PCMU", LossPercent: 100, PLC: true}, 1, 1.2},
		{"nonsense clamped", EModelInput{LossPercent: -5, OneWayDelayMs: -1}, 4.4, 4.5},
	}
	for _, tt := range tests {
		r, mos := EModel(tt.in)
		if mos < tt.min || mos > tt.max {
			t.Errorf("%s: R %.2f MOS %.2f, want MOS %.2f..%.2f", tt.name, r, mos, tt.min, tt.max)
		}
	}
	// Monotonic: more loss or more delay never raises the MOS.
	prev := 5.0
	for loss := 0.0; loss <= 30; loss += 0.5 {
		_, mos := EModel(EModelInput{LossPercent: loss, OneWayDelayMs: 100, PLC: true})
		if mos > prev {
			t.Fatalf("MOS rises from %.2f to %.2f at %.1f%% loss", prev, mos, loss)
		}
		prev = mos
	}
}

// The quality JSON of a clean call between two phones, and the quality
// events: periodic with quality_interval_ms, one more before ENDED.
func TestQualityInfoAndEvents(t *testing.T) {
	log := &eventLog{}
	in := newIncoming()
	hb := in.handler(true)
	hb.CallEvent = log.add
	states := make(chan CallState, 16)
	hb.CallState = func(c *Call, s CallState, _ string) {
		if s == Ended {
			log.add(c, "STATE", "ENDED")
		}
		states <- s
	}
	b := testPhoneWith(t, 51000, map[string]string{"quality_interval_ms": "1000"}, hb)
	a := testPhoneWith(t, 51050, nil, Handler{CallEvent: log.add})
	ca, err := a.Call(uriOf(t, b))
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, ca, Answered, 5*time.Second)
	cb := in.next(t)
	time.Sleep(2500 * time.Millisecond)

	raw, err := cb.Info("quality")
	if err != nil {
		t.Fatal(err)
	}
	var q map[string]any
	if err := json.Unmarshal([]byte(raw), &q); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	for _, k := range []string{"codec", "packets_sent", "packets_received", "packets_lost", "loss_percent",
		"jitter_ms", "remote_packets_sent", "remote_packets_lost", "remote_loss_percent", "remote_jitter_ms",
		"rtt_ms", "concealed_frames", "comfort_noise_frames", "late", "duplicates", "jitter_buffer_ms",
		"jitter_buffer_target_ms", "jitter_mode", "rtcp_sent", "rtcp_received", "rtcp_mux", "r_factor", "mos"} {
		if _, ok := q[k]; !ok {
			t.Errorf("quality lacks %q: %s", k, raw)
		}
	}
	// A clean call: no loss, so the MOS is the E-model's for its delay
	// (above 3.5 even at the largest adaptive delay on a loaded machine).
	if q["codec"] != "PCMU" || q["packets_received"].(float64) < 100 || q["packets_lost"].(float64) != 0 ||
		q["loss_percent"].(float64) != 0 || q["mos"].(float64) < 3.5 || q["jitter_mode"] != "adaptive" || q["rtcp_mux"] != true {
		t.Errorf("clean call: %s", raw)
	}
	ta := q["jitter_buffer_ms"].(float64) + 20
	if rtt, ok := q["rtt_ms"].(float64); ok {
		ta += rtt / 2
	}
	if r, mos := EModel(EModelInput{OneWayDelayMs: ta, PLC: true}); math.Abs(mos-q["mos"].(float64)) > 0.02 ||
		math.Abs(r-q["r_factor"].(float64)) > 0.05 {
		t.Errorf("MOS %v R %v, the E-model of its inputs gives %v %v: %s", q["mos"], q["r_factor"], mos, r, raw)
	}
	_ = ca.Hangup()
	waitState(t, cb, Ended, 5*time.Second)
	time.Sleep(100 * time.Millisecond)

	log.mu.Lock()
	got := log.events[cb]
	log.mu.Unlock()
	// 2.5 s at 1 s intervals: 2 periodic events (3 on a slow machine),
	// then the final one, then ENDED.
	n := 0
	for _, e := range got {
		if strings.HasPrefix(e, EventQuality+" {") {
			n++
		}
	}
	if n < 3 || n > 4 || len(got) != n+1 || got[n] != "STATE ENDED" {
		t.Errorf("callee's events: %q; want 3 quality events, the last just before ENDED", got)
	}
	// quality_interval_ms 0: no periodic event, the final one all the same.
	if got := maskQuality(log.events[ca]); len(got) != 1 || got[0] != qualityEvent {
		t.Errorf("caller (quality_interval_ms 0) got events %q; want the final quality event only", log.events[ca])
	}
	// After the end the quality is still there.
	if after, _ := cb.Info("quality"); !strings.Contains(after, `"packets_received":`) || after == "{}" {
		t.Errorf("quality after the end: %s", after)
	}
}

func TestQualityOptions(t *testing.T) {
	cfg := DefaultConfig()
	for _, kv := range [][2]string{{"jitter_mode", "sometimes"}, {"jitter_min_ms", "30"}, {"jitter_max_ms", "0"},
		{"quality_interval_ms", "500"}, {"plc", "maybe"}} {
		if err := cfg.Set(kv[0], kv[1]); err == nil {
			t.Errorf("%s=%s accepted", kv[0], kv[1])
		}
	}
	_ = cfg.Set("jitter_min_ms", "200")
	_ = cfg.Set("jitter_max_ms", "100")
	if err := cfg.validate(); err == nil || !strings.Contains(err.Error(), "jitter_min_ms") {
		t.Errorf("min > max: %v", err)
	}
}

package voip

import (
	"encoding/json"
	"math"
	"time"

	"github.com/libvoip/libvoip/rtp"
)

// Quality is a call's media quality: what voip_call_info(call, "quality")
// returns, as JSON with these field names. "Remote" fields are the peer's
// view of our stream, from its RTCP reports; RTT and the remote fields
// are null until a report came.
type Quality struct {
	Codec             string   `json:"codec"`
	PacketsSent       uint64   `json:"packets_sent"`
	PacketsReceived   uint64   `json:"packets_received"`
	PacketsLost       int64    `json:"packets_lost"`
	LossPercent       float64  `json:"loss_percent"`
	JitterMs          float64  `json:"jitter_ms"`
	RemotePacketsSent *uint32  `json:"remote_packets_sent"`
	RemotePacketsLost *int64   `json:"remote_packets_lost"`
	RemoteLossPercent *float64 `json:"remote_loss_percent"`
	RemoteJitterMs    *float64 `json:"remote_jitter_ms"`
	RTTMs             *float64 `json:"rtt_ms"`
	ConcealedFrames   uint64   `json:"concealed_frames"`
	ComfortNoise      uint64   `json:"comfort_noise_frames"`
	Late              uint64   `json:"late"`
	Duplicates        uint64   `json:"duplicates"`
	JitterBufferMs    int      `json:"jitter_buffer_ms"`
	JitterTargetMs    int      `json:"jitter_buffer_target_ms"`
	JitterMode        string   `json:"jitter_mode"`
	RTCPSent          uint64   `json:"rtcp_sent"`
	RTCPReceived      uint64   `json:"rtcp_received"`
	RTCPMux           bool     `json:"rtcp_mux"`
	RFactor           float64  `json:"r_factor"`
	MOS               float64  `json:"mos"`
}

// Quality returns the call's media quality (zero counters before media).
func (c *Call) Quality() Quality {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.qualityLocked()
}

// qualityLocked gathers the quality; c.mu is held.
func (c *Call) qualityLocked() Quality {
	q := Quality{Codec: c.neg.Codec.Name, JitterMode: "fixed"}
	if c.stream == nil {
		q.RFactor, q.MOS = EModel(EModelInput{Codec: q.Codec})
		return q
	}
	st := c.stream.Stats()
	ps := c.stream.PlayoutStats()
	rs := c.stream.RTCPStats()
	plc, noise := c.stream.Concealed()
	q.PacketsSent, q.PacketsReceived, q.PacketsLost = st.PacketsSent, st.PacketsReceived, st.PacketsLost
	q.JitterMs = round2(st.JitterMs)
	// Lost on the wire and discarded as too late both count as lost.
	lost := max(st.PacketsLost, 0) + int64(ps.Late)
	if expected := int64(st.PacketsReceived) + max(st.PacketsLost, 0); expected > 0 {
		q.LossPercent = round2(100 * float64(lost) / float64(expected))
	}
	q.ConcealedFrames, q.ComfortNoise = plc, noise
	q.Late, q.Duplicates = ps.Late, ps.Duplicates
	q.JitterBufferMs, q.JitterTargetMs = ps.DelayMs, ps.TargetMs
	if ps.Adaptive {
		q.JitterMode = "adaptive"
	}
	q.RTCPSent, q.RTCPReceived, q.RTCPMux = rs.Sent, rs.Received, rs.Mux
	if rs.PeerPacketsSent > 0 {
		q.RemotePacketsSent = &rs.PeerPacketsSent
	}
	if rs.HaveRemote {
		lostPct, jit := round2(100*rs.RemoteFractionLost), round2(rs.RemoteJitterMs)
		q.RemotePacketsLost, q.RemoteLossPercent, q.RemoteJitterMs = &rs.RemoteLost, &lostPct, &jit
	}
	in := EModelInput{Codec: q.Codec, LossPercent: q.LossPercent, PLC: c.phone.env().cfg.Quality.PLC,
		OneWayDelayMs: float64(ps.DelayMs) + float64(rtp.FrameInterval/time.Millisecond)}
	if rs.HaveRTT {
		rtt := round2(float64(rs.RTT) / float64(time.Millisecond))
		q.RTTMs = &rtt
		in.OneWayDelayMs += rtt / 2
	}
	q.RFactor, q.MOS = EModel(in)
	return q
}

// qualityJSONLocked is the "quality" fact; c.mu is held.
func (c *Call) qualityJSONLocked() string {
	b, err := json.Marshal(c.qualityLocked())
	if err != nil { // cannot happen: plain fields
		return "{}"
	}
	return string(b)
}

// startQualityTimerLocked posts the quality event every interval (0:
// never) until the call ends: one timer per call, re-armed as it fires.
func (c *Call) startQualityTimerLocked(interval time.Duration) {
	if interval <= 0 || c.qualityTimer != nil {
		return
	}
	fire := func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.state == Ended || c.stream == nil {
			return
		}
		c.emitEvent(EventQuality, c.qualityJSONLocked())
		c.qualityTimer.Reset(interval)
	}
	c.qualityTimer = time.AfterFunc(interval, fire)
}

// finalQualityLocked stops the periodic quality event and posts the last
// one as the call ends: on every call that had media, whether or not
// periodic events are on; c.mu is held.
func (c *Call) finalQualityLocked() {
	if c.qualityTimer != nil {
		c.qualityTimer.Stop()
	}
	if c.stream != nil {
		c.emitEvent(EventQuality, c.qualityJSONLocked())
	}
}

// EModelInput are the inputs of the simplified E-model.
type EModelInput struct {
	Codec         string  // e.g. "PCMU": its Ie and Bpl (see EModel)
	LossPercent   float64 // packets lost or discarded as late, 0..100
	OneWayDelayMs float64 // mouth-to-ear delay: RTT/2 + jitter buffer + packetization
	PLC           bool    // loss is concealed (G.711 Bpl 25.1, else 4.3)
}

// EModel estimates the R factor and MOS of a call with ITU-T G.107's
// E-model, simplified to what a receiver measures:
//
//	R      = 93.2 − Id − Ie,eff            (R0 − Is = 93.2 with G.107's defaults, A = 0)
//	Id     = 0.024·Ta + 0.11·(Ta − 177.3)·H(Ta − 177.3)   (Ta: one-way delay, ms)
//	Ie,eff = Ie + (95 − Ie)·Ppl / (Ppl + Bpl)             (random loss: BurstR = 1)
//	MOS    = 1 + 0.035·R + R·(R − 60)·(100 − R)·7·10⁻⁶    (1 for R ≤ 0, 4.5 for R ≥ 100)
//
// Ppl is the loss in percent; Ie and Bpl come from ITU-T G.113 Appendix I:
// G.711 (PCMU, PCMA) Ie 0 with Bpl 25.1 when loss is concealed, 4.3 when
// it is not. Other codecs are given G.711's values (G.113 publishes no
// narrowband-scale values for them). Id is the Cole–Rosenbluth
// approximation of G.107's delay impairment, without echo.
func EModel(in EModelInput) (r, mos float64) {
	const ie = 0
	bpl := 4.3
	if in.PLC {
		bpl = 25.1
	}
	ta := max(in.OneWayDelayMs, 0)
	id := 0.024 * ta
	if ta > 177.3 {
		id += 0.11 * (ta - 177.3)
	}
	ppl := min(max(in.LossPercent, 0), 100)
	ieEff := ie + (95-ie)*ppl/(ppl+bpl)
	r = 93.2 - id - ieEff
	switch {
	case r <= 0:
		mos = 1
	case r >= 100:
		mos = 4.5
	default:
		mos = 1 + 0.035*r + r*(r-60)*(100-r)*7e-6
	}
	return round2(r), round2(mos)
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

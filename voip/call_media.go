package voip

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/libvoip/libvoip/rtp"
	"github.com/libvoip/libvoip/sip"
)

// startMedia starts the RTP stream (or, after early media, applies the
// final answer to the running one) and moves the call to Answered. ours
// and theirs are the session descriptions of the offer/answer exchange.
func (c *Call) startMedia(neg sip.Negotiated, ours, theirs []byte) error {
	codec := rtp.CodecByName(neg.Codec.Name)
	if codec == nil {
		return fmt.Errorf("codec %s not supported", neg.Codec.Name)
	}
	env := c.phone.env()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state == Ended {
		return ErrCallEnded
	}
	if c.stream != nil {
		// Early media ran (call_early.go): the final answer may
		// differ from the provisional one.
		c.neg = neg
		c.stream.Update(rtp.StreamUpdate{
			Remote: neg.Remote, Codec: codec, PayloadType: neg.Codec.PayloadType,
			DTMFPayloadType: neg.DTMFPayloadType,
			Send:            neg.Direction.Sends(), Receive: neg.Direction.Receives(),
			Protector: c.protectorLocked(neg),
		})
	} else if err := c.openStreamLocked(env, neg, codec, c.in != nil); err != nil {
		return err
	}
	c.startICELocked(theirs) // ice.go: after the stream, which it moves
	c.startSessionLocked(ours, theirs)
	c.setStateLocked(Answered, "200 OK")
	return nil
}

// openStreamLocked starts the call's RTP stream for neg. unconfirmed
// limits what it sends until the peer confirms the session (an incoming
// call's ACK, or RTP from the peer): rtp.StreamConfig.Unconfirmed.
func (c *Call) openStreamLocked(env callEnv, neg sip.Negotiated, codec *rtp.Codec, unconfirmed bool) error {
	if env.pacer == nil {
		return errStopped
	}
	stream, err := rtp.NewStream(rtp.StreamConfig{
		Conn:            c.conn,
		Remote:          neg.Remote,
		Codec:           codec,
		PayloadType:     neg.Codec.PayloadType,
		DTMFPayloadType: neg.DTMFPayloadType,
		Send:            neg.Direction.Sends(),
		Receive:         neg.Direction.Receives(),
		JitterDelay:     int(env.cfg.JitterDelay / rtp.FrameInterval),
		Format:          env.cfg.AudioFormat,
		SampleRate:      env.cfg.SampleRate,
		OnDTMF:          c.onDigit,
		Unconfirmed:     unconfirmed,
		// A peer silent for RTPTimeout ends the call (call_timeouts.go).
		InactivityTimeout: env.cfg.RTPTimeout,
		OnInactive:        c.onInactive,
		DetectInband:      env.cfg.DetectInbandDTMF,
		Protector:         c.protectorLocked(neg), // media_security.go
		OnSTUN:            c.iceOnSTUNLocked(),    // ice.go
	})
	if err != nil {
		return err
	}
	c.neg, c.stream = neg, stream
	if c.bport != nil {
		c.bport.setStream(stream)
	}
	if c.ice != nil {
		c.ice.attach(stream)
	}
	if unconfirmed && c.in != nil {
		c.in.OnAck(stream.Confirm)
	}
	stream.Start(env.pacer)
	return nil
}

// onDigit is called by the stream for each received key press.
func (c *Call) onDigit(d byte) {
	c.mu.Lock()
	if len(c.digits) < maxQueuedDigits {
		c.digits = append(c.digits, d)
	}
	if c.digitWait != nil {
		close(c.digitWait)
		c.digitWait = nil
	}
	c.mu.Unlock()
	c.phone.events.post(func() {
		if f := c.phone.handlers().DTMF; f != nil {
			f(c, d)
		}
	})
}

// GetDTMF takes up to n received digits (n <= 0: all), oldest first; ""
// when none are queued (pyVoIP's get_dtmf).
func (c *Call) GetDTMF(n int) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n <= 0 || n > len(c.digits) {
		n = len(c.digits)
	}
	s := string(c.digits[:n])
	c.digits = c.digits[n:]
	return s
}

// SendDTMF queues digits to send, each lasting duration (0 = 100 ms), and
// returns: as RFC 4733 events or one SIP INFO each, as the phone's
// dtmf_mode says (auto: RFC 4733 when the peer accepted telephone-event
// and we send RTP, else INFO).
func (c *Call) SendDTMF(digits string, duration time.Duration) error {
	if digits == "" {
		return fmt.Errorf("%w: no digits", ErrInvalidArgument)
	}
	for i := 0; i < len(digits); i++ {
		if _, ok := rtp.DigitEvent(digits[i]); !ok {
			return fmt.Errorf("%w: %q is not a DTMF digit (0-9 * # A-D)", ErrInvalidArgument, digits[i])
		}
	}
	if duration != 0 && (duration < 40*time.Millisecond || duration > 5*time.Second) {
		return fmt.Errorf("%w: DTMF duration %v is not 40 ms..5 s", ErrInvalidArgument, duration)
	}
	c.mu.Lock()
	stream, state := c.stream, c.state
	c.mu.Unlock()
	if state != Answered || stream == nil {
		return stateError("send DTMF", state)
	}
	mode := c.phone.env().cfg.DTMFMode
	switch mode {
	case DTMFInfo:
		return c.sendInfoDTMF(digits, duration)
	case DTMFInband:
		return c.sendInbandDTMF(stream, digits, duration)
	}
	if err := stream.SendDTMF(digits, duration); err != nil {
		if errors.Is(err, rtp.ErrNoDTMF) && mode == DTMFAuto {
			return c.sendInfoDTMF(digits, duration)
		}
		if errors.Is(err, rtp.ErrNoDTMF) {
			return fmt.Errorf("%w: the peer did not accept telephone-events", ErrInvalidState)
		}
		if errors.Is(err, rtp.ErrClosed) {
			return ErrCallEnded
		}
		return fmt.Errorf("%w: %v", ErrInvalidArgument, err)
	}
	return nil
}

// media waits (up to timeout; negative = forever) for the call's stream.
func (c *Call) media(timeout time.Duration) (*rtp.Stream, error) {
	c.mu.Lock()
	stream, state := c.stream, c.state
	c.mu.Unlock()
	if stream != nil {
		return stream, nil
	}
	if state == Ended {
		return nil, ErrCallEnded
	}
	ctx := context.Background()
	if timeout >= 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	if _, err := c.Wait(ctx, Answered.Mask()); err != nil {
		return nil, err
	}
	c.mu.Lock()
	stream = c.stream
	c.mu.Unlock()
	if stream == nil {
		return nil, ErrCallEnded
	}
	return stream, nil
}

// ReadAudio fills buf with received audio in the phone's format, waiting
// up to timeout (negative: forever; 0: no wait). It returns the bytes read
// and nil when buf is full, ErrTimeout when it is not, ErrCallEnded when
// the call ended and no audio is left.
func (c *Call) ReadAudio(buf []byte, timeout time.Duration) (int, error) {
	start := time.Now()
	stream, err := c.media(timeout)
	if err != nil {
		return 0, err
	}
	if timeout > 0 {
		timeout = max(0, timeout-time.Since(start))
	}
	n, err := stream.ReadAudio(buf, timeout)
	return n, streamErr(err)
}

// streamErr maps the stream's errors to the package's.
func streamErr(err error) error {
	switch {
	case errors.Is(err, rtp.ErrClosed):
		return ErrCallEnded
	case errors.Is(err, rtp.ErrTimeout):
		return ErrTimeout
	}
	return err
}

// WriteAudio queues audio (phone's format) to send, waiting up to timeout
// for room. It returns the bytes queued and nil, ErrTimeout (partly
// queued), ErrCallEnded, or ErrInvalidState before the call is answered.
func (c *Call) WriteAudio(data []byte, timeout time.Duration) (int, error) {
	c.mu.Lock()
	stream, state := c.stream, c.state
	c.mu.Unlock()
	if state == Ended {
		return 0, ErrCallEnded
	}
	if stream == nil {
		return 0, stateError("write audio", state)
	}
	n, err := stream.WriteAudio(data, timeout)
	return n, streamErr(err)
}

// Info returns a fact about the call by key (see voip_call_info).
func (c *Call) Info(key string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch key {
	case "direction":
		if c.outgoing {
			return "outgoing", nil
		}
		return "incoming", nil
	case "remote_uri":
		return c.remoteURI, nil
	case "local_uri":
		return c.localURI, nil
	case "call_id":
		return c.callID, nil
	case "state":
		return c.state.String(), nil
	case "codec":
		return c.neg.Codec.Name, nil
	case "local_rtp":
		if c.stream != nil {
			return c.stream.LocalAddr().String(), nil
		}
		if c.conn != nil {
			return c.conn.LocalAddr().String(), nil
		}
		return "", nil
	case "remote_rtp":
		if c.neg.Remote.IsValid() {
			return c.neg.Remote.String(), nil
		}
		return "", nil
	case "hold":
		return c.holdInfoLocked(), nil
	case "ice":
		return c.iceInfoLocked(), nil // ice.go
	case "remote_sdp":
		return string(c.sess.remoteSDP), nil
	case "session_expires":
		return c.sessionExpiresInfoLocked(), nil
	case "end_reason":
		return c.endReason, nil
	case "end_code":
		return strconv.Itoa(c.endCode), nil
	case "stats":
		var st rtp.Stats
		if c.stream != nil {
			st = c.stream.Stats()
		}
		return statsJSON(st, c.info.sent.Load(), c.info.received.Load()), nil
	}
	if v, ok := c.securityInfoLocked(key); ok { // media_security.go
		return v, nil
	}
	return "", fmt.Errorf("%w: unknown call info key %q", ErrInvalidArgument, key)
}

// statsJSON is the "stats" fact: the stream's counters and the digits
// sent and received by SIP INFO, as a JSON object.
func statsJSON(st rtp.Stats, infoSent, infoReceived uint64) string {
	return fmt.Sprintf(`{"packets_sent":%d,"packets_received":%d,"packets_lost":%d,"late":%d,`+
		`"dropped_source":%d,"dropped_payload_type":%d,"malformed":%d,"dtmf_sent":%d,`+
		`"dtmf_received":%d,"read_overruns":%d,"latched":%d,"dropped_ssrc":%d,"jitter_ms":%.2f,`+
		`"dtmf_info_sent":%d,"dtmf_info_received":%d}`,
		st.PacketsSent, st.PacketsReceived, st.PacketsLost, st.Late, st.DroppedSource,
		st.DroppedPayloadType, st.Malformed, st.DTMFSent, st.DTMFReceived, st.ReadOverruns, st.Latched,
		st.DroppedSSRC, st.JitterMs, infoSent, infoReceived)
}

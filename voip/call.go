package voip

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/libvoip/libvoip/rtp"
	"github.com/libvoip/libvoip/sip"
)

// maxQueuedDigits bounds the received-DTMF queue of a call.
const maxQueuedDigits = 1024

// byeTimeout bounds a BYE or CANCEL sent in the background.
const byeTimeout = 5 * time.Second

var (
	errUserCancel    = errors.New("canceled by the application")
	errInviteTimeout = errors.New("no answer in time")
)

// Call is one call: a SIP dialog and its RTP stream. Its methods may be
// called from any goroutine.
type Call struct {
	phone    *Phone
	outgoing bool

	// Set before the call is published, then read-only.
	remoteURI, localURI, callID string
	in                          *sip.IncomingCall
	out                         *sip.OutgoingCall
	offer                       []byte
	cancelInvite                context.CancelCauseFunc

	mu             sync.Mutex
	state          CallState
	changed        chan struct{} // closed and replaced on each state change
	endReason      string
	endCode        int
	busy           bool // an answer is being sent
	gotProvisional bool
	timedOut       bool
	conn           *net.UDPConn
	port           int
	host           string // our host as this call's peer sees us
	local          sip.LocalMedia
	neg            sip.Negotiated
	stream         *rtp.Stream
	digits         []byte
}

func newCall(p *Phone, outgoing bool) *Call {
	return &Call{phone: p, outgoing: outgoing, changed: make(chan struct{})}
}

// Phone is the phone the call belongs to.
func (c *Call) Phone() *Phone { return c.phone }

// State returns the call's state.
func (c *Call) State() CallState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// setState changes the state and queues the CallState event; c.mu is held.
func (c *Call) setState(s CallState, reason string) {
	if c.state == Ended || (c.state == s && s != Dialing && s != Ringing) {
		return // nothing comes after Ended
	}
	c.state = s
	close(c.changed)
	c.changed = make(chan struct{})
	c.phone.events.post(func() {
		if f := c.phone.handlers().CallState; f != nil {
			f(c, s, reason)
		}
	})
}

// Wait blocks until the call's state is in mask, or Ended, or ctx is done
// (ErrTimeout). It returns the state.
func (c *Call) Wait(ctx context.Context, mask StateMask) (CallState, error) {
	for {
		c.mu.Lock()
		s, ch := c.state, c.changed
		c.mu.Unlock()
		if mask.Has(s) || s == Ended {
			return s, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return c.State(), ErrTimeout
		}
	}
}

// EndReason says why the call ended ("" while it has not) and the SIP
// status that ended it (0 when none did).
func (c *Call) EndReason() (string, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.endReason, c.endCode
}

// end moves the call to Ended (once) and frees its media.
func (c *Call) end(reason string, code int) {
	c.mu.Lock()
	if c.state == Ended {
		c.mu.Unlock()
		return
	}
	c.endReason, c.endCode = reason, code
	c.setState(Ended, reason)
	stream := c.stream
	c.mu.Unlock()
	if stream != nil {
		stream.Close()
	} else if c.conn != nil {
		c.conn.Close()
	}
	c.releasePort()
	c.phone.removeCall(c)
	c.phone.log.Info("call ended", "call_id", c.callID, "reason", reason)
}

// releasePort returns the call's RTP port to the pool (once).
func (c *Call) releasePort() {
	c.mu.Lock()
	port, conn := c.port, c.conn
	c.port = 0
	c.mu.Unlock()
	if port == 0 {
		return
	}
	if c.stream == nil && conn != nil {
		conn.Close()
	}
	c.phone.mu.Lock()
	pool := c.phone.ports
	c.phone.mu.Unlock()
	if pool != nil {
		pool.put(port)
	}
}

func (c *Call) errState(action string) error {
	return fmt.Errorf("%w: %s: call is %s", ErrInvalidState, action, c.state)
}

// Answer accepts an incoming call in Ringing.
func (c *Call) Answer() error {
	c.mu.Lock()
	if c.outgoing || c.state != Ringing || c.busy {
		defer c.mu.Unlock()
		return c.errState("answer")
	}
	c.busy = true
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.busy = false
		c.mu.Unlock()
	}()

	_, ports, err := c.phone.running()
	if err != nil {
		return err
	}
	conn, err := ports.get()
	if err != nil {
		_ = c.in.Reject(503, "Service Unavailable")
		c.end("503 Service Unavailable (no RTP port)", 503)
		return err
	}
	c.mu.Lock()
	c.conn, c.port = conn, conn.LocalAddr().(*net.UDPAddr).Port
	c.mu.Unlock()
	c.phone.mu.Lock()
	local, err := c.phone.localMedia(c.port, c.host)
	c.phone.mu.Unlock()
	if err != nil {
		c.releasePort()
		return err
	}
	answer, neg, err := sip.Answer(c.in.Offer(), local)
	if err != nil { // checked on arrival; only a changed config gets here
		c.releasePort()
		return fmt.Errorf("%w: %v", ErrInvalidArgument, err)
	}
	if err := c.in.Answer(answer, c.host); err != nil {
		c.releasePort()
		return fmt.Errorf("%w: answer: %v", ErrInvalidState, err)
	}
	c.mu.Lock()
	c.local = local
	c.mu.Unlock()
	if err := c.startMedia(neg); err != nil {
		if errors.Is(err, ErrCallEnded) {
			return fmt.Errorf("%w: answer: the call ended meanwhile (%s)", ErrInvalidState, c.endReasonText())
		}
		_ = c.in.Bye(context.Background())
		c.end("media failed: "+err.Error(), 0)
		return err
	}
	return nil
}

func (c *Call) endReasonText() string {
	r, _ := c.EndReason()
	return r
}

// Deny rejects an incoming call in Ringing with code (0 = 486 Busy Here).
func (c *Call) Deny(code int) error {
	if code == 0 {
		code = 486
	}
	if code < 400 || code > 699 {
		return fmt.Errorf("%w: deny status %d is not 400..699", ErrInvalidArgument, code)
	}
	c.mu.Lock()
	if c.outgoing || c.state != Ringing || c.busy {
		defer c.mu.Unlock()
		return c.errState("deny")
	}
	c.busy = true
	c.mu.Unlock()
	reason := sip.ReasonPhrase(code)
	err := c.in.Reject(code, reason)
	c.mu.Lock()
	c.busy = false
	c.mu.Unlock()
	if err != nil {
		return fmt.Errorf("%w: deny: %v", ErrInvalidState, err)
	}
	c.end(fmt.Sprintf("%d %s", code, reason), code)
	return nil
}

// Hangup ends an answered call with BYE. The call is Ended when Hangup
// returns; the BYE completes in the background.
func (c *Call) Hangup() error {
	c.mu.Lock()
	if c.state != Answered {
		defer c.mu.Unlock()
		return c.errState("hangup")
	}
	c.mu.Unlock()
	c.end("local hangup", 0)
	c.sendBye()
	return nil
}

// sendBye sends BYE in the background; the phone waits for it on Stop.
func (c *Call) sendBye() {
	c.phone.background.Add(1)
	go func() {
		defer c.phone.background.Done()
		c.bye()
	}()
}

func (c *Call) bye() {
	ctx, cancel := context.WithTimeout(context.Background(), byeTimeout)
	defer cancel()
	var err error
	if c.outgoing {
		err = c.out.Bye(ctx)
	} else {
		err = c.in.Bye(ctx)
	}
	if err != nil {
		c.phone.log.Info("BYE failed", "call_id", c.callID, "error", err)
	}
}

// Cancel abandons an outgoing call in Dialing or Progress (CANCEL).
func (c *Call) Cancel() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.outgoing || (c.state != Dialing && c.state != Progress) {
		return c.errState("cancel")
	}
	c.setState(Canceling, "CANCEL sent")
	c.cancelInvite(errUserCancel)
	return nil
}

// terminate ends the call by whatever its state calls for. An action can
// lose a race with another transition (an answer in progress, a CANCEL
// arriving): it looks again a few times, then ends the call locally.
func (c *Call) terminate(reason string) {
	for try := 0; try < 50; try++ {
		var err error
		switch c.State() {
		case Answered:
			err = c.Hangup()
		case Ringing:
			err = c.Deny(480)
		case Dialing, Progress:
			err = c.Cancel()
		case Ended, Canceling:
			return
		}
		if err == nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	c.end(reason, 0)
}

// Release ends the call if it is still active. It is what handle release in
// the C API does.
func (c *Call) Release() { c.terminate("released") }

// runOutgoing waits for the INVITE's outcome.
func (c *Call) runOutgoing(ctx context.Context, timeout time.Duration) {
	if timeout > 0 {
		t := time.AfterFunc(timeout, func() {
			c.mu.Lock()
			c.timedOut = true
			prov := c.gotProvisional
			c.mu.Unlock()
			if prov {
				c.cancelInvite(errInviteTimeout)
			} else {
				// RFC 3261 §9.1: no CANCEL before a provisional
				// response; just abandon the transaction.
				c.cancelInvite(sip.ErrAbandoned)
			}
		})
		defer t.Stop()
	}
	c.out.OnBye(func() { c.end("remote hangup", 0) })
	body, err := c.out.WaitAnswer(ctx, func(code int, reason string) {
		if code <= 100 {
			return
		}
		c.mu.Lock()
		c.gotProvisional = true
		if c.state == Dialing || c.state == Progress {
			c.setState(Progress, fmt.Sprintf("%d %s", code, reason))
		}
		c.mu.Unlock()
	})
	cause := context.Cause(ctx)
	c.mu.Lock()
	timedOut := c.timedOut
	canceling := c.state == Canceling
	c.mu.Unlock()
	if err != nil {
		if c.out.AnsweredAfterCancel() {
			// Our CANCEL crossed the callee's 200 OK: confirm and
			// hang up at once (RFC 3261 §9.1).
			c.phone.log.Info("200 OK crossed CANCEL; hanging up", "call_id", c.callID)
			_ = c.out.Ack(context.Background())
			c.sendBye()
		}
		var se *sip.StatusError
		switch {
		case timedOut:
			c.end("timeout: no answer", 408)
		case errors.Is(cause, errUserCancel) || canceling:
			c.end("canceled", 487)
		case errors.As(err, &se):
			c.end(se.Error(), se.Code)
		case errors.Is(cause, errStopped):
			c.end("phone stopped", 0)
		case errors.Is(err, sip.ErrNoResponse):
			c.end("timeout: no response", 408)
		default:
			c.end(err.Error(), 0)
		}
		return
	}
	if err := c.out.Ack(context.Background()); err != nil {
		c.phone.log.Info("ACK failed", "call_id", c.callID, "error", err)
	}
	if canceling || errors.Is(cause, errUserCancel) {
		c.sendBye()
		c.end("canceled", 487)
		return
	}
	c.mu.Lock()
	local := c.local
	c.mu.Unlock()
	neg, err := sip.ParseAnswer(body, local)
	if err != nil {
		c.sendBye()
		c.end("bad answer: "+err.Error(), 488)
		return
	}
	if err := c.startMedia(neg); err != nil {
		c.sendBye()
		c.end("media failed: "+err.Error(), 0)
	}
}

// startMedia starts the RTP stream and moves the call to Answered.
func (c *Call) startMedia(neg sip.Negotiated) error {
	codec := rtp.CodecByName(neg.Codec.Name)
	if codec == nil {
		return fmt.Errorf("codec %s not supported", neg.Codec.Name)
	}
	cfg := c.phone.Config()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state == Ended {
		return ErrCallEnded
	}
	stream, err := rtp.NewStream(rtp.StreamConfig{
		Conn:            c.conn,
		Remote:          neg.Remote,
		Codec:           codec,
		PayloadType:     neg.Codec.PayloadType,
		DTMFPayloadType: neg.DTMFPayloadType,
		Send:            neg.Direction.Sends(),
		Receive:         neg.Direction.Receives(),
		JitterDelay:     int(cfg.JitterDelay / rtp.FrameInterval),
		Format:          cfg.AudioFormat,
		OnDTMF:          c.onDigit,
		Unconfirmed:     c.in != nil, // until the ACK (or RTP) comes
	})
	if err != nil {
		return err
	}
	c.phone.mu.Lock()
	pacer := c.phone.pacer
	c.phone.mu.Unlock()
	if pacer == nil {
		return errStopped
	}
	c.neg, c.stream = neg, stream
	if c.in != nil {
		c.in.OnAck(stream.Confirm)
	}
	stream.Start(pacer)
	c.setState(Answered, "200 OK")
	return nil
}

// onDigit is called by the stream for each received key press.
func (c *Call) onDigit(d byte) {
	c.mu.Lock()
	if len(c.digits) < maxQueuedDigits {
		c.digits = append(c.digits, d)
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

// SendDTMF queues digits to send as RFC 4733 events, each lasting duration
// (0 = 100 ms).
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
		return c.errStateLocked("send DTMF", state)
	}
	if err := stream.SendDTMF(digits, duration); err != nil {
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

func (c *Call) errStateLocked(action string, s CallState) error {
	return fmt.Errorf("%w: %s: call is %s", ErrInvalidState, action, s)
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
		return 0, c.errStateLocked("write audio", state)
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
	case "end_reason":
		return c.endReason, nil
	case "end_code":
		return strconv.Itoa(c.endCode), nil
	case "stats":
		var st rtp.Stats
		if c.stream != nil {
			st = c.stream.Stats()
		}
		return fmt.Sprintf(`{"packets_sent":%d,"packets_received":%d,"packets_lost":%d,"late":%d,`+
			`"dropped_source":%d,"dropped_payload_type":%d,"malformed":%d,"dtmf_sent":%d,`+
			`"dtmf_received":%d,"read_overruns":%d,"latched":%d,"jitter_ms":%.2f}`,
			st.PacketsSent, st.PacketsReceived, st.PacketsLost, st.Late, st.DroppedSource,
			st.DroppedPayloadType, st.Malformed, st.DTMFSent, st.DTMFReceived, st.ReadOverruns, st.Latched, st.JitterMs), nil
	}
	return "", fmt.Errorf("%w: unknown call info key %q", ErrInvalidArgument, key)
}

package voip

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
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
//
// A call is built completely (identifiers, its SIP transaction, the INVITE's
// cancel function, its first state) before it is published: added to the
// phone's table (Phone.Calls), handed to a handler or returned by
// Phone.Call. The fields above mu are read-only from then on.
//
// Lock order: Call.mu before Phone.mu. Holding c.mu, a call may post events
// (the dispatcher's lock is a leaf) and call the Phone methods that take
// p.mu for a moment (env, addCall, removeCall); it never runs a handler,
// never waits on the network, and calls only its stream's non-blocking
// methods. A Call never takes p.mu itself: what it needs of the phone it
// reads through Phone.env.
type Call struct {
	phone    *Phone
	outgoing bool

	// Set before the call is published, then read-only.
	remoteURI, localURI, callID string
	host                        string // our host as this call's peer sees us
	in                          *sip.IncomingCall
	out                         *sip.OutgoingCall
	offer                       []byte
	cancelInvite                context.CancelCauseFunc
	// life is done once the call has ended: work the call started in the
	// background (an INFO being sent, ...) gives up with it.
	life    context.Context
	endLife context.CancelFunc

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
	rtcpConn       *net.UDPConn // RTCP's socket, RTP port + 1 (quality_media.go)
	rtcpTaken      bool         // the stream took rtcpConn over
	qualityTimer   *time.Timer  // the periodic quality event (quality.go)
	local          sip.LocalMedia
	neg            sip.Negotiated
	stream         *rtp.Stream
	bport          *callPort // the call as a bridge port (call_port.go); nil until asked for
	digits         []byte
	info           infoSender             // DTMF by SIP INFO (dtmf_info.go)
	sess           session                // mid-call offer/answer (call_session.go)
	holdBusy       bool                   // a Hold or Resume awaits its answer
	earlySDP       []byte                 // our answer sent in a 183 (call_early.go)
	srtp           *rtp.SRTP              // the stream's SRTP keys now; nil = plain (media_security.go)
	dtls           *rtp.DTLS              // the DTLS-SRTP session; nil when none (media_dtls.go)
	dtlsNeg        sip.DTLS               // what dtls was agreed for
	dtlsSuite      atomic.Pointer[string] // the suite dtls keyed, once keyed
	dtlsFailure    atomic.Pointer[string] // why DTLS-SRTP failed, once it did

	sclock    sessionClock // RFC 4028 session timer (session_timer.go)
	successor *Call        // the call that took this one over (transfer.go)
	referred  bool         // a REFER of the peer is being followed

	// digitWait is closed by the next received digit; nil when nobody
	// waits (CollectDTMF, call_collect.go).
	digitWait  chan struct{}
	ice        *iceSession // the call's ICE agent (ice.go); nil = plain RTP
	iceStarted bool        // its checks against the peer's SDP began
}

// newCall is an unpublished call in its first state: Dialing when outgoing,
// Ringing when incoming.
func newCall(p *Phone, outgoing bool) *Call {
	c := &Call{phone: p, outgoing: outgoing, changed: make(chan struct{})}
	c.life, c.endLife = context.WithCancel(context.Background())
	if !outgoing {
		c.state = Ringing
	}
	return c
}

// publish adds the built call to the phone's table and queues first (when
// not nil) and then the event of the call's first state. Both happen under
// c.mu, so whoever finds the call in the table cannot change its state
// before its first event is queued.
func (c *Call) publish(first func(), reason string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.phone.addCall(c); err != nil {
		return err
	}
	if first != nil {
		c.phone.events.post(first)
	}
	c.postStateLocked(c.state, reason)
	return nil
}

// Phone is the phone the call belongs to.
func (c *Call) Phone() *Phone { return c.phone }

// State returns the call's state.
func (c *Call) State() CallState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// setStateLocked changes the state and queues the CallState event; c.mu
// is held. Nothing comes after Ended, and a state is not entered twice.
func (c *Call) setStateLocked(s CallState, reason string) {
	if c.state == Ended || c.state == s {
		return
	}
	c.state = s
	close(c.changed)
	c.changed = make(chan struct{})
	c.postStateLocked(s, reason)
}

// postStateLocked queues the CallState event for s; c.mu is held, which
// keeps the events of one call in order.
func (c *Call) postStateLocked(s CallState, reason string) {
	c.phone.events.post(func() {
		if f := c.phone.handlers().CallState; f != nil {
			f(c, s, reason)
		}
		c.phone.callsChanged() // busy lamps (blf.go)
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

func (c *Call) endReasonText() string {
	r, _ := c.EndReason()
	return r
}

// end moves the call to Ended (once) and frees its media. It reports
// whether it did: false when the call had ended already.
func (c *Call) end(reason string, code int) bool {
	c.mu.Lock()
	if c.state == Ended {
		c.mu.Unlock()
		return false
	}
	if r := c.dtlsFailure.Load(); r != nil {
		// The peer may hang up on our refusal before our own ending
		// runs: the call still ended because DTLS-SRTP failed.
		reason = *r
	}
	c.endReason, c.endCode = reason, code
	c.finalQualityLocked() // the last "quality" event, before ENDED
	c.setStateLocked(Ended, reason)
	// Out of the table as it ends: Phone.Calls never lists an ended call,
	// and once a call's Wait saw it Ended, it is gone from the table.
	c.phone.removeCall(c)
	stream, conn, mport := c.stream, c.conn, c.bport
	c.mu.Unlock()
	c.endLife()
	if mport != nil {
		mport.leave()
	}
	c.closeDTLS() // media_dtls.go
	if stream != nil {
		stream.Close()
	} else if conn != nil {
		_ = conn.Close()
	}
	c.releasePort()
	c.phone.log.Info("call ended", "call_id", c.callID, "reason", reason)
	return true
}

// releasePort returns the call's RTP port to the pool (once).
func (c *Call) releasePort() {
	c.closeICE() // ice.go
	c.mu.Lock()
	port, conn, stream := c.port, c.conn, c.stream
	c.port = 0
	c.mu.Unlock()
	if port == 0 {
		return
	}
	if stream == nil && conn != nil {
		_ = conn.Close()
	}
	pool := c.phone.env().ports
	c.releaseRTCP(pool)
	if pool != nil {
		pool.put(port)
	}
}

// stateError is the ErrInvalidState error for action in state s.
func stateError(action string, s CallState) error {
	return fmt.Errorf("%w: %s: call is %s", ErrInvalidState, action, s)
}

package voip

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/libvoip/libvoip/rtp"
	"github.com/libvoip/libvoip/sip"
)

// Call quality settings (issue 13) and how they reach the SDP and the RTP
// stream: RTCP on the RTP port + 1 (or muxed), PLC, comfort noise, the
// adaptive jitter buffer, the periodic quality event.

// QualityConfig are the call-quality options of a phone.
type QualityConfig struct {
	RTCP         bool          // send RTCP reports (SR/RR, SDES, BYE)
	RTCPMux      bool          // offer and accept rtcp-mux (RFC 5761)
	PLC          bool          // conceal lost frames (else silence)
	ComfortNoise bool          // offer and accept CN (RFC 3389) and play it
	JitterFixed  bool          // fixed playout delay (jitter_ms) rather than adaptive
	JitterMin    time.Duration // adaptive bounds
	JitterMax    time.Duration //
	Interval     time.Duration // periodic "quality" call event; 0 = none

	// rtcpMinInterval replaces RFC 3550's 5 s minimum report interval
	// (0: 5 s); no option sets it, tests in this package shorten it.
	rtcpMinInterval time.Duration
}

// parseJitterMode reads jitter_mode.
func parseJitterMode(c *Config, v string) error {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "adaptive":
		c.Quality.JitterFixed = false
	case "fixed":
		c.Quality.JitterFixed = true
	default:
		return errBadValue(`want "adaptive" or "fixed"`)
	}
	return nil
}

func jitterModeText(c *Config) string {
	if c.Quality.JitterFixed {
		return "fixed"
	}
	return "adaptive"
}

// frameOption is a delay of 20..1000 ms in steps of 20.
func frameOption(field func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := parseInt(v, 20, 1000)
		if err == nil && n%20 != 0 {
			err = errBadValue("must be a multiple of 20")
		}
		if err == nil {
			*field(c) = time.Duration(n) * time.Millisecond
		}
		return err
	}
}

// validate checks the adaptive bounds against each other.
func (q *QualityConfig) validate() error {
	if q.JitterMin > q.JitterMax {
		return fmt.Errorf("%w: jitter_min_ms %d > jitter_max_ms %d", ErrInvalidRange,
			q.JitterMin/time.Millisecond, q.JitterMax/time.Millisecond)
	}
	return nil
}

// getPair binds an RTP socket and, when rtcp is true, an RTCP socket on
// the next port: a free pair of the range when there is one, else the RTP
// socket alone (RTCP then only muxed, or sent from the RTP socket).
func (p *portPool) getPair(rtcp bool) (rtpConn, rtcpConn *net.UDPConn, err error) {
	if rtcp {
		if a, b := p.pair(); a != nil {
			return a, b, nil
		}
	}
	c, err := p.get()
	return c, nil, err
}

// pair finds two free neighbouring ports of the range, an even first one
// preferred (RFC 3550 §11), and binds both.
func (p *portPool) pair() (*net.UDPConn, *net.UDPConn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	size := p.high - p.low + 1
	for i := 0; i < size; i++ {
		port := p.low + (p.next-p.low+i)%size
		if port%2 != 0 || port+1 > p.high || p.inUse[port] || p.inUse[port+1] {
			continue
		}
		a, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(p.ip, uint16(port))))
		if err != nil {
			continue
		}
		b, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(p.ip, uint16(port+1))))
		if err != nil {
			_ = a.Close()
			continue
		}
		p.inUse[port], p.inUse[port+1] = true, true
		p.next = port + 2
		if p.next > p.high {
			p.next = p.low
		}
		return a, b
	}
	return nil, nil
}

// takePorts gives the call its media sockets; the caller builds its
// LocalMedia with localMedia and then applies withRTCP.
func (c *Call) takePorts(env callEnv) (*net.UDPConn, error) {
	conn, rtcpConn, err := env.ports.getPair(env.cfg.Quality.RTCP)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.conn, c.port, c.rtcpConn = conn, conn.LocalAddr().(*net.UDPAddr).Port, rtcpConn
	c.mu.Unlock()
	return conn, nil
}

// withRTCP adds the call's RTCP port to l.
func (c *Call) withRTCP(l sip.LocalMedia) sip.LocalMedia {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rtcpConn != nil {
		l.RTCPPort = c.rtcpConn.LocalAddr().(*net.UDPAddr).Port
	}
	return l
}

// qualityMedia is what localMedia adds for the call-quality options.
func qualityMedia(cfg *Config, l *sip.LocalMedia) {
	l.RTCPMux = cfg.Quality.RTCP && cfg.Quality.RTCPMux
	l.ComfortNoise = cfg.Quality.ComfortNoise
}

// qualityStream fills the call-quality part of the stream's configuration;
// c.mu is held. The stream takes the RTCP socket over (and closes it).
func (c *Call) qualityStreamLocked(env callEnv, neg sip.Negotiated, sc *rtp.StreamConfig) {
	q := env.cfg.Quality
	sc.PLC = q.PLC
	sc.AdaptiveJitter = !q.JitterFixed
	sc.JitterMin = int(q.JitterMin / rtp.FrameInterval)
	sc.JitterMax = int(q.JitterMax / rtp.FrameInterval)
	if q.ComfortNoise {
		sc.CNPayloadType = neg.CNPayloadType
	}
	if !q.RTCP {
		return
	}
	sc.RTCP = rtp.RTCPConfig{
		Enabled: true,
		Mux:     neg.RTCPMux,
		Remote:  neg.RTCP,
		CNAME:   env.cfg.User + "@" + c.host,

		MinInterval: q.rtcpMinInterval,
	}
	if !neg.RTCPMux && c.rtcpConn != nil {
		sc.RTCP.Conn, c.rtcpTaken = c.rtcpConn, true
	}
}

// releaseRTCP closes the RTCP socket unless the stream took it (and
// closed it), and returns its port to the pool; called by releasePort.
func (c *Call) releaseRTCP(pool *portPool) {
	c.mu.Lock()
	conn, taken := c.rtcpConn, c.rtcpTaken
	c.rtcpConn = nil
	c.mu.Unlock()
	if conn == nil {
		return
	}
	if !taken {
		_ = conn.Close()
	}
	if pool != nil {
		pool.put(conn.LocalAddr().(*net.UDPAddr).Port)
	}
}

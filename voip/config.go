package voip

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/libvoip/libvoip/rtp"
	"github.com/libvoip/libvoip/sip"
)

// Version is the library version.
const Version = "0.1.0"

// Config holds a phone's settings. The zero value is not useful: start
// from DefaultConfig. The C API and the bindings set fields by key with Set.
type Config struct {
	BindIP          netip.Addr    // address the SIP and RTP sockets bind to
	BindPort        int           // SIP UDP port; 0 picks a free one
	RTPPortLow      int           // RTP port range, inclusive
	RTPPortHigh     int           //
	User            string        // user part of our URI
	DisplayName     string        // display name in From
	Hostname        string        // host in Via, Contact and SDP; "" = derived
	UserAgent       string        // User-Agent (requests) and Server (responses) header; "" = none
	AcceptAnyUser   bool          // false: 404 to a request for another user
	AudioFormat     rtp.Format    // application sample format
	SampleRate      int           // application audio rate: 8000, 16000 or 48000 Hz
	Codecs          []string      // codec names in preference order
	DTMFPayloadType uint8         // offered telephone-event payload type; 0 = none
	DTMFMode        DTMFMode      // how SendDTMF sends: RFC 4733, SIP INFO or auto
	JitterDelay     time.Duration // playout delay
	InviteTimeout   time.Duration // 0 = only SIP's transaction timeout
	AllowTransfer   bool          // follow a peer's REFER (else 603)
	Rel100          sip.Rel100    // reliable provisional responses (RFC 3262)
	SessionExpires  int           // session interval asked for, seconds (RFC 4028); 0 = none
	MinSE           int           // smallest session interval accepted, seconds

	// Call limits, against floods and abandoned calls; 0 = none.
	RTPTimeout  time.Duration // end a sendrecv call whose peer sent no RTP this long
	RingTimeout time.Duration // answer 480 to an incoming call left ringing this long
	MaxCalls    int           // calls at once; an INVITE beyond gets 503

	Server          string       // registrar/PBX host ("" = peer to peer)
	ServerPort      int          // its port when Server has none (0 = default)
	RegisterExpires int          // requested registration lifetime, seconds
	Transport       string       // "udp", "tcp" or "tls"
	OutboundProxy   string       // URI or host[:port] every request is sent to
	CAFile          string       // TLS: CA bundle ("" = system store)
	TLSInsecure     bool         // TLS: skip server certificate checks
	CertFile        string       // TLS: our certificate (PEM)
	KeyFile         string       // TLS: its key (PEM)
	KeyPassword     string       // TLS: the key's password, if encrypted
	BindNetwork     netip.Prefix // peers reached with Hostname
	RemoteHostname  string       // host for peers outside BindNetwork

	// Transport limits (sip.ConnLimits); 0 = no limit.
	TCPMaxConnections  int           // TCP/TLS connections open at once
	TCPIdleTimeout     time.Duration // close a connection idle this long
	TCPMessageTimeout  time.Duration // close one whose message is not complete in time
	TCPMaxMessageBytes int           // close one whose message grows longer
	UDPMaxSources      int           // UDP sources remembered before renewal

	// Debugging (issue 17).
	SIPTrace bool // log every SIP message sent and received (trace.go)

	// Events (issue 15).
	EventExpires int // lifetime asked for by SUBSCRIBE and PUBLISH, seconds
	// Media toolkit (issue 12): DetectInbandDTMF runs a Goertzel DTMF
	// detector on received audio (option dtmf_detect_inband).
	DetectInbandDTMF bool
	// Media security (media_security.go).
	MediaEncryption sip.MediaEncryption // SRTP: off, optional or mandatory
	// NAT traversal (nat.go).
	STUNServer string // STUN server host[:port] ("" = none)
	ICE        bool   // offer and answer ICE (ice.go)

	TURNServer   string     // TURN server host[:port] ("" = none, turn.go)
	TURNUser     string     // its username
	TURNPassword string     // its password
	MediaKeying  sip.Keying // how our offers key SRTP: sdes or dtls (media_dtls.go)
}

// DefaultConfig returns the documented defaults: every option's default
// from the option table, parsed as Set would.
func DefaultConfig() Config {
	var c Config
	for _, o := range options {
		if err := o.parse(&c, o.def); err != nil {
			panic("voip: default of option " + o.key + ": " + err.Error())
		}
	}
	return c
}

// Set parses one option by its key (see include/voip.h for the list).
// Errors wrap ErrInvalidArgument.
func (c *Config) Set(key, value string) error {
	o, err := lookupOption(key)
	if err != nil {
		return err
	}
	if err := o.parse(c, value); err != nil {
		return fmt.Errorf("%w: option %s=%q: %v", ErrInvalidArgument, key, value, err)
	}
	return nil
}

// Get formats one option by its key. Errors wrap ErrInvalidArgument.
func (c *Config) Get(key string) (string, error) {
	o, err := lookupOption(key)
	if err != nil {
		return "", err
	}
	if o.format == nil {
		return "", fmt.Errorf("%w: %s cannot be read back", ErrInvalidArgument, key)
	}
	return o.format(c), nil
}

// connLimits are the transport limits of the phone's user agent: the
// options' 0 ("no limit") is sip.ConnLimits' negative value.
func (c *Config) connLimits() sip.ConnLimits {
	return sip.ConnLimits{
		MaxConnections:  noLimit(c.TCPMaxConnections),
		IdleTimeout:     noLimit(c.TCPIdleTimeout),
		MessageTimeout:  noLimit(c.TCPMessageTimeout),
		MaxMessageBytes: noLimit(c.TCPMaxMessageBytes),
		MaxUDPSources:   noLimit(c.UDPMaxSources),
	}
}

// noLimit maps 0 to -1, which sip.ConnLimits reads as "no limit".
func noLimit[T int | time.Duration](v T) T {
	if v == 0 {
		return -1
	}
	return v
}

// validate checks what single options cannot: the port range.
func (c *Config) validate() error {
	if c.RTPPortLow > c.RTPPortHigh {
		return fmt.Errorf("%w: rtp_port_low %d > rtp_port_high %d", ErrInvalidRange, c.RTPPortLow, c.RTPPortHigh)
	}
	if len(c.Codecs) == 0 {
		return fmt.Errorf("%w: no codecs", ErrInvalidArgument)
	}
	return nil
}

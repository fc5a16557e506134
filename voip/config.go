package voip

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/libvoip/libvoip/rtp"
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
	UserAgent       string        // User-Agent header
	AudioFormat     rtp.Format    // application sample format
	Codecs          []string      // codec names in preference order
	DTMFPayloadType uint8         // offered telephone-event payload type; 0 = none
	JitterDelay     time.Duration // playout delay
	InviteTimeout   time.Duration // 0 = only SIP's transaction timeout
}

// DefaultConfig returns the documented defaults.
func DefaultConfig() Config {
	return Config{
		BindIP:          netip.IPv4Unspecified(),
		BindPort:        5060,
		RTPPortLow:      10000,
		RTPPortHigh:     20000,
		User:            "libvoip",
		UserAgent:       "libvoip/" + Version,
		AudioFormat:     rtp.FormatS16LE,
		Codecs:          []string{"PCMU", "PCMA"},
		DTMFPayloadType: 101,
		JitterDelay:     60 * time.Millisecond,
	}
}

// OptionKeys lists the keys Set accepts, in documentation order.
var OptionKeys = []string{
	"bind_ip", "bind_port", "rtp_port_low", "rtp_port_high", "user",
	"display_name", "hostname", "user_agent", "audio_format", "codecs",
	"dtmf_payload_type", "jitter_ms", "invite_timeout_ms",
}

// Set parses one option by its key (see include/voip.h for the list).
func (c *Config) Set(key, value string) error {
	bad := func(why string) error {
		return fmt.Errorf("%w: option %s=%q: %s", ErrInvalidArgument, key, value, why)
	}
	atoi := func(lo, hi int) (int, error) {
		n, err := strconv.Atoi(strings.TrimSpace(value))
		if err != nil {
			return 0, bad("not an integer")
		}
		if n < lo || n > hi {
			return 0, bad(fmt.Sprintf("out of range %d..%d", lo, hi))
		}
		return n, nil
	}
	var err error
	switch key {
	case "bind_ip":
		ip, perr := netip.ParseAddr(strings.TrimSpace(value))
		if perr != nil {
			return bad("not an IP address")
		}
		c.BindIP = ip
	case "bind_port":
		c.BindPort, err = atoi(0, 65535)
	case "rtp_port_low":
		c.RTPPortLow, err = atoi(1, 65535)
	case "rtp_port_high":
		c.RTPPortHigh, err = atoi(1, 65535)
	case "user":
		if value == "" || strings.ContainsAny(value, " \t\r\n<>@:;\"") {
			return bad("not a valid SIP user")
		}
		c.User = value
	case "display_name":
		if strings.ContainsAny(value, "\r\n\"") {
			return bad("must not contain quotes or line breaks")
		}
		c.DisplayName = value
	case "hostname":
		if strings.ContainsAny(value, " \t\r\n<>@;\"") {
			return bad("not a host")
		}
		c.Hostname = value
	case "user_agent":
		if strings.ContainsAny(value, "\r\n") {
			return bad("must not contain line breaks")
		}
		c.UserAgent = value
	case "audio_format":
		f, ok := rtp.ParseFormat(value)
		if !ok {
			return bad(`want "s16le" or "u8"`)
		}
		c.AudioFormat = f
	case "codecs":
		var names []string
		for _, n := range strings.Split(value, ",") {
			n = strings.ToUpper(strings.TrimSpace(n))
			if rtp.CodecByName(n) == nil {
				return bad("unknown codec " + strconv.Quote(n) + " (PCMU, PCMA)")
			}
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
		c.Codecs = names
	case "dtmf_payload_type":
		var n int
		if n, err = atoi(0, 127); err == nil {
			if n != 0 && n < 96 {
				return bad("use 0 or a dynamic payload type 96..127")
			}
			c.DTMFPayloadType = uint8(n)
		}
	case "jitter_ms":
		var n int
		if n, err = atoi(20, 1000); err == nil {
			if n%20 != 0 {
				return bad("must be a multiple of 20")
			}
			c.JitterDelay = time.Duration(n) * time.Millisecond
		}
	case "invite_timeout_ms":
		var n int
		if n, err = atoi(0, 24*3600*1000); err == nil {
			c.InviteTimeout = time.Duration(n) * time.Millisecond
		}
	default:
		return fmt.Errorf("%w: unknown option %q", ErrInvalidArgument, key)
	}
	return err
}

// Get formats one option by its key.
func (c *Config) Get(key string) (string, error) {
	switch key {
	case "bind_ip":
		return c.BindIP.String(), nil
	case "bind_port":
		return strconv.Itoa(c.BindPort), nil
	case "rtp_port_low":
		return strconv.Itoa(c.RTPPortLow), nil
	case "rtp_port_high":
		return strconv.Itoa(c.RTPPortHigh), nil
	case "user":
		return c.User, nil
	case "display_name":
		return c.DisplayName, nil
	case "hostname":
		return c.Hostname, nil
	case "user_agent":
		return c.UserAgent, nil
	case "audio_format":
		return c.AudioFormat.String(), nil
	case "codecs":
		return strings.Join(c.Codecs, ","), nil
	case "dtmf_payload_type":
		return strconv.Itoa(int(c.DTMFPayloadType)), nil
	case "jitter_ms":
		return strconv.Itoa(int(c.JitterDelay / time.Millisecond)), nil
	case "invite_timeout_ms":
		return strconv.Itoa(int(c.InviteTimeout / time.Millisecond)), nil
	}
	return "", fmt.Errorf("%w: unknown option %q", ErrInvalidArgument, key)
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

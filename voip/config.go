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
		RegisterExpires: 3600,
		Transport:       "udp",
		BindNetwork:     netip.MustParsePrefix("0.0.0.0/0"),
	}
}

// OptionKeys lists the keys Set accepts, in documentation order.
var OptionKeys = []string{
	"bind_ip", "bind_port", "rtp_port_low", "rtp_port_high", "user",
	"display_name", "hostname", "user_agent", "audio_format", "codecs",
	"dtmf_payload_type", "jitter_ms", "invite_timeout_ms",
	"server", "server_port", "register_expires", "transport", "outbound_proxy",
	"ca_file", "tls_insecure", "cert_file", "key_file", "key_password",
	"bind_network", "remote_hostname",
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
		var n int
		if n, err = atoi(0, 65535); err == nil {
			c.BindPort = n
		}
	case "rtp_port_low":
		var n int
		if n, err = atoi(1, 65535); err == nil {
			c.RTPPortLow = n
		}
	case "rtp_port_high":
		var n int
		if n, err = atoi(1, 65535); err == nil {
			c.RTPPortHigh = n
		}
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
	case "server":
		v := strings.TrimSpace(value)
		if strings.ContainsAny(v, " \t\r\n<>@;\"") {
			return bad("want host or host:port")
		}
		v = strings.TrimPrefix(strings.TrimPrefix(v, "sip:"), "sips:")
		c.Server = v
	case "server_port":
		var n int
		if n, err = atoi(0, 65535); err == nil {
			c.ServerPort = n
		}
	case "register_expires":
		var n int
		if n, err = atoi(0, 7*24*3600); err == nil {
			c.RegisterExpires = n
		}
	case "transport":
		v := strings.ToLower(strings.TrimSpace(value))
		if v != "udp" && v != "tcp" && v != "tls" {
			return bad(`want "udp", "tcp" or "tls"`)
		}
		c.Transport = v
	case "outbound_proxy":
		v := strings.TrimSpace(value)
		if strings.ContainsAny(v, " \t\r\n\"") {
			return bad("want a SIP URI or host[:port]")
		}
		c.OutboundProxy = v
	case "ca_file":
		c.CAFile = value
	case "cert_file":
		c.CertFile = value
	case "key_file":
		c.KeyFile = value
	case "key_password":
		c.KeyPassword = value
	case "tls_insecure":
		b, perr := strconv.ParseBool(strings.TrimSpace(value))
		if perr != nil {
			return bad("want 0 or 1")
		}
		c.TLSInsecure = b
	case "bind_network":
		pfx, perr := netip.ParsePrefix(strings.TrimSpace(value))
		if perr != nil {
			return bad("want an IPv4 or IPv6 network in CIDR notation")
		}
		c.BindNetwork = pfx.Masked()
	case "remote_hostname":
		if strings.ContainsAny(value, " \t\r\n<>@;\"") {
			return bad("not a host")
		}
		c.RemoteHostname = value
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
	case "server":
		return c.Server, nil
	case "server_port":
		return strconv.Itoa(c.ServerPort), nil
	case "register_expires":
		return strconv.Itoa(c.RegisterExpires), nil
	case "transport":
		return c.Transport, nil
	case "outbound_proxy":
		return c.OutboundProxy, nil
	case "ca_file":
		return c.CAFile, nil
	case "cert_file":
		return c.CertFile, nil
	case "key_file":
		return c.KeyFile, nil
	case "key_password":
		return "", fmt.Errorf("%w: key_password cannot be read back", ErrInvalidArgument)
	case "tls_insecure":
		if c.TLSInsecure {
			return "1", nil
		}
		return "0", nil
	case "bind_network":
		return c.BindNetwork.String(), nil
	case "remote_hostname":
		return c.RemoteHostname, nil
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

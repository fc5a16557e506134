package voip

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/libvoip/libvoip/rtp"
	"github.com/libvoip/libvoip/sip"
)

// option is one phone option: its key, its default (the text Set parses
// into a fresh Config), what it means, how to parse it into a Config and
// how to format it back. The table below is the only list of options:
// DefaultConfig, Config.Set, Config.Get and OptionKeys all come from it,
// and a test checks that include/voip.h documents each key and default.
type option struct {
	key   string
	def   string
	doc   string
	parse func(c *Config, v string) error
	// format returns the current value; nil means the option is write-only.
	format func(c *Config) string
}

// Characters a host or a SIP user may not contain.
const (
	notInHost = " \t\r\n<>@;\""
	notInUser = " \t\r\n<>@:;\""
)

// options is the table of phone options, in documentation order.
var options = []option{
	{"bind_ip", "0.0.0.0", "address the SIP and RTP sockets bind to",
		func(c *Config, v string) (err error) { c.BindIP, err = parseAddr(v); return },
		func(c *Config) string { return c.BindIP.String() }},
	{"bind_port", "5060", "SIP port; 0 picks a free port",
		intOption(0, 65535, func(c *Config) *int { return &c.BindPort }),
		intFormat(func(c *Config) int { return c.BindPort })},
	{"rtp_port_low", "10000", "lowest RTP port",
		intOption(1, 65535, func(c *Config) *int { return &c.RTPPortLow }),
		intFormat(func(c *Config) int { return c.RTPPortLow })},
	{"rtp_port_high", "20000", "highest RTP port",
		intOption(1, 65535, func(c *Config) *int { return &c.RTPPortHigh }),
		intFormat(func(c *Config) int { return c.RTPPortHigh })},
	{"user", "libvoip", "user part of our SIP URI",
		textOption(notInUser, false, "not a valid SIP user", func(c *Config) *string { return &c.User }),
		func(c *Config) string { return c.User }},
	{"display_name", "", "display name in From",
		textOption("\r\n\"", true, "must not contain quotes or line breaks", func(c *Config) *string { return &c.DisplayName }),
		func(c *Config) string { return c.DisplayName }},
	{"hostname", "", "host written in Via, Contact and SDP",
		textOption(notInHost, true, "not a host", func(c *Config) *string { return &c.Hostname }),
		func(c *Config) string { return c.Hostname }},
	{"user_agent", "libvoip/" + Version, "User-Agent header of requests, Server header of responses; empty = neither",
		textOption("\r\n", true, "must not contain line breaks", func(c *Config) *string { return &c.UserAgent }),
		func(c *Config) string { return c.UserAgent }},
	{"accept_any_user", "1", "0 answers 404 to a request whose Request-URI names another user than user",
		boolOption(func(c *Config) *bool { return &c.AcceptAnyUser }),
		func(c *Config) string { return boolText(c.AcceptAnyUser) }},
	{"audio_format", "s16le", `application sample format: "s16le" or "u8"`,
		parseAudioFormat, func(c *Config) string { return c.AudioFormat.String() }},
	{"sample_rate", "8000", "application audio rate in Hz: 8000, 16000 or 48000 (a 20 ms frame is rate/50 samples; libvoip resamples to and from the codec's rate)",
		parseSampleRate, intFormat(func(c *Config) int { return c.SampleRate })},
	{"codecs", "PCMU,PCMA", "audio codecs in preference order: PCMU, PCMA, G722, opus",
		parseCodecs, func(c *Config) string { return strings.Join(c.Codecs, ",") }},
	{"dtmf_payload_type", "101", "RFC 4733 payload type offered; 0 = none",
		parseDTMFPayloadType, intFormat(func(c *Config) int { return int(c.DTMFPayloadType) })},
	{"dtmf_mode", "auto", `how DTMF is sent: "rfc4733", "info" (SIP INFO), "inband" (tones in the audio) or "auto" (RFC 4733 when negotiated, else INFO)`,
		parseDTMFMode, func(c *Config) string { return c.DTMFMode.String() }},
	{"dtmf_detect_inband", "0", "1 detects DTMF tones in received audio (Goertzel) and reports them like RFC 4733 digits, for peers that send none",
		boolOption(func(c *Config) *bool { return &c.DetectInbandDTMF }),
		func(c *Config) string { return boolText(c.DetectInbandDTMF) }},
	{"jitter_ms", "60", "playout delay, 20..1000 ms in steps of 20",
		parseJitter, intFormat(func(c *Config) int { return int(c.JitterDelay / time.Millisecond) })},
	{"invite_timeout_ms", "0", "cancel an outgoing call not answered in time; 0 = no limit",
		msOption(0, 24*3600*1000, func(c *Config) *time.Duration { return &c.InviteTimeout }),
		intFormat(func(c *Config) int { return int(c.InviteTimeout / time.Millisecond) })},
	{"allow_transfer", "1", "1 follows a peer's REFER and takes INVITEs with Replaces; 0 answers both 603",
		boolOption(func(c *Config) *bool { return &c.AllowTransfer }),
		func(c *Config) string { return boolText(c.AllowTransfer) }},
	{"rel100", "supported", `reliable provisional responses (RFC 3262, PRACK): "off", "supported" or "required"`,
		parseRel100, func(c *Config) string { return c.Rel100.String() }},
	{"session_expires", "1800", "session timer (RFC 4028) asked for, 0 or 90..86400 s (raised to min_se); 0 = ask for none (a peer's is still honoured)",
		parseSessionExpires, intFormat(func(c *Config) int { return c.SessionExpires })},
	{"min_se", "90", "smallest session interval accepted, 90..86400 s: a request asking for less is answered 422",
		intOption(sip.MinSessionExpires, 86400, func(c *Config) *int { return &c.MinSE }),
		intFormat(func(c *Config) int { return c.MinSE })},
	{"rtp_timeout_ms", "30000", "end an answered call (BYE, \"RTP timeout\") that received no RTP this long, 0 or 1000..3600000 ms; not while on hold; 0 = never",
		msLimitOption(1000, 3600*1000, func(c *Config) *time.Duration { return &c.RTPTimeout }),
		intFormat(func(c *Config) int { return int(c.RTPTimeout / time.Millisecond) })},
	{"ring_timeout_ms", "120000", "answer 480 to an incoming call neither answered nor rejected in time, 0 or 1000..86400000 ms; 0 = never",
		msLimitOption(1000, 24*3600*1000, func(c *Config) *time.Duration { return &c.RingTimeout }),
		intFormat(func(c *Config) int { return int(c.RingTimeout / time.Millisecond) })},
	{"max_calls", "1024", "calls at once (incoming, ringing or up, and answered outgoing); an INVITE beyond gets 503 with Retry-After, 0..1048576; 0 = no limit",
		intOption(0, 1<<20, func(c *Config) *int { return &c.MaxCalls }),
		intFormat(func(c *Config) int { return c.MaxCalls })},
	{"server", "", "registrar/PBX host or host:port; empty = peer to peer",
		parseServer, func(c *Config) string { return c.Server }},
	{"server_port", "0", "port of the server when it has none; 0 = 5060 (5061 for TLS)",
		intOption(0, 65535, func(c *Config) *int { return &c.ServerPort }),
		intFormat(func(c *Config) int { return c.ServerPort })},
	{"register_expires", "3600", "requested registration lifetime, 0..604800 s",
		intOption(0, 7*24*3600, func(c *Config) *int { return &c.RegisterExpires }),
		intFormat(func(c *Config) int { return c.RegisterExpires })},
	{"transport", "udp", `"udp", "tcp" or "tls"`,
		parseTransport, func(c *Config) string { return c.Transport }},
	{"outbound_proxy", "", "URI or host[:port] every request is sent to",
		parseOutboundProxy, func(c *Config) string { return c.OutboundProxy }},
	{"ca_file", "", "TLS: PEM CA bundle; empty = the system store",
		fileOption(func(c *Config) *string { return &c.CAFile }),
		func(c *Config) string { return c.CAFile }},
	{"tls_insecure", "0", "TLS: 1 skips server certificate checks",
		boolOption(func(c *Config) *bool { return &c.TLSInsecure }), func(c *Config) string { return boolText(c.TLSInsecure) }},
	{"cert_file", "", "TLS: our certificate (PEM)",
		fileOption(func(c *Config) *string { return &c.CertFile }),
		func(c *Config) string { return c.CertFile }},
	{"key_file", "", "TLS: its key (PEM)",
		fileOption(func(c *Config) *string { return &c.KeyFile }),
		func(c *Config) string { return c.KeyFile }},
	{"key_password", "", "TLS: the key's password; cannot be read back",
		fileOption(func(c *Config) *string { return &c.KeyPassword }), nil},
	{"bind_network", "0.0.0.0/0", "CIDR of the peers reached with hostname",
		parseBindNetwork, func(c *Config) string { return c.BindNetwork.String() }},
	{"remote_hostname", "", "host written for peers outside bind_network",
		textOption(notInHost, true, "not a host", func(c *Config) *string { return &c.RemoteHostname }),
		func(c *Config) string { return c.RemoteHostname }},
	{"tcp_max_connections", "1024", "TCP/TLS connections accepted and open at once, 0..1048576; 0 = no limit",
		intOption(0, 1<<20, func(c *Config) *int { return &c.TCPMaxConnections }),
		intFormat(func(c *Config) int { return c.TCPMaxConnections })},
	{"tcp_idle_timeout_ms", "180000", "close an accepted connection idle this long, 1000..86400000 ms; 0 = never",
		msLimitOption(1000, 24*3600*1000, func(c *Config) *time.Duration { return &c.TCPIdleTimeout }),
		intFormat(func(c *Config) int { return int(c.TCPIdleTimeout / time.Millisecond) })},
	{"tcp_message_timeout_ms", "30000", "close an accepted connection whose message is not complete in time, 100..3600000 ms; 0 = never",
		msLimitOption(100, 3600*1000, func(c *Config) *time.Duration { return &c.TCPMessageTimeout }),
		intFormat(func(c *Config) int { return int(c.TCPMessageTimeout / time.Millisecond) })},
	{"tcp_max_message_bytes", "65535", "close an accepted connection whose message grows longer, 1024..65535",
		intOption(1024, 65535, func(c *Config) *int { return &c.TCPMaxMessageBytes }),
		intFormat(func(c *Config) int { return c.TCPMaxMessageBytes })},
	{"udp_max_sources", "4096", "UDP source addresses remembered before the tables are renewed, 0..1048576; 0 = no limit",
		intOption(0, 1<<20, func(c *Config) *int { return &c.UDPMaxSources }),
		intFormat(func(c *Config) int { return c.UDPMaxSources })},

	// Debugging (issue 17).
	{"sip_trace", "0", "1 logs every SIP message sent and received (direction, transport, addresses; secrets masked) at info level; VOIP_LOG=sip does it for every phone",
		boolOption(func(c *Config) *bool { return &c.SIPTrace }),
		func(c *Config) string { return boolText(c.SIPTrace) }},
	// Events (issue 15): subscriptions and publications.
	{"event_expires", "600", "lifetime asked for by our SUBSCRIBEs and PUBLISHes, 2..86400 s; refreshed before it runs out",
		intOption(2, 86400, func(c *Config) *int { return &c.EventExpires }),
		intFormat(func(c *Config) int { return c.EventExpires })},
	// Media security (issue 14, media_security.go).
	{"media_encryption", "off", `SRTP with SDES keys (RFC 4568): "off" (plain RTP/AVP; an RTP/SAVP offer is answered 488), ` +
		`"optional" (RTP/AVP with a=crypto; plain or SRTP accepted) or "mandatory" (RTP/SAVP; a peer without SRTP gets 488, ` +
		`or our call to it ends with code 488)`,
		parseMediaEncryption, func(c *Config) string { return c.MediaEncryption.String() }},
	// NAT traversal (issue 14, nat.go).
	{"stun_server", "", "STUN server host[:port] (port 3478) that tells the phone its public address; empty = none",
		parseSTUNServer, func(c *Config) string { return c.STUNServer }},
	{"ice", "0", "1 offers and answers ICE (RFC 8445) for media; a peer without ICE gets plain RTP",
		boolOption(func(c *Config) *bool { return &c.ICE }), func(c *Config) string { return boolText(c.ICE) }},
	{"turn_server", "", "TURN server host[:port] (port 3478, UDP) whose relay ICE offers as a candidate; empty = none",
		parseTURNServer, func(c *Config) string { return c.TURNServer }},
	{"turn_user", "", "TURN username (long-term credentials)",
		textOption(" \t\r\n", true, "no white space", func(c *Config) *string { return &c.TURNUser }),
		func(c *Config) string { return c.TURNUser }},
	{"turn_password", "", "TURN password; cannot be read back",
		fileOption(func(c *Config) *string { return &c.TURNPassword }), nil},
	// DTLS-SRTP (issue 14, media_dtls.go).
	{"media_keying", "sdes", `how our offers key SRTP when media_encryption is not off: "sdes" (a=crypto, RFC 4568) or ` +
		`"dtls" (UDP/TLS/RTP/SAVP with a=fingerprint and a=setup:actpass, RFC 5763/5764; a peer without DTLS-SRTP answers 488 ` +
		`and our call ends with code 488). Offers of either kind are answered whatever this says`,
		parseMediaKeying, func(c *Config) string { return c.MediaKeying.String() }},
}

// OptionKeys lists the keys Set accepts, in documentation order.
var OptionKeys = func() []string {
	keys := make([]string, len(options))
	for i, o := range options {
		keys[i] = o.key
	}
	return keys
}()

// lookupOption returns the table entry of key.
func lookupOption(key string) (*option, error) {
	for i := range options {
		if options[i].key == key {
			return &options[i], nil
		}
	}
	return nil, fmt.Errorf("%w: unknown option %q", ErrInvalidArgument, key)
}

// errBadValue is the reason a parse function gives; Set wraps it with the
// key, the value and ErrInvalidArgument.
type errBadValue string

func (e errBadValue) Error() string { return string(e) }

func intOption(lo, hi int, field func(*Config) *int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := parseInt(v, lo, hi)
		if err == nil {
			*field(c) = n
		}
		return err
	}
}

func msOption(lo, hi int, field func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := parseInt(v, lo, hi)
		if err == nil {
			*field(c) = time.Duration(n) * time.Millisecond
		}
		return err
	}
}

// msLimitOption is a duration in milliseconds, 0 ("never") or lo..hi.
func msLimitOption(lo, hi int, field func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := parseInt(v, 0, hi)
		if err == nil && n != 0 && n < lo {
			err = errBadValue(fmt.Sprintf("use 0 or %d..%d", lo, hi))
		}
		if err == nil {
			*field(c) = time.Duration(n) * time.Millisecond
		}
		return err
	}
}

func intFormat(field func(*Config) int) func(*Config) string {
	return func(c *Config) string { return strconv.Itoa(field(c)) }
}

// textOption accepts any text without the characters in bad (and, unless
// empty is true, not "").
func textOption(bad string, empty bool, why string, field func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error {
		if (!empty && v == "") || strings.ContainsAny(v, bad) {
			return errBadValue(why)
		}
		*field(c) = v
		return nil
	}
}

func fileOption(field func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error { *field(c) = v; return nil }
}

func parseInt(v string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, errBadValue("not an integer")
	}
	if n < lo || n > hi {
		return 0, errBadValue(fmt.Sprintf("out of range %d..%d", lo, hi))
	}
	return n, nil
}

func parseAddr(v string) (netip.Addr, error) {
	ip, err := netip.ParseAddr(strings.TrimSpace(v))
	if err != nil {
		return netip.Addr{}, errBadValue("not an IP address")
	}
	return ip, nil
}

func parseAudioFormat(c *Config, v string) error {
	f, ok := rtp.ParseFormat(v)
	if !ok {
		return errBadValue(`want "s16le" or "u8"`)
	}
	c.AudioFormat = f
	return nil
}

func parseCodecs(c *Config, v string) error {
	var names []string
	for _, n := range strings.Split(v, ",") {
		codec := rtp.CodecByName(strings.TrimSpace(n))
		if codec == nil {
			return errBadValue("unknown codec " + strconv.Quote(strings.TrimSpace(n)) + " (PCMU, PCMA, G722, opus)")
		}
		if !slices.Contains(names, codec.Name) {
			names = append(names, codec.Name)
		}
	}
	c.Codecs = names
	return nil
}

func parseSampleRate(c *Config, v string) error {
	n, err := parseInt(v, 8000, 48000)
	if err != nil {
		return err
	}
	if !rtp.ValidSampleRate(n) {
		return errBadValue("want 8000, 16000 or 48000")
	}
	c.SampleRate = n
	return nil
}

func parseDTMFPayloadType(c *Config, v string) error {
	n, err := parseInt(v, 0, 127)
	if err != nil {
		return err
	}
	if n != 0 && n < 96 {
		return errBadValue("use 0 or a dynamic payload type 96..127")
	}
	c.DTMFPayloadType = uint8(n)
	return nil
}

func parseJitter(c *Config, v string) error {
	n, err := parseInt(v, 20, 1000)
	if err != nil {
		return err
	}
	if n%20 != 0 {
		return errBadValue("must be a multiple of 20")
	}
	c.JitterDelay = time.Duration(n) * time.Millisecond
	return nil
}

func parseServer(c *Config, v string) error {
	v = strings.TrimSpace(v)
	if strings.ContainsAny(v, notInHost) {
		return errBadValue("want host or host:port")
	}
	c.Server = strings.TrimPrefix(strings.TrimPrefix(v, "sip:"), "sips:")
	return nil
}

func parseTransport(c *Config, v string) error {
	v = strings.ToLower(strings.TrimSpace(v))
	if v != "udp" && v != "tcp" && v != "tls" {
		return errBadValue(`want "udp", "tcp" or "tls"`)
	}
	c.Transport = v
	return nil
}

func parseOutboundProxy(c *Config, v string) error {
	v = strings.TrimSpace(v)
	if strings.ContainsAny(v, " \t\r\n\"") {
		return errBadValue("want a SIP URI or host[:port]")
	}
	c.OutboundProxy = v
	return nil
}

// boolOption accepts "0" or "1" (and strconv.ParseBool's other spellings).
func boolOption(field func(*Config) *bool) func(*Config, string) error {
	return func(c *Config, v string) error {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return errBadValue("want 0 or 1")
		}
		*field(c) = b
		return nil
	}
}

func parseBindNetwork(c *Config, v string) error {
	pfx, err := netip.ParsePrefix(strings.TrimSpace(v))
	if err != nil {
		return errBadValue("want an IPv4 or IPv6 network in CIDR notation")
	}
	c.BindNetwork = pfx.Masked()
	return nil
}

func boolText(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func parseRel100(c *Config, v string) error {
	r, err := sip.ParseRel100(v)
	if err != nil {
		return errBadValue(`want "off", "supported" or "required"`)
	}
	c.Rel100 = r
	return nil
}

func parseSessionExpires(c *Config, v string) error {
	n, err := parseInt(v, 0, 86400)
	if err == nil && n != 0 && n < sip.MinSessionExpires {
		err = errBadValue("use 0 or 90..86400")
	}
	if err == nil {
		c.SessionExpires = n
	}
	return err
}

/*
 * voip.h — the public C API of libvoip, a SIP/RTP phone engine.
 *
 * libvoip lets any program be a phone: register with a PBX or call peer to
 * peer, place, answer, deny, cancel and hang up calls, read and write audio
 * frames, send and receive DTMF, and be told about incoming calls, state
 * changes and digits through callbacks.
 *
 * CONTENTS
 *
 *   Version, Result codes and errors, States
 *   Phone:  create and configure, start and stop, status, messages,
 *           callbacks, last error
 *   Call:   place, wait and state, answer/deny/hangup/cancel, audio, DTMF,
 *           facts, last error, release
 *
 * CONVENTIONS
 *
 *   Prefix.   Every name starts with voip_ / VOIP_.  The library exports no
 *             other symbol.  Every function is declared with VOIP_API.
 *
 *   Handles.  Phones and calls are uint64_t ids issued by the library.  An id
 *             is never reused for the life of the process and 0 is never a
 *             valid id.  A stale id (released, destroyed) or an unknown one
 *             makes a function return VOIP_ENOTFOUND; it never crashes and
 *             never reaches another object.
 *
 *   Results.  Every function that can fail returns an int: VOIP_OK (0) or a
 *             positive VOIP_E* code.  voip_strerror() names a code.  The
 *             message of a failure is kept twice: for the calling thread
 *             (voip_last_error()) and for the handle the function was given
 *             (voip_phone_last_error(), voip_call_last_error()), so a
 *             program that calls the library from worker threads can still
 *             read the message from another thread.  No function aborts the
 *             process: bad arguments, NULL pointers and internal faults
 *             become codes.
 *
 *   Memory.   The library never keeps a pointer the caller passed in: strings
 *             and audio are copied before the function returns.  Output goes
 *             into buffers the caller owns; a buffer too small gives
 *             VOIP_ENOSPACE (call again with a larger one).  Strings passed
 *             to callbacks are owned by the library and valid only during
 *             the callback; copy them to keep them.  Strings returned as
 *             const char * are static or thread-local, never to be freed.
 *
 *   Threads.  Every function may be called from any thread, at the same time
 *             as any other, including from inside a callback (except
 *             voip_phone_destroy() of the callback's own phone).  Functions
 *             that may wait say so ("Blocks:"); the others return promptly.
 *
 *   Callbacks. Each phone has one dispatcher in the library: a goroutine,
 *             not an OS thread of its own.  All callbacks of a phone run on
 *             it, one at a time, in the order the events happened, and never
 *             while the library holds a lock, so a callback may call any
 *             voip_ function.  Consecutive callbacks of one phone may run on
 *             different OS threads (threads of the Go runtime, never the
 *             application's), so do not keep thread-local state between
 *             them.  A callback that blocks delays the phone's later
 *             callbacks (not its audio or signalling).
 *
 *   Audio.    By default signed 16-bit little-endian mono PCM at 8000 Hz; a
 *             20 ms frame is 160 samples = 320 bytes.  The phone option
 *             "audio_format" = "u8" selects pyVoIP's unsigned 8-bit format
 *             (160 bytes per 20 ms).  The option "sample_rate" = "16000" or
 *             "48000" makes a frame 320 or 960 samples (wideband audio with
 *             the "G722" and "opus" codecs).
 *
 * RUNTIME LIMITS (libvoip is a Go c-shared library)
 *
 *   - Load at most one Go c-shared library per process.
 *   - Never dlclose() libvoip.
 *   - Do not fork() after loading it (exec is fine; Python: use the "spawn"
 *     start method of multiprocessing).
 *   - The library installs a SIGPIPE handler; signal handlers the host
 *     installs should use SA_ONSTACK.
 */
#ifndef VOIP_H
#define VOIP_H

#include <stddef.h>
#include <stdint.h>

/* VOIP_API marks the library's exported functions (default visibility, so
 * that a program built with -fvisibility=hidden still sees them).  Define
 * it before including this header to override. */
#ifndef VOIP_API
#if defined(__GNUC__) || defined(__clang__)
#define VOIP_API __attribute__((visibility("default")))
#else
#define VOIP_API
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ========================================================================
 * Version
 * ======================================================================== */

/* The one source of the version: CMake, the Go package, the Python and the
 * Node packages are checked against it by tests. */
#define VOIP_VERSION_MAJOR 0
#define VOIP_VERSION_MINOR 1
#define VOIP_VERSION_PATCH 0
#define VOIP_VERSION "0.1.0"

/* The library's version string, e.g. "0.1.0".
 * Ownership: static storage; never NULL.  Threads: any. */
VOIP_API const char *voip_version(void);

/* ========================================================================
 * Result codes and errors
 * ======================================================================== */

#define VOIP_OK          0  /* success */
#define VOIP_ERROR       1  /* internal error (a recovered fault); see voip_last_error() */
#define VOIP_EINVAL      2  /* invalid argument: NULL pointer, bad value, bad URI, unknown option */
#define VOIP_ENOTFOUND   3  /* unknown or stale handle */
#define VOIP_ESTATE      4  /* not allowed in the current phone or call state; nothing changed */
#define VOIP_ETIMEOUT    5  /* the timeout expired before the condition was met */
#define VOIP_ENOPORTS    6  /* no free RTP port in the configured range */
#define VOIP_ERANGE      7  /* invalid range (e.g. rtp_port_low > rtp_port_high) */
#define VOIP_ENETWORK    8  /* socket error: cannot bind, send or resolve */
#define VOIP_EENDED      9  /* the call has ended (and, for reads, its audio is drained) */
#define VOIP_ENOSPACE   10  /* the output buffer is too small; nothing useful was written */
#define VOIP_EREJECTED  11  /* refused by the peer or registrar (e.g. 403); see voip_last_error() */
/* --- media toolkit (issue 12) --- */
#define VOIP_EIO        12  /* a file cannot be opened, read or written (missing, no permission) */
#define VOIP_EFORMAT    13  /* a media file is corrupt, truncated or in an unsupported format */

/* A short English name for a result code, e.g. "invalid argument".
 * Ownership: static storage; never NULL (unknown codes give "unknown
 * error").  Threads: any. */
VOIP_API const char *voip_strerror(int code);

/* The message of the last failed voip_ call on the calling thread: the
 * function's name, then what went wrong, e.g.
 * "voip_call_answer: call 7: not allowed in the current state: answer: call is ANSWERED".
 * Thread-local: a failure on another thread does not change it; successful
 * calls do not clear it.  "" when this thread has had no failure.
 * Ownership: thread-local storage of the library, valid until the next
 * voip_ call on this thread; at most 1023 bytes.  Threads: any. */
VOIP_API const char *voip_last_error(void);

/* ========================================================================
 * Process-wide settings
 * ======================================================================== */

/* Set the soft memory limit of the Go runtime inside the library (Go's
 * runtime/debug.SetMemoryLimit) to mb MiB.  It is one setting for the whole
 * process, not per phone: every phone shares one heap, and the last call
 * wins.  mb = 0 removes the limit (Go's default, unless the GOMEMLIMIT
 * environment variable was set when the library loaded); mb = -1 changes
 * nothing (read only).  *previous_mb (may be NULL) receives the limit in
 * effect before, in MiB, 0 for none.
 * Why: the runtime keeps memory it freed for a while; after a burst (an
 * OPTIONS flood of 5,000/s for 3 s) the process stays large although
 * little is live.  Under a limit the collector works harder as the heap
 * nears it and returns freed memory to the system sooner.  It is soft:
 * allocations never fail because of it, but a limit below what the
 * phones really use makes the collector take up to about half the CPU.
 * See the README's Robustness section for measurements.
 * Returns VOIP_EINVAL for mb < -1 or beyond 2^43 - 1.  Threads: any. */
VOIP_API int voip_set_memory_limit(int64_t mb, int64_t *previous_mb);

/* ========================================================================
 * States
 * ======================================================================== */

/* Phone status (pyVoIP's PhoneStatus).  Without a registrar, a started phone
 * is REGISTERED ("ready") as soon as its sockets are bound. */
#define VOIP_PHONE_INACTIVE       0  /* not started, or fully stopped */
#define VOIP_PHONE_REGISTERING    1  /* starting, or (re-)registering */
#define VOIP_PHONE_REGISTERED     2  /* started and ready for calls */
#define VOIP_PHONE_DEREGISTERING  3  /* stopping */
#define VOIP_PHONE_FAILED         4  /* start or registration failed; see the reason */

/* Call state (pyVoIP 2's CallState). */
#define VOIP_CALL_DIALING    0  /* outgoing: INVITE sent, no answer yet */
#define VOIP_CALL_RINGING    1  /* incoming: waiting for answer or deny */
#define VOIP_CALL_PROGRESS   2  /* outgoing: the callee is ringing (180) or sent early media (183) */
#define VOIP_CALL_ANSWERED   3  /* the call is up: audio flows */
#define VOIP_CALL_CANCELING  4  /* outgoing: cancel sent, waiting for the callee to confirm */
#define VOIP_CALL_ENDED      5  /* over; the reason is in voip_call_info(call, "end_reason") */

/* A bit mask of call states for voip_call_wait(). */
#define VOIP_STATE_BIT(state) (1u << (state))

/* Log levels for voip_phone_set_log(). */
#define VOIP_LOG_DEBUG  0
#define VOIP_LOG_INFO   1
#define VOIP_LOG_WARN   2
#define VOIP_LOG_ERROR  3

/* ========================================================================
 * Phone: create and configure
 * ======================================================================== */

/* Create a phone with default settings; *phone_out receives its handle.
 * Many phones may exist in one process, each with its own sockets.
 * Ownership: the caller owns the handle; end it with voip_phone_destroy().
 * Threads: any. */
VOIP_API int voip_phone_new(uint64_t *phone_out);

/* Set one option (all values are strings).  Options are read by
 * voip_phone_start(): setting one while the phone runs gives VOIP_ESTATE.
 * Unknown keys and unparsable or out-of-range values give VOIP_EINVAL
 * (the library checks ranges; the bindings pass values on).
 * Ownership: key and value are copied.  Threads: any.
 *
 *   key                  default      meaning
 *   "bind_ip"            "0.0.0.0"    address the SIP and RTP sockets bind to
 *   "bind_port"          "5060"       SIP port (0..65535); "0" picks a free
 *                                     port (read it back with "sip_port")
 *   "rtp_port_low"       "10000"      RTP ports are taken from this range
 *   "rtp_port_high"      "20000"      (1..65535, one port per call; low <= high)
 *   "user"               "libvoip"    user part of our SIP URI (From, Contact)
 *   "display_name"       ""           display name in From
 *   "hostname"           ""           host written in Via, Contact and SDP;
 *                                     "" = bind_ip, or, when bind_ip is
 *                                     0.0.0.0, the first non-loopback IPv4
 *                                     address of the machine's interfaces
 *                                     (127.0.0.1 when there is none)
 *   "user_agent"         "libvoip/<version>"  User-Agent header of the
 *                                     requests we build and Server header of
 *                                     our responses; "" = neither header
 *   "accept_any_user"    "1"          "0": answer 404 Not Found to a request
 *                                     whose Request-URI names a user other
 *                                     than "user" (phones exposed to the
 *                                     Internet: scanners try common users);
 *                                     a Request-URI without a user part
 *                                     (OPTIONS keep-alives to the host) is
 *                                     accepted, ACK and CANCEL are never
 *                                     refused.  "1" accepts any user
 *   "audio_format"       "s16le"      "s16le" (signed 16-bit LE) or "u8"
 *                                     (pyVoIP's unsigned 8-bit)
 *   "sample_rate"        "8000"       the application's audio rate in Hz:
 *                                     "8000", "16000" or "48000".  Frames stay
 *                                     20 ms (rate/50 samples: 160, 320 or 960);
 *                                     libvoip resamples between this rate and
 *                                     the codec's (G.711 8 kHz, G.722 16 kHz;
 *                                     Opus codes 8, 16 or 48 kHz natively), so
 *                                     any rate works with any codec, but
 *                                     audio above 4 kHz needs a wideband codec
 *                                     and a rate above 8000
 *   "codecs"             "PCMU,PCMA"  audio codecs in preference order, from
 *                                     "PCMU", "PCMA", "G722" (G.722 64 kbit/s,
 *                                     16 kHz audio, static payload type 9,
 *                                     RTP clock 8000 per RFC 3551) and "opus"
 *                                     (RFC 7587: offered as opus/48000/2,
 *                                     payload type 111, mono, 32 kbit/s, in-band
 *                                     FEC).  Our offers list them in this
 *                                     order; answering, the offerer's order
 *                                     among these wins.  Telephone-events run
 *                                     at the chosen codec's clock (RFC 4733
 *                                     §2.1): with Opus telephone-event/48000 is
 *                                     offered on the next free payload type
 *                                     after dtmf_payload_type; a peer that
 *                                     pairs Opus with telephone-event/8000
 *                                     only gets DTMF by SIP INFO ("auto")
 *   "dtmf_payload_type"  "101"        RFC 4733 payload type we offer: 96..127,
 *                                     or "0" = none
 *   "dtmf_mode"          "auto"       how voip_call_send_dtmf() sends: "rfc4733"
 *                                     (RFC 4733 events only), "info" (one SIP
 *                                     INFO, application/dtmf-relay, per digit,
 *                                     RFC 6086) or "auto" (RFC 4733 when the
 *                                     peer accepted telephone-event and we send
 *                                     RTP, else INFO); digits are received
 *                                     either way whatever the mode;
 *                                     "inband" sends DTMF tones in the audio
 *                                     (each digit's tone replaces the audio
 *                                     while it plays)
 *   "dtmf_detect_inband" "0"          "1" runs a Goertzel DTMF detector on the
 *                                     received audio and reports its digits
 *                                     like RFC 4733 ones (dtmf callback,
 *                                     voip_call_get_dtmf), for peers (analog
 *                                     gateways) that send no RFC 4733
 *   "jitter_ms"          "60"         playout delay of the jitter buffer
 *                                     (20..1000, multiple of 20): fixed, or
 *                                     where the adaptive one starts (see
 *                                     "jitter_mode")
 *   "invite_timeout_ms"  "0"          give up (CANCEL) an outgoing call not
 *                                     answered in time (0..86400000); "0" = no
 *                                     limit beyond SIP's transaction timeout (32 s)
 *   "allow_transfer"     "1"          "1" follows a peer's REFER (RFC 3515: we
 *                                     call the Refer-To target, event
 *                                     "transferred") and lets an INVITE with
 *                                     Replaces take a call over (event
 *                                     "replaced"); "0" answers both 603
 *   "rel100"             "supported"  reliable provisional responses (RFC 3262,
 *                                     PRACK): "off" (an INVITE requiring them
 *                                     gets 420), "supported" (our INVITEs say
 *                                     Supported: 100rel; an INVITE requiring
 *                                     them gets reliable 18x) or "required"
 *                                     (our INVITEs say Require: 100rel; any
 *                                     INVITE supporting them gets reliable 18x,
 *                                     one that does not gets 421).  A peer's
 *                                     reliable 18x are always PRACKed unless
 *                                     "off"
 *   "session_expires"    "1800"       session timer (RFC 4028) our INVITEs ask
 *                                     for, in seconds (0, or 90..86400; raised
 *                                     to min_se): Session-Expires on our
 *                                     INVITEs, and given to an incoming
 *                                     INVITE that asks for none; "0" asks for
 *                                     none, but a peer's is still honoured.
 *                                     Whoever refreshes (RFC 4028 §9: the
 *                                     caller when it supports timers) does so
 *                                     at half the interval, we by UPDATE (a
 *                                     re-INVITE with our unchanged SDP when
 *                                     the peer does not allow UPDATE); a
 *                                     session the peer does not refresh is
 *                                     ended with a BYE, end reason "session
 *                                     expired", min(32, interval/3) s before
 *                                     it expires
 *   "min_se"             "90"         smallest session interval accepted, in
 *                                     seconds (90..86400): an INVITE,
 *                                     re-INVITE or UPDATE asking for less is
 *                                     answered 422 with Min-SE; our INVITE
 *                                     answered 422 is sent again (twice at
 *                                     most) with the interval asked for
 *
 * Call limits, against floods and abandoned calls (see the README's
 * Robustness section); "0" = none:
 *   "rtp_timeout_ms"     "30000"      end an answered call (BYE, end reason
 *                                     "RTP timeout") when no RTP came from
 *                                     the peer this long (0, or 1000..3600000);
 *                                     checked once a second; a call on hold
 *                                     (not sendrecv) is never timed out
 *   "ring_timeout_ms"    "120000"     answer 480 to an incoming call neither
 *                                     answered nor denied this long after its
 *                                     INVITE (0, or 1000..86400000); it ends
 *                                     with reason "ring timeout", code 480
 *   "max_calls"          "1024"       calls held at once: incoming (ringing
 *                                     or answered) and answered outgoing
 *                                     ones (0..1048576); an INVITE beyond it
 *                                     gets 503 Service Unavailable with
 *                                     Retry-After: 5 before any media is set up
 *
 * Registration, transports and NAT (a PBX or proxy):
 *   "server"             ""           registrar/PBX "host" or "host:port"; ""
 *                                     = no registration (peer to peer).  Calls
 *                                     to a bare user ("bob") go to this server.
 *   "server_port"        "0"          port of the server when "server" has none
 *                                     (0 = 5060, or 5061 for TLS)
 *   "register_expires"   "3600"       requested registration lifetime, seconds
 *                                     (0..604800); refreshed before the
 *                                     granted one runs out
 *   "transport"          "udp"        "udp", "tcp" or "tls" (pyVoIP's TransportMode)
 *   "outbound_proxy"     ""           send every request via this URI/host[:port]
 *   "ca_file"            ""           TLS: PEM CA bundle to verify the server
 *                                     ("" = the system store)
 *   "tls_insecure"       "0"          TLS: "1" skips server certificate checks
 *   "cert_file"          ""           TLS: our client certificate (PEM)
 *   "key_file"           ""           TLS: its key (PEM)
 *   "key_password"       ""           TLS: the key's password (write-only)
 *   "bind_network"       "0.0.0.0/0"  CIDR of peers reached with "hostname";
 *                                     others get "remote_hostname" (pyVoIP)
 *   "remote_hostname"    ""           host written in Via/Contact/SDP for peers
 *                                     outside bind_network (the public address)
 *
 * Transport limits, against floods and idle or slow peers (see the README's
 * Robustness section); "0" = no limit:
 *   "tcp_max_connections"     "1024"    TCP/TLS connections accepted and open
 *                                       at once (0..1048576); one beyond is
 *                                       closed as soon as it is accepted
 *   "tcp_idle_timeout_ms"     "180000"  close an accepted connection that
 *                                       carried no complete message (nor an
 *                                       RFC 5626 CRLF keep-alive) this long
 *                                       (0, or 1000..86400000)
 *   "tcp_message_timeout_ms"  "30000"   close an accepted connection whose
 *                                       message (or TLS handshake and first
 *                                       message) is not complete this long
 *                                       after it started (0, or 100..3600000)
 *   "tcp_max_message_bytes"   "65535"   close an accepted connection whose
 *                                       message grows longer (1024..65535)
 *   "udp_max_sources"         "4096"    UDP source addresses remembered
 *                                       before the transport's per-source
 *                                       tables are renewed (at most once a
 *                                       second) (0..1048576)
 * Call quality (RTCP, loss concealment, jitter buffer; see "quality" in
 * voip_call_info):
 *   "rtcp"                "1"         send RTCP (RFC 3550/3551): an SR while
 *                                     we send (else an RR) with a report
 *                                     block and SDES CNAME "<user>@<host>",
 *                                     at RFC 3550's randomised interval
 *                                     (~5 s, the first after ~2.5 s), and a
 *                                     BYE at hangup; from and to the RTP
 *                                     port + 1 (a pair of the rtp_port range
 *                                     when one is free, announced with
 *                                     a=rtcp), to the peer's a=rtcp or RTP
 *                                     port + 1, or muxed; SRTCP (RFC 3711)
 *                                     when the call has SRTP
 *                                     (media_encryption); "0" = none
 *   "rtcp_mux"            "1"         offer and accept rtcp-mux (RFC 5761:
 *                                     RTCP on the RTP port) (needs "rtcp")
 *   "plc"                 "1"         conceal a lost packet (G.711 Appendix
 *                                     I style: the last pitch period
 *                                     repeated, fading out over 60 ms)
 *                                     rather than play silence
 *   "comfort_noise"       "1"         offer and accept comfort noise (RFC
 *                                     3389, CN/8000, payload type 13) and
 *                                     play it as white noise at the
 *                                     signalled level (0 dBov = RMS 32767)
 *   "jitter_mode"         "adaptive"  "adaptive": the playout delay starts
 *                                     at jitter_ms and follows the measured
 *                                     jitter between jitter_min_ms and
 *                                     jitter_max_ms, growing at once on a
 *                                     burst (waiting rather than dropping
 *                                     late packets) and shrinking one frame
 *                                     at a time in silence; "fixed": always
 *                                     jitter_ms
 *   "jitter_min_ms"       "40"        smallest adaptive delay (20..1000,
 *                                     multiple of 20; not above jitter_max_ms:
 *                                     VOIP_ERANGE at start)
 *   "jitter_max_ms"       "300"       largest adaptive delay (20..1000,
 *                                     multiple of 20)
 *   "quality_interval_ms" "0"         post a "quality" call event this often
 *                                     while the call has media (0, or
 *                                     1000..3600000); "0" = only the last
 *                                     one, which every call that had media
 *                                     gets as it ends
 *
 * Debugging:
 *   "sip_trace"          "0"          "1" logs every SIP message the phone
 *                                     sends or receives through the log
 *                                     function (voip_phone_set_log) at
 *                                     VOIP_LOG_INFO, one line per message:
 *                                     "SIP sent UDP 127.0.0.1:5060 ->
 *                                     127.0.0.1:5070 (412 bytes)" (or
 *                                     "SIP received ... <- ...") then the
 *                                     message, CRLFs as LFs.  Digest
 *                                     responses of Authorization headers,
 *                                     SRTP keys (a=crypto inline:) and URI
 *                                     passwords read "***".  VOIP_LOG=sip
 *                                     traces every phone of the process
 *                                     (see voip_phone_set_log)
 * Events (subscriptions and publications, see "Events" below):
 *   "event_expires"           "600"     lifetime asked for by our SUBSCRIBEs
 *                                       and PUBLISHes, seconds (2..86400);
 *                                       each is refreshed before the granted
 *                                       lifetime runs out
 * Media security (issue 14; see the README's "Secure calls" section):
 *   "media_encryption"   "off"        SRTP (RFC 3711) keyed by SDES a=crypto
 *                                     lines (RFC 4568), suites
 *                                     AES_CM_128_HMAC_SHA1_80 (preferred),
 *                                     AEAD_AES_128_GCM and
 *                                     AES_CM_128_HMAC_SHA1_32; SRTCP too.
 *                                     "off": plain RTP/AVP; an offer of
 *                                     RTP/SAVP only is answered 488.
 *                                     "optional": we offer RTP/AVP with
 *                                     a=crypto (best-effort SRTP) and accept
 *                                     plain or SRTP offers: a peer that
 *                                     cannot do SRTP gets a plain call.
 *                                     "mandatory": we offer RTP/SAVP; an
 *                                     offer without an acceptable a=crypto
 *                                     line (plain, unknown suite, bad key,
 *                                     MKI) is answered 488 Not Acceptable
 *                                     Here, and our call to a peer that
 *                                     answers without one ends at once (BYE)
 *                                     with end code 488 and end reason
 *                                     "bad answer: sdp: SRTP crypto not
 *                                     acceptable: ...".  Keys are random per
 *                                     call, never logged; a new key of the
 *                                     peer in a re-INVITE is taken.  Replayed
 *                                     and forged packets are dropped and
 *                                     counted (voip_call_info "srtp").  Over a
 *                                     "transport" other than "tls" the keys
 *                                     cross the network in clear SDP
 * NAT traversal and IPv6 (issue 14; README "NAT, STUN and IPv6"):
 *   "stun_server"        ""           STUN server (RFC 8489) as host[:port],
 *                                     port 3478 by default.  At start (UDP
 *                                     transport) the phone asks it which
 *                                     public address its SIP socket is seen
 *                                     from, and for each call which public
 *                                     address and port its RTP socket is
 *                                     seen from; those go into Via, Contact,
 *                                     c= and m= for peers outside
 *                                     bind_network (every peer except
 *                                     loopback ones while bind_network is
 *                                     0.0.0.0/0), unless remote_hostname is
 *                                     set.  Start and each call's offer or
 *                                     answer wait at most 2 s for it; a
 *                                     server that does not answer leaves
 *                                     the local addresses, with a warning in
 *                                     the log.  Works through NATs that keep
 *                                     one mapping per socket (endpoint-
 *                                     independent, e.g. Linux masquerade);
 *                                     through a symmetric NAT (a new port
 *                                     per destination) the learned address
 *                                     is wrong for the peer: use a TURN
 *                                     relay ("turn_server", with "ice").
 *   "ice"                "0"          "1": offers and answers carry ICE
 *                                     (RFC 8445/8839: a=ice-ufrag, a=ice-pwd,
 *                                     a=candidate, no trickle, a=rtcp-mux:
 *                                     one component) with a host
 *                                     candidate and, when stun_server
 *                                     answered, a server-reflexive one; the
 *                                     connectivity checks and keep-alives
 *                                     (every 15 s) share the call's RTP port,
 *                                     and the media follows the selected pair
 *                                     (voip_call_info "ice").  A peer without
 *                                     ICE (or answering a=ice-mismatch) gets
 *                                     plain RTP to its c=/m= address
 *                                     (info "ice" is then ""); checks that
 *                                     find no pair leave the media on that
 *                                     address too.  ICE is negotiated in the
 *                                     first offer/answer; early media (183)
 *                                     uses the plain addresses; re-INVITEs
 *                                     and UPDATEs (hold, session refreshes)
 *                                     keep the ICE pair once one is
 *                                     selected.
 *   "turn_server"        ""           TURN server (RFC 8656, UDP) as
 *                                     host[:port], port 3478 by default: with
 *                                     "ice", each call allocates a relay
 *                                     there and offers it as a relayed
 *                                     candidate, so that calls work behind
 *                                     symmetric NATs.  Building an offer or
 *                                     answer waits at most 3 s for the
 *                                     allocation; without it the call goes
 *                                     on with its other candidates.  When
 *                                     ICE selects the relay, the media goes
 *                                     through it (info "ice" starts with
 *                                     "relay", or ends with the peer's
 *                                     "relay" candidate).
 *   "turn_user"          ""           TURN username (long-term credentials)
 *   "turn_password"      ""           TURN password (write-only)
 *   IPv6: "bind_ip" may be an IPv6 address ("::1") or "::"/"0.0.0.0"
 *   (wildcards: dual stack, IPv4 and IPv6).  URIs take [v6] literals
 *   ("sip:bob@[2001:db8::2]:5060").  A call's Via, Contact and c= address
 *   are of the peer's family: a dual-stack phone answers an offer with
 *   c=IN IP6 with an IPv6 address and c=IN IP4 with an IPv4 one; a phone
 *   bound to an address of the other family refuses the offer with 488
 *   Not Acceptable Here (never a silent call), and voip_phone_call to a
 *   peer of the other family fails with VOIP_ENETWORK.
 * DTLS-SRTP (issue 14, RFC 5763/5764):
 *   "media_keying"       "sdes"       how our offers key SRTP when
 *                                     media_encryption is not "off".
 *                                     "sdes": a=crypto lines as above.
 *                                     "dtls": we offer UDP/TLS/RTP/SAVP with
 *                                     a=fingerprint (sha-256 of the phone's
 *                                     self-signed ECDSA P-256 certificate,
 *                                     made when the phone starts) and
 *                                     a=setup:actpass; the DTLS handshake
 *                                     runs on the RTP port and keys SRTP
 *                                     (AEAD_AES_128_GCM preferred, or
 *                                     AES_CM_128_HMAC_SHA1_80).  A peer that
 *                                     cannot do DTLS-SRTP answers 488 and our
 *                                     call ends with end code 488 (there is
 *                                     no plain fallback in an offer of
 *                                     UDP/TLS/RTP/SAVP, even with
 *                                     "optional").  Whatever this says, a
 *                                     phone whose media_encryption is not
 *                                     "off" answers DTLS offers with DTLS
 *                                     (a=setup:active, we are the DTLS
 *                                     client) and SDES offers with SDES.  A
 *                                     peer certificate that does not match
 *                                     its a=fingerprint ends the call with
 *                                     end reason "DTLS fingerprint mismatch"
 *                                     (BYE); a handshake that fails or takes
 *                                     over 15 s with "DTLS-SRTP handshake
 *                                     failed".  No media flows, in either
 *                                     direction, before the handshake ends
 */
VOIP_API int voip_phone_set_option(uint64_t phone, const char *key, const char *value);

/* Copy an option's current value, or a read-only fact, into buf as a
 * NUL-terminated string.  Besides the keys above (except "key_password"):
 *   "sip_port"       the SIP port actually bound (after start)
 *   "uri"            our SIP URI, e.g. "sip:libvoip@127.0.0.1:5060" (after start)
 *   "status_reason"  why the phone is in its current status, e.g. "403 Forbidden"
 * Returns VOIP_ENOSPACE when buflen is too small (buf then holds ""), and
 * VOIP_EINVAL when buf is NULL or buflen is 0 or the key is unknown.
 * Ownership: buf is the caller's.  Threads: any. */
VOIP_API int voip_phone_get_option(uint64_t phone, const char *key, char *buf, size_t buflen);

/* Add credentials for digest authentication (pyVoIP 2's CredentialsManager).
 * username/password are what a 401/407 challenge is answered with; realm
 * (NULL or "" = any realm) and user (NULL or "" = any of our users) narrow
 * when they apply; the most specific match wins.  username may differ from
 * the "user" option (an auth id, as 3CX uses).  Passwords are never logged
 * and never readable through voip_phone_get_option().
 * Ownership: the strings are copied.  Threads: any. */
VOIP_API int voip_phone_add_credentials(uint64_t phone, const char *username,
                                        const char *password, const char *realm,
                                        const char *user);

/* ========================================================================
 * Phone: start, stop, status
 * ======================================================================== */

/* Bind the sockets and start serving.  INACTIVE or FAILED -> REGISTERED.
 * With a "server", the phone registers: REGISTERING, then REGISTERED, or
 * FAILED with the reason (e.g. "403 Forbidden", "timeout") in
 * "status_reason" and the status callback; a registrar that does not answer
 * is retried with backoff, and the phone recovers by itself when it does.
 * Returns VOIP_ENETWORK when the SIP port cannot be bound (or, for TCP/TLS,
 * the server cannot be reached), VOIP_ERANGE for a bad RTP range,
 * VOIP_ESTATE when already running, VOIP_EREJECTED when the registrar
 * refused the registration (the phone is then FAILED and stopped), also
 * over TLS when its certificate does not verify ("status_reason" then names
 * it: "TLS certificate rejected: x509: certificate signed by unknown
 * authority", "... x509: certificate is valid for a.example, not b.example",
 * "... x509: certificate has expired or is not yet valid: ..."), and
 * VOIP_ETIMEOUT when the registrar did not answer within 5 s, or at once
 * when nothing listens at its address (the kernel's ICMP error; the last
 * error says "registrar 10.0.0.1:5060 is unreachable (port unreachable:
 * 10.0.0.1:5060 (ICMP)); retrying"): the phone then keeps running (FAILED,
 * "status_reason" the cause: "timeout" or "port unreachable: 10.0.0.1:5060
 * (ICMP)"), retries with backoff, and turns REGISTERED by itself once the
 * registrar answers.
 * Threads: any.  Blocks: while sockets are bound and, with a server, until
 * the first registration attempt has an answer (at most about 32 s). */
VOIP_API int voip_phone_start(uint64_t phone);

/* Stop: hang up answered calls (BYE), cancel dialing ones, deny ringing ones,
 * unregister (Expires: 0) when registered, then close the sockets.
 * -> DEREGISTERING -> INACTIVE.  Every call of the phone is ENDED when it
 * returns, and blocked reads and waits return.  The phone may be started
 * again.  Stopping a stopped phone is VOIP_OK.
 * Threads: any, including the phone's own callbacks, but callbacks queued
 * before the stop are still delivered, after it returns.
 * Blocks: up to about 2 seconds while BYE/CANCEL transactions complete. */
VOIP_API int voip_phone_stop(uint64_t phone);

/* Stop the phone if it runs, then release its handle and the handles of all
 * its calls; later use of them gives VOIP_ENOTFOUND.  Callbacks queued
 * before are delivered first; no callback of this phone runs after it
 * returns.
 * Threads: any but the phone's own callbacks (VOIP_ESTATE there).
 * Blocks: as voip_phone_stop(), then until the queued callbacks ran. */
VOIP_API int voip_phone_destroy(uint64_t phone);

/* The phone's status (VOIP_PHONE_*) into *status_out.  Threads: any. */
VOIP_API int voip_phone_status(uint64_t phone, int32_t *status_out);

/* Send a MESSAGE (RFC 3428, an instant message) to uri (as for
 * voip_phone_call) with the given content type (NULL or "" = "text/plain")
 * and body, and wait for the answer.  Returns VOIP_OK on 2xx,
 * VOIP_EREJECTED on an error response (the last error has the status),
 * VOIP_ETIMEOUT when no answer came within timeout_ms (-1 = SIP's own
 * transaction timeout).  Challenges (401/407) are answered with the
 * phone's credentials.
 * Ownership: the strings are copied.  Threads: any.  Blocks: until the
 * answer or timeout_ms. */
VOIP_API int voip_phone_send_message(uint64_t phone, const char *uri,
                                     const char *content_type, const char *body,
                                     int32_t timeout_ms);

/* Copy the message of the most recent failed function called with this
 * phone handle (e.g. voip_phone_start's "voip_phone_start: ...") into buf,
 * NUL-terminated; "" when none has failed.  Successful calls leave it as
 * it is, and this function's own failures do not change it.  Like
 * sqlite3_errmsg(): for programs whose calls run on worker threads, where
 * voip_last_error() of the calling thread is out of reach.  Messages are
 * at most 1023 bytes: a 1024-byte buffer always suffices.  Returns
 * VOIP_ENOSPACE when buflen is too small (buf then holds "").
 * Ownership: buf is the caller's.  Threads: any; when several threads fail
 * on one handle at once, it holds one of their messages. */
VOIP_API int voip_phone_last_error(uint64_t phone, char *buf, size_t buflen);

/* ========================================================================
 * Phone: callbacks (run on the phone's dispatcher; see CONVENTIONS)
 *
 * Setting a callback replaces the previous one; NULL removes it.  user_data
 * is passed back untouched (the library never dereferences it).  They may
 * be set before or after start, from any thread.
 * ======================================================================== */

/* A call arrived and is RINGING.  from/to are the SIP URIs of the caller and
 * of the called party.  Answer or deny it (now or later, from any thread).
 * With no incoming-call callback set, incoming calls get 486 Busy Here
 * (pyVoIP's behaviour) and no handle is created.  The application owns the
 * new call handle: release it with voip_call_release(). */
typedef void (*voip_incoming_call_fn)(void *user_data, uint64_t phone,
                                      uint64_t call, const char *from_uri,
                                      const char *to_uri);

/* A call changed state.  reason says why, e.g. "180 Ringing", "200 OK",
 * "486 Busy Here", "remote hangup", "local hangup", "canceled", "timeout",
 * "no ACK", "RTP timeout", "ring timeout".
 * Every call with a handle gets every state change, from the first (an
 * outgoing call's DIALING) to VOIP_CALL_ENDED, exactly once. */
typedef void (*voip_call_state_fn)(void *user_data, uint64_t phone,
                                   uint64_t call, int32_t state,
                                   const char *reason);

/* The remote side pressed a key: digit is one of '0'-'9', '*', '#', 'A'-'D'.
 * Each key press is reported once.  The digit is also queued for
 * voip_call_get_dtmf(). */
typedef void (*voip_dtmf_fn)(void *user_data, uint64_t phone, uint64_t call,
                             int32_t digit);

/* The phone's status changed (VOIP_PHONE_*), with a reason such as
 * "started", "403 Forbidden" or "timeout". */
typedef void (*voip_status_fn)(void *user_data, uint64_t phone,
                               int32_t status, const char *reason);

/* A request outside a call that the application may want to see: NOTIFY
 * (e.g. message-waiting), INFO, or MESSAGE.  method is "NOTIFY", "INFO" or
 * "MESSAGE"; call is the call the request belongs to, or 0; content_type
 * and body are the request's (body may contain NUL-free text only; binary
 * bodies are passed as ""). The request has already been answered 200.
 * An INFO carrying a key press (application/dtmf-relay or application/dtmf)
 * in a call's dialog is not reported here but as a digit (voip_dtmf_fn,
 * voip_call_get_dtmf); one whose body names no key gets 400. */
typedef void (*voip_request_fn)(void *user_data, uint64_t phone, uint64_t call,
                                const char *method, const char *from_uri,
                                const char *content_type, const char *body);

/* Something happened to an established call other than a state change.
 * event is a name, detail says more; the names so far:
 *   "hold"           the call is on hold; detail "local" (we held it) or
 *                    "remote" (the peer did)
 *   "resume"         a hold ended; detail "local" or "remote"
 *   "media_changed"  the peer moved its media; detail is the new address
 *                    and codec, e.g. "127.0.0.1:4000 PCMA"
 *   "transfer_progress"  a transfer we asked for (voip_call_transfer) goes
 *                    on: detail is the status the peer reports, e.g. "100
 *                    Trying", "180 Ringing", "200 OK", "603 Declined"
 *   "transferred"    the peer transferred us (a REFER we follow, see the
 *                    option "allow_transfer"): detail is
 *                    "call=<handle> <uri>": the handle of the new call we
 *                    placed to uri (yours to release, like voip_phone_call's;
 *                    its state events follow this one).  This call ends
 *                    (reason "transferred") once the new one is answered.
 *   "replaced"       an INVITE with Replaces (RFC 3891) took this call over:
 *                    detail is "call=<handle> <uri>", the new call (already
 *                    ANSWERED; it is not offered to the incoming-call
 *                    callback; yours to release) and its remote URI.  This
 *                    call then ends with reason "replaced".
 *   "dtmf_failed"    a digit sent by SIP INFO was refused or not answered;
 *                    the digits queued after it were dropped; detail says
 *                    which and why, e.g. "INFO 5: 415 Unsupported Media
 *                    Type; 3 digits dropped"
 *   "early_media"    media flow before the answer: detail "local" (we sent
 *                    183 with our SDP: voip_call_progress) or "remote" (an
 *                    outgoing call's 18x carried the callee's SDP: its
 *                    audio can be read in PROGRESS)
 *   "redirected"     the call was redirected; detail is the new target: an
 *                    outgoing call follows a 3xx's Contact (at most 5
 *                    times; a target already tried is not called again),
 *                    or we redirected an incoming one (voip_call_redirect)
 *   "session_refresh_failed"  the session timer (RFC 4028) failed: our
 *                    refresh was refused or not answered (detail says why,
 *                    e.g. "488 Not Acceptable Here"; the call ends with
 *                    reason "session expired" when the session expires
 *                    unless the peer refreshes it meanwhile), or the peer
 *                    did not refresh in time (detail "no session refresh
 *                    from the peer within <n> s"; the call ends at once
 *                    with a BYE, reason "session expired")
 *   "quality"        the call's media quality: once just before the
 *                    ENDED state of every call that had media, and every
 *                    quality_interval_ms ms while it has media when that
 *                    option is not 0; detail is the JSON object of
 *                    voip_call_info(call, "quality")
 * Media toolkit (see "Media toolkit" below): for a player, tone or
 * recorder, call is the media handle, not a call's:
 *   "playback_ended" a player reached its end (detail "finished") or was
 *                    stopped ("stopped")
 *   "tone_ended"     a tone played once has played, or was stopped
 *   "recording_ended" a recorder stopped: "stopped", "max duration" or
 *                    "error: <why>"
 * New names may be added in later versions without an ABI change: ignore
 * the ones you do not know.  Both strings are valid during the call only. */
typedef void (*voip_call_event_fn)(void *user_data, uint64_t phone, uint64_t call,
                                   const char *event, const char *detail);

/* A log line from the phone.  Passwords never appear in log lines. */
typedef void (*voip_log_fn)(void *user_data, uint64_t phone, int32_t level,
                            const char *message);

VOIP_API int voip_phone_on_incoming_call(uint64_t phone, voip_incoming_call_fn fn, void *user_data);
VOIP_API int voip_phone_on_call_state(uint64_t phone, voip_call_state_fn fn, void *user_data);
VOIP_API int voip_phone_on_dtmf(uint64_t phone, voip_dtmf_fn fn, void *user_data);
VOIP_API int voip_phone_on_call_event(uint64_t phone, voip_call_event_fn fn, void *user_data);
VOIP_API int voip_phone_on_status(uint64_t phone, voip_status_fn fn, void *user_data);
VOIP_API int voip_phone_on_request(uint64_t phone, voip_request_fn fn, void *user_data);

/* Deliver the phone's log lines at min_level and above to fn (NULL: none,
 * the default).  Log lines run on the dispatcher like callbacks.
 * The environment variable VOIP_LOG=debug|info|warn|error additionally
 * prints log lines of every phone to stderr; VOIP_LOG=sip (or "sip,debug")
 * also traces every phone's SIP messages as the "sip_trace" option does,
 * printed to stderr at info level (or the level given) and given to fn
 * when its min_level lets info lines through.  VOIP_EINVAL for a level
 * outside VOIP_LOG_DEBUG..VOIP_LOG_ERROR.  Threads: any. */
VOIP_API int voip_phone_set_log(uint64_t phone, int32_t min_level, voip_log_fn fn, void *user_data);

/* ========================================================================
 * Call: place, wait, state
 * ======================================================================== */

/* Place a call to uri ("sip:user@host[:port]", "user@host[:port]", or with
 * a "server" set, just "user" or a number).  The INVITE is sent before it
 * returns; *call_out receives the handle of a call in VOIP_CALL_DIALING.
 * The outcome arrives through the state callback or voip_call_wait():
 * ANSWERED, or ENDED with a reason ("486 Busy Here", "timeout", ...; over
 * UDP "port unreachable: 10.0.0.1:5060 (ICMP)" at once when nothing listens
 * there, or "host unreachable: ...").
 * Returns VOIP_EINVAL for a bad URI, the last error naming the URI and the
 * rule it breaks (e.g. bad URI "http://x": the scheme "http" is not
 * supported; ..., transport "foo" is not udp, tcp or tls, port "99999" is not
 * a number of 1..65535), and for a bare user or number without a "server"
 * option (no DNS lookup is made: "bob" is a bare user or number: calling
 * it needs the "server" option ...), VOIP_ESTATE when the phone is not
 * started, VOIP_ENOPORTS when no RTP port is free, VOIP_ENETWORK when the
 * INVITE cannot be sent (over TLS, a certificate that does not verify:
 * the last error then says "TLS certificate rejected: x509: ...").
 * Ownership: the caller owns the call handle; release it with
 * voip_call_release().  Threads: any.
 * Blocks: briefly (DNS resolution of the host, if it is a name). */
VOIP_API int voip_phone_call(uint64_t phone, const char *uri, uint64_t *call_out);

/* Wait until the call's state is one of state_mask (VOIP_STATE_BIT()s), or
 * ENDED (always included), or timeout_ms passes (-1 = forever, 0 = poll).
 * *state_out (may be NULL) receives the state.  Returns VOIP_OK when a
 * state in the mask (or ENDED) was reached, VOIP_ETIMEOUT otherwise.
 * Returns immediately if the call is already in such a state.
 * Threads: any.  Blocks: up to timeout_ms. */
VOIP_API int voip_call_wait(uint64_t call, uint32_t state_mask, int32_t timeout_ms, int32_t *state_out);

/* The call's state (VOIP_CALL_*) into *state_out.  Threads: any. */
VOIP_API int voip_call_state(uint64_t call, int32_t *state_out);

/* ========================================================================
 * Call: answer, deny, hang up, cancel (all return promptly; any thread)
 * ======================================================================== */

/* Answer an incoming call in RINGING: 200 OK with our SDP; -> ANSWERED.
 * After voip_call_progress() the 200 carries the same SDP and the early
 * media stream goes on.  When a reliable provisional response (option
 * "rel100") is not yet PRACKed, the 200 waits for the PRACK (at most 32 s).
 * VOIP_ESTATE in any other state; VOIP_ENOPORTS when no RTP port is free (the
 * call is then rejected with 503 and ends). */
VOIP_API int voip_call_answer(uint64_t call);

/* Reject an incoming call in RINGING with status_code (400..699; 0 means 486
 * Busy Here); -> ENDED.  VOIP_EINVAL for a code out of range. */
VOIP_API int voip_call_deny(uint64_t call, int32_t status_code);

/* End an ANSWERED call (BYE); -> ENDED immediately, the BYE completes in
 * the background.  VOIP_ESTATE in other states (use cancel or deny). */
VOIP_API int voip_call_hangup(uint64_t call);

/* Cancel an outgoing call in DIALING or PROGRESS (CANCEL); -> CANCELING,
 * then ENDED with reason "canceled" when the callee confirms (487), or
 * ANSWERED if its 200 OK crossed the CANCEL (the library then hangs up). */
VOIP_API int voip_call_cancel(uint64_t call);

/* Early media: answer an incoming call in RINGING with 183 Session
 * Progress carrying our SDP answer, and start its media.  The call stays
 * RINGING, but voip_call_write_audio() and voip_call_read_audio() work at
 * once: play an announcement or a ringback tone, listen to the caller,
 * before (or instead of) answering.  A later voip_call_answer() sends 200 OK
 * with the same SDP and keeps the stream; voip_call_deny() still refuses
 * the call.  Early media are exempt from the one-second limit on RTP to a
 * caller that has not confirmed the session (the application asked for
 * them).  When the caller uses reliable provisional responses (option
 * "rel100"), the 183 goes out once an earlier 180 was PRACKed, and a later
 * answer waits for the 183's PRACK (at most 32 s; without one the call is
 * refused with 504 and ends with reason "no PRACK").  The call event
 * "early_media" with detail "local" is delivered.
 * VOIP_ESTATE when the call is not an incoming call in RINGING, or early
 * media already started; VOIP_ENOPORTS when no RTP port is free (the call
 * is then rejected with 503).
 * Threads: any.  Blocks: until the 183 is sent (with "rel100", until the
 * 180's PRACK: at most 32 s). */
VOIP_API int voip_call_progress(uint64_t call);

/* Redirect an incoming call in RINGING: 302 Moved Temporarily with
 * Contact: uri ("sip:user@host[:port]", or with a "server" set, a user or
 * number there); the call event "redirected" with uri as detail is
 * delivered and the call ENDS with reason "302 Moved Temporarily" (end
 * code 302).  VOIP_EINVAL for a bad uri (or NULL), VOIP_ESTATE when the
 * call is not an incoming call in RINGING.
 * Ownership: uri is copied.  Threads: any.  Blocks: no. */
VOIP_API int voip_call_redirect(uint64_t call, const char *uri);

/* ========================================================================
 * Call: hold and resume (re-INVITE, RFC 3264 §8; blocking)
 * ======================================================================== */

/* Put an ANSWERED call on hold: a re-INVITE offering a=sendonly (a=inactive
 * when the peer holds us too).  Once the peer accepted, no audio RTP is sent
 * and reads return silence, on time; voip_call_info(call, "hold") says
 * "local" (or "both") and the call event "hold" with detail "local" is
 * delivered.  A 491 (glare) is retried after RFC 3261 §14.1's delay.
 * VOIP_OK at once when we already hold the call; VOIP_ESTATE when the call
 * is not ANSWERED or another offer is outstanding; VOIP_EREJECTED when the
 * peer refused (the status is in the last error) and VOIP_ETIMEOUT when it
 * did not answer: either way the call stays up as it was.
 * Threads: any.  Blocks: until the peer answers (at most 45 s). */
VOIP_API int voip_call_hold(uint64_t call);

/* Take a call off our hold: a re-INVITE offering a=sendrecv; audio flows
 * again (unless the peer holds us) and the call event "resume" with detail
 * "local" is delivered.  VOIP_OK at once when we do not hold the call;
 * errors as voip_call_hold.  Threads: any.  Blocks: as voip_call_hold. */
VOIP_API int voip_call_resume(uint64_t call);

/* ========================================================================
 * Call: transfer (REFER, RFC 3515; Replaces, RFC 3891; Referred-By, RFC 3892)
 * ======================================================================== */

/* Transfer an ANSWERED call: a REFER asks the peer to call uri (as for
 * voip_phone_call; a bare user without a "server" goes to the peer's host),
 * with a Referred-By naming us.  pyVoIP 2's semantics:
 *   blind != 0  returns once the peer accepted the REFER (202); the call
 *               then ends with our BYE (ENDED, reason "transferred").
 *   blind == 0  waits for the outcome the peer reports in NOTIFYs, each
 *               delivered as the call event "transfer_progress" ("100
 *               Trying", "180 Ringing", "200 OK", "486 Busy Here", ...):
 *               on a 2xx the call ends as for blind and VOIP_OK is
 *               returned; on a failure the call stays up and
 *               VOIP_EREJECTED is returned (the status is in the last error).
 * A REFER the peer refuses (e.g. 603 Declined, allow_transfer "0" at a
 * libvoip peer) is VOIP_EREJECTED and the call stays up.  VOIP_ETIMEOUT
 * when timeout_ms (-1 = none: SIP's transaction timeout for the REFER,
 * then as long as the peer's call takes) passed first; VOIP_ESTATE when
 * the call is not ANSWERED or a transfer of it is in progress; VOIP_EENDED
 * when the call ended before the outcome was known.
 * Ownership: uri is copied.  Threads: any (in a callback it holds back the
 * phone's later events until it returns).
 * Blocks: blind, until the REFER's answer; else until the outcome; at most
 * timeout_ms. */
VOIP_API int voip_call_transfer(uint64_t call, const char *uri, int32_t blind,
                                int32_t timeout_ms);

/* Attended transfer: ask call's peer to call other's peer, replacing
 * other (a REFER whose Refer-To carries a Replaces header naming other's
 * dialog).  other must be another ANSWERED call of the same phone.  Waits
 * for the outcome as voip_call_transfer with blind == 0 does; on success
 * call ends (reason "transferred") and other is ended by its peer (our BYE
 * follows after 2 s if it is not).  Errors as voip_call_transfer, and
 * VOIP_EINVAL when other is call or belongs to another phone.
 * Threads: any, as voip_call_transfer.  Blocks: as voip_call_transfer. */
VOIP_API int voip_call_transfer_attended(uint64_t call, uint64_t other, int32_t timeout_ms);

/* ========================================================================
 * Call: audio
 * ======================================================================== */

/* Read received audio (in the phone's audio_format) into buf.
 * Waits until len bytes are available, the call ends, or timeout_ms passes
 * (-1 = forever, 0 = do not wait), then copies what is available (at most
 * len bytes, whole samples) and stores the count in *nread (nread may be
 * NULL).
 * Once ANSWERED the library produces 20 ms of audio every 20 ms, silence
 * where nothing (or nothing in time) arrived, so a reader is paced by the
 * call like by a sound card.  Audio is kept for up to 2 s; older audio is
 * dropped when nobody reads.
 * Returns VOIP_OK when len bytes were copied; VOIP_ETIMEOUT when fewer (see
 * *nread, possibly 0); VOIP_EENDED when the call has ended and fewer than
 * len bytes were left (*nread holds those last bytes, often 0): audio
 * received before the end stays readable.  Reading a call before ANSWERED
 * waits for it to be answered, unless early media run (voip_call_progress,
 * or an outgoing call in PROGRESS whose 18x carried SDP): they are read
 * like answered audio.  buf must not be NULL and len must be > 0
 * (VOIP_EINVAL).
 * Ownership: buf is the caller's, written only during the call.
 * Threads: any; one reader per call at a time.  Blocks: up to timeout_ms. */
VOIP_API int voip_call_read_audio(uint64_t call, uint8_t *buf, size_t len, int32_t timeout_ms, size_t *nread);

/* Queue audio (in the phone's audio_format) to send.  The library sends
 * 20 ms every 20 ms from this queue, and silence when it is empty.  The
 * queue holds up to 2 s; when it is full, waits up to timeout_ms for room
 * (-1 = forever, 0 = do not wait).  *nwritten (may be NULL) receives the
 * bytes queued.  Returns VOIP_OK when all of data was queued, VOIP_ETIMEOUT
 * when only part (or none) of it fit, VOIP_EENDED after the call ended,
 * VOIP_ESTATE before ANSWERED (or before early media run: see
 * voip_call_progress).  A trailing odd byte of s16le is dropped;
 * len 0 queues nothing and returns VOIP_OK; data NULL with len > 0 is
 * VOIP_EINVAL.
 * Ownership: data is copied into the queue.  Threads: any; one writer per
 * call at a time.  Blocks: up to timeout_ms, only when the queue is full. */
VOIP_API int voip_call_write_audio(uint64_t call, const uint8_t *data, size_t len, int32_t timeout_ms, size_t *nwritten);

/* ========================================================================
 * Call: DTMF
 * ======================================================================== */

/* Send DTMF digits ('0'-'9', '*', '#', 'A'-'D') one after another, each
 * duration_ms long (0 = 100 ms; 40..5000), as the phone's "dtmf_mode" says:
 * RFC 4733 events sent by the media clock, or one SIP INFO
 * (application/dtmf-relay: "Signal=5\r\nDuration=100\r\n") per digit in the
 * call's dialog, each sent once the one before was answered and its
 * duration passed (a 401/407 is answered with the credentials).  Queued;
 * returns at once (up to 128 digits wait).  An INFO refused or not answered
 * drops the digits queued after it and is reported as the call event
 * "dtmf_failed".  VOIP_EINVAL for an invalid digit or duration or a full
 * queue (nothing is queued), VOIP_ESTATE when the call is not ANSWERED or,
 * with "rfc4733", the peer did not accept telephone-events.
 * Ownership: digits is copied.  Threads: any. */
VOIP_API int voip_call_send_dtmf(uint64_t call, const char *digits, int32_t duration_ms);

/* Take up to buflen-1 received digits, oldest first, from the call's DTMF
 * queue into buf (NUL-terminated); *count_out (may be NULL) receives how
 * many.  Returns VOIP_OK with "" when none are queued (pyVoIP's get_dtmf).
 * buflen must be >= 1.  Digits stay readable after the call ended; up to
 * 1024 unread digits are kept.
 * Ownership: buf is the caller's.  Threads: any. */
VOIP_API int voip_call_get_dtmf(uint64_t call, char *buf, size_t buflen, size_t *count_out);

/* ========================================================================
 * Call: waiting for what was queued, flushing, collecting digits
 * (issue 17: a digit string sent in full before a hang-up, barge-in,
 * an IVR's digit entry)
 * ======================================================================== */

/* What voip_call_drain() waits for (a bit mask). */
#define VOIP_DRAIN_DTMF   1u  /* digits queued by voip_call_send_dtmf sent: RFC 4733
                                 events with their end packets, or each SIP INFO
                                 answered and its duration passed */
#define VOIP_DRAIN_AUDIO  2u  /* audio queued by voip_call_write_audio sent to its
                                 last sample */

/* Wait until what was queued before this call has gone out (flags: a mask
 * of VOIP_DRAIN_*), e.g. send "123#", drain, then hang up: the peer gets
 * every digit.  Returns VOIP_OK once it has (at once when nothing is
 * queued, e.g. before ANSWERED); VOIP_ETIMEOUT when timeout_ms (-1 =
 * forever) passed first; VOIP_EENDED when the call ended first (what was
 * left did not go out); VOIP_EINVAL for no or unknown flags.  On hold,
 * written audio is dropped (so it is drained at once) but digits wait for
 * the resume.
 * Threads: any.  Blocks: until sent (about 20 ms per queued 20 ms of audio,
 * 100 ms plus a 40 ms gap per default digit), at most timeout_ms. */
VOIP_API int voip_call_drain(uint64_t call, uint32_t flags, int32_t timeout_ms);

/* What voip_call_flush() drops (a bit mask). */
#define VOIP_FLUSH_SEND_AUDIO      1u  /* audio written but not yet sent: silence is
                                          sent from the next 20 ms on (barge-in) */
#define VOIP_FLUSH_RECEIVED_AUDIO  2u  /* received audio not yet read: the next read
                                          returns what arrives from then on */
#define VOIP_FLUSH_RECEIVED_DTMF   4u  /* received digits not yet taken (get_dtmf,
                                          collect_dtmf): keys typed ahead */

/* Drop the queued audio or digits named by flags (a mask of VOIP_FLUSH_*),
 * at once.  Works in any state (before ANSWERED or after ENDED the audio
 * queues are empty).  VOIP_EINVAL for no or unknown flags.
 * Threads: any.  Blocks: no. */
VOIP_API int voip_call_flush(uint64_t call, uint32_t flags);

/* Why voip_call_collect_dtmf() stopped (*stop_out). */
#define VOIP_COLLECT_MAX_DIGITS   1  /* max_digits (or buflen - 1) digits were collected */
#define VOIP_COLLECT_TERMINATOR   2  /* a key of terminators was pressed */
#define VOIP_COLLECT_TIMEOUT      3  /* timeout_ms passed */
#define VOIP_COLLECT_INTER_DIGIT  4  /* inter_digit_ms passed after a digit */
#define VOIP_COLLECT_ENDED        5  /* the call ended */

/* Collect received digits until the first of: max_digits digits (0 = no
 * limit but the buffer's: buflen - 1, at most 1024), a key of terminators
 * (e.g. "#"; NULL or "" = none; the key is not stored in buf but in
 * *terminator_out), timeout_ms in all (-1 = none; 0 = take only the digits
 * already queued), inter_digit_ms after a digit with no next one (<= 0 =
 * none), or the end of the call.  The digits come from the queue
 * voip_call_get_dtmf() reads, so keys pressed before the call count
 * (voip_call_flush with VOIP_FLUSH_RECEIVED_DTMF drops them first); the
 * digits after a stop stay queued.  buf receives the digits,
 * NUL-terminated; *stop_out (may be NULL) a VOIP_COLLECT_* reason;
 * *terminator_out (may be NULL) the terminator pressed, or '\0'.
 * Returns VOIP_OK for every stop (a timeout included: see *stop_out);
 * VOIP_EINVAL for a NULL buf or buflen < 2, max_digits < 0, timeout_ms <
 * -1, or a terminator that is not a DTMF digit.  An IVR asking for a
 * 4-digit PIN ended by "#":
 *     char pin[8]; int32_t why;
 *     voip_call_collect_dtmf(call, 4, 15000, 5000, "#", pin, sizeof pin, &why, NULL);
 * Ownership: terminators is read during the call; buf is the caller's.
 * Threads: any; one collector per call at a time.
 * Blocks: until a stop condition (with neither timeout, inter-digit timeout,
 * terminator nor digit limit, until the call ends). */
VOIP_API int voip_call_collect_dtmf(uint64_t call, int32_t max_digits, int32_t timeout_ms,
                                    int32_t inter_digit_ms, const char *terminators,
                                    char *buf, size_t buflen, int32_t *stop_out,
                                    char *terminator_out);

/* ========================================================================
 * Call: facts, last error, release
 * ======================================================================== */

/* Copy a fact about the call into buf as a NUL-terminated string:
 *   "direction"   "incoming" or "outgoing"
 *   "remote_uri"  the other party's URI      "local_uri"  ours
 *   "call_id"     the SIP Call-ID
 *   "state"       e.g. "ANSWERED"
 *   "codec"       negotiated codec: "PCMU", "PCMA", "G722" or "opus" ("" before negotiation);
 *                 follows a codec change by re-INVITE or UPDATE
 *   "local_rtp"   our RTP address "ip:port"  "remote_rtp"  the peer's, as
 *                 last negotiated (a re-INVITE may move it)
 *   "hold"        "none", "local" (we hold: voip_call_hold), "remote" (the
 *                 peer holds us) or "both"
 *   "remote_sdp"  the peer's last session description ("" before one)
 *   "session_expires"  the session timer (RFC 4028) as last negotiated:
 *                 the interval in seconds and who refreshes, "uac" (the
 *                 caller) or "uas" (the callee), e.g. "1800 uac"; "" when
 *                 the session does not expire
 *   "end_reason"  why it ended, e.g. "486 Busy Here" ("" while not ended)
 *   "end_code"    the SIP status that ended it, e.g. "486", or "0"
 *   "stats"       a JSON object of media counters: packets_sent,
 *                 packets_received, packets_lost, late, dropped_source,
 *                 dropped_payload_type, malformed, dtmf_sent,
 *                 dtmf_received, read_overruns, latched, dropped_ssrc
 *                 (packets of a new SSRC dropped during RFC 3550
 *                 probation), dtmf_info_sent (digits sent by SIP INFO
 *                 and answered 2xx), dtmf_info_received (digits received
 *                 by SIP INFO) (integers) and jitter_ms (a number)
 *   "quality"     a JSON object, the call's media quality (also after the
 *                 call ended; counters are 0 before media):
 *                 codec; packets_sent, packets_received, packets_lost
 *                 (RFC 3550 cumulative loss of what we receive);
 *                 loss_percent (lost, or discarded as late, out of
 *                 expected); jitter_ms (RFC 3550 interarrival jitter of
 *                 what we receive); from the peer's RTCP, null until its
 *                 first report: remote_packets_sent (its SR's count),
 *                 remote_packets_lost (of ours, cumulative),
 *                 remote_loss_percent (of ours, its last interval),
 *                 remote_jitter_ms (of ours) and rtt_ms (round-trip time
 *                 from its report's LSR/DLSR); concealed_frames (by PLC),
 *                 comfort_noise_frames, late and duplicates (packets
 *                 discarded by the jitter buffer), jitter_buffer_ms (the
 *                 current playout delay), jitter_buffer_target_ms,
 *                 jitter_mode ("adaptive" or "fixed"), rtcp_sent,
 *                 rtcp_received, rtcp_mux (true/false); r_factor and mos,
 *                 a simplified ITU-T G.107 E-model of what we receive:
 *                 R = 93.2 - Id - Ie,eff with Id = 0.024 Ta + 0.11 (Ta -
 *                 177.3) H(Ta - 177.3), Ta = rtt_ms / 2 + jitter_buffer_ms
 *                 + 20 (ms), Ie,eff = 95 Ppl / (Ppl + Bpl), Ppl =
 *                 loss_percent, Bpl = 25.1 with "plc" (4.3 without; G.711's
 *                 values in ITU-T G.113 Appendix I, used for every codec),
 *                 MOS = 1 + 0.035 R + R (R - 60) (100 - R) 7e-6 (1 for
 *                 R <= 0, 4.5 for R >= 100); about 4.4 for a clean call
 *   "media_encryption"  "none" (plain RTP), "sdes" (SRTP keyed by
 *                 a=crypto) or "dtls" (SRTP keyed by a DTLS handshake,
 *                 option "media_keying"), as last negotiated.  With "sdes",
 *                 "remote_sdp" shows the peer's key: it is the
 *                 application's to protect
 *   "srtp"        a JSON object: suite (the agreed crypto suite, "" when
 *                 plain, and with "dtls" until the handshake keyed SRTP),
 *                 replayed (SRTP/SRTCP packets dropped as replays)
 *                 and auth_failed (packets dropped because their
 *                 authentication failed: forged, damaged or plain RTP on
 *                 an SRTP call) (integers)
 *   "ice"         (issue 14) the ICE pair the media uses, "<type> <ip:port>
 *                 -> <type> <ip:port>" (ours, then the peer's; types host,
 *                 srflx, prflx, relay), e.g. "host 10.0.1.2:10000 -> srflx
 *                 203.0.113.2:10000"; "checking" until a pair is selected
 *                 (the pair stays readable after the call ended); "" when
 *                 the call does not use ICE (option "ice" off, or the
 *                 peer's SDP has none: plain RTP)
 * VOIP_EINVAL for an unknown key or a NULL or zero-length buf, VOIP_ENOSPACE
 * when buflen is too small (buf then holds "").
 * Ownership: buf is the caller's.  Threads: any. */
VOIP_API int voip_call_info(uint64_t call, const char *key, char *buf, size_t buflen);

/* As voip_phone_last_error(), for the functions called with this call
 * handle (voip_call_*).  Threads: any. */
VOIP_API int voip_call_last_error(uint64_t call, char *buf, size_t buflen);

/* Release the call's handle.  An active call is hung up (or canceled, or
 * denied) first.  Later use of the handle gives VOIP_ENOTFOUND, but
 * callbacks still deliver the call's remaining events under this id, up to
 * and including its ENDED (which every call reaches exactly once).  Every call
 * handle (incoming or outgoing) should be released once the application is
 * done with it; voip_phone_destroy() releases the rest.
 * Threads: any; returns promptly (the hangup completes in the background). */
VOIP_API int voip_call_release(uint64_t call);

/* ========================================================================
 * Events: subscriptions, presence, message waiting, busy lamps
 * (RFC 6665 SUBSCRIBE/NOTIFY, RFC 3903 PUBLISH; packages message-summary
 * RFC 3842, presence RFC 3856 with PIDF RFC 3863, dialog RFC 4235,
 * presence.winfo RFC 3857 with watcherinfo RFC 3858)
 *
 * A subscription handle (voip_subscription_new) and an incoming
 * subscription handle (the voip_incoming_subscription_fn callback) are
 * handles like call handles: never reused, VOIP_ENOTFOUND once released or
 * once their phone is destroyed.
 *
 * Every NOTIFY body of a package libvoip knows is also given parsed, as a
 * JSON "summary" (the same in every binding):
 *   message-summary  {"waiting":true,"account":"sip:..","new":2,"old":8,
 *                     "new_urgent":0,"old_urgent":2}  (voice counts; all
 *                     classes summed when there is no Voice-Message line)
 *   presence         {"entity":"sip:..","basic":"open"|"closed",
 *                     "note":"..","activities":["busy",..]}
 *   dialog           {"entity":"sip:..","lamp":"idle"|"early"|"confirmed",
 *                     "version":N,"dialogs":[{"id":..,"state":..,
 *                     "direction":..,"remote":..}]}
 *   presence.winfo   {"resource":"sip:..","package":"presence",
 *                     "state":"full"|"partial","version":N,
 *                     "watchers":[{"id":..,"uri":"sip:..","status":
 *                     "pending"|"active"|"waiting"|"terminated","event":
 *                     "subscribe"|"approved"|"deactivated"|"probation"|
 *                     "rejected"|"timeout"|"giveup"|"noresource"}]}
 *                     (watcher information, RFC 3857/3858: who watches
 *                     resource's presence; a partial document lists only
 *                     the watchers that changed, merge it by id)
 *   a malformed body {"error":"why"}; another package or no body: "".
 * ======================================================================== */

/* A NOTIFY arrived: of subscription sub, or (sub 0) an unsolicited,
 * out-of-dialog message-summary NOTIFY such as Asterisk's default MWI,
 * which was answered 200 (it also reaches voip_request_fn).  event is the
 * package, state the Subscription-State ("active", "pending",
 * "terminated"), content_type and body the NOTIFY's ("" when none;
 * bodies with NUL bytes or invalid UTF-8 are given as ""), summary the
 * JSON above. */
typedef void (*voip_notify_fn)(void *user_data, uint64_t phone, uint64_t sub,
                               const char *event, const char *state,
                               const char *content_type, const char *body,
                               const char *summary);

/* A subscription's state changed: "sent", "pending", "active" or
 * "terminated", with a reason ("403 Forbidden", "noresource",
 * "unsubscribed", "resubscribing after deactivated", ...). */
typedef void (*voip_subscription_state_fn)(void *user_data, uint64_t phone,
                                           uint64_t sub, const char *state,
                                           const char *reason);

/* A SUBSCRIBE arrived for a package given to voip_phone_on_subscribe:
 * accept it (voip_incoming_subscription_accept / _accept_pending) or
 * reject it (voip_incoming_subscription_reject) within a few seconds, from
 * the callback or any thread; undecided after 8 s it is answered 480.
 * from/to are the subscriber's URI and the URI it subscribed to.  The
 * application owns the handle: release it with
 * voip_incoming_subscription_release(). */
typedef void (*voip_incoming_subscription_fn)(void *user_data, uint64_t phone,
                                              uint64_t isub, const char *event,
                                              const char *from_uri,
                                              const char *to_uri);

VOIP_API int voip_phone_on_notify(uint64_t phone, voip_notify_fn fn, void *user_data);
VOIP_API int voip_phone_on_subscription_state(uint64_t phone, voip_subscription_state_fn fn, void *user_data);

/* Serve SUBSCRIBEs for packages, a comma-separated list (e.g.
 * "presence,dialog"), through fn.  SUBSCRIBEs for other packages, or for
 * any while fn is NULL (the default), get 489 Bad Event with
 * Allow-Events.  "presence" subscriptions, once accepted, get our
 * presence (voip_phone_set_presence) and "dialog" ones our calls' state
 * (a busy lamp: trying/early/confirmed) by themselves; other packages get
 * what voip_incoming_subscription_notify sends.  "presence.winfo"
 * subscriptions (RFC 3857) get our presence watchers by themselves: a
 * full watcherinfo document when accepted, then a partial one for each
 * change of an incoming presence subscription (pending/subscribe when it
 * arrives, active/approved when accepted, terminated/rejected when
 * rejected, terminated/giveup when undecided, terminated/timeout when
 * unsubscribed or expired).  Threads: any. */
VOIP_API int voip_phone_on_subscribe(uint64_t phone, const char *packages,
                                     voip_incoming_subscription_fn fn, void *user_data);

/* Create a subscription to uri's event package ("presence",
 * "message-summary", "dialog", "presence.winfo", ...).  accept is a comma-separated list of
 * body types (NULL or "" = the package's usual one).  It is not sent
 * before voip_subscription_start.  Returns VOIP_EINVAL for a bad uri,
 * event or accept. */
VOIP_API int voip_subscription_new(uint64_t phone, const char *uri, const char *event,
                                   const char *accept, uint64_t *sub_out);

/* Send the SUBSCRIBE (digest challenges answered) and wait for its
 * answer: VOIP_OK when accepted (NOTIFYs then reach voip_notify_fn, and
 * the subscription is refreshed before "event_expires" runs out, and
 * re-subscribed after a NOTIFY terminating it with reason deactivated or
 * timeout, or after its retry-after), VOIP_EREJECTED when refused (e.g. 489
 * Bad Event, 403), VOIP_ETIMEOUT without an answer in timeout_ms (-1 =
 * SIP's transaction timeout), VOIP_ESTATE when already started or the
 * phone is not started.  Blocks: until the answer. */
VOIP_API int voip_subscription_start(uint64_t sub, int32_t timeout_ms);

/* End the subscription (SUBSCRIBE with Expires: 0 in each of its
 * dialogs); stopping the phone ends every subscription too.  A stopped
 * subscription cannot be started again.  Blocks: until answered. */
VOIP_API int voip_subscription_stop(uint64_t sub, int32_t timeout_ms);

/* Copy the subscription's state ("" before start, "sent", "pending",
 * "active", "terminated") into buf. */
VOIP_API int voip_subscription_state(uint64_t sub, char *buf, size_t buflen);

/* Release the handle, ending the subscription first (in the background)
 * when it runs. */
VOIP_API int voip_subscription_release(uint64_t sub);

/* As voip_phone_last_error(), for the functions called with this
 * subscription handle (voip_subscription_*), e.g. "voip_subscription_start:
 * rejected by the remote side: SUBSCRIBE presence to sip:...: 489 Bad
 * Event".  Threads: any. */
VOIP_API int voip_subscription_last_error(uint64_t sub, char *buf, size_t buflen);

/* Accept an incoming subscription (200, or a pending one made active);
 * its first NOTIFY follows at once. */
VOIP_API int voip_incoming_subscription_accept(uint64_t isub);

/* Accept it as pending (202): a NOTIFY without a body, until accepted. */
VOIP_API int voip_incoming_subscription_accept_pending(uint64_t isub);

/* Reject it with status_code (300..699, e.g. 403 or 603). */
VOIP_API int voip_incoming_subscription_reject(uint64_t isub, int32_t status_code);

/* Send a NOTIFY with body of content_type (both required): the new
 * state.  VOIP_ESTATE when not accepted or terminated, VOIP_EREJECTED when
 * the subscriber refused it (a 481 also ends the subscription),
 * VOIP_ETIMEOUT without an answer.  Blocks: until the NOTIFY's answer. */
VOIP_API int voip_incoming_subscription_notify(uint64_t isub, const char *content_type,
                                               const char *body, int32_t timeout_ms);

/* Terminate it with a final NOTIFY whose reason is reason ("noresource",
 * "deactivated", "rejected", "timeout", "giveup", "probation"; NULL or ""
 * = "noresource"). */
VOIP_API int voip_incoming_subscription_end(uint64_t isub, const char *reason, int32_t timeout_ms);

/* Copy its state ("incoming", "pending", "active", "terminated"). */
VOIP_API int voip_incoming_subscription_state(uint64_t isub, char *buf, size_t buflen);

/* Release the handle (the subscription itself goes on until it ends). */
VOIP_API int voip_incoming_subscription_release(uint64_t isub);

/* Set the presence we show: basic "open" or "closed", a note (NULL = ""),
 * RPID activities as a comma-separated list (NULL or "" = none, e.g.
 * "busy,on-the-phone").  Our presence subscribers get it at once; with a
 * "server" it is also published there (PUBLISH of a PIDF to our
 * address-of-record, refreshed until the phone stops) and that PUBLISH's
 * failure is returned (VOIP_EREJECTED, VOIP_ETIMEOUT).  The phone must be
 * started. */
VOIP_API int voip_phone_set_presence(uint64_t phone, const char *basic, const char *note,
                                     const char *activities, int32_t timeout_ms);

/* Publish body (of content_type) as our state of event at the "server"
 * (RFC 3903: PUBLISH to our address-of-record; SIP-ETag kept; refreshed
 * before it expires until the phone stops; a later call modifies it).  A
 * NULL body removes the published state.  VOIP_ESTATE without a server or
 * when the phone is not started; VOIP_EREJECTED when refused. */
VOIP_API int voip_phone_publish(uint64_t phone, const char *event, const char *content_type,
                                const char *body, int32_t timeout_ms);
/* ========================================================================
 * Media toolkit: an audio bridge with players, recorders and tones
 * ========================================================================
 *
 * Each started phone has an audio bridge driven by its media clock (every
 * 20 ms; no thread per port), at the phone's "sample_rate" (frames of
 * sample_rate/50 samples).  A port produces and/or consumes 20 ms frames:
 *   - a call handle is a port: its source is the audio it receives, its
 *     sink the audio it sends (summed with voip_call_write_audio()'s);
 *     voip_call_read_audio() keeps reading every frame while the call is
 *     connected: the application is one more port;
 *   - a player (voip_player_new) is a source, a recorder a sink, a tone a
 *     source.
 * voip_connect(src, dst) makes src's audio flow to dst (PJSUA2's
 * startTransmit); a port fed by several sources hears their saturating sum.
 * A conference is every pair of calls connected both ways: each member
 * hears everyone but itself.  Media handles come from the same never-reused
 * registry as phones and calls.  A port with no connection costs nothing.
 *
 * End events: when a player reaches its end, a tone that does not repeat
 * has played, or a recorder stops, the call event callback
 * (voip_phone_on_call_event) is called with the media handle as its call
 * argument and event "playback_ended", "tone_ended" or "recording_ended";
 * detail is "finished", "stopped", "max duration" or "error: <why>".
 * When the phone stops, every player and tone stops and every recording
 * is finished (its header written); a recording's header is also
 * rewritten every second, so a killed process leaves a valid file. */

#define VOIP_PLAYER_LOOP      1u  /* voip_player_new: start again at the end, for ever */
#define VOIP_RECORDER_STEREO  1u  /* voip_recorder_new: left = what the sources
                                   * say (a call's received audio), right = what
                                   * call sources sent: both directions */

/* Create a player of the WAV file at path: PCM 16-bit or 8-bit, A-law or
 * µ-law, mono or stereo (mixed down), any sample rate (resampled to the
 * phone's "sample_rate" with a low-pass polyphase filter).  The file is
 * decoded when opened; playing starts when the player is first connected
 * (voip_connect(player, call)), once or looped (VOIP_PLAYER_LOOP).  *id_out receives its handle.
 * VOIP_EIO for a file that cannot be read, VOIP_EFORMAT for a corrupt,
 * truncated or unsupported one, VOIP_ESTATE when the phone is not started.
 * Ownership: release the handle with voip_media_destroy().  Threads: any. */
VOIP_API int voip_player_new(uint64_t phone, const char *path, uint32_t flags, uint64_t *id_out);

/* As voip_player_new(), for a WAV file of len bytes at data (copied). */
VOIP_API int voip_player_new_from_memory(uint64_t phone, const void *data, size_t len,
                                         uint32_t flags, uint64_t *id_out);

/* Create (or truncate) a 16-bit PCM WAV file at path at the phone's sample
 * rate recording what is connected to it (voip_connect(call, recorder)):
 * mono, the mix of its sources; VOIP_RECORDER_STEREO, both directions of
 * its call sources.  VOIP_EIO when the file cannot be created.
 * Ownership: voip_media_destroy() finishes the file.  Threads: any. */
VOIP_API int voip_recorder_new(uint64_t phone, const char *path, uint32_t flags, uint64_t *id_out);

/* Stop the recording after ms milliseconds of audio (0: no limit), with a
 * "recording_ended" event, detail "max duration".  VOIP_EINVAL for a handle
 * that is not a recorder.  Threads: any. */
VOIP_API int voip_recorder_set_max_duration(uint64_t recorder, uint32_t ms);

/* Create a tone generator port.  spec is a preset, "dial", "ringback",
 * "busy", "congestion" or "callwaiting", with ":us" (the default) or ":eu"
 * (ITU 425 Hz), e.g. "ringback:eu"; "dtmf:<keys>" (each key 100 ms, then
 * 100 ms of silence, played once, e.g. "dtmf:123#"); or a cadence of
 * comma-separated segments "<hz>[+<hz>][/<on ms>[/<off ms>]]" repeated for
 * ever, e.g. "440+480/2000/4000" or "350+440" (continuous); "once:" before
 * a preset or cadence plays it once, e.g. "once:880/500" (a beep).  A tone
 * played once ends with a "tone_ended" event.  VOIP_EINVAL for a bad spec.  Ownership: voip_media_destroy().  Threads: any. */
VOIP_API int voip_tone_new(uint64_t phone, const char *spec, uint64_t *id_out);

/* Make src's audio flow to dst.  Both are media or call handles of the same
 * phone.  Connecting twice is VOIP_OK.  VOIP_ENOTFOUND for a stale or
 * destroyed handle, VOIP_EINVAL for a port connected to itself, a source
 * that produces nothing (a recorder) or a destination that takes nothing
 * (a player, a tone), or handles of two phones; VOIP_EENDED for a call that
 * ended; VOIP_ESTATE when the phone is stopped.  Threads: any. */
VOIP_API int voip_connect(uint64_t src, uint64_t dst);

/* Stop src's audio flowing to dst (VOIP_OK when it did not).  Errors as
 * voip_connect().  Threads: any. */
VOIP_API int voip_disconnect(uint64_t src, uint64_t dst);

/* Wait up to timeout_ms (negative: forever) until a player or tone has
 * ended or a recorder stopped: VOIP_OK, or VOIP_ETIMEOUT.  Threads: any
 * (blocks the calling thread). */
VOIP_API int voip_media_wait(uint64_t id, int32_t timeout_ms);

/* As voip_phone_last_error(), for the functions called with this media
 * handle.  Threads: any. */
VOIP_API int voip_media_last_error(uint64_t id, char *buf, size_t buflen);

/* Stop a player or tone, or finish a recording, take it off the bridge and
 * release its handle (later use: VOIP_ENOTFOUND).  Threads: any. */
VOIP_API int voip_media_destroy(uint64_t id);
/* --- end of media toolkit --- */

/* ========================================================================
 * Batched audio: one thread for every call (issue 16)
 * ========================================================================
 * The per-call functions above (voip_call_read_audio/write_audio) suit a
 * thread per call.  For many calls, one thread serves them all: each media
 * tick (every 20 ms, right after every call played out a frame into its
 * read queue) it takes the frames that are ready with one
 * voip_phone_read_frames() and queues its own with one
 * voip_phone_write_frames(), or both with one voip_phone_exchange_frames()
 * (one crossing per tick: for bindings whose every call into the library
 * is expensive).  At 1,000 calls that costs two crossings of the ABI per
 * 20 ms instead of 2,000 thread wake-ups.
 *
 * A batch is parallel arrays: entry i is calls[i], its frame
 * frames[i * frame_bytes .. (i + 1) * frame_bytes - 1] and its result
 * status[i] (a VOIP_* code).  frame_bytes is the size of one frame in the
 * phone's audio_format: 320 for 20 ms of s16le at 8 kHz (sample_rate *
 * 20 / 1000 * bytes per sample); 1..65536.
 *
 * The calls visited are those of the phone whose handles the application
 * holds (voip_phone_call, the incoming-call callback, "transferred" /
 * "replaced" events), in the order they got them, until the handle is
 * released or the call's end was reported.  A frame is never split: each
 * entry is one whole frame, so an application that takes every ready frame
 * loses and repeats nothing.
 *
 * Threads: one thread at a time reads a phone's frames (a tick wakes one
 * waiter); writes may come from any thread, one writer per call at a time.
 * Do not mix these with voip_call_read_audio() on the same call: each
 * takes frames the other would not see.
 * Ownership: every array is the caller's, read or written only during the
 * call; nothing is kept.
 */

/* Take one ready frame from each call of phone that has one, without
 * splitting a frame.  When no call has a frame ready, waits for the next
 * media tick, up to timeout_ms (-1 = forever, 0 = do not wait).  Fills up to
 * capacity entries (calls[], frames[], status[] each hold capacity) and
 * stores their number in *count:
 *   status VOIP_OK     — frames[i*frame_bytes...] holds the call's next frame;
 *   status VOIP_EENDED — the call ended and its audio is drained (reported
 *                        once; its frame bytes are unspecified; release the
 *                        handle when done with it).
 * Calls not answered yet, or with less than a frame queued, are skipped.
 * When more calls are ready than capacity, the next read starts with the
 * ones left out.  A call whose frames are not read keeps up to 2 s of
 * audio (as voip_call_read_audio).
 * Returns VOIP_OK with *count >= 1; VOIP_ETIMEOUT with *count 0;
 * VOIP_ESTATE when the phone is not running (started); VOIP_EINVAL for NULL
 * arrays or count, capacity 0 or frame_bytes out of range.
 * Threads: one reader per phone at a time.  Blocks: up to timeout_ms. */
VOIP_API int voip_phone_read_frames(uint64_t phone, int32_t timeout_ms, size_t frame_bytes, size_t capacity,
                                    uint64_t *calls, uint8_t *frames, int32_t *status, size_t *count);

/* Queue count frames (frame_bytes each) on their calls without waiting, as
 * voip_call_write_audio(call, frame, frame_bytes, 0, NULL) would.  Sets
 * status[i] for each: VOIP_OK (queued), VOIP_ETIMEOUT (the call's 2 s send
 * queue was full: only part was queued), VOIP_EENDED, VOIP_ESTATE (not
 * answered yet) or VOIP_ENOTFOUND (not a live call handle of phone).
 * Returns VOIP_OK once every entry has its status (count 0 does nothing),
 * VOIP_EINVAL for NULL arrays or frame_bytes out of range.
 * Threads: any; one writer per call at a time.  Never blocks. */
VOIP_API int voip_phone_write_frames(uint64_t phone, size_t frame_bytes, size_t count,
                                     const uint64_t *calls, const uint8_t *frames, int32_t *status);

/* voip_phone_write_frames(phone, frame_bytes, nwrite, wcalls, wframes,
 * wstatus) and then voip_phone_read_frames(phone, timeout_ms, frame_bytes,
 * capacity, calls, frames, status, count) in one call: an echo or a mixer
 * hands back the frames of the last tick and takes the next tick's.
 * nwrite 0 writes nothing (the w arrays may be NULL); capacity 0 reads
 * nothing and returns VOIP_OK after writing (count may then be NULL).
 * Results as the two functions.  Threads, blocking: as
 * voip_phone_read_frames. */
VOIP_API int voip_phone_exchange_frames(uint64_t phone, size_t frame_bytes, size_t nwrite,
                                        const uint64_t *wcalls, const uint8_t *wframes, int32_t *wstatus,
                                        int32_t timeout_ms, size_t capacity,
                                        uint64_t *calls, uint8_t *frames, int32_t *status, size_t *count);
/* --- end of batched audio --- */

#ifdef __cplusplus
}
#endif

#endif /* VOIP_H */

// Type definitions for libvoip (the Node.js binding of libvoip.so).
/// <reference types="node" />

import { EventEmitter } from 'node:events';
import { Duplex, DuplexOptions } from 'node:stream';

/** Call states (pyVoIP 2's CallState). */
export declare const CallState: Readonly<{
  /** outgoing: INVITE sent, no answer yet */
  DIALING: 'DIALING';
  /** incoming: waiting for answer() or deny() */
  RINGING: 'RINGING';
  /** outgoing: the callee is ringing (180) or sent early media (183) */
  PROGRESS: 'PROGRESS';
  /** the call is up: audio flows */
  ANSWERED: 'ANSWERED';
  /** outgoing: cancel sent, waiting for the callee to confirm */
  CANCELING: 'CANCELING';
  /** over: see call.endReason and call.endCode */
  ENDED: 'ENDED';
}>;
export type CallState = (typeof CallState)[keyof typeof CallState];

/** Phone statuses (pyVoIP's PhoneStatus). */
export declare const PhoneStatus: Readonly<{
  INACTIVE: 'INACTIVE';
  REGISTERING: 'REGISTERING';
  REGISTERED: 'REGISTERED';
  DEREGISTERING: 'DEREGISTERING';
  FAILED: 'FAILED';
}>;
export type PhoneStatus = (typeof PhoneStatus)[keyof typeof PhoneStatus];

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export declare const LogLevel: Readonly<{ debug: 0; info: 1; warn: 2; error: 3 }>;

/** The library's result codes (voip.h's VOIP_E*). */
export declare const ErrorCode: Readonly<{
  OK: 0;
  ERROR: 1;
  EINVAL: 2;
  ENOTFOUND: 3;
  ESTATE: 4;
  ETIMEOUT: 5;
  ENOPORTS: 6;
  ERANGE: 7;
  ENETWORK: 8;
  EENDED: 9;
  ENOSPACE: 10;
  EREJECTED: 11;
  /** Media toolkit: a file cannot be read or written. */
  EIO: 12;
  /** Media toolkit: a corrupt, truncated or unsupported media file. */
  EFORMAT: 13;
}>;
export type VoipErrorCode = Exclude<keyof typeof ErrorCode, 'OK'>;

/**
 * An error reported by libvoip.  `code` names the library's result code,
 * `errno` is its number.  A call that ended before it was answered also
 * carries `reason`, `sipCode` and the `call`.
 */
export declare class VoipError extends Error {
  constructor(message: string, props?: { code?: VoipErrorCode; errno?: number; reason?: string; sipCode?: number; call?: Call; cause?: unknown });
  readonly name: 'VoipError';
  readonly code: VoipErrorCode;
  readonly errno: number;
  /** Why the call ended, e.g. "486 Busy Here", "canceled", "timeout: no answer". */
  readonly reason?: string;
  /** The SIP status that ended the call, e.g. 486; 0 when none did. */
  readonly sipCode?: number;
  readonly call?: Call;
}

export interface Credentials {
  /** The digest username (auth id). */
  username: string;
  password: string;
  /** Only for this realm (default: any). */
  realm?: string | null;
  /** Only for this one of our users (default: any). */
  user?: string | null;
}

/** Options of a Phone; each maps to a voip_phone_set_option key (in parentheses). */
export interface PhoneOptions {
  /** Address the SIP and RTP sockets bind to (bind_ip), default "0.0.0.0". */
  bindIp?: string;
  /** SIP port (bind_port), default 5060; 0 picks a free port (see phone.sipPort). */
  bindPort?: number;
  /** Lowest RTP port (rtp_port_low), default 10000. */
  rtpPortLow?: number;
  /** Highest RTP port (rtp_port_high), default 20000. */
  rtpPortHigh?: number;
  /** User part of our SIP URI (user), default "libvoip". */
  user?: string;
  /** Display name in From (display_name). */
  displayName?: string;
  /** Host written in Via, Contact and SDP (hostname). */
  hostname?: string;
  /** User-Agent header of our requests and Server header of our responses; "" = neither (user_agent), default "libvoip/<version>". */
  userAgent?: string;
  /** false: answer 404 to a request whose Request-URI names another user than `user` (accept_any_user), default true. */
  acceptAnyUser?: boolean;
  /** "s16le" (default) or pyVoIP's unsigned 8-bit "u8" (audio_format). */
  audioFormat?: 's16le' | 'u8';
  /** Codecs in preference order (codecs), default ["PCMU", "PCMA"]; also "G722" (16 kHz audio) and "opus" (RFC 7587). */
  codecs?: Array<'PCMU' | 'PCMA' | 'G722' | 'opus' | string> | string;
  /** RFC 4733 payload type we offer, 0 = none (dtmf_payload_type), default 101. */
  dtmfPayloadType?: number;
  /** How sendDtmf sends (dtmf_mode), default "auto": "rfc4733" (RFC 4733 events only), "info" (one SIP INFO, application/dtmf-relay, per digit, RFC 6086) or "auto" (RFC 4733 when the peer accepted telephone-event, else INFO). Digits are received either way. */
  dtmfMode?: 'auto' | 'rfc4733' | 'info' | 'inband';
  /** dtmf_detect_inband: detect DTMF tones in the received audio (Goertzel) and report them like RFC 4733 digits, for peers that send none (default false). */
  dtmfDetectInband?: boolean;
  /** Playout delay of the jitter buffer, 20..1000, multiple of 20 (jitter_ms). */
  jitterMs?: number;
  /** Give up an unanswered outgoing call after this long, 0 = no limit (invite_timeout_ms). */
  inviteTimeoutMs?: number;
  /** Follow a peer's REFER (default true); false answers it 603 Declined (allow_transfer). */
  allowTransfer?: boolean;
  /** Reliable provisional responses, RFC 3262 (rel100): "off", "supported" (default) or "required". */
  rel100?: 'off' | 'supported' | 'required';
  /** End an answered call (BYE, reason "RTP timeout") when its peer sent no RTP this long: 0 = never, or 1000..3600000 ms; never while on hold (rtp_timeout_ms), default 30000. */
  rtpTimeoutMs?: number;
  /** Answer 480 to an incoming call neither answered nor denied this long after its INVITE (reason "ring timeout"): 0 = never, or 1000..86400000 ms (ring_timeout_ms), default 120000. */
  ringTimeoutMs?: number;
  /** Calls held at once (incoming, ringing or answered, and answered outgoing); an INVITE beyond gets 503 with Retry-After, 0..1048576, 0 = no limit (max_calls), default 1024. */
  maxCalls?: number;
  /** Session timer (RFC 4028) our INVITEs ask for, in seconds: 0 (ask for none; a peer's is still honoured) or 90..86400 (session_expires), default 1800. The refresher refreshes at half the interval; a session the peer does not refresh ends with a BYE, reason "session expired". */
  sessionExpires?: number;
  /** Smallest session interval accepted, 90..86400 s (min_se), default 90: a request asking for less is answered 422 with Min-SE. */
  minSe?: number;
  /** Registrar/PBX "host" or "host:port" (server); none = peer to peer. */
  server?: string;
  /** Port of the server when `server` has none (server_port). */
  port?: number;
  /** Registration lifetime in seconds (register_expires). */
  registerExpires?: number;
  /** SIP transport (transport), default "udp". */
  transport?: 'udp' | 'tcp' | 'tls';
  /** Send every request via this URI/host[:port] (outbound_proxy). */
  outboundProxy?: string;
  /** TLS: PEM CA bundle to verify the server (ca_file). */
  caFile?: string;
  /** TLS: skip server certificate checks (tls_insecure). */
  tlsInsecure?: boolean;
  /** TLS client certificate (cert_file, key_file, key_password). */
  certFile?: string;
  keyFile?: string;
  keyPassword?: string;
  /** CIDR of peers reached with `hostname` (bind_network). */
  bindNetwork?: string;
  /** Host written for peers outside bindNetwork (remote_hostname). */
  remoteHostname?: string;
  /** TCP/TLS connections accepted and open at once, 0..1048576, 0 = no limit (tcp_max_connections), default 1024. */
  tcpMaxConnections?: number;
  /** Close an accepted connection idle this long: 0 = never, or 1000..86400000 ms (tcp_idle_timeout_ms), default 180000. */
  tcpIdleTimeoutMs?: number;
  /** Close an accepted connection whose message is not complete this long after it started: 0 = never, or 100..3600000 ms (tcp_message_timeout_ms), default 30000. */
  tcpMessageTimeoutMs?: number;
  /** Close an accepted connection whose message grows longer, 1024..65535 (tcp_max_message_bytes), default 65535. */
  tcpMaxMessageBytes?: number;
  /** UDP source addresses remembered before the per-source tables are renewed, 0..1048576, 0 = no limit (udp_max_sources), default 4096. */
  udpMaxSources?: number;
  // ---- call quality (issue 13) ----
  /** Send RTCP reports: SR/RR with SDES CNAME at RFC 3550's ~5 s interval, BYE at hangup (rtcp), default true. */
  rtcp?: boolean;
  /** Offer and accept rtcp-mux, RFC 5761 (rtcp_mux), default true. */
  rtcpMux?: boolean;
  /** Conceal a lost packet (G.711 Appendix I style) rather than play silence (plc), default true. */
  plc?: boolean;
  /** Offer, accept and play RFC 3389 comfort noise (comfort_noise), default true. */
  comfortNoise?: boolean;
  /** 'adaptive' (default: the delay follows the measured jitter between jitterMinMs and jitterMaxMs, starting at jitterMs) or 'fixed' (jitterMs) (jitter_mode). */
  jitterMode?: 'adaptive' | 'fixed';
  /** Smallest adaptive playout delay, 20..1000 ms, multiple of 20 (jitter_min_ms), default 40. */
  jitterMinMs?: number;
  /** Largest adaptive playout delay, 20..1000 ms, multiple of 20 (jitter_max_ms), default 300. */
  jitterMaxMs?: number;
  /** Emit 'quality' on each call this often while it has media: 0 = never (only the last one, which every call with media gets just before it ends), or 1000..3600000 ms (quality_interval_ms), default 0. */
  qualityIntervalMs?: number;
  /** The application's audio rate in Hz (sample_rate), default 8000: a 20 ms frame is rate/50 samples (s16le: 320, 640 or 1920 bytes); libvoip resamples to the codec's rate. 16000 or 48000 with "G722" or "opus" gives wideband audio. */
  sampleRate?: 8000 | 16000 | 48000;
  /** Log every SIP message sent and received as 'log' events at 'info' (sip_trace), default false: "SIP sent UDP 127.0.0.1:5060 -> 127.0.0.1:5070 (412 bytes)" (or "SIP received ... <- ...") then the message; digest responses, SRTP keys and URI passwords read "***".  Implies logLevel 'info' when logLevel is not given.  VOIP_LOG=sip traces every phone to stderr. */
  sipTrace?: boolean;
  /** SRTP with SDES keys (media_encryption), default "off": plain RTP, an RTP/SAVP offer is answered 488; "optional": a=crypto offered, plain or SRTP accepted; "mandatory": RTP/SAVP, a peer without SRTP gets 488 and our call to it ends with endCode 488. call.mediaEncryption says what a call got. */
  mediaEncryption?: 'off' | 'optional' | 'mandatory';
  /** STUN server "host[:port]" (port 3478) asked for our public address, used in Via, Contact and SDP for peers outside bindNetwork (stun_server), default "" (none). A server that does not answer within 2 s leaves the local addresses (a warning in the log). */
  stunServer?: string;
  /** Offer and answer ICE (RFC 8445) with host and server-reflexive candidates (ice), default false. A peer without ICE gets plain RTP; call.info('ice') names the selected pair ("" without ICE). */
  ice?: boolean;
  /** TURN server "host[:port]" (UDP, port 3478) whose relay ICE offers as a candidate, for calls behind symmetric NATs (turn_server), default "" (none). */
  turnServer?: string;
  /** TURN username (turn_user). */
  turnUser?: string;
  /** TURN password (turn_password, write-only). */
  turnPassword?: string;
  /** DTLS-SRTP (media_keying), default "sdes": how our offers key SRTP when mediaEncryption is not "off". "dtls" offers UDP/TLS/RTP/SAVP with a=fingerprint and keys SRTP by a DTLS handshake on the RTP port; a peer without DTLS-SRTP answers 488 (endCode 488). Offers of either kind are answered whatever this says. A certificate that does not match the peer's fingerprint ends the call with endReason "DTLS fingerprint mismatch". */
  mediaKeying?: 'sdes' | 'dtls';
  /** Digest password; the username is authUser, else user (voip_phone_add_credentials). */
  password?: string;
  /** Digest username when it differs from `user` (an auth id). */
  authUser?: string;
  /** Realm the password applies to (default: any). */
  realm?: string;
  /** More credentials (voip_phone_add_credentials each). */
  credentials?: Credentials[];
  /** Emit 'log' events at this level and above. */
  logLevel?: LogLevel;
  /** Raw library options by their C key, for keys this binding does not name. */
  extraOptions?: Record<string, string | number>;
}

export interface CallOptions {
  /** Reject with VoipError 'ETIMEOUT' (and cancel the call) when not answered in time (ms). */
  timeout?: number;
  /** Reject with an AbortError (and cancel the call) when aborted. */
  signal?: AbortSignal;
}

/** The promise of phone.call(): also carries the call, to cancel it before the answer. */
export interface PendingCall extends Promise<Call> {
  readonly call: Call;
}

export interface SendMessageOptions {
  /** Content-Type of the body (default 'text/plain'; '' is the library's default, text/plain). */
  contentType?: string;
  /** Give up after this many ms with VoipError 'ETIMEOUT' (an int32; default -1, any negative value or Infinity: SIP's own transaction timeout, 32 s over UDP). */
  timeoutMs?: number;
}

export interface IncomingRequest {
  /** "NOTIFY", "INFO" or "MESSAGE". */
  method: string;
  from: string;
  contentType: string;
  body: string;
  /** The call the request belongs to, or null. */
  call: Call | null;
}

export interface PhoneEvents {
  /** A call arrived and is RINGING: answer() or deny() it.  Without a listener, calls get 486 Busy Here. */
  call: [call: Call];
  /** The phone's status changed. */
  status: [status: PhoneStatus, reason: string];
  /** A call of this phone changed state. */
  callState: [call: Call, state: CallState, reason: string];
  /** A call of this phone received a DTMF digit. */
  dtmf: [call: Call, digit: string];
  /** An event of an established call other than a state change (voip_phone_on_call_event): 'hold', 'resume', 'media_changed', 'transfer_progress', 'transferred' / 'replaced' (detail "call=<id> <uri>"), ...; unknown names may come. */
  callEvent: [call: Call, event: string, detail: string];
  /** NOTIFY, INFO or MESSAGE outside a call (already answered 200). */
  request: [request: IncomingRequest];
  /** A log line (with the logLevel option). */
  log: [level: LogLevel, message: string];
  /** A NOTIFY of one of our subscriptions, or (sub null) an unsolicited message-summary NOTIFY (Asterisk's MWI), answered 200. */
  notify: [sub: Subscription | null, notification: Notification];
}

/** Options of Call.transfer. */
export interface TransferOptions {
  /** true (default): end the call once the peer accepted the REFER; false: wait for the outcome. */
  blind?: boolean;
  /** Milliseconds to wait (default: no limit beyond SIP's). */
  timeout?: number;
}

export interface CallEvents {
  /** The call changed state (after the state it had when you got it). */
  state: [state: CallState, reason: string];
  /** The call is ANSWERED. */
  answered: [];
  /** The remote side pressed a key: '0'-'9', '*', '#', 'A'-'D'. */
  dtmf: [digit: string];
  /** Every call event, by name (see PhoneEvents.callEvent). */
  event: [event: string, detail: string];
  /** The call went on hold: detail 'local' (we held it) or 'remote'. */
  hold: [detail: string];
  /** A hold ended: detail 'local' or 'remote'. */
  resume: [detail: string];
  /** The peer moved its media: detail is the new address and codec. */
  media_changed: [detail: string];
  /** A transfer we asked for (transfer()) goes on: the status the peer reports, e.g. '180 Ringing', '200 OK', '603 Declined'. */
  transfer_progress: [detail: string];
  /** The peer transferred us (a REFER we follow): newCall is the call we placed to uri (also call.successor); this call ends once it is answered. */
  transferred: [newCall: Call, uri: string];
  /** An INVITE with Replaces took this call over: newCall (already ANSWERED, not emitted as 'call') replaces it (also call.successor); this call then ends ('replaced'). */
  replaced: [newCall: Call, uri: string];
  /** A digit sent by SIP INFO was refused or not answered; the digits queued after it were dropped. */
  dtmf_failed: [detail: string];
  /** Media flow before the answer: detail 'local' (we called progress()) or 'remote' (the callee's 18x carried SDP; read it in PROGRESS). */
  early_media: [detail: string];
  /** The call was redirected: detail is the new target (an outgoing call followed a 3xx, at most 5 times; or we called redirect()). */
  redirected: [detail: string];
  /** The session timer (RFC 4028) failed: our refresh was refused or not answered (detail: why; the call ends "session expired" at expiry), or the peer did not refresh in time (detail "no session refresh from the peer within <n> s"; the call ends at once with a BYE, reason "session expired"). */
  session_refresh_failed: [detail: string];
  /** The call's media quality (once just before a call with media ends; also every qualityIntervalMs when that phone option is set); the 'event' listener gets the JSON text. */
  quality: [quality: CallQuality];
  /** The call is over (emitted once, last). */
  ended: [reason: string, sipCode: number];
}

/** A call's media quality (voip_call_info "quality"; issue 13).  Remote fields are the peer's view of our stream, from its RTCP reports: null until one came. */
export interface CallQuality {
  codec: string;
  packets_sent: number;
  packets_received: number;
  /** RFC 3550 cumulative loss of what we receive. */
  packets_lost: number;
  /** Lost or discarded as late, out of expected, in percent. */
  loss_percent: number;
  /** RFC 3550 interarrival jitter of what we receive. */
  jitter_ms: number;
  remote_packets_sent: number | null;
  remote_packets_lost: number | null;
  remote_loss_percent: number | null;
  remote_jitter_ms: number | null;
  /** Round-trip time from RTCP's LSR/DLSR. */
  rtt_ms: number | null;
  /** Frames concealed by PLC. */
  concealed_frames: number;
  comfort_noise_frames: number;
  /** Packets the jitter buffer discarded as too late, or as duplicates. */
  late: number;
  duplicates: number;
  /** The current playout delay, and the adaptive target. */
  jitter_buffer_ms: number;
  jitter_buffer_target_ms: number;
  jitter_mode: 'adaptive' | 'fixed';
  rtcp_sent: number;
  rtcp_received: number;
  rtcp_mux: boolean;
  /** Simplified ITU-T G.107 E-model (formula in voip.h). */
  r_factor: number;
  mos: number;
}

type Listener<T extends unknown[]> = (...args: T) => void;

/** A SIP phone: its own SIP socket, RTP ports and event thread. */
export declare class Phone extends EventEmitter {
  constructor(options?: PhoneOptions);
  /** The library's handle of this phone. */
  readonly id: number;
  readonly status: PhoneStatus;
  /** Why the phone is in its status ("started", "403 Forbidden", ...). */
  readonly statusReason: string;
  /** The SIP port bound (after start). */
  readonly sipPort: number;
  /** Our SIP URI (after start). */
  readonly uri: string;
  /** The calls that have not ended. */
  readonly calls: Call[];

  /** Start serving (and register, with a server).  Keeps the event loop alive until stop(). */
  start(): Promise<void>;
  /** Stop: every call ends; resolves after their 'ended' events.  May be started again. */
  stop(): Promise<void>;
  /** Stop and free the phone in the library; it cannot be used afterwards. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;

  /** Place a call; resolves when it is ANSWERED, rejects with VoipError when it ends first. */
  call(uri: string, options?: CallOptions): PendingCall;
  /** Place a call and return it at once (DIALING). */
  dial(uri: string): Call;

  /**
   * Send a MESSAGE (RFC 3428, an instant message) to uri (as for call()) and
   * wait for the answer on a worker thread (voip_phone_send_message); the
   * event loop is never blocked.  Resolves on 2xx.  Rejects with VoipError:
   * 'EREJECTED' for an error response (err.sipCode 404, err.reason
   * "404 Not Found"), 'ETIMEOUT' when no answer came within timeoutMs,
   * 'ESTATE' when the phone is not started, 'EINVAL' for a URI the library
   * refuses.  Challenges (401/407) are answered with the phone's
   * credentials.  Throws TypeError for arguments of a wrong type.  The
   * recipient's phone reports it as a 'request' event (method 'MESSAGE').
   */
  sendMessage(uri: string, body: string, options?: SendMessageOptions): Promise<void>;

  // ---- Events (RFC 6665 subscriptions, RFC 3903 PUBLISH) ----
  /** Subscribe to uri's event package; resolves once accepted, rejects with VoipError ('EREJECTED' with sipCode, e.g. 489 or 403; 'ETIMEOUT'; 'EINVAL'). */
  subscribe(uri: string, event: string, options?: SubscribeOptions): Promise<Subscription>;
  /** A message-summary subscription (RFC 3842) to a voicemail server: sub.counts. */
  mwi(uri: string, options?: SubscribeOptions): Promise<Subscription>;
  /** A dialog subscription (RFC 4235) to an extension, its busy lamp: sub.lamp. */
  watch(uri: string, options?: SubscribeOptions): Promise<Subscription>;
  /** A presence.winfo subscription (watcher information, RFC 3857): who watches uri's presence, sub.watchers. */
  watchers(uri: string, options?: SubscribeOptions): Promise<Subscription>;
  /** Show our presence to our watchers; with a server, also PUBLISH it there (the PUBLISH's failure rejects). */
  setPresence(basic: 'open' | 'closed', options?: PresenceOptions): Promise<void>;
  /** PUBLISH body as our state of event at the server (null removes it); 'ESTATE' without a server. */
  publish(event: string, contentType: string, body: string | null, options?: { timeoutMs?: number }): Promise<void>;
  /** Serve SUBSCRIBEs for packages through handler (null: none); other packages get 489 with Allow-Events. */
  serveEvents(packages: string[], handler: ((sub: IncomingSubscription) => void) | null): void;

  /** An option or fact by its C key ("sip_port", "uri", "status_reason", ...). */
  getOption(key: string): string;
  /** Set an option by its C key (while stopped). */
  setOption(key: string, value: string | number | boolean): void;

  on<E extends keyof PhoneEvents>(event: E, listener: Listener<PhoneEvents[E]>): this;
  once<E extends keyof PhoneEvents>(event: E, listener: Listener<PhoneEvents[E]>): this;
  off<E extends keyof PhoneEvents>(event: E, listener: Listener<PhoneEvents[E]>): this;
  addListener<E extends keyof PhoneEvents>(event: E, listener: Listener<PhoneEvents[E]>): this;
  removeListener<E extends keyof PhoneEvents>(event: E, listener: Listener<PhoneEvents[E]>): this;
  emit<E extends keyof PhoneEvents>(event: E, ...args: PhoneEvents[E]): boolean;
}

/** Options of Phone.subscribe, mwi and watch. */
export interface SubscribeOptions {
  /** Body types accepted (default: the package's usual one). */
  accept?: string | string[];
  /** Milliseconds to wait for the answer (default 5000; null: SIP's own timeout). */
  timeoutMs?: number | null;
}

/** Options of Phone.setPresence. */
export interface PresenceOptions {
  note?: string;
  /** RPID activities, e.g. ['busy', 'on-the-phone']. */
  activities?: string[];
  timeoutMs?: number | null;
}

/** MWI counts (message-summary, RFC 3842). */
export interface MwiSummary { waiting: boolean; account?: string; new: number; old: number; new_urgent: number; old_urgent: number }
/** A presentity's state (PIDF, RFC 3863). */
export interface PresenceSummary { entity: string; basic: 'open' | 'closed'; note: string; activities: string[] }
/** A busy lamp (dialog-info, RFC 4235). */
export interface DialogSummary {
  entity: string;
  lamp: 'idle' | 'early' | 'confirmed';
  version: number;
  dialogs: { id: string; state: string; direction?: string; remote?: string }[];
}

/** One watcher of a watcherinfo document (RFC 3858). */
export interface WatcherEntry {
  id: string;
  uri: string;
  status: 'pending' | 'active' | 'waiting' | 'terminated';
  /** Why its status changed. */
  event: 'subscribe' | 'approved' | 'deactivated' | 'probation' | 'rejected' | 'timeout' | 'giveup' | 'noresource';
  display_name?: string;
}
/** Watcher information (presence.winfo, RFC 3857/3858): a full document, or a partial one of the watchers that changed. */
export interface WatcherInfoSummary {
  resource: string;
  package: string;
  state: 'full' | 'partial';
  version: number;
  watchers: WatcherEntry[];
}

/** One NOTIFY. */
export interface Notification {
  event: string;
  /** Subscription-State: 'active', 'pending' or 'terminated'. */
  state: string;
  contentType: string;
  body: string;
  /** The body parsed for message-summary, presence, dialog and presence.winfo; {} for others; { error } when malformed. */
  summary: Partial<MwiSummary & PresenceSummary & DialogSummary & WatcherInfoSummary> & { error?: string };
}

export interface SubscriptionEvents {
  notify: [notification: Notification];
  /** 'sent', 'pending', 'active' or 'terminated', with a reason ('403 Forbidden', 'noresource', 'unsubscribed', ...). */
  state: [state: string, reason: string];
}

/** An outgoing subscription (sipsimple's Subscription); refreshed until stop() or the phone stops. */
export declare class Subscription extends EventEmitter {
  readonly id: number;
  readonly uri: string;
  readonly event: string;
  readonly state: string;
  readonly reason: string;
  /** The last notifications (at most 100), oldest first. */
  readonly notifications: Notification[];
  readonly last: Notification | null;
  /** The latest MWI counts ({} before the first NOTIFY). */
  readonly counts: Notification['summary'];
  /** The latest busy lamp: 'idle', 'early', 'confirmed' ('' before). */
  readonly lamp: string;
  /** presence.winfo: the current (not terminated) watchers, full documents replacing and partial ones updating the list by id. */
  readonly watchers: WatcherEntry[];
  /** presence.winfo: the latest status of watcher uri ('' when never seen). */
  watcherStatus(uri: string): string;
  /** presence.winfo: resolves with the first document telling that watcher uri is in status; rejects 'ETIMEOUT'. */
  waitForWatcher(uri: string, status: WatcherEntry['status'], timeoutMs?: number): Promise<Notification>;
  /** Resolves with the first notification (received or to come) for which pred holds; rejects 'ETIMEOUT'. */
  waitFor(pred?: (n: Notification) => boolean, timeoutMs?: number): Promise<Notification>;
  /** Unsubscribe (SUBSCRIBE with Expires: 0). */
  stop(options?: { timeoutMs?: number | null }): Promise<void>;
  on<E extends keyof SubscriptionEvents>(event: E, listener: Listener<SubscriptionEvents[E]>): this;
  once<E extends keyof SubscriptionEvents>(event: E, listener: Listener<SubscriptionEvents[E]>): this;
  off<E extends keyof SubscriptionEvents>(event: E, listener: Listener<SubscriptionEvents[E]>): this;
}

/** A peer's subscription to us (sipsimple's IncomingSubscription), given to serveEvents' handler. */
export declare class IncomingSubscription {
  readonly id: number;
  readonly event: string;
  readonly from: string;
  readonly to: string;
  /** 'incoming', 'pending', 'active' or 'terminated'. */
  readonly state: string;
  /** Accept (200); presence and dialog subscriptions then get our presence and calls' state by themselves. */
  accept(): void;
  /** Accept as pending (202). */
  acceptPending(): void;
  /** Refuse with a 3xx-6xx status (default 603). */
  reject(code?: number): void;
  /** Send a NOTIFY with body. */
  notify(contentType: string, body: string, options?: { timeoutMs?: number | null }): Promise<void>;
  /** Terminate with a final NOTIFY giving reason (default 'noresource'). */
  end(reason?: string, options?: { timeoutMs?: number | null }): Promise<void>;
  /** Release the handle. */
  release(): void;
}

// --- issue 17: drain, flush, collectDtmf ---
/** Call.drain() options. */
export interface DrainOptions {
  /** Wait for the digits of sendDtmf (default true). */
  dtmf?: boolean;
  /** Wait for the audio written (default true). */
  audio?: boolean;
  /** Milliseconds (-1, Infinity or undefined: no limit). */
  timeout?: number;
}
/** Call.flush() options: what to drop. */
export interface FlushOptions {
  /** Audio written but not yet sent (barge-in). */
  sendAudio?: boolean;
  /** Received audio not yet read. */
  receivedAudio?: boolean;
  /** Received digits not yet taken (getDtmf, collectDtmf). */
  receivedDtmf?: boolean;
}
/** Call.collectDtmf() stop conditions; each is off when left out. */
export interface CollectDtmfOptions {
  /** Stop after this many digits (0: no limit but 1024). */
  maxDigits?: number;
  /** Milliseconds for the whole collection (0: only the digits already queued). */
  timeout?: number;
  /** Milliseconds after a digit with no next one. */
  interDigitTimeout?: number;
  /** Keys that end the entry, e.g. "#"; not part of the digits. */
  terminators?: string;
}
/** What Call.collectDtmf() gathered. */
export interface DtmfCollection {
  digits: string;
  reason: 'max_digits' | 'terminator' | 'timeout' | 'inter_digit_timeout' | 'ended';
  /** The terminator pressed, '' unless reason is 'terminator'. */
  terminator: string;
}

export interface ReadOptions {
  /** Give up after this many ms and resolve with what arrived (default: wait). */
  timeout?: number;
}

export interface AudioStreamOptions extends DuplexOptions {
  /** Bytes per chunk read (default 320 = 20 ms of s16le). */
  frameBytes?: number;
}

/** One call of a Phone. */
export declare class Call extends EventEmitter {
  /** The library's handle of this call. */
  readonly id: number;
  readonly phone: Phone;
  readonly direction: 'incoming' | 'outgoing';
  readonly state: CallState;
  /** True once 'ended' was emitted. */
  readonly ended: boolean;
  readonly remoteUri: string;
  readonly localUri: string;
  readonly callId: string;
  /** Negotiated codec: "PCMU", "PCMA", "G722" or "opus". */
  readonly codec: string;
  readonly endReason: string;
  readonly endCode: number;

  /** A fact by its C key (voip_call_info): "local_rtp", "remote_rtp", "stats", "session_expires" (e.g. "1800 uac"), "media_encryption", "srtp", ... */
  /** A fact by its C key (voip_call_info): "local_rtp", "remote_rtp", "stats", "session_expires" (e.g. "1800 uac"), "ice" (the ICE pair, e.g. "host 10.0.1.2:10000 -> srflx 203.0.113.2:10000"; "" without ICE), ... */
  info(key: string): string;
  /** How the media is protected, as last negotiated (voip_call_info "media_encryption"): "none" (plain RTP), "sdes" (SRTP keyed by a=crypto) or "dtls" (SRTP keyed by DTLS, option mediaKeying). */
  readonly mediaEncryption: 'none' | 'sdes' | 'dtls' | '';
  /** SRTP of the call (voip_call_info "srtp"): the agreed suite ("" when plain) and the packets dropped as replays or as forgeries. */
  srtpStats(): { suite: string; replayed: number; auth_failed: number };
  /** Media counters. */
  stats(): {
    packets_sent: number;
    packets_received: number;
    packets_lost: number;
    late: number;
    dropped_source: number;
    dropped_payload_type: number;
    malformed: number;
    dtmf_sent: number;
    dtmf_received: number;
    read_overruns: number;
    latched: number;
    /** Packets of a new SSRC dropped during RFC 3550 probation. */
    dropped_ssrc: number;
    jitter_ms: number;
    /** Digits sent by SIP INFO and answered 2xx. */
    dtmf_info_sent: number;
    /** Digits received by SIP INFO. */
    dtmf_info_received: number;
    [counter: string]: number;
  };
  /** The call's media quality (voip_call_info "quality"), also after it ended. */
  quality(): CallQuality;

  /** Answer an incoming call in RINGING. */
  answer(): void;
  /** Reject an incoming call in RINGING (default 486 Busy Here); the library takes 400..699 and throws VoipError 'EINVAL' for others. */
  deny(statusCode?: number): void;
  /** Early media: 183 Session Progress with our SDP for an incoming call in RINGING; its audio can then be written and read before answer() (or deny()). Resolves once the 183 is sent. */
  progress(): Promise<void>;
  /** Redirect an incoming call in RINGING to uri with 302 Moved Temporarily; the call ENDS with code 302. */
  redirect(uri: string): void;
  /** Cancel an outgoing call in DIALING or PROGRESS. */
  cancel(): void;
  /** Hang up an ANSWERED call; resolves once it ENDED. */
  hangup(): Promise<void>;
  /** Transfer the ANSWERED call to uri (REFER).  blind (default): resolves once the peer accepted, and the call ends; else resolves when the peer's call to uri succeeded.  Rejects with VoipError 'EREJECTED' (refused or failed: the call goes on), 'ETIMEOUT', 'ESTATE'. */
  transfer(uri: string, options?: TransferOptions): Promise<void>;
  /** Attended transfer: this call's peer calls other's peer, replacing other (REFER with Replaces); rejects as transfer(). */
  transferAttended(other: Call, options?: { timeout?: number }): Promise<void>;
  /** The call that took this one over ('transferred', 'replaced'); null until one did. */
  readonly successor: Call | null;
  /**
   * Put the call on hold (re-INVITE with a=sendonly, or a=inactive when the
   * peer holds us too); resolves once the peer accepted.  Rejects with
   * VoipError 'EREJECTED' (refused) or 'ETIMEOUT'; the call stays up.
   */
  hold(): Promise<void>;
  /** Take the call off our hold (re-INVITE with a=sendrecv); as hold(). */
  resume(): Promise<void>;
  /** Who holds the call: voip_call_info "hold". */
  readonly holdState: 'none' | 'local' | 'remote' | 'both';

  /** Send DTMF digits (0-9 * # A-D), each durationMs long (0 = 100 ms; the library takes 40..5000 and throws VoipError 'EINVAL' for others), as RFC 4733 events or SIP INFO as the phone's dtmfMode says; queued, returns at once. */
  sendDtmf(digits: string, durationMs?: number): void;
  /** Take received digits (all, or up to max, a count >= 0); '' when none. */
  getDtmf(max?: number): string;

  // --- issue 17: waiting for what was queued, flushing, collecting digits ---
  /** Wait until the queued digits (options.dtmf, default true) and audio (options.audio, default true) were sent: resolves true, or false when options.timeout ms passed first; rejects with VoipError 'EENDED' when the call ended first. */
  drain(options?: DrainOptions): Promise<boolean>;
  /** Drop queued media at once (barge-in: sendAudio); the library refuses a call naming none (VoipError 'EINVAL'). */
  flush(options: FlushOptions): void;
  /** Collect received digits until a stop condition; resolves with the digits (without the terminator) and why it stopped. */
  collectDtmf(options?: CollectDtmfOptions): Promise<DtmfCollection>;

  /** Read `length` bytes of audio (default 320 = 20 ms s16le mono 8 kHz); length 0 rejects with VoipError 'EINVAL'. */
  readAudio(length?: number, options?: ReadOptions): Promise<Buffer>;
  /** Queue audio without waiting; returns the bytes queued. */
  writeAudio(data: Buffer | ArrayBufferView | ArrayBuffer): number;
  /** Queue audio, waiting for room (and for the answer); resolves with the bytes queued. */
  writeAudioAsync(data: Buffer | ArrayBufferView | ArrayBuffer, options?: ReadOptions): Promise<number>;
  /** A Duplex of the call's audio. */
  audioStream(options?: AudioStreamOptions): CallAudioStream;

  /** Resolves with the call once ANSWERED; rejects with VoipError when it ends first. */
  answered(): Promise<Call>;
  /** Resolves once the call ended. */
  waitEnded(): Promise<{ reason: string; code: number }>;

  on<E extends keyof CallEvents>(event: E, listener: Listener<CallEvents[E]>): this;
  once<E extends keyof CallEvents>(event: E, listener: Listener<CallEvents[E]>): this;
  off<E extends keyof CallEvents>(event: E, listener: Listener<CallEvents[E]>): this;
  addListener<E extends keyof CallEvents>(event: E, listener: Listener<CallEvents[E]>): this;
  removeListener<E extends keyof CallEvents>(event: E, listener: Listener<CallEvents[E]>): this;
  emit<E extends keyof CallEvents>(event: E, ...args: CallEvents[E]): boolean;
}

/** A Duplex of a call's audio: read what the peer sends, write what to send. */
export declare class CallAudioStream extends Duplex {
  constructor(call: Call, options?: AudioStreamOptions);
  readonly call: Call;
  readonly frameBytes: number;
}


// ---- media toolkit (issue 12) ---------------------------------------------

/** A port of the phone's audio bridge: a Call, a Player, a Recorder or a Tone. */
export type Port = Call | MediaPort;

/** Why a media port ended: 'finished', 'stopped', 'max duration' or 'error: ...'. */
export type MediaEndReason = string;

export interface MediaPortEvents {
  /** The port ended (played to the end, stopped, max duration reached). */
  end: [reason: MediaEndReason];
}

/** A player, recorder or tone of a phone's bridge (a media handle). */
export declare class MediaPort extends EventEmitter {
  /** The media handle. */
  readonly id: number;
  /** Why it ended, or null while it runs. */
  readonly endReason: MediaEndReason | null;
  /** Send this port's audio to dst; throws VoipError ('EINVAL' to itself or to a port that takes nothing, 'ENOTFOUND' once closed). */
  connect(dst: Port): void;
  /** Stop sending this port's audio to dst. */
  disconnect(dst: Port): void;
  /** Resolves with the end reason once the port ends. */
  wait(): Promise<MediaEndReason>;
  /** Stop (a recording is finished) and release the handle. */
  close(): void;
  on<E extends keyof MediaPortEvents>(event: E, listener: Listener<MediaPortEvents[E]>): this;
  once<E extends keyof MediaPortEvents>(event: E, listener: Listener<MediaPortEvents[E]>): this;
}

export interface PlayerOptions {
  /** Start again at the end, for ever. */
  loop?: boolean;
}

/** Plays a WAV file (PCM 16/8-bit, A-law, µ-law; mono or stereo; any rate) once it is connected. */
export declare class Player extends MediaPort {
  readonly loop: boolean;
}

export interface RecorderOptions {
  /** Both directions of a call: left = received, right = sent. */
  stereo?: boolean;
  /** Stop after this much audio ('end' with reason 'max duration'). */
  maxDurationMs?: number;
}

/** Records what is connected to it into a 16-bit WAV file. */
export declare class Recorder extends MediaPort {
  setMaxDuration(ms: number): void;
}

/** A tone: "ringback:us", "busy:eu", "dial", "congestion", "callwaiting", "dtmf:123", "440+480/2000/4000". */
export declare class Tone extends MediaPort {
  readonly spec: string;
}

/** Calls that each hear all the others but not themselves. */
export declare class Conference {
  constructor(calls?: Call[]);
  readonly members: Call[];
  add(call: Call): void;
  remove(call: Call): void;
  close(): void;
}

export interface Phone {
  /** A Player of a WAV file (path or Buffer); throws VoipError 'EIO' (unreadable) or 'EFORMAT' (corrupt, unsupported). */
  player(source: string | Buffer | Uint8Array, options?: PlayerOptions): Player;
  /** A Recorder writing path ('EIO' when it cannot be created). */
  recorder(path: string, options?: RecorderOptions): Recorder;
  /** A Tone ('EINVAL' for a bad spec). */
  tone(spec: string): Tone;
  /** A Conference of calls. */
  conference(calls?: Call[]): Conference;
}

export interface Call {
  /** Send what this call receives to dst (another Call, a Recorder). */
  connect(dst: Port): void;
  /** Stop sending this call's received audio to dst. */
  disconnect(dst: Port): void;
  /** Play a WAV file into the call; resolves with the end reason once it has played. */
  play(source: string | Buffer | Uint8Array, options?: PlayerOptions): Promise<MediaEndReason>;
  /** Record the call into a WAV file; close() the Recorder to finish it. */
  record(path: string, options?: RecorderOptions): Recorder;
}
// ---- end of media toolkit ---------------------------------------------------

// ---- batched audio (issue 16) -----------------------------------------------
/** One call's frame from FrameBatch.exchange(). */
export interface CallFrame {
  call: Call;
  /** One 20 ms frame (frameBytes) in the phone's audio format, a view valid until the next exchange(); null once the call ended (reported once, when the batch sees the end before the binding releases the call: watch the call's 'ended' event). */
  data: Buffer | null;
}

/** A frame to queue on a call. */
export interface FrameReply {
  call: Call;
  /** Exactly frameBytes of audio in the phone's audio format. */
  data: Uint8Array;
}

export interface FrameBatchOptions {
  /** Most frames one exchange returns (default 1024). */
  capacity?: number;
  /** Bytes of a frame (default: 20 ms in the phone's audio_format and sample_rate). */
  frameBytes?: number;
}

export interface FrameExchangeOptions {
  /** ms to wait for the next media tick's frames (default 1000; -1: no limit; 0: no wait). */
  timeout?: number;
}

/**
 * Every call of a phone served by one asynchronous round trip per 20 ms media tick
 * (voip_phone_exchange_frames on a worker thread): no synchronous FFI per frame.
 */
export declare class FrameBatch {
  constructor(phone: Phone, options?: FrameBatchOptions);
  readonly phone: Phone;
  readonly capacity: number;
  readonly frameBytes: number;
  /** Queue replies, then resolve with the next tick's frames ([] on timeout); rejects with VoipError 'ESTATE' when the phone is stopped. */
  exchange(replies?: FrameReply[], options?: FrameExchangeOptions): Promise<CallFrame[]>;
  /** exchange([], options). */
  read(options?: FrameExchangeOptions): Promise<CallFrame[]>;
  /** The ErrorCode of each frame the last exchange wrote (OK, ETIMEOUT: queue full, EENDED, ESTATE, ENOTFOUND). */
  readonly writeStatus: number[];
}
// ---- end of batched audio ---------------------------------------------------

/** The library's version, e.g. "0.1.0". */
export declare function version(): string;
/** Where libvoip.so was loaded from. */
export declare function libraryPath(): string;
/**
 * Set the process-wide soft memory limit of libvoip's Go runtime to `mb` MiB
 * (0 = none, -1 = read only); returns the previous limit (0 = none).
 * Throws VoipError 'EINVAL' for mb < -1.
 */
export declare function setMemoryLimit(mb: number): number;

declare const libvoip: {
  Phone: typeof Phone;
  Call: typeof Call;
  CallAudioStream: typeof CallAudioStream;
  CallState: typeof CallState;
  PhoneStatus: typeof PhoneStatus;
  LogLevel: typeof LogLevel;
  VoipError: typeof VoipError;
  ErrorCode: typeof ErrorCode;
  version: typeof version;
  libraryPath: typeof libraryPath;
  setMemoryLimit: typeof setMemoryLimit;
  Subscription: typeof Subscription;
  IncomingSubscription: typeof IncomingSubscription;
  MediaPort: typeof MediaPort;
  Player: typeof Player;
  Recorder: typeof Recorder;
  Tone: typeof Tone;
  Conference: typeof Conference;
  FrameBatch: typeof FrameBatch;
};
export default libvoip;

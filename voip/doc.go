// Package voip is a SIP phone for Go programs: place and answer calls, read
// and write audio frames, send and receive DTMF, register with a PBX. It is
// the engine behind libvoip's C API and its Python and Node bindings, and a
// Go API of its own (pyVoIP's VoIP module, in Go).
//
// # Phones and calls
//
// A [Phone] is one SIP identity with its own sockets and media clock; many
// phones may run in one process. Build one from [DefaultConfig], set
// options by key with [Config.Set] (the keys of include/voip.h: "bind_ip",
// "bind_port", "server", "codecs", ...; [OptionKeys] lists them) or by
// field, give it a [Handler] and [Phone.Start] it:
//
//	cfg := voip.DefaultConfig()
//	_ = cfg.Set("bind_ip", "127.0.0.1")
//	_ = cfg.Set("bind_port", "5070")
//	phone := voip.NewPhone(cfg)
//	phone.SetHandler(voip.Handler{IncomingCall: func(c *voip.Call) { _ = c.Answer() }})
//	if err := phone.Start(); err != nil { ... }
//	defer phone.Close(true)
//
// A [Call] goes through pyVoIP 2's states ([CallState]): Dialing, Ringing,
// Progress, Answered, Canceling, Ended. [Phone.Call] places one and returns
// at once, in Dialing; [Call.Wait] blocks until the call reaches a state of
// a [StateMask] (Ended always ends the wait) or its context is done. An
// incoming call arrives in Ringing through [Handler.IncomingCall]: answer
// it with [Call.Answer] or refuse it with [Call.Deny]. [Call.Hangup] ends an
// answered call, [Call.Cancel] a dialing one; [Call.EndReason] says why a
// call ended ("local hangup", "486 Busy Here", "RTP timeout", ...).
//
// # Audio and DTMF
//
// [Call.ReadAudio] and [Call.WriteAudio] carry 20 ms frames in the phone's
// audio format (option "audio_format": signed 16-bit little-endian mono at
// 8 kHz by default, 320 bytes a frame; pyVoIP's unsigned 8-bit with "u8").
// The phone's media clock sends one frame every 20 ms, silence when the
// send queue is empty, and fills the receive queue after a jitter buffer
// ("jitter_ms"); both calls wait up to their timeout. [Call.SendDTMF] sends
// digits as RFC 4733 events or SIP INFO (option "dtmf_mode"); received
// digits reach [Handler.DTMF] and [Call.GetDTMF].
//
// # Registration
//
// With the option "server" set, Start registers "user" with that
// registrar, answering digest challenges with the credentials given to
// [Phone.AddCredentials], and keeps the registration fresh; [Phone.Status]
// and [Handler.Status] report [PhoneStatus] (Registering, Registered,
// Failed, ...) with the registrar's reason. A bare user or number given to
// [Phone.Call] is then called at the server.
//
// # Errors, logs and threads
//
// Errors wrap the package's sentinel errors ([ErrInvalidArgument],
// [ErrInvalidState], [ErrTimeout], [ErrRejected], [ErrCallEnded], ...):
// test them with errors.Is. Handlers run on the phone's dispatcher goroutine, one at a
// time, holding no lock: they may call any method of the phone or its
// calls (but not Close(true)). [Phone.SetLog] receives the phone's log
// lines; the option "sip_trace" adds every SIP message sent and received
// (secrets masked), and the environment variable VOIP_LOG=sip|debug|info
// prints them to stderr.
//
// The examples below run as tests, on 127.0.0.1.
package voip

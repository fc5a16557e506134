package voip

// Call events are what happens to an established call beyond its state:
// hold and resume, media moved, transfers, redirects, session refreshes.
// Each is a name and a detail string, so that a new kind of event needs no
// new callback (and no ABI change in the C library).
const (
	// EventHold: the call is on hold; detail "local" (we held it) or
	// "remote" (the peer did).
	EventHold = "hold"
	// EventResume: a hold ended; detail "local" or "remote" as for
	// EventHold.
	EventResume = "resume"
	// EventMediaChanged: the peer moved its media (address or codec);
	// detail says what it is now, e.g. "127.0.0.1:4000 PCMA".
	EventMediaChanged = "media_changed"
	// EventDTMFFailed: a digit sent by SIP INFO was refused or not
	// answered; the digits queued after it were dropped. detail says
	// which digit and why, e.g. "INFO 5: 415 Unsupported Media Type; 3
	// digits dropped".
	EventDTMFFailed = "dtmf_failed"
	// EventSessionRefreshFailed: the session timer (RFC 4028) failed:
	// our refresh was refused or not answered (detail: why; the call ends
	// with reason "session expired" when the session expires), or the
	// peer did not refresh in time (detail "no session refresh from the
	// peer within <n> s"; the call ends at once with a BYE, reason
	// "session expired").
	EventSessionRefreshFailed = "session_refresh_failed"
)

// emitEvent reports a call event to the phone's CallEvent handler, on the
// dispatcher (so it may be called with any lock held).
func (c *Call) emitEvent(name, detail string) {
	c.phone.events.post(func() {
		if f := c.phone.handlers().CallEvent; f != nil {
			f(c, name, detail)
		}
	})
}

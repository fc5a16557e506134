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
	// EventTransferProgress: the peer we transferred (Call.Transfer)
	// reports how its call to the target goes: the status of its NOTIFY's
	// sipfrag, e.g. "100 Trying", "180 Ringing", "200 OK", "603 Declined".
	EventTransferProgress = "transfer_progress"
	// EventTransferred: the peer transferred us (a REFER we followed):
	// Call.Successor is the new call we placed; detail is its target URI.
	// The C library's detail is "call=<handle> <uri>".
	EventTransferred = "transferred"
	// EventReplaced: an INVITE with Replaces (RFC 3891) took this call
	// over: Call.Successor is the new, already answered call; detail is
	// its remote URI ("call=<handle> <uri>" in C). This call then ends
	// with reason "replaced".
	EventReplaced = "replaced"
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
	// EventQuality (call quality, quality.go): detail is the JSON object
	// of Info("quality"). It comes once as every call that had media
	// ends, just before its ENDED state, and, when the option
	// quality_interval_ms is not 0, that often while the call has media. (The quality can be read at
	// any time, after the end too, with Call.Quality or Info("quality").)
	EventQuality = "quality"
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

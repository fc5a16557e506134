package voip

// emitEvent is replaced by the call-event plumbing of main (call_events.go).
func (c *Call) emitEvent(name, detail string) { _, _ = name, detail }

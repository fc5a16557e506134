package sip

import "time"

// byeTimeout bounds the BYE we send for a call whose 200 OK was never
// acknowledged (its transaction ends sooner, by Timer F).
const byeTimeout = 32 * time.Second

// endKind is the way an incoming call's dialog ended.
type endKind int

const (
	endNone   endKind = iota
	endBye            // the caller's BYE
	endCancel         // the caller's CANCEL
	endFail           // no ACK for our 200 OK
	endLocal          // our own Bye: nobody is told
)

// endState records how an incoming call's dialog ended and whom to tell,
// so that whichever way comes first is told once. IncomingCall.mu guards
// it.
type endState struct {
	kind   endKind
	reason string
	fired  bool
	onBye  func()
	// onCancel and onFail are told of a CANCEL and of a failure; a
	// failure falls back to onBye when onFail is not set.
	onCancel func()
	onFail   func(reason string)
}

// handler is the function that reports the end, nil when none is set (yet)
// or nobody is to be told.
func (e *endState) handler() func() {
	switch e.kind {
	case endBye:
		return e.onBye
	case endCancel:
		return e.onCancel
	case endFail:
		if f, reason := e.onFail, e.reason; f != nil {
			return func() { f(reason) }
		}
		return e.onBye
	}
	return nil
}

// ended records the first way the dialog ended and tells the owner.
func (ic *IncomingCall) ended(kind endKind, reason string) {
	ic.mu.Lock()
	if ic.end.kind == endNone {
		ic.end.kind, ic.end.reason = kind, reason
	}
	ic.mu.Unlock()
	ic.fireEnd()
}

// fireEnd runs the end's handler once, when the end happened and its
// handler is set.
func (ic *IncomingCall) fireEnd() {
	var f func()
	ic.mu.Lock()
	if !ic.end.fired {
		if f = ic.end.handler(); f != nil {
			ic.end.fired = true
		}
	}
	ic.mu.Unlock()
	if f != nil {
		f()
	}
}

package voip

import (
	"context"
	"time"

	"github.com/libvoip/libvoip/sip"
)

// This file serves our calls' state to dialog subscribers (RFC 4235, the
// busy lamp field a receptionist's phone shows for us): a dialog-info
// document of our calls, sent again whenever one changes state. Watching
// another extension's lamp is a "dialog" Subscription (Notification's
// DialogSummary.Lamp).

// dialogInfo is the dialog-info document of our calls for this
// subscription, with its next version.
func (s *IncomingSubscription) dialogInfo() []byte {
	s.mu.Lock()
	v := s.version
	s.version++
	s.mu.Unlock()
	di := sip.DialogInfo{Version: v, State: "full", Entity: s.To}
	for _, c := range s.phone.Calls() {
		st := dialogState(c.State())
		if st == "" {
			continue
		}
		dir := "recipient"
		if c.outgoing {
			dir = "initiator"
		}
		di.Dialogs = append(di.Dialogs, sip.DialogEntry{ID: c.callID, CallID: c.callID,
			Direction: dir, State: st, Remote: c.remoteURI})
	}
	return sip.FormatDialogInfo(di)
}

// dialogState is RFC 4235's state of a call in state s; "" for an ended
// call (left out of the document).
func dialogState(s CallState) string {
	switch s {
	case Dialing:
		return "trying"
	case Ringing, Progress:
		return "early"
	case Answered, Canceling:
		return "confirmed"
	}
	return ""
}

// callsChanged sends the new dialog state to every dialog subscriber; it
// runs on the dispatcher after a call changed state, and sends in the
// background.
func (p *Phone) callsChanged() {
	subs := p.ev.servingOf("dialog")
	if len(subs) == 0 {
		return
	}
	for _, s := range subs {
		body := s.dialogInfo()
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 32*time.Second)
			defer cancel()
			_ = s.ss.Notify(ctx, sip.DialogInfoType, body)
		}()
	}
}

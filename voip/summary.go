package voip

import (
	"encoding/json"
	"fmt"

	"github.com/libvoip/libvoip/sip"
)

// This file turns the bodies of the event packages we know into one JSON
// summary, the same in Go, C, Python and Node.

// MWISummary is a message-summary body (RFC 3842) as Summarize writes it.
type MWISummary struct {
	Waiting   bool   `json:"waiting"`
	Account   string `json:"account,omitempty"`
	New       int    `json:"new"`
	Old       int    `json:"old"`
	NewUrgent int    `json:"new_urgent"`
	OldUrgent int    `json:"old_urgent"`
}

// PresenceSummary is a PIDF body (RFC 3863) as Summarize writes it.
type PresenceSummary struct {
	Entity     string   `json:"entity"`
	Basic      string   `json:"basic"`
	Note       string   `json:"note"`
	Activities []string `json:"activities"`
}

// DialogSummary is a dialog-info body (RFC 4235) as Summarize writes it:
// Lamp is "idle", "early" or "confirmed".
type DialogSummary struct {
	Entity  string        `json:"entity"`
	Lamp    string        `json:"lamp"`
	Version int           `json:"version"`
	Dialogs []DialogEntry `json:"dialogs"`
}

// DialogEntry is one dialog of a DialogSummary.
type DialogEntry struct {
	ID        string `json:"id"`
	State     string `json:"state"`
	Direction string `json:"direction,omitempty"`
	Remote    string `json:"remote,omitempty"`
}

// Summarize parses the body of a NOTIFY of package event into JSON: an
// MWISummary for "message-summary" (voice counts, or all classes' when no
// Voice-Message line), a PresenceSummary for "presence", a DialogSummary
// for "dialog", a WatcherInfoSummary for "presence.winfo" (winfo.go). It
// returns "" and no error for another package or an empty body, and an
// ErrInvalidArgument error for a malformed one.
func Summarize(event string, body []byte) (string, error) {
	if len(body) == 0 {
		return "", nil
	}
	var v any
	switch event {
	case "message-summary":
		ms, err := sip.ParseMessageSummary(body)
		if err != nil {
			return "", fmt.Errorf("%w: %v", ErrInvalidArgument, err)
		}
		c := ms.Voice
		if c == (sip.MessageCounts{}) {
			c = ms.Total
		}
		v = MWISummary{Waiting: ms.Waiting, Account: ms.Account, New: c.New, Old: c.Old, NewUrgent: c.NewUrgent, OldUrgent: c.OldUrgent}
	case "presence":
		p, err := sip.ParsePIDF(body)
		if err != nil {
			return "", fmt.Errorf("%w: %v", ErrInvalidArgument, err)
		}
		v = PresenceSummary{Entity: p.Entity, Basic: p.Basic, Note: p.Note, Activities: append([]string{}, p.Activities...)}
	case "dialog":
		di, err := sip.ParseDialogInfo(body)
		if err != nil {
			return "", fmt.Errorf("%w: %v", ErrInvalidArgument, err)
		}
		ds := DialogSummary{Entity: di.Entity, Lamp: di.Lamp(), Version: di.Version, Dialogs: []DialogEntry{}}
		for _, d := range di.Dialogs {
			ds.Dialogs = append(ds.Dialogs, DialogEntry{ID: d.ID, State: d.State, Direction: d.Direction, Remote: d.Remote})
		}
		v = ds
	case "presence.winfo":
		ws, err := summarizeWatcherInfo(body)
		if err != nil {
			return "", err
		}
		v = ws
	default:
		return "", nil
	}
	b, err := json.Marshal(v)
	return string(b), err
}

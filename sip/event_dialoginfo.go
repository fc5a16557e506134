package sip

import (
	"fmt"
	"strconv"
	"strings"
)

// This file is the dialog event package's body (RFC 4235,
// application/dialog-info+xml), the busy lamp field: read by a pure,
// bounded function and written from our own calls.

// DialogInfoType is the content type of a dialog-info body.
const DialogInfoType = "application/dialog-info+xml"

// Lamp states of a busy lamp field, from a dialog-info document.
const (
	LampIdle      = "idle"      // no dialog, or all terminated
	LampEarly     = "early"     // a dialog trying, proceeding or early (ringing)
	LampConfirmed = "confirmed" // a dialog confirmed (in a call)
)

// DialogInfo is a dialog-info document.
type DialogInfo struct {
	Version int
	State   string // "full" or "partial"
	Entity  string
	Dialogs []DialogEntry
}

// DialogEntry is one dialog element.
type DialogEntry struct {
	ID        string
	CallID    string
	Direction string // "initiator", "recipient" or ""
	State     string // trying, proceeding, early, confirmed, terminated
	Remote    string // the remote identity, "" when absent
}

// maxDialogEntries bounds the dialogs read.
const maxDialogEntries = 64

// dialogStates are RFC 4235's dialog states.
var dialogStates = map[string]bool{"trying": true, "proceeding": true, "early": true,
	"confirmed": true, "terminated": true}

// ParseDialogInfo reads a dialog-info document: a dialog-info root with
// version, state and entity attributes and dialog elements with an id and
// a known state.
func ParseDialogInfo(body []byte) (DialogInfo, error) {
	var di DialogInfo
	root, err := parseXMLTree(body)
	if err != nil {
		return di, err
	}
	if root.Name != "dialog-info" {
		return di, fmt.Errorf("%w: dialog-info root is <%s>", ErrBadBody, clip(root.Name))
	}
	di.Entity = root.Attrs["entity"]
	di.State = root.Attrs["state"]
	if di.State != "full" && di.State != "partial" {
		return di, fmt.Errorf("%w: dialog-info state %q", ErrBadBody, clip(di.State))
	}
	if di.Version, err = strconv.Atoi(root.Attrs["version"]); err != nil || di.Version < 0 {
		return di, fmt.Errorf("%w: dialog-info version %q", ErrBadBody, clip(root.Attrs["version"]))
	}
	for _, c := range root.Children {
		if c.Name != "dialog" {
			continue
		}
		if len(di.Dialogs) == maxDialogEntries {
			return di, fmt.Errorf("%w: more than %d dialogs", ErrBadBody, maxDialogEntries)
		}
		e := DialogEntry{ID: c.Attrs["id"], CallID: c.Attrs["call-id"], Direction: c.Attrs["direction"],
			State: strings.ToLower(c.text("state"))}
		if e.ID == "" || !dialogStates[e.State] {
			return di, fmt.Errorf("%w: dialog %q state %q", ErrBadBody, clip(e.ID), clip(e.State))
		}
		if r := c.child("remote"); r != nil {
			e.Remote = r.text("identity")
		}
		di.Dialogs = append(di.Dialogs, e)
	}
	return di, nil
}

// Lamp is the busy lamp the document shows: confirmed when any dialog is,
// else early when any is trying, proceeding or early, else idle.
func (di DialogInfo) Lamp() string {
	lamp := LampIdle
	for _, d := range di.Dialogs {
		switch d.State {
		case "confirmed":
			return LampConfirmed
		case "trying", "proceeding", "early":
			lamp = LampEarly
		}
	}
	return lamp
}

// FormatDialogInfo writes di as a dialog-info document.
func FormatDialogInfo(di DialogInfo) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\r\n")
	fmt.Fprintf(&b, `<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="%d" state="%s" entity="%s">`+"\r\n",
		di.Version, xmlEscape(di.State), xmlEscape(di.Entity))
	for _, d := range di.Dialogs {
		fmt.Fprintf(&b, `<dialog id="%s"`, xmlEscape(d.ID))
		if d.CallID != "" {
			fmt.Fprintf(&b, ` call-id="%s"`, xmlEscape(d.CallID))
		}
		if d.Direction != "" {
			fmt.Fprintf(&b, ` direction="%s"`, xmlEscape(d.Direction))
		}
		b.WriteString("><state>" + xmlEscape(d.State) + "</state>")
		if d.Remote != "" {
			b.WriteString("<remote><identity>" + xmlEscape(d.Remote) + "</identity></remote>")
		}
		b.WriteString("</dialog>\r\n")
	}
	b.WriteString("</dialog-info>\r\n")
	return []byte(b.String())
}

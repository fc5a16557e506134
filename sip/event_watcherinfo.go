package sip

import (
	"fmt"
	"strconv"
	"strings"
)

// This file is the watcher-information event package's body (RFC 3857,
// "presence.winfo" and other ".winfo" templates; application/watcherinfo+xml,
// RFC 3858): who watches a resource, read by a pure, bounded function and
// written for our own presence watchers.

// WatcherInfoType is the content type of a watcherinfo body.
const WatcherInfoType = "application/watcherinfo+xml"

// Watcher statuses (RFC 3858 §4).
const (
	WatcherPending    = "pending"
	WatcherActive     = "active"
	WatcherWaiting    = "waiting"
	WatcherTerminated = "terminated"
)

// Watcher events: why a watcher's status changed (RFC 3857 §3.2.4).
const (
	WatcherSubscribe   = "subscribe"
	WatcherApproved    = "approved"
	WatcherDeactivated = "deactivated"
	WatcherProbation   = "probation"
	WatcherRejected    = "rejected"
	WatcherTimeout     = "timeout"
	WatcherGiveup      = "giveup"
	WatcherNoresource  = "noresource"
)

// watcherStatuses and watcherEvents are RFC 3858's enumerations.
var (
	watcherStatuses = map[string]bool{WatcherPending: true, WatcherActive: true, WatcherWaiting: true,
		WatcherTerminated: true}
	watcherEvents = map[string]bool{WatcherSubscribe: true, WatcherApproved: true, WatcherDeactivated: true,
		WatcherProbation: true, WatcherRejected: true, WatcherTimeout: true, WatcherGiveup: true,
		WatcherNoresource: true}
)

// maxWatchers bounds the watchers read from one document.
const maxWatchers = 256

// WatcherInfo is a watcherinfo document.
type WatcherInfo struct {
	Version int
	State   string // "full" or "partial"
	Lists   []WatcherList
}

// WatcherList is one watcher-list: the watchers of a resource's package.
type WatcherList struct {
	Resource string // the watched resource's URI
	Package  string // its event package ("presence")
	Watchers []Watcher
}

// Watcher is one watcher element.
type Watcher struct {
	ID     string
	URI    string // the watcher's URI (the element's text)
	Status string // WatcherPending, WatcherActive, WatcherWaiting or WatcherTerminated
	Event  string // WatcherSubscribe, WatcherApproved, ...
	// DisplayName is the display-name attribute, "" when absent.
	DisplayName string
}

// ParseWatcherInfo reads a watcherinfo document: a watcherinfo root with
// version and state, watcher-lists with resource and package, watchers
// with an id, a known status and event, and a URI.
func ParseWatcherInfo(body []byte) (WatcherInfo, error) {
	var wi WatcherInfo
	root, err := parseXMLTree(body)
	if err != nil {
		return wi, err
	}
	if root.Name != "watcherinfo" {
		return wi, fmt.Errorf("%w: watcherinfo root is <%s>", ErrBadBody, clip(root.Name))
	}
	wi.State = root.Attrs["state"]
	if wi.State != "full" && wi.State != "partial" {
		return wi, fmt.Errorf("%w: watcherinfo state %q", ErrBadBody, clip(wi.State))
	}
	if wi.Version, err = strconv.Atoi(root.Attrs["version"]); err != nil || wi.Version < 0 {
		return wi, fmt.Errorf("%w: watcherinfo version %q", ErrBadBody, clip(root.Attrs["version"]))
	}
	n := 0
	for _, c := range root.Children {
		if c.Name != "watcher-list" {
			continue
		}
		wl, err := parseWatcherList(c, &n)
		if err != nil {
			return wi, err
		}
		wi.Lists = append(wi.Lists, wl)
	}
	return wi, nil
}

// parseWatcherList reads one watcher-list; n counts the watchers read so
// far in the document.
func parseWatcherList(c *xmlNode, n *int) (WatcherList, error) {
	wl := WatcherList{Resource: strings.TrimSpace(c.Attrs["resource"]), Package: strings.TrimSpace(c.Attrs["package"])}
	if wl.Resource == "" || wl.Package == "" {
		return wl, fmt.Errorf("%w: watcher-list without resource or package", ErrBadBody)
	}
	for _, w := range c.Children {
		if w.Name != "watcher" {
			continue
		}
		if *n == maxWatchers {
			return wl, fmt.Errorf("%w: more than %d watchers", ErrBadBody, maxWatchers)
		}
		*n++
		e := Watcher{ID: w.Attrs["id"], URI: strings.TrimSpace(w.Text), Status: strings.ToLower(w.Attrs["status"]),
			Event: strings.ToLower(w.Attrs["event"]), DisplayName: w.Attrs["display-name"]}
		switch {
		case e.ID == "":
			return wl, fmt.Errorf("%w: watcher without id", ErrBadBody)
		case !watcherStatuses[e.Status]:
			return wl, fmt.Errorf("%w: watcher %q status %q", ErrBadBody, clip(e.ID), clip(e.Status))
		case !watcherEvents[e.Event]:
			return wl, fmt.Errorf("%w: watcher %q event %q", ErrBadBody, clip(e.ID), clip(e.Event))
		case e.URI == "":
			return wl, fmt.Errorf("%w: watcher %q without a URI", ErrBadBody, clip(e.ID))
		}
		wl.Watchers = append(wl.Watchers, e)
	}
	return wl, nil
}

// FormatWatcherInfo writes wi as a watcherinfo document.
func FormatWatcherInfo(wi WatcherInfo) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\r\n")
	fmt.Fprintf(&b, `<watcherinfo xmlns="urn:ietf:params:xml:ns:watcherinfo" version="%d" state="%s">`+"\r\n",
		wi.Version, xmlEscape(wi.State))
	for _, wl := range wi.Lists {
		fmt.Fprintf(&b, `<watcher-list resource="%s" package="%s">`+"\r\n", xmlEscape(wl.Resource), xmlEscape(wl.Package))
		for _, w := range wl.Watchers {
			fmt.Fprintf(&b, `<watcher id="%s" status="%s" event="%s"`, xmlEscape(w.ID), xmlEscape(w.Status), xmlEscape(w.Event))
			if w.DisplayName != "" {
				fmt.Fprintf(&b, ` display-name="%s"`, xmlEscape(w.DisplayName))
			}
			b.WriteString(">" + xmlEscape(w.URI) + "</watcher>\r\n")
		}
		b.WriteString("</watcher-list>\r\n")
	}
	b.WriteString("</watcherinfo>\r\n")
	return []byte(b.String())
}

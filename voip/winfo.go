package voip

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/libvoip/libvoip/sip"
)

// This file is watcher information (RFC 3857, bodies RFC 3858): our
// presence watchers (incoming presence subscriptions: pending until
// accepted, active, terminated) told to our "presence.winfo" subscribers,
// a full document when one is accepted and a partial one for each change,
// in order; and watcherinfo bodies summarized for our own winfo
// subscriptions (Summarize).

// WatcherInfoSummary is a watcherinfo body (RFC 3858) as Summarize writes
// it: State is "full" or "partial"; Resource and Package are the first
// watcher-list's, Watchers every list's.
type WatcherInfoSummary struct {
	Resource string         `json:"resource"`
	Package  string         `json:"package"`
	State    string         `json:"state"`
	Version  int            `json:"version"`
	Watchers []WatcherEntry `json:"watchers"`
}

// WatcherEntry is one watcher of a WatcherInfoSummary: Status is
// "pending", "active", "waiting" or "terminated"; Event why it changed
// ("subscribe", "approved", "deactivated", "probation", "rejected",
// "timeout", "giveup", "noresource").
type WatcherEntry struct {
	ID          string `json:"id"`
	URI         string `json:"uri"`
	Status      string `json:"status"`
	Event       string `json:"event"`
	DisplayName string `json:"display_name,omitempty"`
}

// maxWinfoQueue bounds the partial documents waiting for one winfo
// subscriber; past it they are replaced by one full document.
const maxWinfoQueue = 32

// watcherTable is our presence watchers, in arrival order; a terminated
// one is reported once and then leaves it. It is guarded by phoneEvents.mu.
type watcherTable struct {
	next  int
	order []*IncomingSubscription
	byIn  map[*IncomingSubscription]sip.Watcher
}

// summarizeWatcherInfo parses a watcherinfo body into a WatcherInfoSummary.
func summarizeWatcherInfo(body []byte) (any, error) {
	wi, err := sip.ParseWatcherInfo(body)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidArgument, err)
	}
	ws := WatcherInfoSummary{State: wi.State, Version: wi.Version, Watchers: []WatcherEntry{}}
	for i, wl := range wi.Lists {
		if i == 0 {
			ws.Resource, ws.Package = wl.Resource, wl.Package
		}
		for _, w := range wl.Watchers {
			ws.Watchers = append(ws.Watchers, WatcherEntry{ID: w.ID, URI: w.URI, Status: w.Status, Event: w.Event,
				DisplayName: w.DisplayName})
		}
	}
	return ws, nil
}

// watcherEvent is RFC 3857's event for a presence subscription that ended
// for reason (ServerSubscription.OnEnd's): an unsubscription counts as a
// timeout (a subscription that expired at once), a failed NOTIFY too.
func watcherEvent(reason string) string {
	switch reason {
	case sip.WatcherRejected, sip.WatcherDeactivated, sip.WatcherProbation, sip.WatcherGiveup, sip.WatcherNoresource:
		return reason
	}
	return sip.WatcherTimeout
}

// watcherChanged records that presence subscription s is now in status
// because of event, and sends the change to every winfo subscriber. Other
// packages' subscriptions are not watchers of our presence.
func (p *Phone) watcherChanged(s *IncomingSubscription, status, event string) {
	if s.Event != "presence" {
		return
	}
	e := &p.ev
	e.mu.Lock()
	t := &e.watchers
	w, known := t.byIn[s]
	switch {
	case !known && status == sip.WatcherTerminated:
		e.mu.Unlock()
		return
	case !known:
		if t.byIn == nil {
			t.byIn = map[*IncomingSubscription]sip.Watcher{}
		}
		t.next++
		w = sip.Watcher{ID: "w" + strconv.Itoa(t.next), URI: bareURI(s.From)}
		t.order = append(t.order, s)
	}
	w.Status, w.Event = status, event
	t.byIn[s] = w
	if status == sip.WatcherTerminated {
		t.remove(s)
	}
	all := t.list()
	e.mu.Unlock()
	for _, ws := range e.servingOf("presence.winfo") {
		ws.queueWinfo([]sip.Watcher{w}, all)
	}
}

// remove takes s out of the table.
func (t *watcherTable) remove(s *IncomingSubscription) {
	delete(t.byIn, s)
	for i, o := range t.order {
		if o == s {
			t.order = append(t.order[:i], t.order[i+1:]...)
			break
		}
	}
}

// list is the table's watchers in arrival order.
func (t *watcherTable) list() []sip.Watcher {
	out := make([]sip.Watcher, 0, len(t.order))
	for _, s := range t.order {
		out = append(out, t.byIn[s])
	}
	return out
}

// bareURI is the URI of a From header's address, without display name,
// angle brackets or parameters after them.
func bareURI(addr string) string {
	if i := strings.IndexByte(addr, '<'); i >= 0 {
		if j := strings.IndexByte(addr[i:], '>'); j > 0 {
			return addr[i+1 : i+j]
		}
	}
	if i := strings.IndexByte(addr, ';'); i >= 0 {
		return addr[:i]
	}
	return addr
}

// fullWinfo is the full watcherinfo document of our presence watchers for
// winfo subscription s, with its next version.
func (s *IncomingSubscription) fullWinfo() []byte {
	s.phone.ev.mu.Lock()
	all := s.phone.ev.watchers.list()
	s.phone.ev.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.winfoDocLocked("full", all)
}

// winfoDocLocked writes a watcherinfo document of ws with the next
// version; s.mu is held.
func (s *IncomingSubscription) winfoDocLocked(state string, ws []sip.Watcher) []byte {
	v := s.version
	s.version++
	return sip.FormatWatcherInfo(sip.WatcherInfo{Version: v, State: state,
		Lists: []sip.WatcherList{{Resource: s.To, Package: "presence", Watchers: ws}}})
}

// queueWinfo queues the partial document of changed for winfo subscriber
// s (a full one of all when too many wait) and starts sending the queue
// in order.
func (s *IncomingSubscription) queueWinfo(changed, all []sip.Watcher) {
	s.mu.Lock()
	if len(s.winfoQueue) >= maxWinfoQueue {
		s.winfoQueue = append(s.winfoQueue[:0], s.winfoDocLocked("full", all))
	} else {
		s.winfoQueue = append(s.winfoQueue, s.winfoDocLocked("partial", changed))
	}
	if s.winfoSending {
		s.mu.Unlock()
		return
	}
	s.winfoSending = true
	s.mu.Unlock()
	go s.sendWinfo()
}

// sendWinfo sends the queued documents one NOTIFY at a time until none is
// left, after the subscription's first NOTIFY (the full document, which
// an earlier Notify would replace).
func (s *IncomingSubscription) sendWinfo() {
	select {
	case <-s.ss.FirstNotified():
	case <-time.After(32 * time.Second):
	}
	for {
		s.mu.Lock()
		if len(s.winfoQueue) == 0 {
			s.winfoSending = false
			s.mu.Unlock()
			return
		}
		body := s.winfoQueue[0]
		s.winfoQueue = s.winfoQueue[1:]
		s.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 32*time.Second)
		_ = s.ss.Notify(ctx, sip.WatcherInfoType, body)
		cancel()
	}
}

package sip

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// winfoSample is RFC 3858 §6's example.
const winfoSample = `<?xml version="1.0"?>
<watcherinfo xmlns="urn:ietf:params:xml:ns:watcherinfo" version="0" state="full">
  <watcher-list resource="sip:professor@example.net" package="presence">
    <watcher status="active" id="8ajksjda7s" duration-subscribed="509" event="approved">sip:userA@example.net</watcher>
    <watcher status="pending" id="hh8juja87s997-ass7" display-name="Mr. Subscriber" event="subscribe">sip:userB@example.org</watcher>
  </watcher-list>
</watcherinfo>`

func TestParseWatcherInfo(t *testing.T) {
	rfc := WatcherInfo{Version: 0, State: "full", Lists: []WatcherList{{Resource: "sip:professor@example.net", Package: "presence",
		Watchers: []Watcher{
			{ID: "8ajksjda7s", URI: "sip:userA@example.net", Status: "active", Event: "approved"},
			{ID: "hh8juja87s997-ass7", URI: "sip:userB@example.org", Status: "pending", Event: "subscribe", DisplayName: "Mr. Subscriber"},
		}}}}
	list := func(w string) string {
		return `<watcherinfo version="3" state="partial"><watcher-list resource="sip:a@x" package="presence">` + w +
			`</watcher-list></watcherinfo>`
	}
	tests := []struct {
		name string
		body string
		want WatcherInfo
		bad  bool
	}{
		{"RFC 3858 example", winfoSample, rfc, false},
		{"partial, terminated by timeout", list(`<watcher id="w1" status="terminated" event="timeout"> sip:c@y </watcher>`),
			WatcherInfo{Version: 3, State: "partial", Lists: []WatcherList{{Resource: "sip:a@x", Package: "presence",
				Watchers: []Watcher{{ID: "w1", URI: "sip:c@y", Status: "terminated", Event: "timeout"}}}}}, false},
		{"no watcher list", `<watcherinfo version="7" state="full"/>`, WatcherInfo{Version: 7, State: "full"}, false},
		{"empty list", list(""), WatcherInfo{Version: 3, State: "partial",
			Lists: []WatcherList{{Resource: "sip:a@x", Package: "presence"}}}, false},
		{"wrong root", `<presence entity="x"/>`, WatcherInfo{}, true},
		{"bad state", `<watcherinfo version="0" state="some"/>`, WatcherInfo{}, true},
		{"bad version", `<watcherinfo version="-1" state="full"/>`, WatcherInfo{}, true},
		{"no version", `<watcherinfo state="full"/>`, WatcherInfo{}, true},
		{"list without resource", `<watcherinfo version="0" state="full"><watcher-list package="presence"/></watcherinfo>`, WatcherInfo{}, true},
		{"watcher without id", list(`<watcher status="active" event="approved">sip:c@y</watcher>`), WatcherInfo{}, true},
		{"unknown status", list(`<watcher id="1" status="online" event="approved">sip:c@y</watcher>`), WatcherInfo{}, true},
		{"unknown event", list(`<watcher id="1" status="active" event="liked">sip:c@y</watcher>`), WatcherInfo{}, true},
		{"watcher without URI", list(`<watcher id="1" status="active" event="approved"> </watcher>`), WatcherInfo{}, true},
		{"unclosed", `<watcherinfo version="0" state="full">`, WatcherInfo{}, true},
		{"not XML", "Messages-Waiting: yes\r\n", WatcherInfo{}, true},
		{"too many watchers", list(strings.Repeat(`<watcher id="1" status="active" event="approved">sip:c@y</watcher>`, maxWatchers+1)), WatcherInfo{}, true},
		{"directive", `<!DOCTYPE x [<!ENTITY a "b">]><watcherinfo version="0" state="full"/>`, WatcherInfo{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseWatcherInfo([]byte(tt.body))
			if tt.bad {
				if !errors.Is(err, ErrBadBody) {
					t.Fatalf("error %v, want ErrBadBody", err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestWatcherInfoRoundTrip(t *testing.T) {
	wi := WatcherInfo{Version: 12, State: "partial", Lists: []WatcherList{{Resource: `sip:a&b@x`, Package: "presence",
		Watchers: []Watcher{{ID: "w<1>", URI: "sip:c@y;x=\"q\"", Status: WatcherWaiting, Event: WatcherRejected, DisplayName: "C & D"}}}}}
	got, err := ParseWatcherInfo(FormatWatcherInfo(wi))
	if err != nil || !reflect.DeepEqual(got, wi) {
		t.Fatalf("got %+v, %v; want %+v", got, err, wi)
	}
}

func FuzzParseWatcherInfo(f *testing.F) {
	f.Add([]byte(winfoSample))
	f.Add(FormatWatcherInfo(WatcherInfo{Version: 1, State: "partial", Lists: []WatcherList{{Resource: "r", Package: "presence",
		Watchers: []Watcher{{ID: "a", URI: "sip:b@c", Status: "pending", Event: "subscribe"}}}}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		wi, err := ParseWatcherInfo(b)
		if err != nil {
			return
		}
		n := 0
		for _, wl := range wi.Lists {
			for _, w := range wl.Watchers {
				n++
				if !watcherStatuses[w.Status] || !watcherEvents[w.Event] || w.ID == "" || w.URI == "" {
					t.Fatalf("watcher %+v accepted", w)
				}
			}
		}
		if n > maxWatchers || (wi.State != "full" && wi.State != "partial") || wi.Version < 0 {
			t.Fatalf("document %+v accepted", wi)
		}
	})
}

package sip

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseMessageSummary(t *testing.T) {
	tests := []struct {
		name string
		body string
		want MessageSummary
		bad  bool
	}{
		{"voice with urgent", "Messages-Waiting: yes\r\nMessage-Account: sip:alice@vm.example.com\r\nVoice-Message: 2/8 (0/2)\r\n",
			MessageSummary{Waiting: true, Account: "sip:alice@vm.example.com", Voice: MessageCounts{2, 8, 0, 2}, Total: MessageCounts{2, 8, 0, 2}}, false},
		{"none waiting", "Messages-Waiting: no\r\n", MessageSummary{}, false},
		{"classes summed, LF only", "messages-waiting: YES\nVoice-Message: 1/0\nFax-Message: 2/3 (1/1)\n",
			MessageSummary{Waiting: true, Voice: MessageCounts{1, 0, 0, 0}, Total: MessageCounts{3, 3, 1, 1}}, false},
		{"message headers after a blank line ignored", "Messages-Waiting: yes\r\nVoice-Message: 1/1\r\n\r\nTo: <sip:x@y>\r\nnot a header line\r\n",
			MessageSummary{Waiting: true, Voice: MessageCounts{1, 1, 0, 0}, Total: MessageCounts{1, 1, 0, 0}}, false},
		{"no Messages-Waiting", "Voice-Message: 1/2\r\n", MessageSummary{}, true},
		{"bad waiting value", "Messages-Waiting: maybe\r\n", MessageSummary{}, true},
		{"bad counts", "Messages-Waiting: yes\r\nVoice-Message: two/8\r\n", MessageSummary{}, true},
		{"negative count", "Messages-Waiting: yes\r\nVoice-Message: -1/8\r\n", MessageSummary{}, true},
		{"unclosed urgent", "Messages-Waiting: yes\r\nVoice-Message: 1/8 (0/2\r\n", MessageSummary{}, true},
		{"huge count", "Messages-Waiting: yes\r\nVoice-Message: 99999999/8\r\n", MessageSummary{}, true},
		{"line without colon", "Messages-Waiting: yes\r\ngarbage\r\n", MessageSummary{}, true},
		{"empty", "", MessageSummary{}, true},
		{"too large", "Messages-Waiting: yes\r\n" + strings.Repeat("X-Pad: y\r\n", 8000), MessageSummary{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseMessageSummary([]byte(tt.body))
			if tt.bad {
				if !errors.Is(err, ErrBadBody) {
					t.Fatalf("error %v, want ErrBadBody", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestMessageSummaryRoundTrip(t *testing.T) {
	ms := MessageSummary{Waiting: true, Account: "sip:vm@x", Voice: MessageCounts{3, 4, 1, 0}, Total: MessageCounts{3, 4, 1, 0}}
	got, err := ParseMessageSummary(FormatMessageSummary(ms))
	if err != nil || got != ms {
		t.Fatalf("got %+v, %v; want %+v", got, err, ms)
	}
}

const pidfSample = `<?xml version="1.0" encoding="UTF-8"?>
<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model"
  xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="sip:bob@example.com">
  <tuple id="a"><status><basic>closed</basic></status></tuple>
  <tuple id="b"><status><basic>open</basic></status><note>at lunch</note></tuple>
  <dm:person id="p"><rpid:activities><rpid:away/><rpid:meal/></rpid:activities></dm:person>
</presence>`

func TestParsePIDF(t *testing.T) {
	tests := []struct {
		name string
		body string
		want Presence
		bad  bool
	}{
		{"two tuples, activities", pidfSample, Presence{Entity: "sip:bob@example.com", Basic: "open", Note: "at lunch", Activities: []string{"away", "meal"}}, false},
		{"closed, note at the top", `<presence entity="sip:a@b"><tuple id="1"><status><basic>closed</basic></status></tuple><note>gone</note></presence>`,
			Presence{Entity: "sip:a@b", Basic: "closed", Note: "gone"}, false},
		{"round trip of ours", string(FormatPIDF(Presence{Entity: "sip:c@d", Basic: "open", Note: "a <b> & c", Activities: []string{"busy"}})),
			Presence{Entity: "sip:c@d", Basic: "open", Note: "a <b> & c", Activities: []string{"busy"}}, false},
		{"not XML", "open", Presence{}, true},
		{"unclosed", `<presence><tuple id="1"><status><basic>open</basic></status>`, Presence{}, true},
		{"wrong root", `<dialog-info/>`, Presence{}, true},
		{"no tuple", `<presence entity="sip:a@b"/>`, Presence{}, true},
		{"bad basic", `<presence><tuple id="1"><status><basic>maybe</basic></status></tuple></presence>`, Presence{}, true},
		{"tuple without status", `<presence><tuple id="1"/></presence>`, Presence{}, true},
		{"entity expansion refused", `<!DOCTYPE p [<!ENTITY x "y">]><presence><tuple id="1"><status><basic>open</basic></status></tuple></presence>`, Presence{}, true},
		{"too deep", strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100), Presence{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePIDF([]byte(tt.body))
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

func TestParseDialogInfo(t *testing.T) {
	ringing := DialogInfo{Version: 3, State: "full", Entity: "sip:bob@x",
		Dialogs: []DialogEntry{{ID: "d1", CallID: "c1", Direction: "recipient", State: "early", Remote: "sip:alice@x"}}}
	tests := []struct {
		name string
		body string
		lamp string
		bad  bool
	}{
		{"ours, ringing", string(FormatDialogInfo(ringing)), LampEarly, false},
		{"idle", `<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="0" state="full" entity="sip:b@x"/>`, LampIdle, false},
		{"confirmed wins", `<dialog-info version="1" state="partial" entity="e"><dialog id="a"><state>early</state></dialog><dialog id="b"><state>confirmed</state></dialog></dialog-info>`, LampConfirmed, false},
		{"terminated is idle", `<dialog-info version="1" state="full" entity="e"><dialog id="a"><state>terminated</state></dialog></dialog-info>`, LampIdle, false},
		{"bad state", `<dialog-info version="1" state="full" entity="e"><dialog id="a"><state>ringing</state></dialog></dialog-info>`, "", true},
		{"no id", `<dialog-info version="1" state="full" entity="e"><dialog><state>early</state></dialog></dialog-info>`, "", true},
		{"bad version", `<dialog-info version="x" state="full" entity="e"/>`, "", true},
		{"bad document state", `<dialog-info version="1" state="most" entity="e"/>`, "", true},
		{"wrong root", `<presence/>`, "", true},
		{"garbage", "\x00\x01", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDialogInfo([]byte(tt.body))
			if tt.bad {
				if !errors.Is(err, ErrBadBody) {
					t.Fatalf("error %v, want ErrBadBody", err)
				}
				return
			}
			if err != nil || got.Lamp() != tt.lamp {
				t.Fatalf("got %+v (lamp %s), %v; want lamp %s", got, got.Lamp(), err, tt.lamp)
			}
		})
	}
	got, err := ParseDialogInfo(FormatDialogInfo(ringing))
	if err != nil || !reflect.DeepEqual(got, ringing) {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
}

func TestParseSubState(t *testing.T) {
	tests := []struct {
		in   string
		want SubState
		ok   bool
	}{
		{"active;expires=600", SubState{State: "active", Expires: 600, RetryAfter: -1}, true},
		{"Terminated; reason=Deactivated ;retry-after=30", SubState{State: "terminated", Reason: "deactivated", Expires: -1, RetryAfter: 30}, true},
		{"pending", SubState{State: "pending", Expires: -1, RetryAfter: -1}, true},
		{"active;expires=abc", SubState{State: "active", Expires: -1, RetryAfter: -1}, true},
		{"", SubState{Expires: -1, RetryAfter: -1}, false},
		{"act ive", SubState{State: "act ive", Expires: -1, RetryAfter: -1}, false},
	}
	for _, tt := range tests {
		got, ok := ParseSubState(tt.in)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("ParseSubState(%q) = %+v, %v; want %+v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	if s := (SubState{State: "terminated", Reason: "timeout", Expires: 5, RetryAfter: -1}).String(); s != "terminated;reason=timeout" {
		t.Errorf("String: %q", s)
	}
	if pkg, id, ok := ParseEvent("Refer;id=93"); pkg != "refer" || id != "93" || !ok {
		t.Errorf("ParseEvent: %q %q %v", pkg, id, ok)
	}
	if _, _, ok := ParseEvent("pres ence"); ok {
		t.Error("ParseEvent accepted a package that is not a token")
	}
}

func TestRetryPlan(t *testing.T) {
	tests := []struct {
		st    SubState
		again bool
		secs  int
	}{
		{SubState{Reason: "deactivated", RetryAfter: -1}, true, 0},
		{SubState{Reason: "timeout", RetryAfter: 5}, true, 5},
		{SubState{Reason: "probation", RetryAfter: 7}, true, 7},
		{SubState{Reason: "giveup", RetryAfter: -1}, false, 0},
		{SubState{Reason: "giveup", RetryAfter: 9}, true, 9},
		{SubState{Reason: "rejected", RetryAfter: 9}, false, 0},
		{SubState{Reason: "noresource", RetryAfter: -1}, false, 0},
		{SubState{Reason: "", RetryAfter: -1}, false, 0},
		{SubState{Reason: "timeout", RetryAfter: 86400}, true, maxRetryAfter},
	}
	for _, tt := range tests {
		d, again := retryPlan(tt.st)
		if again != tt.again || (again && int(d.Seconds()) != tt.secs) {
			t.Errorf("retryPlan(%+v) = %v, %v; want %v, %d s", tt.st, d, again, tt.again, tt.secs)
		}
	}
}

func FuzzParseMessageSummary(f *testing.F) {
	f.Add([]byte("Messages-Waiting: yes\r\nVoice-Message: 2/8 (0/2)\r\n"))
	f.Add([]byte("Messages-Waiting: no\r\n\r\nTo: x\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ms, err := ParseMessageSummary(b)
		if err == nil && (ms.Total.New < ms.Voice.New || ms.Voice.New < 0) {
			t.Fatalf("inconsistent counts %+v", ms)
		}
	})
}

func FuzzParsePIDF(f *testing.F) {
	f.Add([]byte(pidfSample))
	f.Add(FormatPIDF(Presence{Entity: "sip:a@b", Basic: "open", Note: "x", Activities: []string{"busy"}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePIDF(b)
		if err == nil && p.Basic != "open" && p.Basic != "closed" {
			t.Fatalf("basic %q accepted", p.Basic)
		}
		if len(p.Activities) > maxActivities {
			t.Fatalf("%d activities", len(p.Activities))
		}
	})
}

func FuzzParseDialogInfo(f *testing.F) {
	f.Add(FormatDialogInfo(DialogInfo{Version: 1, State: "full", Entity: "e", Dialogs: []DialogEntry{{ID: "a", State: "confirmed"}}}))
	f.Add([]byte(`<dialog-info version="0" state="partial" entity="x"/>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		di, err := ParseDialogInfo(b)
		if err == nil && len(di.Dialogs) > maxDialogEntries {
			t.Fatalf("%d dialogs", len(di.Dialogs))
		}
		switch di.Lamp() {
		case LampIdle, LampEarly, LampConfirmed:
		default:
			t.Fatalf("lamp %q", di.Lamp())
		}
	})
}

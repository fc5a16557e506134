package voip

import (
	"errors"
	"testing"
)

func TestSummarize(t *testing.T) {
	tests := []struct {
		event, body, want string
		bad               bool
	}{
		{"message-summary", "Messages-Waiting: yes\r\nMessage-Account: sip:vm@x\r\nVoice-Message: 2/8 (0/2)\r\n",
			`{"waiting":true,"account":"sip:vm@x","new":2,"old":8,"new_urgent":0,"old_urgent":2}`, false},
		{"message-summary", "Messages-Waiting: no\r\nFax-Message: 1/1\r\n",
			`{"waiting":false,"new":1,"old":1,"new_urgent":0,"old_urgent":0}`, false},
		{"presence", `<presence entity="sip:b@x"><tuple id="1"><status><basic>open</basic></status><note>hi</note></tuple></presence>`,
			`{"entity":"sip:b@x","basic":"open","note":"hi","activities":[]}`, false},
		{"dialog", `<dialog-info version="2" state="full" entity="sip:b@x"><dialog id="d" direction="recipient"><state>early</state></dialog></dialog-info>`,
			`{"entity":"sip:b@x","lamp":"early","version":2,"dialogs":[{"id":"d","state":"early","direction":"recipient"}]}`, false},
		{"presence.winfo", `<watcherinfo version="1" state="partial"><watcher-list resource="sip:a@x" package="presence">` +
			`<watcher id="w1" status="pending" event="subscribe">sip:c@y</watcher></watcher-list></watcherinfo>`,
			`{"resource":"sip:a@x","package":"presence","state":"partial","version":1,"watchers":[{"id":"w1","uri":"sip:c@y","status":"pending","event":"subscribe"}]}`, false},
		{"presence.winfo", `<watcherinfo version="0" state="full"/>`,
			`{"resource":"","package":"","state":"full","version":0,"watchers":[]}`, false},
		{"x-other", "anything", "", false},
		{"presence", "", "", false},
		{"message-summary", "Voice-Message: 1/2\r\n", "", true},
		{"presence", "<presence>", "", true},
		{"dialog", "<dialog-info/>", "", true},
		{"presence.winfo", `<watcherinfo version="0" state="full"><watcher-list resource="r" package="presence"><watcher id="1" status="online" event="subscribe">sip:c@y</watcher></watcher-list></watcherinfo>`, "", true},
		{"presence.winfo", "<watcherinfo", "", true},
	}
	for _, tt := range tests {
		got, err := Summarize(tt.event, []byte(tt.body))
		if tt.bad != (err != nil) || got != tt.want || (tt.bad && !errors.Is(err, ErrInvalidArgument)) {
			t.Errorf("Summarize(%s, %q) = %s, %v; want %s", tt.event, tt.body, got, err, tt.want)
		}
	}
}

package sip

import (
	"strings"
	"testing"
)

// TestDialogEndsOnce: whichever way an incoming call's dialog ends first
// is reported once, to the function registered for it (before or after it
// happened); later ends are not reported; our own Bye reports nothing.
func TestDialogEndsOnce(t *testing.T) {
	tests := []struct {
		name  string
		steps string // b: BYE, c: CANCEL, f: no ACK, l: our Bye, E: OnEnd, F: OnFail
		want  string
	}{
		{name: "bye", steps: "FEbbcf", want: "bye"},
		{name: "cancel before OnEnd", steps: "cFEb", want: "cancel"},
		{name: "no ACK", steps: "FEfb", want: "fail:no ACK"},
		{name: "no ACK before handlers", steps: "fFE", want: "fail:no ACK"},
		{name: "no ACK without OnFail", steps: "Efb", want: "bye"},
		{name: "local bye", steps: "FElbfc", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ic := &IncomingCall{}
			var got []string
			for _, s := range tt.steps {
				switch s {
				case 'b':
					ic.ended(endBye, "remote hangup")
				case 'c':
					ic.ended(endCancel, "canceled")
				case 'f':
					ic.ended(endFail, "no ACK")
				case 'l':
					ic.ended(endLocal, "local hangup")
				case 'E':
					ic.OnEnd(func() { got = append(got, "bye") }, func() { got = append(got, "cancel") })
				case 'F':
					ic.OnFail(func(r string) { got = append(got, "fail:"+r) })
				}
			}
			if s := strings.Join(got, ","); s != tt.want {
				t.Fatalf("reported %q, want %q", s, tt.want)
			}
		})
	}
}

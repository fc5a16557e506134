package sip

import (
	"strings"
	"testing"

	gosip "github.com/emiago/sipgo/sip"
)

// timerRequest is an INVITE with the given extra header lines.
func timerRequest(t *testing.T, lines ...string) *gosip.Request {
	t.Helper()
	raw := "INVITE sip:b@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-st\r\n" +
		"From: <sip:a@127.0.0.1>;tag=a\r\nTo: <sip:b@127.0.0.1>\r\nCall-ID: st@127.0.0.1\r\nCSeq: 1 INVITE\r\n" +
		"Max-Forwards: 70\r\n"
	for _, l := range lines {
		raw += l + "\r\n"
	}
	m, err := gosip.NewParser().ParseSIP([]byte(raw + "Content-Length: 0\r\n\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	return m.(*gosip.Request)
}

// TestAnswerTimer: RFC 4028 §9 as we apply it: 422 below our Min-SE, the
// request's refresher kept, the sender refreshing when it supports timers
// and chose none, us refreshing otherwise, and our interval given to a
// request without one only when we ask for timers.
func TestAnswerTimer(t *testing.T) {
	tests := []struct {
		name     string
		ours     SessionTimers
		lines    []string
		tooSmall int
		headers  string // the 2xx's session-timer headers
		timer    SessionTimer
	}{
		{"too small", SessionTimers{Expires: 1800}, []string{"Supported: timer", "Session-Expires: 60"}, 90, "", SessionTimer{}},
		{"too small for our min", SessionTimers{Expires: 1800, MinSE: 300}, []string{"Session-Expires: 200;refresher=uac"}, 300, "", SessionTimer{}},
		{"compact form too small", SessionTimers{}, []string{"x: 30"}, 90, "", SessionTimer{}},
		{"supports, no refresher: uac", SessionTimers{Expires: 1800}, []string{"Supported: timer, 100rel", "Session-Expires: 90"}, 0,
			"Supported: timer|Session-Expires: 90;refresher=uac|Require: timer", SessionTimer{Expires: 90}},
		{"supports, refresher=uas kept", SessionTimers{Expires: 1800}, []string{"Supported: timer", "Session-Expires: 600;refresher=uas"}, 0,
			"Supported: timer|Session-Expires: 600;refresher=uas|Require: timer", SessionTimer{Expires: 600, Local: true}},
		{"no support: we refresh", SessionTimers{Expires: 1800}, []string{"Session-Expires: 120"}, 0,
			"Supported: timer|Session-Expires: 120;refresher=uas", SessionTimer{Expires: 120, Local: true}},
		{"refresher=uac without Supported", SessionTimers{}, []string{"Session-Expires: 120;refresher=UAC"}, 0,
			"Supported: timer|Session-Expires: 120;refresher=uac|Require: timer", SessionTimer{Expires: 120}},
		{"none asked, ours given to a supporter", SessionTimers{Expires: 1800}, []string{"Supported: timer"}, 0,
			"Supported: timer|Session-Expires: 1800;refresher=uac|Require: timer", SessionTimer{Expires: 1800}},
		{"none asked, theirs Min-SE higher", SessionTimers{Expires: 100}, []string{"Min-SE: 400"}, 0,
			"Supported: timer|Session-Expires: 400;refresher=uas", SessionTimer{Expires: 400, Local: true}},
		{"none asked, none wanted", SessionTimers{}, []string{"Supported: timer"}, 0, "Supported: timer", SessionTimer{}},
		{"bad value ignored", SessionTimers{}, []string{"Session-Expires: soon"}, 0, "Supported: timer", SessionTimer{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := &UA{cfg: Config{SessionTimers: tt.ours}}
			a, small := u.answerTimer(timerRequest(t, tt.lines...))
			if small != tt.tooSmall {
				t.Fatalf("tooSmall %d, want %d", small, tt.tooSmall)
			}
			if small != 0 {
				return
			}
			var got []string
			for _, h := range a.headers() {
				got = append(got, h.Name()+": "+h.Value())
			}
			if g := strings.Join(got, "|"); g != tt.headers {
				t.Errorf("headers %q, want %q", g, tt.headers)
			}
			if a.timer() != tt.timer {
				t.Errorf("timer %+v, want %+v", a.timer(), tt.timer)
			}
		})
	}
}

// TestDialogTimerRaise: a 422's Min-SE raises the interval of our next
// refresh (and its Min-SE), once: the same or a lower one does not.
func TestDialogTimerRaise(t *testing.T) {
	res := func(minSE string) *gosip.Response {
		r := gosip.NewResponseFromRequest(timerRequest(t), 422, "Session Interval Too Small", nil)
		if minSE != "" {
			r.AppendHeader(gosip.NewHeader("Min-SE", minSE))
		}
		return r
	}
	st := dialogTimer{cur: SessionTimer{Expires: 90, Local: true}, minSE: 90}
	if !st.raise(res("120")) || st.cur.Expires != 120 || st.minSE != 120 {
		t.Fatalf("after 422 Min-SE 120: %+v", st)
	}
	if secs, r := st.interval(); secs != 120 || r != "uac" {
		t.Errorf("interval %d %q, want 120 uac", secs, r)
	}
	for _, v := range []string{"120", "100", "", "x"} {
		if st.raise(res(v)) {
			t.Errorf("422 Min-SE %q raised %+v", v, st)
		}
	}
	none := dialogTimer{minSE: 90}
	if !none.raise(res("300")) || none.want != 300 || none.cur.Expires != 0 {
		t.Errorf("no timer, 422 Min-SE 300: %+v", none)
	}
	peer := dialogTimer{cur: SessionTimer{Expires: 600}}
	if secs, r := peer.interval(); secs != 600 || r != "uas" {
		t.Errorf("peer refreshes: interval %d %q, want 600 uas", secs, r)
	}
}

// TestRaiseInviteTimer: our INVITE answered 422 is re-sent with the
// 422's Min-SE as Session-Expires and Min-SE.
func TestRaiseInviteTimer(t *testing.T) {
	req := timerRequest(t, "Supported: timer", "Session-Expires: 90")
	r := gosip.NewResponseFromRequest(req, 422, "Session Interval Too Small", nil)
	r.AppendHeader(gosip.NewHeader("Min-SE", "240"))
	if !raiseInviteTimer(req, r) {
		t.Fatal("not raised")
	}
	if secs, _, _ := parseSessionExpires(req); secs != 240 || parseMinSE(req) != 240 || len(req.GetHeaders("Session-Expires")) != 1 {
		t.Errorf("after raise: %s", req.String())
	}
	if raiseInviteTimer(req, r) {
		t.Error("raised twice by the same 422")
	}
}

// TestAnsweredTimer: the 2xx to our request sets who refreshes.
func TestAnsweredTimer(t *testing.T) {
	for _, tt := range []struct {
		se   string
		want SessionTimer
	}{
		{"", SessionTimer{}},
		{"1800;refresher=uac", SessionTimer{Expires: 1800, Local: true}},
		{"1800;refresher=uas", SessionTimer{Expires: 1800}},
		{"900", SessionTimer{Expires: 900, Local: true}},
		{"-5;refresher=uac", SessionTimer{}},
	} {
		r := gosip.NewResponseFromRequest(timerRequest(t), 200, "OK", nil)
		if tt.se != "" {
			r.AppendHeader(gosip.NewHeader("Session-Expires", tt.se))
		}
		if got := answeredTimer(r); got != tt.want {
			t.Errorf("Session-Expires %q: %+v, want %+v", tt.se, got, tt.want)
		}
	}
}

package voip

import (
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// timerPhone is a started test phone whose session timer asks for se
// seconds and accepts down to minSE: below the options' 90 s floor, so
// that a test sees several intervals in seconds.
func timerPhone(t *testing.T, rtpLow, se, minSE int, h Handler) *Phone {
	t.Helper()
	p := newTestPhone(t, rtpLow, nil, h)
	p.cfg.SessionExpires, p.cfg.MinSE = se, minSE
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	return p
}

// rawTimerPeer is a raw peer about to call p with the header lines hdrs.
func rawTimerPeer(t *testing.T, p *Phone, hdrs string) *rawPeer {
	t.Helper()
	sport, err := p.Option("sip_port")
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := net.ResolveUDPAddr("udp4", "127.0.0.1:"+sport)
	return &rawPeer{t: t, sig: listenUDP(t), phone: addr, hdrs: hdrs,
		callID: fmt.Sprintf("timer-%d@127.0.0.1", time.Now().UnixNano())}
}

// answered sends the raw peer's INVITE and acknowledges its 200 OK, which
// it returns.
func (r *rawPeer) answered(media int) *gosip.Response {
	r.t.Helper()
	res := r.send("INVITE", peerSDP(1, media, "0", "sendrecv"), true)
	if res == nil || res.StatusCode != 200 {
		r.t.Fatalf("INVITE: %v", res)
	}
	r.toTag, _ = res.To().Params.Get("tag")
	r.ack(res, "")
	return res
}

// header is the value of m's header name ("" when absent).
func header(m interface{ GetHeader(string) gosip.Header }, name string) string {
	if h := m.GetHeader(name); h != nil {
		return h.Value()
	}
	return ""
}

// respondTimer answers the phone's refresh with 200, body (SDP, or "") and
// Session-Expires se ("" for none).
func (r *rawPeer) respondTimer(req *gosip.Request, body, se string) {
	r.t.Helper()
	res := gosip.NewResponseFromRequest(req, 200, "OK", nil)
	if body != "" {
		res = gosip.NewSDPResponseFromRequest(req, []byte(body))
	}
	if !res.To().Params.Has("tag") {
		res.To().Params.Add("tag", "rawpeer")
	}
	res.AppendHeader(gosip.NewHeader("Contact", fmt.Sprintf("<sip:peer@127.0.0.1:%d>", udpPort(r.sig))))
	if se != "" {
		res.AppendHeader(gosip.NewHeader("Session-Expires", se))
	}
	r.write(res.String())
}

// TestSessionTimerRefreshes: between two phones asking for 4 s sessions,
// the caller (refresher=uac: it supports timers) refreshes every 2 s; over
// more than three session intervals the call stays up, both sides say
// "4 uac", and no session event comes.
func TestSessionTimerRefreshes(t *testing.T) {
	var log eventLog
	in := newIncoming()
	hb := in.handler(true)
	hb.CallEvent = log.add
	b := timerPhone(t, 44600, 4, 2, hb)
	a := timerPhone(t, 44650, 4, 2, Handler{CallEvent: log.add})
	var refreshes, peerRefreshes atomic.Int32
	count := func(n *atomic.Int32) func(slog.Level, string) {
		return func(_ slog.Level, msg string) {
			if strings.HasPrefix(msg, "session refreshed") {
				n.Add(1)
			}
		}
	}
	a.SetLog(slog.LevelDebug, count(&refreshes))
	b.SetLog(slog.LevelDebug, count(&peerRefreshes))
	ca, err := a.Call(uriOf(t, b))
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, ca, Answered, 5*time.Second)
	cb := in.next(t)
	waitState(t, cb, Answered, 5*time.Second)
	wantInfo(t, ca, "session_expires", "4 uac")
	wantInfo(t, cb, "session_expires", "4 uac")
	time.Sleep(13 * time.Second / 2)
	if s := ca.State(); s != Answered {
		r, _ := ca.EndReason()
		t.Fatalf("caller's call %s (%s) after 6.5 s", s, r)
	}
	if s := cb.State(); s != Answered {
		r, _ := cb.EndReason()
		t.Fatalf("callee's call %s (%s) after 6.5 s", s, r)
	}
	if n, m := refreshes.Load(), peerRefreshes.Load(); n < 3 || n > 4 || m < 3 {
		t.Errorf("%d refreshes by the caller (%d seen by the callee) in 6.5 s, want 3 (at 2, 4, 6 s)", n, m)
	}
	wantInfo(t, ca, "session_expires", "4 uac")
	log.mu.Lock()
	if len(log.events) != 0 {
		t.Errorf("call events: %v", log.events)
	}
	log.mu.Unlock()
}

// TestSessionTimerWeRefresh: a caller that does not support timers asks
// for 2 s sessions: we answer refresher=uas without Require and refresh
// every second, with UPDATE when the caller allows it, else with a
// re-INVITE offering our unchanged description; a 2xx without
// Session-Expires ends the session timer.
func TestSessionTimerWeRefresh(t *testing.T) {
	for i, tt := range []struct {
		name, allow, method string
	}{
		{"UPDATE allowed", "Allow: INVITE, ACK, BYE, CANCEL, UPDATE\r\n", "UPDATE"},
		{"no UPDATE", "Allow: INVITE, ACK, BYE, CANCEL\r\n", "INVITE"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := newIncoming()
			p := timerPhone(t, 44700+50*i, 1800, 1, in.handler(true))
			media := listenUDP(t)
			r := rawTimerPeer(t, p, tt.allow+"Session-Expires: 2\r\n")
			res := r.answered(udpPort(media))
			if se := header(res, "Session-Expires"); se != "2;refresher=uas" || header(res, "Require") != "" {
				t.Fatalf("200 OK: Session-Expires %q, Require %q; want 2;refresher=uas and none", se, header(res, "Require"))
			}
			c := in.next(t)
			waitState(t, c, Answered, 5*time.Second)
			wantInfo(t, c, "session_expires", "2 uas")
			version := sdpVersion(t, string(res.Body()))
			last := time.Now()
			for n := 0; n < 3; n++ {
				req := r.readRequest(tt.method)
				if d := time.Since(last); d < 700*time.Millisecond || d > 1600*time.Millisecond {
					t.Errorf("refresh %d after %v, want about 1 s", n, d)
				}
				last = time.Now()
				if se := header(req, "Session-Expires"); se != "2;refresher=uac" {
					t.Errorf("refresh %d: Session-Expires %q, want 2;refresher=uac", n, se)
				}
				body := ""
				if tt.method == "INVITE" {
					if v := sdpVersion(t, string(req.Body())); v != version {
						t.Errorf("refresh offer version %s, want %s unchanged", v, version)
					}
					body = peerSDP(1, udpPort(media), "0", "sendrecv")
				} else if len(req.Body()) != 0 {
					t.Errorf("UPDATE refresh carries a body:\n%s", req.Body())
				}
				se := "2;refresher=uac"
				if n == 2 {
					se = "" // the peer stops the session timer
				}
				r.respondTimer(req, body, se)
			}
			waitInfo(t, c, "session_expires", "")
			time.Sleep(2 * time.Second)
			if s := c.State(); s != Answered {
				t.Fatalf("call %s without a session timer", s)
			}
		})
	}
}

// TestSessionExpiresUnrefreshed: a caller that chose to refresh
// (refresher=uac) a 4 s session gets Require: timer; its UPDATE refreshes
// the session; then it stops refreshing and, 4 − 4/3 s after its last
// refresh, we send BYE and the call ends "session expired" with the
// session_refresh_failed event.
func TestSessionExpiresUnrefreshed(t *testing.T) {
	in := newIncoming()
	var log eventLog
	h := in.handler(true)
	h.CallEvent = log.add
	p := timerPhone(t, 44800, 1800, 1, h)
	media := listenUDP(t)
	r := rawTimerPeer(t, p, "Supported: timer\r\nSession-Expires: 4;refresher=uac\r\n")
	res := r.answered(udpPort(media))
	if se := header(res, "Session-Expires"); se != "4;refresher=uac" || header(res, "Require") != "timer" {
		t.Fatalf("200 OK: Session-Expires %q, Require %q; want 4;refresher=uac and timer", se, header(res, "Require"))
	}
	c := in.next(t)
	waitState(t, c, Answered, 5*time.Second)
	wantInfo(t, c, "session_expires", "4 uac") // the caller refreshes
	time.Sleep(2 * time.Second)
	up := r.send("UPDATE", "", true)
	if up == nil || up.StatusCode != 200 || header(up, "Session-Expires") != "4;refresher=uac" {
		t.Fatalf("refresh UPDATE: %v", up)
	}
	refreshed := time.Now()
	bye := r.readRequest("BYE")
	if d := time.Since(refreshed); d < 2300*time.Millisecond || d > 3300*time.Millisecond {
		t.Errorf("BYE %v after the last refresh, want 2.67 s", d)
	}
	r.respondTimer(bye, "", "")
	waitState(t, c, Ended, 2*time.Second)
	if reason, _ := c.EndReason(); reason != ReasonSessionExpired {
		t.Errorf("end reason %q, want %q", reason, ReasonSessionExpired)
	}
	// The call had media: its final quality event comes as it ends.
	log.take(t, c, "session_refresh_failed no session refresh from the peer within 4 s", qualityEvent)
}

// TestSessionTimer422 covers RFC 4028's 422 both ways: a raw caller asking
// for 60 s gets 422 Min-SE: 90 and its retry with 90 is answered with the
// session timer; between two phones, a caller asking for 90 s retries
// after the callee's 422 with its Min-SE (120), and each side reports it.
func TestSessionTimer422(t *testing.T) {
	in := newIncoming()
	p := testPhone(t, 44850, in.handler(true))
	r := rawTimerPeer(t, p, "Supported: timer\r\nSession-Expires: 60\r\n")
	media := listenUDP(t)
	res := r.send("INVITE", peerSDP(1, udpPort(media), "0", "sendrecv"), true)
	if res == nil || res.StatusCode != 422 || header(res, "Min-SE") != "90" {
		t.Fatalf("INVITE with Session-Expires 60: %v, want 422 with Min-SE: 90", res)
	}
	r.hdrs = "Supported: timer\r\nSession-Expires: 90\r\n"
	res = r.answered(udpPort(media))
	if se := header(res, "Session-Expires"); se != "90;refresher=uac" || header(res, "Require") != "timer" {
		t.Errorf("retry's 200 OK: Session-Expires %q, Require %q", se, header(res, "Require"))
	}
	waitState(t, in.next(t), Answered, 5*time.Second)

	inB := newIncoming()
	b := testPhoneWith(t, 44900, map[string]string{"min_se": "120"}, inB.handler(true))
	a := testPhoneWith(t, 44950, map[string]string{"session_expires": "90"}, Handler{})
	ca, err := a.Call(uriOf(t, b))
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, ca, Answered, 5*time.Second)
	cb := inB.next(t)
	waitState(t, cb, Answered, 5*time.Second)
	wantInfo(t, ca, "session_expires", "120 uac")
	wantInfo(t, cb, "session_expires", "120 uac")
}

// TestSessionTimerOff: session_expires 0 asks for none, but a peer's is
// honoured; neither side asking means no session timer.
func TestSessionTimerOff(t *testing.T) {
	for i, tt := range []struct {
		caller, callee, want string
	}{
		{"0", "0", ""},
		{"0", "1800", "1800 uac"},
		{"600", "0", "600 uac"},
	} {
		in := newIncoming()
		b := testPhoneWith(t, 45000+100*i, map[string]string{"session_expires": tt.callee}, in.handler(true))
		a := testPhoneWith(t, 45050+100*i, map[string]string{"session_expires": tt.caller}, Handler{})
		ca, err := a.Call(uriOf(t, b))
		if err != nil {
			t.Fatal(err)
		}
		waitState(t, ca, Answered, 5*time.Second)
		cb := in.next(t)
		waitState(t, cb, Answered, 5*time.Second)
		wantInfo(t, ca, "session_expires", tt.want)
		wantInfo(t, cb, "session_expires", tt.want)
	}
}

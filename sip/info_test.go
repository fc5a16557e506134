package sip

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

func TestParseDTMFInfo(t *testing.T) {
	tests := []struct {
		name, ct, body string
		want           byte // 0: not a digit
	}{
		{"relay", "application/dtmf-relay", "Signal=5\r\nDuration=160\r\n", '5'},
		{"relay star", "application/dtmf-relay", "Signal=*\r\nDuration=100\r\n", '*'},
		{"relay hash LF only", "application/dtmf-relay", "Signal=#\nDuration=100\n", '#'},
		{"relay spaces and case", "Application/DTMF-Relay; charset=x", "signal = a \r\n", 'A'},
		{"relay duration first", "application/dtmf-relay", "Duration=250\r\nSignal=9\r\n", '9'},
		{"relay event number star", "application/dtmf-relay", "Signal=10\r\n", '*'},
		{"relay event number D", "application/dtmf-relay", "Signal=15\r\n", 'D'},
		{"relay no signal", "application/dtmf-relay", "Duration=160\r\n", 0},
		{"relay empty signal", "application/dtmf-relay", "Signal=\r\n", 0},
		{"relay unknown signal", "application/dtmf-relay", "Signal=E\r\n", 0},
		{"relay event 16 (flash)", "application/dtmf-relay", "Signal=16\r\n", 0},
		{"relay two keys", "application/dtmf-relay", "Signal=12x\r\n", 0},
		{"relay garbage", "application/dtmf-relay", "\x00\xff==\r\n", 0},
		{"relay empty", "application/dtmf-relay", "", 0},
		{"dtmf", "application/dtmf", "5", '5'},
		{"dtmf CRLF", "application/dtmf", "#\r\n", '#'},
		{"dtmf lower", "application/dtmf", "b", 'B'},
		{"dtmf event number", "application/dtmf", "11", '#'},
		{"dtmf two", "application/dtmf", "55", 0},
		{"dtmf relay syntax", "application/dtmf", "Signal=5", 0},
		{"dtmf empty", "application/dtmf", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !isDTMFInfo(tt.ct) {
				t.Fatalf("%q not seen as DTMF", tt.ct)
			}
			got, err := parseDTMFInfo(tt.ct, []byte(tt.body))
			if tt.want == 0 {
				if !errors.Is(err, errNotDTMF) {
					t.Errorf("got %q, %v; want errNotDTMF", got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	for _, ct := range []string{"", "application/sdp", "text/plain", "application/dtmf-relayx"} {
		if isDTMFInfo(ct) {
			t.Errorf("%q seen as DTMF", ct)
		}
	}
}

func TestDTMFRelayBody(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{160 * time.Millisecond, "Signal=5\r\nDuration=160\r\n"},
		{-time.Second, "Signal=5\r\nDuration=0\r\n"},
		{time.Hour, "Signal=5\r\nDuration=10000\r\n"},
	}
	for _, tt := range tests {
		if got := string(dtmfRelayBody('5', tt.d)); got != tt.want {
			t.Errorf("%v: %q, want %q", tt.d, got, tt.want)
		}
	}
}

func FuzzParseDTMFInfo(f *testing.F) {
	f.Add("application/dtmf-relay", []byte("Signal=5\r\nDuration=160\r\n"))
	f.Add("application/dtmf", []byte("#"))
	f.Add("application/dtmf-relay", []byte("Signal=15\r\n"))
	f.Fuzz(func(t *testing.T, ct string, body []byte) {
		d, err := parseDTMFInfo(ct, body)
		if err != nil {
			return
		}
		if !strings.ContainsRune("0123456789*#ABCD", rune(d)) || d == 0 {
			t.Fatalf("digit %q from %q %q", d, ct, body)
		}
		// What we send, we read back.
		if back, err := parseDTMFInfo(ContentTypeDTMFRelay, dtmfRelayBody(d, 0)); err != nil || back != d {
			t.Fatalf("%q read back as %q, %v", d, back, err)
		}
	})
}

// infoCall is an answered and acknowledged call from alice to bob, each
// side collecting the digits it receives by INFO.
type infoCall struct {
	alice, bob *UA
	oc         *OutgoingCall
	ic         *IncomingCall
	atAlice    chan byte
	atBob      chan byte
	requests   chan Request // INFO and MESSAGE reported to bob
}

func newInfoCall(t *testing.T, ctx context.Context) *infoCall {
	t.Helper()
	c := &infoCall{atAlice: make(chan byte, 32), atBob: make(chan byte, 32), requests: make(chan Request, 8)}
	ics := make(chan *IncomingCall, 1)
	c.bob = newTestUA(t, Config{User: "bob",
		OnRequest: func(r Request) { c.requests <- r },
		OnInvite: func(ic *IncomingCall) {
			ic.OnDTMF(func(d byte) { c.atBob <- d })
			_ = ic.Answer(testSDP, "")
			ics <- ic
		}})
	c.alice = newTestUA(t, Config{User: "alice"})
	oc, err := c.alice.Invite(ctx, uriOf(t, "bob", c.bob.Port()), testSDP, "")
	if err != nil {
		t.Fatal(err)
	}
	oc.OnDTMF(func(d byte) { c.atAlice <- d })
	if _, err := oc.WaitAnswer(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := oc.Ack(ctx); err != nil {
		t.Fatal(err)
	}
	c.oc, c.ic = oc, <-ics
	return c
}

// digits reads n digits from ch.
func digits(t *testing.T, ch chan byte, n int) string {
	t.Helper()
	var got []byte
	for len(got) < n {
		select {
		case d := <-ch:
			got = append(got, d)
		case <-time.After(testWait):
			t.Fatalf("got %q, want %d digits", got, n)
		}
	}
	select {
	case d := <-ch:
		t.Fatalf("one more digit %q after %q", d, got)
	case <-time.After(50 * time.Millisecond):
	}
	return string(got)
}

// TestDTMFInfoBothWays: each side's SendDTMF arrives at the other as one
// digit per INFO, in order.
func TestDTMFInfoBothWays(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	c := newInfoCall(t, ctx)
	for _, d := range []byte("0123456789*#") {
		if err := c.oc.SendDTMF(ctx, d, 100*time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	if got := digits(t, c.atBob, 12); got != "0123456789*#" {
		t.Errorf("bob got %q", got)
	}
	for _, d := range []byte("#*ABCD") {
		if err := c.ic.SendDTMF(ctx, d, 0); err != nil {
			t.Fatal(err)
		}
	}
	if got := digits(t, c.atAlice, 6); got != "#*ABCD" {
		t.Errorf("alice got %q", got)
	}
	if err := c.oc.SendDTMF(ctx, 'x', 0); err == nil {
		t.Error("'x' sent as a digit")
	}
	select {
	case r := <-c.requests:
		t.Errorf("a DTMF INFO reported as a request: %+v", r)
	default:
	}
}

// TestDTMFInfoReceived: what bob answers to INFOs in alice's dialog, and
// which become digits or requests.
func TestDTMFInfoReceived(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	c := newInfoCall(t, ctx)
	tests := []struct {
		ct, body string
		code     int
		digit    byte // 0: none
		reported bool // to OnRequest
	}{
		{"application/dtmf-relay", "Signal=5\r\nDuration=160\r\n", 200, '5', false},
		{"application/dtmf", "7", 200, '7', false},
		{"application/dtmf-relay", "Signal=Z\r\n", 400, 0, false},
		{"application/dtmf", "garbage", 400, 0, false},
		{"application/media_control+xml", "<media_control/>", 200, 0, true},
	}
	for _, tt := range tests {
		req := gosip.NewRequest(gosip.INFO, c.oc.ds.InviteResponse.Contact().Address)
		req.AppendHeader(gosip.NewHeader("Content-Type", tt.ct))
		req.SetBody([]byte(tt.body))
		res, err := c.oc.ds.Do(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != tt.code {
			t.Errorf("%s %q: %d, want %d", tt.ct, tt.body, res.StatusCode, tt.code)
		}
		if tt.digit != 0 {
			if got := digits(t, c.atBob, 1); got != string(tt.digit) {
				t.Errorf("%s %q: digit %q", tt.ct, tt.body, got)
			}
		}
		select {
		case r := <-c.requests:
			if !tt.reported || r.Method != "INFO" || r.ContentType != tt.ct || string(r.Body) != tt.body {
				t.Errorf("%s %q: reported %+v", tt.ct, tt.body, r)
			}
		case <-time.After(100 * time.Millisecond):
			if tt.reported {
				t.Errorf("%s %q: not reported", tt.ct, tt.body)
			}
		}
	}
	select {
	case d := <-c.atBob:
		t.Errorf("extra digit %q", d)
	default:
	}
}

// TestDTMFInfoOutsideDialog: a DTMF INFO that matches no dialog gets 481.
func TestDTMFInfoOutsideDialog(t *testing.T) {
	bob := newTestUA(t, Config{User: "bob"})
	alice := newTestUA(t, Config{User: "alice"})
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	target := uriOf(t, "bob", bob.Port()).sipgo()
	req := gosip.NewRequest(gosip.INFO, target)
	req.AppendHeader(alice.fromHeader())
	to := &gosip.ToHeader{Address: target, Params: gosip.NewParams()}
	to.Params.Add("tag", "nosuchdialog")
	req.AppendHeader(to)
	req.AppendHeader(gosip.NewHeader("Content-Type", ContentTypeDTMFRelay))
	req.SetBody(dtmfRelayBody('1', 0))
	res, err := alice.cli.Do(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 481 {
		t.Errorf("got %d, want 481", res.StatusCode)
	}
}

// TestDTMFInfoAuth: an INFO challenged by the callee (401) is sent again in
// the dialog with Authorization and a higher CSeq; a refused one is an
// error.
func TestDTMFInfoAuth(t *testing.T) {
	info := authScript{code: 401, algs: []string{"MD5"}}
	var refuse atomic.Bool
	peer := newScriptPeer(t, func(p *scriptPeer, req *gosip.Request, n int) *gosip.Response {
		if req.Method == gosip.INFO {
			if refuse.Load() {
				return gosip.NewResponseFromRequest(req, 415, "Unsupported Media Type", nil)
			}
			return info.answer(p, req, n)
		}
		res := gosip.NewResponseFromRequest(req, 200, "OK", nil)
		if req.IsInvite() {
			res.SetBody(testSDP)
			res.AppendHeader(gosip.NewHeader("Content-Type", "application/sdp"))
			res.AppendHeader(p.contact())
		}
		return res
	})
	ua := newTestUA(t, Config{User: testUser, Credentials: testCredentials("", testPassword)})
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	oc, err := ua.Invite(ctx, uriOf(t, "bob", peer.port), testSDP, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := oc.WaitAnswer(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := oc.Ack(ctx); err != nil {
		t.Fatal(err)
	}
	if err := oc.SendDTMF(ctx, '3', 160*time.Millisecond); err != nil {
		t.Fatalf("SendDTMF: %v", err)
	}
	infos := peer.requests(gosip.INFO)
	if len(infos) != 2 {
		t.Fatalf("%d INFOs sent, want 2", len(infos))
	}
	for i, r := range infos {
		if ct := r.ContentType(); ct == nil || ct.Value() != ContentTypeDTMFRelay ||
			string(r.Body()) != "Signal=3\r\nDuration=160\r\n" {
			t.Errorf("INFO %d: %v %q", i, r.ContentType(), r.Body())
		}
		if r.CallID().Value() != oc.CallID() || r.Recipient.User != "peer" {
			t.Errorf("INFO %d not in the dialog: %s to %s", i, r.CallID().Value(), r.Recipient.String())
		}
	}
	if infos[1].CSeq().SeqNo <= infos[0].CSeq().SeqNo {
		t.Errorf("CSeq %d then %d", infos[0].CSeq().SeqNo, infos[1].CSeq().SeqNo)
	}
	if _, ok := checkDigest(infos[1], "Authorization", testPassword); !ok {
		t.Error("second INFO carries no valid Authorization")
	}
	refuse.Store(true)
	var se *StatusError
	if err := oc.SendDTMF(ctx, '4', 0); !errors.As(err, &se) || se.Code != 415 {
		t.Errorf("refused INFO: %v, want StatusError 415", err)
	}
}

package voip

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Tests against a real Kamailio (registrar and proxy with digest auth), on
// 127.0.0.1, started from tests/interop/kamailio. Outside CI they are
// skipped when Kamailio is not installed; in CI it must be.

const kamailioPort = 5161

func kamailioScript(name string) string {
	p, _ := filepath.Abs(filepath.Join("..", "tests", "interop", "kamailio", name))
	return p
}

func kamailioEnv(port int) []string {
	return append(os.Environ(),
		"KAMAILIO_PORT="+strconv.Itoa(port),
		"KAMAILIO_RUN="+filepath.Join(os.TempDir(), fmt.Sprintf("voip-go-kamailio-%d", port)))
}

// startKamailio starts Kamailio on port with the given defines and stops
// it when the test ends.
func startKamailio(t *testing.T, port int, defines ...string) {
	t.Helper()
	if _, err := exec.LookPath("kamailio"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("kamailio is not installed (scripts/install-deps.sh installs it)")
		}
		t.Skip("kamailio is not installed")
	}
	args := []string{kamailioScript("start.sh")}
	for _, d := range defines {
		args = append(args, "-A", d)
	}
	cmd := exec.Command("bash", args...)
	cmd.Env = kamailioEnv(port)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("start kamailio: %v\n%s", err, out)
	}
	t.Cleanup(func() { stopKamailio(port) })
}

func stopKamailio(port int) {
	cmd := exec.Command("bash", kamailioScript("stop.sh"))
	cmd.Env = kamailioEnv(port)
	_ = cmd.Run()
}

// kamailioContacts returns Kamailio's location table dump.
// (kamcmd can fail to reach a Kamailio busy on a loaded machine: a few
// tries.)
func kamailioContacts(t *testing.T, port int) string {
	t.Helper()
	var out []byte
	var err error
	for try := 0; try < 5; try++ {
		cmd := exec.Command("bash", kamailioScript("kamctl.sh"), "ul.dump")
		cmd.Env = kamailioEnv(port)
		if out, err = cmd.CombinedOutput(); err == nil {
			return string(out)
		}
		time.Sleep(300 * time.Millisecond)
	}
	t.Fatalf("kamctl ul.dump: %v\n%s", err, out)
	return ""
}

func isRegistered(t *testing.T, port int, user string) bool {
	return strings.Contains(kamailioContacts(t, port), "AoR: "+user)
}

// pbxPhone is a phone of user with the given options, not yet started.
func pbxPhone(t *testing.T, user, password string, rtpLow int, opts map[string]string, h Handler) *Phone {
	t.Helper()
	all := map[string]string{"user": user, "server": "127.0.0.1:" + strconv.Itoa(kamailioPort)}
	for k, v := range opts {
		all[k] = v
	}
	p := newTestPhone(t, rtpLow, all, h)
	if err := p.AddCredentials(user, password, "", ""); err != nil {
		t.Fatal(err)
	}
	return p
}

func waitStatus(t *testing.T, p *Phone, want PhoneStatus, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if s, _ := p.Status(); s == want {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	s, r := p.Status()
	t.Fatalf("status %s (%s), want %s", s, r, want)
}

func TestRegisterAndUnregister(t *testing.T) {
	for i, transport := range []string{"udp", "tcp"} {
		t.Run(transport, func(t *testing.T) { registerAndUnregister(t, transport, 42000+20*i) })
	}
}

func registerAndUnregister(t *testing.T, transport string, rtpLow int) {
	startKamailio(t, kamailioPort)
	var mu sync.Mutex
	var seen []string
	p := pbxPhone(t, "alice", "alicepw", rtpLow, map[string]string{"transport": transport}, Handler{Status: func(s PhoneStatus, r string) {
		mu.Lock()
		seen = append(seen, s.String()+" "+r)
		mu.Unlock()
	}})
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	if s, r := p.Status(); s != PhoneRegistered || !strings.HasPrefix(r, "200") {
		t.Fatalf("status %s %q", s, r)
	}
	// Exactly one binding, with our listening port.
	dump := kamailioContacts(t, kamailioPort)
	port, _ := p.Option("sip_port")
	if n := strings.Count(dump, "Address: sip:alice@"); n != 1 || !strings.Contains(dump, "sip:alice@127.0.0.1:"+port) {
		t.Fatalf("want one contact sip:alice@127.0.0.1:%s, location table:\n%s", port, dump)
	}
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	if isRegistered(t, kamailioPort, "alice") {
		t.Fatalf("alice still registered after stop:\n%s", kamailioContacts(t, kamailioPort))
	}
	time.Sleep(100 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	got := strings.Join(seen, ", ")
	for _, want := range []string{"REGISTERING", "REGISTERED 200", "DEREGISTERING", "INACTIVE"} {
		if !strings.Contains(got, want) {
			t.Errorf("status callbacks %q lack %q", got, want)
		}
	}
}

func TestRegisterWrongPassword(t *testing.T) {
	startKamailio(t, kamailioPort)
	var mu sync.Mutex
	var seen []string
	p := pbxPhone(t, "alice", "wrong", 42050, nil, Handler{Status: func(s PhoneStatus, r string) {
		mu.Lock()
		seen = append(seen, s.String())
		mu.Unlock()
	}})
	err := p.Start()
	if !errors.Is(err, ErrRejected) {
		t.Fatalf("start: %v, want ErrRejected", err)
	}
	if s, r := p.Status(); s != PhoneFailed || !strings.Contains(r, "403") {
		t.Fatalf("status %s %q, want FAILED with 403", s, r)
	}
	if isRegistered(t, kamailioPort, "alice") {
		t.Fatal("alice registered with a wrong password")
	}
	time.Sleep(100 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if got := strings.Join(seen, " "); got != "REGISTERING FAILED" {
		t.Errorf("status callbacks %q, want REGISTERING FAILED", got)
	}
}

func TestRegisterRechallengeIsRefused(t *testing.T) {
	startKamailio(t, kamailioPort, "WITH_RECHALLENGE")
	p := pbxPhone(t, "alice", "wrong", 42060, nil, Handler{})
	if err := p.Start(); !errors.Is(err, ErrRejected) {
		t.Fatalf("start: %v, want ErrRejected after repeated 401", err)
	}
	if s, r := p.Status(); s != PhoneFailed || !strings.Contains(r, "401") {
		t.Fatalf("status %s %q, want FAILED with 401", s, r)
	}
}

func TestRegistrarDownThenUp(t *testing.T) {
	const port = 5163
	stopKamailio(port)
	p := pbxPhone(t, "bob", "bobpw", 42100, map[string]string{"server": "127.0.0.1:" + strconv.Itoa(port)}, Handler{})
	err := p.Start()
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("start with registrar down: %v, want ErrTimeout", err)
	}
	// Nothing listens on the port: the kernel's ICMP error fails the
	// REGISTER at once (issue 17), with that cause as the reason.
	want := "port unreachable: 127.0.0.1:" + strconv.Itoa(port) + " (ICMP)"
	if s, r := p.Status(); s != PhoneFailed || r != want {
		t.Fatalf("status %s %q, want FAILED %q", s, r, want)
	}
	if !strings.Contains(err.Error(), "registrar 127.0.0.1:"+strconv.Itoa(port)+" is unreachable") || !strings.Contains(err.Error(), "retrying") {
		t.Errorf("start error %q", err)
	}
	startKamailio(t, port)
	waitStatus(t, p, PhoneRegistered, 15*time.Second)
	if !strings.Contains(kamailioContacts(t, port), "AoR: bob") {
		t.Fatal("bob not in the location table after recovery")
	}
}

func TestShortExpiryIsRefreshed(t *testing.T) {
	startKamailio(t, kamailioPort)
	var mu sync.Mutex
	refreshed := 0
	p := pbxPhone(t, "carol", "carolpw", 42150, map[string]string{"register_expires": "10"}, Handler{
		Status: func(s PhoneStatus, r string) {
			if s == PhoneRegistered {
				mu.Lock()
				refreshed++
				mu.Unlock()
			}
		},
	})
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	// Granted 10 s: without refreshes the binding is gone after 10 s.
	time.Sleep(13 * time.Second)
	if !isRegistered(t, kamailioPort, "carol") {
		t.Fatal("binding expired: not refreshed")
	}
	mu.Lock()
	defer mu.Unlock()
	if refreshed < 3 {
		t.Fatalf("registered %d times in 13 s with a 10 s lifetime, want >= 3", refreshed)
	}
}

// callThroughProxy registers alice and bob and has alice call bob by name
// (INVITE challenged with 407), with audio and DTMF both ways, then bob
// hangs up.
func callThroughProxy(t *testing.T, transport string, rtpBase int) {
	startKamailio(t, kamailioPort)
	in := newIncoming()
	opts := map[string]string{"transport": transport}
	bob := pbxPhone(t, "bob", "bobpw", rtpBase, opts, in.handler(true))
	alice := pbxPhone(t, "alice", "alicepw", rtpBase+50, opts, Handler{})
	for _, p := range []*Phone{bob, alice} {
		if err := p.Start(); err != nil {
			t.Fatal(err)
		}
	}
	ca, err := alice.Call("bob")
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, ca, Answered, 10*time.Second)
	cb := in.next(t)
	waitState(t, cb, Answered, 5*time.Second)
	if !strings.Contains(cb.remoteURI, "alice") {
		t.Errorf("bob sees the call from %q", cb.remoteURI)
	}

	exchangeTones(t, ca, cb)
	if err := ca.SendDTMF("147#", 0); err != nil {
		t.Fatal(err)
	}
	if err := cb.SendDTMF("258*", 0); err != nil {
		t.Fatal(err)
	}
	var gotA, gotB string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && (len(gotA) < 4 || len(gotB) < 4); {
		gotA += ca.GetDTMF(-1)
		gotB += cb.GetDTMF(-1)
		time.Sleep(50 * time.Millisecond)
	}
	if gotB != "147#" || gotA != "258*" {
		t.Errorf("digits: bob got %q, alice got %q", gotB, gotA)
	}
	// The callee hangs up: its BYE follows the Record-Route through Kamailio.
	if err := cb.Hangup(); err != nil {
		t.Fatal(err)
	}
	waitState(t, ca, Ended, 5*time.Second)
	if r, _ := ca.EndReason(); r != "remote hangup" {
		t.Errorf("alice end reason %q", r)
	}
}

func TestCallThroughKamailioUDP(t *testing.T) { callThroughProxy(t, "udp", 42200) }

func TestCallThroughKamailioTCP(t *testing.T) { callThroughProxy(t, "tcp", 42300) }

// TestRequestsFromThePBX sends OPTIONS and NOTIFY (message-waiting) to a
// registered phone through Kamailio: both get 200 and the NOTIFY reaches
// the application.
func TestRequestsFromThePBX(t *testing.T) {
	startKamailio(t, kamailioPort)
	got := make(chan string, 4)
	p := pbxPhone(t, "bob", "bobpw", 42400, nil, Handler{
		Request: func(c *Call, method, from, ct string, body []byte) {
			got <- method + " " + ct + " " + string(body)
		},
	})
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	kam := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: kamailioPort}
	local := conn.LocalAddr().String()
	send := func(method, extra, body string) string {
		t.Helper()
		msg := fmt.Sprintf("%s sip:bob@127.0.0.1:%d SIP/2.0\r\n"+
			"Via: SIP/2.0/UDP %s;branch=z9hG4bK-%s-%d;rport\r\n"+
			"From: <sip:pbx@test.invalid>;tag=t%d\r\nTo: <sip:bob@127.0.0.1>\r\n"+
			"Call-ID: %s-%d@test.invalid\r\nCSeq: 1 %s\r\nMax-Forwards: 70\r\n%s"+
			"Content-Length: %d\r\n\r\n%s",
			method, kamailioPort, local, method, time.Now().UnixNano(), time.Now().UnixNano(),
			method, time.Now().UnixNano(), method, extra, len(body), body)
		if _, err := conn.WriteToUDP([]byte(msg), kam); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 4096)
		for {
			_ = conn.SetReadDeadline(time.Now().Add(3 * time.Second))
			n, _, err := conn.ReadFromUDP(buf)
			if err != nil {
				t.Fatalf("%s: no final response: %v", method, err)
			}
			line, _, _ := strings.Cut(string(buf[:n]), "\r\n")
			if !strings.HasPrefix(line, "SIP/2.0 1") {
				return line
			}
		}
	}
	if line := send("OPTIONS", "", ""); !strings.HasPrefix(line, "SIP/2.0 200") {
		t.Errorf("OPTIONS: %s", line)
	}
	body := "Messages-Waiting: yes\r\nVoice-Message: 2/8 (0/2)\r\n"
	if line := send("NOTIFY", "Event: message-summary\r\nSubscription-State: active\r\nContent-Type: application/simple-message-summary\r\n", body); !strings.HasPrefix(line, "SIP/2.0 200") {
		t.Errorf("NOTIFY: %s", line)
	}
	select {
	case r := <-got:
		if !strings.HasPrefix(r, "NOTIFY application/simple-message-summary Messages-Waiting: yes") {
			t.Errorf("request callback got %q", r)
		}
	case <-time.After(3 * time.Second):
		t.Error("NOTIFY not reported to the application")
	}
	// MESSAGE through the proxy, authenticated with 407.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	alice := pbxPhone(t, "alice", "alicepw", 42450, nil, Handler{})
	if err := alice.Start(); err != nil {
		t.Fatal(err)
	}
	if err := alice.SendMessage(ctx, "bob", "text/plain", []byte("hello bob")); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-got:
		if r != "MESSAGE text/plain hello bob" {
			t.Errorf("request callback got %q", r)
		}
	case <-time.After(3 * time.Second):
		t.Error("MESSAGE not reported to the application")
	}
}

// TestTransferThroughKamailio: alice calls bob through Kamailio, bob
// transfers her (waiting for the outcome) to "carol", a user of the
// server: the REFER and the NOTIFYs follow the dialog's Record-Route
// through Kamailio (they arrive with its Via), alice's call to carol is
// authorized by Kamailio, and alice ends up talking to carol.
func TestTransferThroughKamailio(t *testing.T) {
	startKamailio(t, kamailioPort)
	in := newIncoming()
	bob := pbxPhone(t, "bob", "bobpw", 49000, nil, in.handler(true))
	cin := newIncoming()
	carol := pbxPhone(t, "carol", "carolpw", 49050, nil, cin.handler(true))
	alice := pbxPhone(t, "alice", "alicepw", 49100, nil, Handler{})
	logs := map[*Phone]*logLines{}
	for _, p := range []*Phone{bob, carol, alice} {
		l := &logLines{}
		p.SetLog(slog.LevelInfo, l.add)
		logs[p] = l
		if err := p.Start(); err != nil {
			t.Fatal(err)
		}
	}
	a1, err := alice.Call("bob")
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, a1, Answered, 10*time.Second)
	b1 := in.next(t)
	waitState(t, b1, Answered, 5*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := b1.Transfer(ctx, "carol", false); err != nil {
		t.Fatal(err)
	}
	a2 := a1.Successor()
	if a2 == nil {
		t.Fatal("alice's call has no successor")
	}
	waitState(t, a2, Answered, 5*time.Second)
	c1 := cin.next(t)
	waitState(t, c1, Answered, 5*time.Second)
	waitState(t, a1, Ended, 5*time.Second)
	waitState(t, b1, Ended, 5*time.Second)
	if !strings.Contains(c1.remoteURI, "alice") {
		t.Errorf("carol sees the call from %q", c1.remoteURI)
	}
	exchangeTones(t, a2, c1)
	if got := logs[alice].find("following REFER"); !strings.Contains(got, "hops=2") {
		t.Errorf("the REFER did not come through Kamailio: %q", got)
	}
	if got := logs[bob].find("status=\"200 OK\""); !strings.Contains(got, "hops=2") {
		t.Errorf("the final NOTIFY did not come through Kamailio: %q", got)
	}
}

// logLines collects a phone's log lines.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) add(_ slog.Level, msg string) {
	l.mu.Lock()
	l.lines = append(l.lines, msg)
	l.mu.Unlock()
}

// find is the first line containing s, waiting up to 2 s for it.
func (l *logLines) find(s string) string {
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		l.mu.Lock()
		for _, line := range l.lines {
			if strings.Contains(line, s) {
				l.mu.Unlock()
				return line
			}
		}
		l.mu.Unlock()
	}
	return ""
}

package voip

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Event interop against real peers on 127.0.0.1, each a few seconds:
// Kamailio's presence server (PUBLISH, SUBSCRIBE, NOTIFY through it), a
// SIPp voicemail server (solicited and unsolicited MWI), baresip's
// presence module subscribing to us. Skipped when the peer is not
// installed, unless CI is set.

// presenceKamailioPort is this file's Kamailio (the others use 5161).
const presenceKamailioPort = 5181

// needProgram skips (or, in CI, fails) a test whose peer is missing.
func needProgram(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed (scripts/install-deps.sh installs it)", name)
		}
		t.Skipf("%s is not installed", name)
	}
	return p
}

// startBackground runs a peer, in a process group of its own, until the
// test ends; its output goes to a file read by the returned log.
func startBackground(t *testing.T, name string, args ...string) (*exec.Cmd, *peerLog) {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), filepath.Base(name)+"-*.log")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	l := &peerLog{path: f.Name(), done: make(chan struct{})}
	go func() { l.err = cmd.Wait(); close(l.done) }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // Kamailio's children too
		<-l.done
	})
	return cmd, l
}

// peerLog is a background peer's output and its exit: err is set once
// done is closed.
type peerLog struct {
	path string
	done chan struct{}
	err  error
}

func (l *peerLog) String() string {
	b, _ := os.ReadFile(l.path)
	return string(b)
}

// startPresenceKamailio runs Kamailio with presence and presence_xml on a
// db_text database created for the test, and waits until it answers.
func startPresenceKamailio(t *testing.T) *peerLog {
	t.Helper()
	kam := needProgram(t, "kamailio")
	if _, err := os.Stat("/usr/lib/x86_64-linux-gnu/kamailio/modules/presence.so"); err != nil && os.Getenv("CI") == "" {
		t.Skip("kamailio-presence-modules is not installed")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "db")
	if err := os.Mkdir(db, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"version", "presentity", "active_watchers", "watchers", "xcap"} {
		b, err := os.ReadFile(filepath.Join("/usr/share/kamailio/dbtext/kamailio", table))
		if err != nil {
			t.Fatalf("db_text schema: %v", err)
		}
		if err := os.WriteFile(filepath.Join(db, table), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tmpl, err := os.ReadFile(filepath.Join("..", "tests", "interop", "kamailio", "presence.cfg.in"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.NewReplacer("@PORT@", fmt.Sprint(presenceKamailioPort), "@DB@", db).Replace(string(tmpl))
	cfgPath := filepath.Join(dir, "kamailio.cfg")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	_, out := startBackground(t, kam, "-f", cfgPath, "-DD", "-E", "-m", "64", "-M", "8", "-Y", dir, "-w", dir)
	for i := 0; i < 50; i++ {
		if sipOptionsOK(presenceKamailioPort) {
			return out
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("kamailio did not answer OPTIONS:\n%s", out.String())
	return nil
}

// sipOptionsOK sends one OPTIONS to 127.0.0.1:port and reports a 200.
func sipOptionsOK(port int) bool {
	c, err := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return false
	}
	defer c.Close()
	local := c.LocalAddr().String()
	_, _ = fmt.Fprintf(c, "OPTIONS sip:127.0.0.1:%d SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-probe%d\r\n"+
		"From: <sip:probe@%s>;tag=p\r\nTo: <sip:127.0.0.1:%d>\r\nCall-ID: probe-%d\r\nCSeq: 1 OPTIONS\r\n"+
		"Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n", port, local, time.Now().UnixNano(), local, port, time.Now().UnixNano())
	_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	buf := make([]byte, 2048)
	n, err := c.Read(buf)
	return err == nil && strings.HasPrefix(string(buf[:n]), "SIP/2.0 200")
}

// TestKamailioPresence: alice publishes her presence to Kamailio's
// presence server (PUBLISH, then a modification naming its SIP-ETag), bob
// subscribes to alice there and gets both states in NOTIFYs from
// Kamailio, then unsubscribes; alice's stop removes her publication.
func TestKamailioPresence(t *testing.T) {
	klog := startPresenceKamailio(t)
	server := fmt.Sprintf("127.0.0.1:%d", presenceKamailioPort)
	lb := newSubLog()
	alice := testPhoneWith(t, 49950, map[string]string{"user": "alice", "server": server, "register_expires": "60"}, Handler{})
	bob := testPhoneWith(t, 49980, map[string]string{"user": "bob", "server": server, "register_expires": "60"}, lb.handler(Handler{}, nil))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := alice.SetPresence(ctx, "open", "via kamailio", "busy"); err != nil {
		t.Fatalf("PUBLISH: %v\n%s", err, klog.String())
	}
	sub, err := bob.NewSubscription(fmt.Sprintf("sip:alice@%s", server), "presence")
	if err != nil {
		t.Fatal(err)
	}
	if err := sub.Start(ctx); err != nil {
		t.Fatalf("SUBSCRIBE: %v\n%s", err, klog.String())
	}
	n := lb.waitNote(t, "alice's published presence", presenceIs("open", "via kamailio"))
	var ps PresenceSummary
	_ = json.Unmarshal([]byte(n.Summary), &ps)
	if ps.Entity != "sip:alice@"+server || len(ps.Activities) != 1 || ps.Activities[0] != "busy" {
		t.Errorf("presence from kamailio: %s", n.Summary)
	}
	if err := alice.SetPresence(ctx, "closed", "gone"); err != nil {
		t.Fatalf("PUBLISH (modify): %v", err)
	}
	lb.waitNote(t, "alice's modified presence", presenceIs("closed", "gone"))
	if !strings.Contains(klog.String(), "PUBLISH sip:alice@"+server+" event=presence etag=") ||
		strings.Count(klog.String(), "etag=<null>") != 1 {
		t.Errorf("the second PUBLISH did not name the SIP-ETag:\n%s", grepLines(klog.String(), "PUBLISH"))
	}
	// MWI through the server (presence_mwi): alice publishes her
	// message-summary, bob subscribes to it.
	if err := alice.Publish(ctx, "message-summary", "application/simple-message-summary",
		[]byte("Messages-Waiting: yes\r\nVoice-Message: 1/2 (0/0)\r\n")); err != nil {
		t.Fatalf("PUBLISH message-summary: %v", err)
	}
	mwi, _ := bob.NewSubscription(fmt.Sprintf("sip:alice@%s", server), "message-summary")
	if err := mwi.Start(ctx); err != nil {
		t.Fatalf("SUBSCRIBE message-summary: %v", err)
	}
	lb.waitNote(t, "MWI through kamailio", func(n Notification) bool {
		return n.Event == "message-summary" && strings.Contains(n.Summary, `"new":1,"old":2`)
	})
	if err := sub.Stop(ctx); err != nil {
		t.Fatalf("unsubscribe: %v", err)
	}
	if st, _ := sub.State(); st != SubscriptionTerminated {
		t.Errorf("state after Stop: %s", st)
	}
	if err := alice.Stop(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(klog.String(), "expires=0") {
		t.Errorf("no PUBLISH with Expires: 0 at stop:\n%s", grepLines(klog.String(), "PUBLISH"))
	}
}

func grepLines(s, word string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, word) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestSIPpMWI: a SIPp voicemail server accepts our message-summary
// subscription and NOTIFYs 2/8 (0/2) in its dialog; another SIPp sends an
// unsolicited NOTIFY (no dialog) with 5/1 (1/0): both reach Handler.Notify
// as counts, the unsolicited one with no Subscription and a 200.
func TestSIPpMWI(t *testing.T) {
	sipp := needProgram(t, "sipp")
	dir, _ := filepath.Abs(filepath.Join("..", "tests", "interop", "sipp"))
	uasPort, uacPort := freeUDPPort(t), freeUDPPort(t)
	_, uasOut := startBackground(t, sipp, "-sf", filepath.Join(dir, "uas_mwi.xml"), "-i", "127.0.0.1",
		"-p", fmt.Sprint(uasPort), "-m", "1", "-nostdin", "-timeout", "20s", "-timeout_error")
	la := newSubLog()
	a := testPhoneWith(t, 50010, map[string]string{"user": "alice"}, la.handler(Handler{}, nil))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sub, err := a.NewSubscription(fmt.Sprintf("sip:vm@127.0.0.1:%d", uasPort), "message-summary")
	if err != nil {
		t.Fatal(err)
	}
	var startErr error
	for try := 0; try < 20; try++ { // SIPp may not listen yet
		if startErr = sub.Start(ctx); startErr == nil {
			break
		}
		sub, _ = a.NewSubscription(fmt.Sprintf("sip:vm@127.0.0.1:%d", uasPort), "message-summary")
		time.Sleep(100 * time.Millisecond)
	}
	if startErr != nil {
		t.Fatalf("SUBSCRIBE: %v\n%s", startErr, uasOut.String())
	}
	n := la.waitNote(t, "the solicited MWI", func(n Notification) bool { return n.Event == "message-summary" })
	var mwi MWISummary
	if err := json.Unmarshal([]byte(n.Summary), &mwi); err != nil || !mwi.Waiting || mwi.New != 2 || mwi.Old != 8 || mwi.OldUrgent != 2 {
		t.Fatalf("solicited MWI summary %q (%v)", n.Summary, n.Err)
	}
	if err := sub.Stop(ctx); err != nil {
		t.Fatalf("unsubscribe: %v", err)
	}
	port, _ := a.Option("sip_port")
	run := exec.CommandContext(ctx, sipp, "127.0.0.1:"+port, "-sf", filepath.Join(dir, "uac_mwi_unsolicited.xml"),
		"-s", "alice", "-i", "127.0.0.1", "-p", fmt.Sprint(uacPort), "-m", "1", "-nostdin", "-timeout", "10s", "-timeout_error")
	if out, err := run.CombinedOutput(); err != nil {
		t.Fatalf("unsolicited NOTIFY: sipp %v\n%s", err, out)
	}
	un := la.waitNote(t, "the unsolicited MWI", func(n Notification) bool {
		return strings.Contains(n.Summary, `"new":5`)
	})
	if err := json.Unmarshal([]byte(un.Summary), &mwi); err != nil || mwi.Old != 1 || mwi.NewUrgent != 1 {
		t.Fatalf("unsolicited MWI summary %q", un.Summary)
	}
	select {
	case <-uasOut.done:
		if uasOut.err != nil {
			t.Errorf("sipp UAS: %v\n%s", uasOut.err, uasOut.String())
		}
	case <-time.After(5 * time.Second):
		t.Errorf("sipp UAS did not finish its scenario:\n%s", uasOut.String())
	}
}

// freeUDPPort is a UDP port of 127.0.0.1 nothing is bound to (just released).
func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// TestBaresipPresence: baresip's presence module subscribes to a libvoip
// phone (a contact with presence=p2p); the phone accepts, its NOTIFYs with
// our PIDF are answered 200, and baresip shows the contact online.
func TestBaresipPresence(t *testing.T) {
	baresip := needProgram(t, "baresip")
	lb := newSubLog()
	bob := testPhoneWith(t, 50040, map[string]string{"user": "bob"}, lb.handler(Handler{}, func(s *IncomingSubscription) { _ = s.Accept() }))
	if err := bob.ServeEvents("presence"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := bob.SetPresence(ctx, "open", "from libvoip"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	port, _ := bob.Option("sip_port")
	bsPort, ctrlPort := freeUDPPort(t), freeUDPPort(t)
	files := map[string]string{
		"config": fmt.Sprintf("poll_method epoll\nsip_listen 127.0.0.1:%d\nnet_interface 127.0.0.1\ndns_server 127.0.0.1:53\n"+
			"module_path /usr/lib/baresip/modules\nmodule g711.so\nmodule_tmp account.so\nmodule_app contact.so\nmodule_app presence.so\n"+
			"module_app ctrl_tcp.so\nctrl_tcp_listen 127.0.0.1:%d\n", bsPort, ctrlPort),
		"accounts": fmt.Sprintf("<sip:carol@127.0.0.1:%d>;regint=0\n", bsPort),
		"contacts": fmt.Sprintf("\"bob\" <sip:bob@127.0.0.1:%s>;presence=p2p\n", port),
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, out := startBackground(t, baresip, "-f", dir)
	var in *IncomingSubscription
	select {
	case in = <-lb.incoming:
	case <-time.After(5 * time.Second):
		t.Fatalf("baresip did not subscribe:\n%s", out.String())
	}
	if in.Event != "presence" || !strings.Contains(in.From, "carol") {
		t.Fatalf("subscription %s from %s", in.Event, in.From)
	}
	deadline := time.Now().Add(3 * time.Second)
	for in.State() != "active" && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if in.State() != "active" {
		t.Fatalf("state %s", in.State())
	}
	body := []byte(fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>`+"\r\n"+
		`<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:bob@127.0.0.1:%s"><tuple id="t1"><status><basic>open</basic></status><note>pushed</note></tuple></presence>`, port))
	if err := in.Notify(ctx, "application/pidf+xml", body); err != nil {
		t.Fatalf("NOTIFY to baresip: %v\n%s", err, out.String())
	}
	if got := waitBaresipContacts(t, ctrlPort, "online"); got != "" {
		t.Fatalf("baresip does not show bob online after our open NOTIFY: %q", got)
	}
	closed := []byte(strings.Replace(string(body), "<basic>open</basic>", "<basic>closed</basic>", 1))
	if err := in.Notify(ctx, "application/pidf+xml", closed); err != nil {
		t.Fatalf("NOTIFY to baresip: %v", err)
	}
	if got := waitBaresipContacts(t, ctrlPort, "offline"); got != "" {
		t.Fatalf("baresip does not show bob offline after our closed NOTIFY: %q", got)
	}
}

// waitBaresipContacts asks baresip (ctrl_tcp) for its contacts until their
// listing holds want; "" when it did, else the last listing.
func waitBaresipContacts(t *testing.T, port int, want string) string {
	t.Helper()
	last := ""
	for try := 0; try < 30; try++ {
		last = baresipCommand(port, "contacts")
		if strings.Contains(strings.ToLower(last), want) {
			return ""
		}
		time.Sleep(100 * time.Millisecond)
	}
	return last
}

// baresipCommand sends one ctrl_tcp command (a netstring of JSON) and
// returns the data of its response, "" on any failure.
func baresipCommand(port int, command string) string {
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
	if err != nil {
		return ""
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	msg := fmt.Sprintf(`{"command":%q,"params":"","token":"t1"}`, command)
	if _, err := fmt.Fprintf(c, "%d:%s,", len(msg), msg); err != nil {
		return ""
	}
	buf := make([]byte, 0, 4096)
	tmp := make([]byte, 4096)
	for {
		n, err := c.Read(tmp)
		buf = append(buf, tmp[:n]...)
		var r struct {
			Response bool   `json:"response"`
			Data     string `json:"data"`
		}
		if _, rest, ok := strings.Cut(string(buf), ":"); ok && strings.HasSuffix(rest, ",") &&
			json.Unmarshal([]byte(strings.TrimSuffix(rest, ",")), &r) == nil && r.Response {
			return r.Data
		}
		if err != nil || len(buf) > 1<<16 {
			return string(buf)
		}
	}
}

// TestKamailioWatcherInfo: alice subscribes to her own watcher information
// (presence.winfo) at Kamailio's presence server: an empty full document;
// carol subscribes to alice's presence there and alice's winfo NOTIFY from
// Kamailio shows her (active at once: force_active, event "subscribe");
// when carol unsubscribes Kamailio sends a full document without her.
func TestKamailioWatcherInfo(t *testing.T) {
	klog := startPresenceKamailio(t)
	server := fmt.Sprintf("127.0.0.1:%d", presenceKamailioPort)
	la := newSubLog()
	alice := testPhoneWith(t, 53550, map[string]string{"user": "alice", "server": server, "register_expires": "60"}, la.handler(Handler{}, nil))
	carol := testPhoneWith(t, 53600, map[string]string{"user": "carol", "server": server, "register_expires": "60"}, Handler{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	aor := "sip:alice@" + server
	if err := alice.SetPresence(ctx, "open", "winfo"); err != nil {
		t.Fatalf("PUBLISH: %v\n%s", err, klog.String())
	}
	wi, _ := alice.NewSubscription(aor, "presence.winfo")
	if err := wi.Start(ctx); err != nil {
		t.Fatalf("SUBSCRIBE presence.winfo: %v\n%s", err, klog.String())
	}
	first := la.waitNote(t, "the first winfo document", func(n Notification) bool { return n.Event == "presence.winfo" && n.Body != nil })
	var w WatcherInfoSummary
	if err := json.Unmarshal([]byte(first.Summary), &w); err != nil || w.State != "full" || w.Package != "presence" ||
		!strings.HasPrefix(w.Resource, "sip:alice@127.0.0.1") || len(w.Watchers) != 0 {
		t.Fatalf("first document %s (%v)", first.Summary, first.Err)
	}
	sub, _ := carol.NewSubscription(aor, "presence")
	if err := sub.Start(ctx); err != nil {
		t.Fatalf("SUBSCRIBE presence: %v", err)
	}
	seen := la.waitNote(t, "carol watching", winfoHas("partial", "sip:carol@127.0.0.1", "active", "subscribe"))
	_ = json.Unmarshal([]byte(seen.Summary), &w)
	if err := sub.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	after := w.Version
	la.waitNote(t, "a full document without carol", func(n Notification) bool {
		var x WatcherInfoSummary
		return n.Event == "presence.winfo" && json.Unmarshal([]byte(n.Summary), &x) == nil &&
			x.State == "full" && x.Version > after && len(x.Watchers) == 0
	})
}

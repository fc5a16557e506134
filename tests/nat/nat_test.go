package nat

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestIPv6BetweenNamespaces: two phones in two namespaces joined by a veth
// pair with IPv6 addresses only call each other; audio flows both ways.
func TestIPv6BetweenNamespaces(t *testing.T) {
	l := newLab(t)
	a, b := l.ns("a6"), l.ns("b6")
	l.link(a, "a6", b, "b6")
	l.addr(a, "a6", "fd00:14::1/64")
	l.addr(b, "b6", "fd00:14::2/64")

	callee := l.startPhone(b, "answer", "bind_ip=:: bind_port=5060", "", 1000)
	callee.waitFor(t, "READY", 10*time.Second)
	caller := l.startPhone(a, "call", "bind_ip=fd00:14::1 bind_port=5060", "sip:test@[fd00:14::2]:5060", 440)
	rc, rb := caller.waitFor(t, "RESULT", 20*time.Second), callee.waitFor(t, "RESULT", 20*time.Second)
	t.Logf("caller: %s", rc)
	t.Logf("callee: %s", rb)
	if !hears(t, rc, 1000) || !hears(t, rb, 440) {
		t.Errorf("IPv6 call between namespaces lacks audio:\ncaller %s\ncallee %s", rc, rb)
	}
	if !strings.Contains(rc, "remote_rtp=[fd00:14::2]:") {
		t.Errorf("caller sends to %s, want [fd00:14::2]", rc)
	}
}

// natLab is the NAT topology: phone A (10.0.1.2) behind NAT A
// (203.0.113.1), phone B (10.0.2.2) behind NAT B (203.0.113.2), and the
// public network 203.0.113.0/24 with Kamailio and coturn at 203.0.113.100.
// Private networks are not routed between each other.
type natLab struct {
	*lab
	phoneA, phoneB, pub string
	turnLog             string // coturn's log, shown when LV_DEBUG is set
}

const publicIP = "203.0.113.100"

func newNATLab(t *testing.T, symmetric bool) *natLab {
	l := newLab(t)
	n := &natLab{lab: l}
	n.pub = l.ns("pub")
	natA, natB := l.ns("nata"), l.ns("natb")
	n.phoneA, n.phoneB = l.ns("pha"), l.ns("phb")
	l.in(n.pub, "ip", "link", "add", "br0", "type", "bridge")
	l.in(n.pub, "ip", "link", "set", "br0", "up")
	l.addr(n.pub, "br0", publicIP+"/24")
	for i, nat := range []string{natA, natB} {
		side := string(rune('a' + i))
		l.link(nat, "wan", n.pub, "p"+side)
		l.in(n.pub, "ip", "link", "set", "p"+side, "master", "br0")
		l.addr(nat, "wan", "203.0.113."+string(rune('1'+i))+"/24")
		phone := []string{n.phoneA, n.phoneB}[i]
		l.link(nat, "lan", phone, "eth0")
		l.addr(nat, "lan", "10.0."+string(rune('1'+i))+".1/24")
		l.addr(phone, "eth0", "10.0."+string(rune('1'+i))+".2/24")
		l.in(phone, "ip", "route", "add", "default", "via", "10.0."+string(rune('1'+i))+".1")
		l.router(nat, "wan", symmetric)
	}
	n.startKamailio()
	n.startCoturn()
	return n
}

// startKamailio runs the registrar and proxy of kamailio.cfg on the public
// network, port 5060 inside the namespace.
func (n *natLab) startKamailio() {
	t := n.t
	kam, err := exec.LookPath("kamailio")
	if err != nil {
		if kam, err = exec.LookPath("/usr/sbin/kamailio"); err != nil {
			t.Skip("NAT tests need kamailio (scripts/install-deps.sh)")
		}
	}
	dir := t.TempDir()
	src, err := os.ReadFile("kamailio.cfg")
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "kamailio.cfg")
	if err := os.WriteFile(cfg, []byte(strings.ReplaceAll(string(src), "PUBLIC_IP", publicIP)), 0o644); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(dir, "kamailio.log")
	n.start(n.pub, log, kam, "-f", cfg, "-DD", "-E", "-m", "32", "-M", "4", "-w", dir, "-Y", dir,
		"-P", filepath.Join(dir, "kamailio.pid"))
	n.waitUDP(n.pub, "5060", log)
}

// startCoturn runs coturn on the public network as the STUN server
// (RFC 8489 Binding); TURN is pion/turn's server (turn_test.go).
func (n *natLab) startCoturn() {
	t := n.t
	turn, err := exec.LookPath("turnserver")
	if err != nil {
		t.Skip("NAT tests need coturn's turnserver (scripts/install-deps.sh)")
	}
	dir := t.TempDir()
	log := filepath.Join(dir, "turn.log")
	n.turnLog = log
	n.start(n.pub, log, turn, "-n", "--listening-ip="+publicIP, "--relay-ip="+publicIP,
		"--listening-port=3478", "--no-tls", "--no-dtls", "--no-cli", "--realm=libvoip.test",
		"--user=libvoip:secret", "--lt-cred-mech", "--allow-loopback-peers",
		"--pidfile="+filepath.Join(dir, "turn.pid"), "--log-file=stdout", "--simple-log")
	n.waitUDP(n.pub, "3478", log)
}

// waitUDP waits until something listens on UDP port in ns; the test
// fails with the log of what should listen otherwise.
func (n *natLab) waitUDP(ns, port, log string) {
	for i := 0; i < 100; i++ {
		out, _ := exec.Command("ip", "netns", "exec", ns, "ss", "-lnu", "sport = :"+port).Output()
		if strings.Count(string(out), "\n") > 1 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	out, _ := os.ReadFile(log)
	n.t.Fatalf("nothing listens on UDP %s in %s; log:\n%s", port, ns, out)
}

// call registers A and B to Kamailio with extra options and has A call
// B; it returns their RESULT lines.
func (n *natLab) call(t *testing.T, extra string) (string, string) {
	t.Helper()
	common := "bind_ip=0.0.0.0 bind_port=5060 server=" + publicIP + " register_expires=60 rtp_timeout_ms=0 " + extra
	callee := n.startPhone(n.phoneB, "answer", common+" user=bob", "", 1000)
	callee.waitFor(t, "READY", 10*time.Second)
	caller := n.startPhone(n.phoneA, "call", common+" user=alice", "bob", 440)
	rc, rb := caller.waitFor(t, "RESULT", 25*time.Second), callee.waitFor(t, "RESULT", 25*time.Second)
	t.Logf("A (caller): %s", rc)
	t.Logf("B (callee): %s", rb)
	if os.Getenv("LV_DEBUG") != "" {
		turnLog, _ := os.ReadFile(n.turnLog)
		t.Logf("A output:\n%s\nB output:\n%s\ncoturn:\n%s", caller.out.String(), callee.out.String(), turnLog)
	}
	return rc, rb
}

// TestNATWithoutTraversal shows the problem is real: behind two NATs
// without STUN, each phone offers its private address, and a call has no
// audio in at least one direction.
func TestNATWithoutTraversal(t *testing.T) {
	n := newNATLab(t, false)
	rc, rb := n.call(t, "")
	if hears(t, rc, 1000) && hears(t, rb, 440) {
		t.Errorf("audio flowed both ways without NAT traversal: the test topology proves nothing")
	}
}

// TestNATWithSTUN: with stun_server (coturn) both phones offer their
// public (server-reflexive) addresses and audio flows both ways through
// the two NATs.
func TestNATWithSTUN(t *testing.T) {
	n := newNATLab(t, false)
	rc, rb := n.call(t, "stun_server="+publicIP+":3478")
	if !hears(t, rc, 1000) || !hears(t, rb, 440) {
		t.Errorf("STUN call through two NATs lacks audio:\nA %s\nB %s", rc, rb)
	}
	if !strings.Contains(rc, "remote_rtp=203.0.113.2:") || !strings.Contains(rb, "remote_rtp=203.0.113.1:") {
		t.Errorf("the phones do not send to each other's public address:\nA %s\nB %s", rc, rb)
	}
}

// TestNATWithICE: with ice=1 and stun_server both phones offer a host
// and a server-reflexive candidate; ICE selects host-to-srflx pairs and
// audio flows both ways through the two NATs.
func TestNATWithICE(t *testing.T) {
	n := newNATLab(t, false)
	rc, rb := n.call(t, "ice=1 stun_server="+publicIP+":3478")
	if !hears(t, rc, 1000) || !hears(t, rb, 440) {
		t.Errorf("ICE call through two NATs lacks audio:\nA %s\nB %s", rc, rb)
	}
	if !strings.Contains(rc, `ice="host 10.0.1.2:`) || !strings.Contains(rc, "-> srflx 203.0.113.2:") {
		t.Errorf("A's selected pair is not host -> B's srflx: %s", rc)
	}
	if !strings.Contains(rb, `ice="host 10.0.2.2:`) || !strings.Contains(rb, "-> srflx 203.0.113.1:") {
		t.Errorf("B's selected pair is not host -> A's srflx: %s", rb)
	}
}

// TestSymmetricNATWithTURN: behind two symmetric NATs, with ice=1 and a
// TURN server (pion/turn's, in the public namespace: coturn 4.6 relayed
// nothing to peers there, "wrote to peer 0 bytes"), ICE selects a pair
// through the relay and audio flows both ways.
func TestSymmetricNATWithTURN(t *testing.T) {
	n := newNATLab(t, true)
	n.startTURN()
	rc, rb := n.call(t, "ice=1 stun_server="+publicIP+":3478 turn_server="+publicIP+":"+turnPort+
		" turn_user="+turnUser+" turn_password="+turnPassword)
	if !hears(t, rc, 1000) || !hears(t, rb, 440) {
		t.Errorf("TURN call through two symmetric NATs lacks audio:\nA %s\nB %s", rc, rb)
	}
	if !strings.Contains(rc+rb, "relay") {
		t.Errorf("no relayed candidate in the selected pairs:\nA %s\nB %s", rc, rb)
	}
}

// TestSymmetricNATDefeatsSTUN: behind NATs that pick a new port for every
// destination, the address STUN learns is not the one the peer's packets
// must reach; without a relay the call has no audio both ways. This is
// the case a TURN relay is for (not built yet).
func TestSymmetricNATDefeatsSTUN(t *testing.T) {
	n := newNATLab(t, true)
	rc, rb := n.call(t, "stun_server="+publicIP+":3478")
	if hears(t, rc, 1000) && hears(t, rb, 440) {
		t.Errorf("audio flowed both ways through symmetric NATs with STUN alone: the topology is not symmetric")
	}
}

package nat

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// lab is a set of network namespaces made by one test, deleted (with
// every process started in them) when the test ends.
type lab struct {
	t      *testing.T
	prefix string
	names  []string
}

// newLab checks that namespaces and nft work here and returns an empty
// lab; the test is skipped, with the reason, where they do not.
func newLab(t *testing.T) *lab {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("NAT tests need root to create network namespaces")
	}
	for _, tool := range []string{"ip", "nft"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("NAT tests need %s (scripts/install-deps.sh installs nftables): %v", tool, err)
		}
	}
	l := &lab{t: t, prefix: fmt.Sprintf("lv%d", os.Getpid()%100000)}
	probe := l.prefix + "probe"
	if out, err := exec.Command("ip", "netns", "add", probe).CombinedOutput(); err != nil {
		t.Skipf("network namespaces cannot be created here: %v: %s", err, out)
	}
	_ = exec.Command("ip", "netns", "del", probe).Run()
	t.Cleanup(l.close)
	return l
}

// ns creates namespace name (prefixed) with lo up and returns its full name.
func (l *lab) ns(name string) string {
	full := l.prefix + name
	l.run("ip", "netns", "add", full)
	l.names = append(l.names, full)
	l.in(full, "ip", "link", "set", "lo", "up")
	l.in(full, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0")
	return full
}

// link joins namespaces a and b with a veth pair named ifA (in a) and ifB
// (in b), both up.
func (l *lab) link(a, ifA, b, ifB string) {
	l.run("ip", "link", "add", ifA, "netns", a, "type", "veth", "peer", "name", ifB, "netns", b)
	l.in(a, "ip", "link", "set", ifA, "up")
	l.in(b, "ip", "link", "set", ifB, "up")
}

// addr gives interface dev of ns the address cidr.
func (l *lab) addr(ns, dev, cidr string) {
	args := []string{"ip", "addr", "add", cidr, "dev", dev}
	if strings.Contains(cidr, ":") {
		args = append([]string{"ip", "-6"}, append(args[1:], "nodad")...)
	}
	l.in(ns, args...)
}

// router makes ns forward and masquerade what leaves through wan, and
// drop what arrives there unasked (as home routers do): a port-restricted
// cone NAT (Linux keeps a socket's source port for each flow), or with
// symmetric a NAT that picks a random port for every new flow. Dropping
// unasked input matters: an accepted one would leave a conntrack entry
// that makes masquerade pick another port for the phone's own first
// packet to that peer, which no cone NAT does.
func (l *lab) router(ns, wan string, symmetric bool) {
	l.in(ns, "sysctl", "-qw", "net.ipv4.ip_forward=1")
	masq := "masquerade"
	if symmetric {
		masq = "masquerade random"
	}
	rules := fmt.Sprintf("table ip nat {\n chain outbound {\n  type nat hook postrouting priority 100;\n"+
		"  oifname %q %s\n }\n}\n"+
		"table ip filter {\n chain transit {\n  type filter hook forward priority 0; policy drop;\n"+
		"  iifname != %q accept\n  ct state established,related accept\n }\n"+
		" chain inbound {\n  type filter hook input priority 0; policy accept;\n"+
		"  iifname %q ct state new drop\n }\n}\n", wan, masq, wan, wan)
	cmd := exec.Command("ip", "netns", "exec", ns, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(rules)
	if out, err := cmd.CombinedOutput(); err != nil {
		l.t.Fatalf("nft in %s: %v: %s", ns, err, out)
	}
}

// in runs a command inside ns and fails the test if it fails.
func (l *lab) in(ns string, args ...string) {
	l.run(append([]string{"ip", "netns", "exec", ns}, args...)...)
}

func (l *lab) run(args ...string) {
	l.t.Helper()
	if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
		l.t.Fatalf("%s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// start runs a long-lived command in ns with its output to the file log;
// it is killed at cleanup.
func (l *lab) start(ns, log string, args ...string) *exec.Cmd {
	l.t.Helper()
	cmd := exec.Command("ip", append([]string{"netns", "exec", ns}, args...)...)
	f, err := os.Create(log)
	if err != nil {
		l.t.Fatal(err)
	}
	defer f.Close()
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		l.t.Fatal(err)
	}
	l.t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd
}

// close kills what still runs in the namespaces and deletes them.
func (l *lab) close() {
	for _, n := range l.names {
		if out, err := exec.Command("ip", "netns", "pids", n).Output(); err == nil {
			for _, pid := range strings.Fields(string(out)) {
				_ = exec.Command("kill", "-9", pid).Run()
			}
		}
		_ = exec.Command("ip", "netns", "del", n).Run()
	}
}

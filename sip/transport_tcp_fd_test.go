//go:build linux

package sip

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"
)

// Environment of the re-executed test binary that serves under a low
// descriptor limit. guardFDUnguarded set in the parent's environment serves
// the bare listener instead, to show the fault (sipgo's Serve ends at the
// first EMFILE and no later connection is answered).
const (
	guardFDChild     = "LIBVOIP_GUARD_FD_CHILD"
	guardFDUnguarded = "LIBVOIP_GUARD_FD_UNGUARDED"
	guardFDTimeout   = "LIBVOIP_GUARD_FD_MESSAGE_TIMEOUT"
	guardFDLimit     = 64
	guardFDIdle      = 100 // connections the parent holds, above guardFDLimit
)

// TestGuardedListenerFDExhaustion: a server limited to 64 descriptors is
// flooded with 100 idle connections until accept fails with EMFILE, and
// they stay for 1.5 s (the accept back-off reaches its 1 s ceiling). Once
// the client closes them, or once the server's message timeout closes them,
// a new connection gets its OPTIONS answered.
func TestGuardedListenerFDExhaustion(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	for _, tc := range []struct {
		name      string
		timeout   time.Duration // server's message timeout
		closeIdle bool          // the client closes its idle connections
		within    time.Duration
	}{
		{name: "client closes", timeout: time.Minute, closeIdle: true, within: 3 * time.Second},
		{name: "timeout closes", timeout: 2 * time.Second, within: 5 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, lines := startGuardFDChild(t, tc.timeout)
			idle := make([]net.Conn, 0, guardFDIdle)
			for i := 0; i < guardFDIdle; i++ {
				c, err := net.DialTimeout("tcp", addr, 2*time.Second)
				if err != nil {
					t.Fatalf("idle connection %d: %v", i, err)
				}
				defer c.Close()
				idle = append(idle, c)
			}
			waitLine(t, lines, "too many open files", 10*time.Second)
			time.Sleep(1500 * time.Millisecond)
			if tc.closeIdle {
				for _, c := range idle {
					c.Close()
				}
			}
			start := time.Now()
			c, err := net.DialTimeout("tcp", addr, 2*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			status, err := guardAsk(c, "TCP", tc.within)
			if err != nil || !strings.Contains(status, " 200 ") {
				t.Fatalf("OPTIONS after EMFILE: %q %v", status, err)
			}
			t.Logf("answered %v after EMFILE's cause went", time.Since(start).Round(time.Millisecond))
		})
	}
}

// startGuardFDChild starts TestGuardFDChild and returns its address and
// the lines it prints.
func startGuardFDChild(t *testing.T, timeout time.Duration) (string, <-chan string) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestGuardFDChild$", "-test.timeout=60s")
	cmd.Env = append(os.Environ(), guardFDChild+"=1", fmt.Sprintf("%s=%d", guardFDTimeout, timeout.Milliseconds()))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	lines := make(chan string, 1024)
	go func() {
		defer close(lines)
		for s := bufio.NewScanner(stdout); s.Scan(); {
			select {
			case lines <- s.Text():
			default: // back-off warnings beyond what the test reads
			}
		}
	}()
	port := waitLine(t, lines, "PORT ", 10*time.Second)[len("PORT "):]
	return net.JoinHostPort("127.0.0.1", port), lines
}

// waitLine returns the first line containing s.
func waitLine(t *testing.T, lines <-chan string, s string, d time.Duration) string {
	t.Helper()
	timeout := time.After(d)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("child ended before %q", s)
			}
			if i := strings.Index(l, s); i >= 0 {
				return l[i:]
			}
		case <-timeout:
			t.Fatalf("no %q from the child in %v", s, d)
		}
	}
}

// TestGuardFDChild is the server of TestGuardedListenerFDExhaustion, run
// in a child process: it lowers its descriptor limit, serves OPTIONS on a
// loopback TCP port it prints, and ends when its stdin closes.
func TestGuardFDChild(t *testing.T) {
	if os.Getenv(guardFDChild) == "" {
		t.Skip("child of TestGuardedListenerFDExhaustion")
	}
	lim := syscall.Rlimit{Cur: guardFDLimit, Max: guardFDLimit}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ln := guardListen(t)
	if os.Getenv(guardFDUnguarded) == "" {
		ms, err := strconv.Atoi(os.Getenv(guardFDTimeout))
		if err != nil {
			t.Fatal(err)
		}
		ln = newGuardedListener(ln, ConnLimits{Logger: log, MessageTimeout: time.Duration(ms) * time.Millisecond})
	}
	applyProcessSettings()
	ua, err := sipgo.NewUA()
	if err != nil {
		t.Fatal(err)
	}
	defer ua.Close()
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(tortureLogger()))
	if err != nil {
		t.Fatal(err)
	}
	srv.OnOptions(func(req *gosip.Request, tx gosip.ServerTransaction) {
		tx.Respond(gosip.NewResponseFromRequest(req, 200, "OK", nil))
	})
	go func() {
		err := srv.ServeTCP(ln)
		fmt.Printf("serve ended: %v\n", err)
	}()
	fmt.Printf("PORT %d\n", ln.Addr().(*net.TCPAddr).Port)
	io.Copy(io.Discard, os.Stdin)
	ln.Close()
}

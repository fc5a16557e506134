// Package siptimers lets a test run with short SIP transaction timers.
// sipgo's timers are process-wide (sip.SetTimers), so a test that needs
// Timer B, F, H or J to fire within seconds re-runs itself in a child
// process of its own, where the timers are shortened before any user agent
// starts. Test support only.
package siptimers

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// env marks the child process.
const env = "LIBVOIP_TEST_SHORT_SIP_TIMERS"

// T1 is the child's RFC 3261 T1: 64·T1 (Timers B, F, H, J) is 3.2 s.
const T1 = 50 * time.Millisecond

// In runs the test named name in a child process whose sipgo timers are
// short (T1 50 ms, T2 200 ms, T4 250 ms) and reports false, failing t when
// the child's test does not pass; the child's output lines that contain
// logMark (when not "") are logged. In the child it sets the timers and
// reports true: the caller then runs the test's body.
func In(t *testing.T, name, logMark string) bool {
	t.Helper()
	if os.Getenv(env) != "" {
		gosip.SetTimers(T1, 200*time.Millisecond, 250*time.Millisecond)
		return true
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+name+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), env+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: "+name) {
		t.Fatalf("%s with short SIP timers failed (%v):\n%s", name, err, out)
	}
	if logMark != "" {
		for _, l := range strings.Split(string(out), "\n") {
			if strings.Contains(l, logMark) {
				t.Log(strings.TrimSpace(l))
			}
		}
	}
	return false
}

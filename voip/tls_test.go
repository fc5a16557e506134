package voip

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// makeCA makes a CA and a certificate for 127.0.0.1 signed by it, with
// openssl, in dir: ca.pem, cert.pem, key.pem.
func makeCA(t *testing.T, dir string) {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl is not installed")
	}
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command("openssl", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
		"-subj", "/CN=libvoip test CA", "-keyout", "ca.key", "-out", "ca.pem")
	run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
		"-keyout", "key.pem", "-out", "cert.csr")
	ext := filepath.Join(dir, "ext.cnf")
	if err := writeFile(ext, "subjectAltName=IP:127.0.0.1,DNS:localhost\n"); err != nil {
		t.Fatal(err)
	}
	run("x509", "-req", "-in", "cert.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
		"-CAcreateserial", "-days", "2", "-extfile", ext, "-out", "cert.pem")
}

func tlsPhone(t *testing.T, rtpLow int, opts map[string]string, h Handler) *Phone {
	t.Helper()
	all := map[string]string{"transport": "tls"}
	for k, v := range opts {
		all[k] = v
	}
	return testPhoneWith(t, rtpLow, all, h)
}

// TestTLSCallBetweenPhones: a call over TLS verified against our own CA,
// audio and DTMF both ways; the same call without the CA fails
// verification, and succeeds again with tls_insecure.
func TestTLSCallBetweenPhones(t *testing.T) {
	dir := t.TempDir()
	makeCA(t, dir)
	certs := map[string]string{
		"cert_file": filepath.Join(dir, "cert.pem"),
		"key_file":  filepath.Join(dir, "key.pem"),
		"ca_file":   filepath.Join(dir, "ca.pem"),
	}
	in := newIncoming()
	b := tlsPhone(t, 42500, certs, in.handler(true))
	a := tlsPhone(t, 42550, certs, Handler{})
	port, _ := b.Option("sip_port")
	target := "sip:b@127.0.0.1:" + port

	ca, err := a.Call(target)
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, ca, Answered, 5*time.Second)
	cb := in.next(t)
	waitState(t, cb, Answered, 5*time.Second)
	go func() { _ = writeTone(ca, 440, 1500*time.Millisecond) }()
	if f, rms := readFor(t, cb, 1500*time.Millisecond); f < 430 || f > 450 || rms < 1000 {
		t.Errorf("over TLS, b heard %.1f Hz rms %.0f", f, rms)
	}
	if err := cb.SendDTMF("9#", 0); err != nil {
		t.Fatal(err)
	}
	var got string
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline) && len(got) < 2; {
		got += ca.GetDTMF(-1)
		time.Sleep(50 * time.Millisecond)
	}
	if got != "9#" {
		t.Errorf("a got digits %q", got)
	}
	// b hangs up: its BYE opens a TLS connection to a's listener.
	if err := cb.Hangup(); err != nil {
		t.Fatal(err)
	}
	waitState(t, ca, Ended, 5*time.Second)

	// Without our CA (system store only) the server is not trusted.
	// The handshake happens when the INVITE is sent, so Call fails at once.
	c := tlsPhone(t, 42600, nil, Handler{})
	if _, err := c.Call(target); !errors.Is(err, ErrNetwork) || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("call to an untrusted server: %v, want a certificate error", err)
	}

	// tls_insecure skips the check.
	d := tlsPhone(t, 42650, map[string]string{"tls_insecure": "1"}, Handler{})
	cd, err := d.Call(target)
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, cd, Answered, 5*time.Second)
	if err := cd.Hangup(); err != nil {
		t.Fatal(err)
	}
}

func writeFile(path, s string) error { return os.WriteFile(path, []byte(s), 0o600) }

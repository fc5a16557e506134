package voip

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Kamailio with its TLS module (kamailio-tls-modules) as registrar and
// proxy over TLS: its own instance on udp/tcp 5190 and tls 5191 (the other
// Kamailio tests use 5161), certificates made by the test with openssl.

const (
	kamailioTLSBase = 5190 // udp/tcp; TLS on the next port
	kamailioTLSPort = kamailioTLSBase + 1
)

// tlsRig is the certificates of a Kamailio TLS test: a CA, Kamailio's
// certificate for the name "localhost" only (not 127.0.0.1), and a phone
// certificate (client and listener) for 127.0.0.1.
type tlsRig struct{ dir, ca, phoneCert, phoneKey string }

func makeTLSRig(t *testing.T, dir string) tlsRig {
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
		"-subj", "/CN=libvoip TLS test CA", "-keyout", "ca.key", "-out", "ca.pem")
	for name, san := range map[string]string{"kamailio": "DNS:localhost", "phone": "IP:127.0.0.1,DNS:localhost"} {
		run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN="+name,
			"-keyout", name+".key", "-out", name+".csr")
		ext := filepath.Join(dir, name+".cnf")
		if err := writeFile(ext, "subjectAltName="+san+"\nextendedKeyUsage=serverAuth,clientAuth\n"); err != nil {
			t.Fatal(err)
		}
		run("x509", "-req", "-in", name+".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
			"-CAcreateserial", "-days", "2", "-extfile", ext, "-out", name+".pem")
	}
	return tlsRig{dir: dir, ca: filepath.Join(dir, "ca.pem"),
		phoneCert: filepath.Join(dir, "phone.pem"), phoneKey: filepath.Join(dir, "phone.key")}
}

// startKamailioTLS writes Kamailio's tls.cfg (mutual TLS: a client
// certificate signed by the CA is required) into its run directory and
// starts it with WITH_TLS.
func startKamailioTLS(t *testing.T) tlsRig {
	t.Helper()
	if _, err := os.Stat("/usr/lib/x86_64-linux-gnu/kamailio/modules/tls.so"); err != nil {
		if _, err2 := exec.LookPath("kamailio"); err2 == nil && os.Getenv("CI") != "" {
			t.Fatal("Kamailio's tls module is not installed (kamailio-tls-modules)")
		}
		t.Skip("Kamailio's tls module is not installed (kamailio-tls-modules)")
	}
	stopKamailio(kamailioTLSBase) // a leftover of an interrupted run
	run := kamailioEnvRun(kamailioTLSBase)
	if err := os.MkdirAll(run, 0o700); err != nil {
		t.Fatal(err)
	}
	rig := makeTLSRig(t, t.TempDir())
	cfg := "[server:default]\nmethod = TLSv1.2+\nverify_certificate = yes\nrequire_certificate = yes\n" +
		"private_key = " + filepath.Join(rig.dir, "kamailio.key") + "\ncertificate = " + filepath.Join(rig.dir, "kamailio.pem") +
		"\nca_list = " + rig.ca + "\n\n[client:default]\nmethod = TLSv1.2+\nverify_certificate = yes\n" +
		"require_certificate = yes\nca_list = " + rig.ca + "\n"
	if err := writeFile(filepath.Join(run, "tls.cfg"), cfg); err != nil {
		t.Fatal(err)
	}
	startKamailio(t, kamailioTLSBase, "WITH_TLS", "NO_INVITE_AUTH")
	return rig
}

// kamailioEnvRun is KAMAILIO_RUN of kamailioEnv(port).
func kamailioEnvRun(port int) string {
	for _, kv := range kamailioEnv(port) {
		if v, ok := strings.CutPrefix(kv, "KAMAILIO_RUN="); ok {
			return v
		}
	}
	return ""
}

// tlsPBXPhone is a phone of user registering over TLS with server, with
// the rig's CA and client certificate and more options.
func tlsPBXPhone(t *testing.T, rig tlsRig, user string, rtpLow int, server string, more map[string]string, h Handler) *Phone {
	t.Helper()
	opts := map[string]string{"transport": "tls", "ca_file": rig.ca,
		"cert_file": rig.phoneCert, "key_file": rig.phoneKey}
	for k, v := range more {
		opts[k] = v
	}
	p := pbxPhone(t, user, user+"pw", rtpLow, opts, h)
	if err := p.SetOption("server", server); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestKamailioTLS: alice and bob register with Kamailio over TLS (mutual
// TLS: each presents its certificate), and alice calls bob by a sips: URI
// through it, SRTP mandatory on top: audio both ways, encrypted. A phone
// naming the server by an address its certificate does not carry is
// refused with a certificate error, and one without a client certificate
// is refused by Kamailio.
func TestKamailioTLS(t *testing.T) {
	rig := startKamailioTLS(t)
	server := "localhost:" + strconv.Itoa(kamailioTLSPort)
	srtp := map[string]string{"media_encryption": "mandatory"}

	inB := newIncoming()
	bob := tlsPBXPhone(t, rig, "bob", 39200, server, srtp, inB.handler(true))
	alice := tlsPBXPhone(t, rig, "alice", 39250, server, srtp, Handler{})
	for _, p := range []*Phone{bob, alice} {
		if err := p.Start(); err != nil {
			t.Fatal(err)
		}
		waitStatus(t, p, PhoneRegistered, 10*time.Second)
	}
	contacts := kamailioContacts(t, kamailioTLSBase)
	if !strings.Contains(contacts, "AoR: bob") || !strings.Contains(strings.ToLower(contacts), "transport=tls") {
		t.Fatalf("bob is not registered over TLS:\n%s", contacts)
	}

	ca, err := alice.Call("sips:bob@" + server)
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, ca, Answered, 10*time.Second)
	cb := inB.next(t)
	waitState(t, cb, Answered, 5*time.Second)
	for _, c := range []*Call{ca, cb} {
		if got := info(t, c, "media_encryption"); got != "sdes" {
			t.Fatalf("media_encryption %q through Kamailio over TLS", got)
		}
	}
	exchangeTones(t, ca, cb)
	if err := ca.Hangup(); err != nil {
		t.Fatal(err)
	}
	waitState(t, cb, Ended, 5*time.Second)

	// The server named by an address its certificate does not carry.
	wrong := tlsPBXPhone(t, rig, "carol", 39300, "127.0.0.1:"+strconv.Itoa(kamailioTLSPort), nil, Handler{})
	if err := wrong.Start(); err == nil {
		waitStatus(t, wrong, PhoneFailed, 10*time.Second)
	}
	if s, reason := wrong.Status(); s == PhoneRegistered || !strings.Contains(reason, "TLS certificate rejected") ||
		!strings.Contains(reason, "127.0.0.1") {
		t.Errorf("wrong server name: status %v %q, want a certificate name error", s, reason)
	}

	// No client certificate: Kamailio requires one.
	anon := tlsPBXPhone(t, rig, "carol", 39350, server, map[string]string{"cert_file": "", "key_file": ""}, Handler{})
	if err := anon.Start(); err == nil {
		waitStatus(t, anon, PhoneFailed, 10*time.Second)
	}
	if s, reason := anon.Status(); s == PhoneRegistered || reason == "" {
		t.Errorf("without a client certificate: status %v %q, want refused", s, reason)
	} else {
		t.Logf("without a client certificate: %v %q", s, reason)
	}
}

package nat

import (
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/libvoip/libvoip/internal/audiotest"
	"github.com/libvoip/libvoip/voip"
)

// Ports of the baresip ICE test (loopback): baresip SIP 5398 (its TLS
// 5399), ctrl 4498, RTP 20800-20849; libvoip RTP 20850-20899.
const (
	bsSIP    = "5398"
	bsCtrl   = "4498"
	bsRTPLow = "20800"
	bsRTPHi  = "20849"
)

// startBaresip runs baresip 1.0 on loopback with the interop tests'
// configuration plus its ice module and RTCP multiplexing (with RTCP on a
// port of its own, baresip wants an ICE candidate for it, which a
// single-socket peer has not), answering every call with a 440 Hz sine and
// recording what it receives as WAV into the returned directory. It returns
// the path of its log too.
func startBaresip(t *testing.T) (rec, log string) {
	t.Helper()
	if _, err := exec.LookPath("baresip"); err != nil {
		t.Skip("baresip is not installed (scripts/install-deps.sh installs baresip-core)")
	}
	src, err := os.ReadFile("../interop/baresip/config.in")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rec = filepath.Join(dir, "rec")
	conf := filepath.Join(dir, "conf")
	for _, d := range []string{rec, conf} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cfg := strings.NewReplacer("@SIP_PORT@", bsSIP, "@CTRL_PORT@", bsCtrl, "@RTP_LO@", bsRTPLow,
		"@RTP_HI@", bsRTPHi, "@TONE_HZ@", "440", "@REC_DIR@", rec).Replace(string(src))
	cfg = strings.Replace(cfg, "rtcp_mux\t\tno", "rtcp_mux\t\tyes", 1)
	cfg += "module\t\t\tice.so\n"
	files := map[string]string{
		"config":   cfg,
		"accounts": "<sip:bob@127.0.0.1:" + bsSIP + ">;regint=0;audio_codecs=PCMU/8000/1;ptime=20;medianat=ice;answermode=auto\n",
		"contacts": "",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(conf, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	log = filepath.Join(dir, "baresip.log")
	f, err := os.Create(log)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("baresip", "-4", "-f", conf)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait(); _ = f.Close() })
	for i := 0; i < 100; i++ {
		if b, _ := os.ReadFile(log); strings.Contains(string(b), "baresip is ready") {
			return rec, log
		}
		time.Sleep(100 * time.Millisecond)
	}
	b, _ := os.ReadFile(log)
	t.Fatalf("baresip did not start:\n%s", b)
	return "", ""
}

// TestICEWithBaresip: a libvoip phone with ice=1 calls baresip with its ice
// module on loopback: both agents complete their checks, and audio flows
// both ways over the selected pair (440 Hz heard here, 1000 Hz in
// baresip's recording). No namespaces: runs as any user.
func TestICEWithBaresip(t *testing.T) {
	rec, log := startBaresip(t)
	cfg := voip.DefaultConfig()
	for k, v := range map[string]string{"bind_ip": "127.0.0.1", "bind_port": "0", "ice": "1",
		"rtp_port_low": "20850", "rtp_port_high": "20899"} {
		if err := cfg.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	p := voip.NewPhone(cfg)
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	defer p.Close(true)
	c, err := p.Call("sip:bob@127.0.0.1:" + bsSIP)
	if err != nil {
		t.Fatal(err)
	}
	line := callAndReport(t, c, 1000)
	t.Logf("libvoip: %s", line)
	if !hears(t, line, 440) {
		t.Errorf("libvoip did not hear baresip's 440 Hz over ICE: %s", line)
	}
	if !strings.Contains(line, `ice="host 127.0.0.1:`) {
		t.Errorf("no ICE pair selected: %s", line)
	}
	_ = c.Hangup()
	waitLog(t, log, "connectivity check is complete")
	hz, level := recordedTone(t, rec)
	t.Logf("baresip recorded %.1f Hz at rms %.0f", hz, level)
	if hz < 990 || hz > 1010 || level < 1000 {
		t.Errorf("baresip recorded %.1f Hz at rms %.0f, want 1000 Hz", hz, level)
	}
}

// callAndReport waits for c to be answered, exchanges tones (freq from
// us) and returns the RESULT line runPhone would print.
func callAndReport(t *testing.T, c *voip.Call, freq float64) string {
	t.Helper()
	if err := waitAnswered(c); err != nil {
		t.Fatal(err)
	}
	hz, level := exchange(c, freq)
	pair, _ := c.Info("ice")
	return "RESULT freq=" + ftoa(hz) + " rms=" + ftoa(level) + ` ice="` + pair + `"`
}

// waitLog waits until the file log holds want.
func waitLog(t *testing.T, log, want string) {
	t.Helper()
	for i := 0; i < 50; i++ {
		if b, _ := os.ReadFile(log); strings.Contains(string(b), want) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	b, _ := os.ReadFile(log)
	t.Errorf("baresip never logged %q:\n%s", want, b)
}

// recordedTone is the dominant frequency and level of the first channel
// of baresip's recording of what it received (*-dec.wav), past its first
// second.
func recordedTone(t *testing.T, dir string) (float64, float64) {
	t.Helper()
	var files []string
	for i := 0; i < 50 && len(files) == 0; i++ {
		files, _ = filepath.Glob(filepath.Join(dir, "*-dec.wav"))
		time.Sleep(100 * time.Millisecond)
	}
	if len(files) == 0 {
		t.Fatal("baresip recorded nothing")
	}
	time.Sleep(300 * time.Millisecond) // the file is complete once the call ended
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	pcm, rate, err := wavFirstChannel(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(pcm) > rate {
		pcm = pcm[rate:]
	}
	return audiotest.DominantFrequency(pcm, rate)
}

// wavFirstChannel reads a 16-bit PCM WAV file: its first channel and rate.
func wavFirstChannel(b []byte) ([]int16, int, error) {
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, 0, errors.New("not a WAV file")
	}
	var channels, rate int
	for off := 12; off+8 <= len(b); {
		id, size := string(b[off:off+4]), int(binary.LittleEndian.Uint32(b[off+4:]))
		body := b[off+8 : min(off+8+size, len(b))]
		switch id {
		case "fmt ":
			if len(body) < 16 || binary.LittleEndian.Uint16(body[14:]) != 16 {
				return nil, 0, errors.New("not 16-bit PCM")
			}
			channels, rate = int(binary.LittleEndian.Uint16(body[2:])), int(binary.LittleEndian.Uint32(body[4:]))
		case "data":
			if channels == 0 {
				return nil, 0, errors.New("data before fmt")
			}
			pcm := make([]int16, 0, len(body)/(2*channels))
			for i := 0; i+2*channels <= len(body); i += 2 * channels {
				pcm = append(pcm, int16(binary.LittleEndian.Uint16(body[i:])))
			}
			return pcm, rate, nil
		}
		off += 8 + size + size%2
	}
	return nil, 0, errors.New("no data chunk")
}

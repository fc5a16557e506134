package sip

import (
	"fmt"
	"math/rand"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	gosip "github.com/emiago/sipgo/sip"
)

// pathSource is the address the request path's messages come from.
const pathSource = "127.0.0.1:5099"

// fakeTx is a server transaction that records what is written to it: the
// request path runs our handlers without the network.
type fakeTx struct {
	mu   sync.Mutex
	wire [][]byte
	done chan struct{}
	once sync.Once
}

func newFakeTx() *fakeTx { return &fakeTx{done: make(chan struct{})} }

func (f *fakeTx) Respond(res *gosip.Response) error {
	f.mu.Lock()
	f.wire = append(f.wire, []byte(res.String()))
	f.mu.Unlock()
	if res.StatusCode >= 200 {
		f.Terminate()
	}
	return nil
}
func (f *fakeTx) Acks() <-chan *gosip.Request          { return nil }
func (f *fakeTx) OnCancel(gosip.FnTxCancel) bool       { return true }
func (f *fakeTx) Terminate()                           { f.once.Do(func() { close(f.done) }) }
func (f *fakeTx) OnTerminate(gosip.FnTxTerminate) bool { return true }
func (f *fakeTx) Done() <-chan struct{}                { return f.done }
func (f *fakeTx) Err() error                           { return nil }

// pathUA is a UA whose handlers the request path calls directly; every
// INVITE that reaches OnInvite is rejected 486.
func pathUA(tb testing.TB) *UA {
	tb.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		tb.Fatal(err)
	}
	u, err := NewUA(Config{Conn: conn, Host: "127.0.0.1", User: "fuzz",
		OnInvite: func(ic *IncomingCall) { _ = ic.Reject(486, "Busy Here") }})
	if err != nil {
		conn.Close()
		tb.Fatal(err)
	}
	tb.Cleanup(func() { u.Close() })
	return u
}

// lineFold is a header line fold: a line break followed by white space.
var lineFold = regexp.MustCompile(`\r?\n[ \t]+`)

// requestPath takes one raw datagram the way the UA does (screen, then
// sipgo's parser, then our handler for its method) and returns what the
// UA would send back, or an error naming the first answer that is not
// strict, that does not copy the request's headers, or that should not
// exist (an answer to an ACK; a passed request sipgo could not key).
func requestPath(u *UA, data []byte) ([][]byte, error) {
	v := screen(pathSource, data)
	isAck := strings.HasPrefix(strings.TrimLeft(string(data), "\r\n"), "ACK ")
	if v.reply != nil {
		if v.pass {
			return nil, fmt.Errorf("passed and answered")
		}
		res, err := strictResponse(v.reply)
		if err != nil {
			return nil, fmt.Errorf("raw answer: %w\n%q", err, v.reply)
		}
		if isAck {
			return nil, fmt.Errorf("an ACK was answered %d", res.StatusCode)
		}
		// The raw answer copies the Call-ID unfolded (RFC 3261 §7.3.1:
		// a line fold is one SP), so look for it in the unfolded request.
		flat := lineFold.ReplaceAllString(string(data), " ")
		if id := res.CallID().Value(); !strings.Contains(flat, "\n"+id) && !strings.Contains(flat, " "+id) &&
			!strings.Contains(flat, ":"+id) {
			return nil, fmt.Errorf("raw answer's Call-ID %q is not the request's", res.CallID().Value())
		}
		return [][]byte{v.reply}, nil
	}
	if !v.pass {
		return nil, nil
	}
	msg, err := gosip.NewParser().ParseSIP(data)
	if err != nil {
		return nil, fmt.Errorf("passed but does not parse: %v", err)
	}
	req, ok := msg.(*gosip.Request)
	if !ok {
		return nil, nil // a response: for the transaction layer
	}
	req.SetSource(pathSource)
	req.SetTransport("UDP")
	if !transactionKeyable(req) {
		return nil, fmt.Errorf("passed a request sipgo cannot key (it would answer a stateless 400)")
	}
	h := u.handlers()[req.Method]
	if h == nil {
		h = u.handleUnknown
	}
	tx := newFakeTx()
	h(req, tx)
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if req.IsAck() && len(tx.wire) > 0 {
		return nil, fmt.Errorf("an ACK was answered: %q", tx.wire[0])
	}
	for _, w := range tx.wire {
		res, err := strictResponse(w)
		if err != nil {
			return nil, fmt.Errorf("answer: %w\n%q", err, w)
		}
		if err := echoesRequest(res, req); err != nil {
			return nil, fmt.Errorf("answer: %w\n%q", err, w)
		}
	}
	return tx.wire, nil
}

// pathSeeds are the RFC 4475 messages (when the corpus is there) and a
// few of our own.
func pathSeeds() [][]byte {
	var seeds [][]byte
	files, _ := filepath.Glob(filepath.Join(tortureDir, "*.dat"))
	sort.Strings(files)
	for _, fn := range files {
		if data, err := os.ReadFile(fn); err == nil {
			seeds = append(seeds, data)
		}
	}
	for _, s := range []string{
		"OPTIONS sip:fuzz@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bK1;rport\r\n" +
			"From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:fuzz@127.0.0.1>\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\n" +
			"Timestamp: 1\r\nRecord-Route: <sip:p@127.0.0.1;lr>\r\nContent-Length: 0\r\n\r\n",
		"INVITE sip:fuzz@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bK2\r\n" +
			"From: <sip:00:A>;tag=2\r\nTo: <sip:fuzz@127.0.0.1>\r\nCall-ID: c2\r\nCSeq: 1 INVITE\r\n" +
			"Contact: <sip:a@127.0.0.1:5099>\r\nContent-Length: 0\r\n\r\n",
		"ACK sip:fuzz@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5099;branch=x\r\n" +
			"From: <sip:a@127.0.0.1>\r\nTo: <sip:fuzz@127.0.0.1>\r\nCall-ID: c3\r\nCSeq: 1 ACK\r\n\r\n",
		"BYE sip:fuzz@127.0.0.1 SIP/7.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bK4\r\n" +
			"From: <sip:a@127.0.0.1>;tag=4\r\nTo: <sip:fuzz@127.0.0.1>;tag=5\r\nCall-ID: c4\r\nCSeq: 1 BYE\r\n\r\n",
		"MESSAGE sip:fuzz@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bK5\r\n" +
			"From: <sip:a@127.0.0.1>;tag=6\r\nTo: <sip:fuzz@127.0.0.1>\r\nCall-ID: c5\r\nCSeq: 1 MESSAGE\r\n" +
			"Require: x\x00y\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi",
	} {
		seeds = append(seeds, []byte(s))
	}
	return seeds
}

// FuzzRequestPath: whatever datagram comes in, every answer the UA sends is
// a strict SIP/2.0 response (strictResponse) that copies the request's Via,
// From, To, Call-ID and CSeq; an ACK is never answered; nothing sipgo
// would answer by itself (a request it cannot key) gets through.
func FuzzRequestPath(f *testing.F) {
	for _, s := range pathSeeds() {
		f.Add(s)
	}
	u := pathUA(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := requestPath(u, data); err != nil {
			t.Fatal(err)
		}
	})
}

// mutate changes b in one to four random ways that fuzzers find answers
// with: a byte flipped, a control character or a line break inserted, a
// line dropped or repeated, a header value swapped for a hostile one.
func mutate(r *rand.Rand, b []byte) []byte {
	out := append([]byte(nil), b...)
	hostile := []string{"\x00", "\n", "\r", " ", ":", "<sip:00:A>", "SIP/7.0", "99999999999",
		";tag=", "z9hG4bK", "\"", "<", ">", ",", "%00", "sip:", "ACK", "\r\n\r\n"}
	for n := 1 + r.Intn(4); n > 0 && len(out) > 0; n-- {
		i := r.Intn(len(out))
		switch r.Intn(5) {
		case 0:
			out[i] ^= byte(1 << r.Intn(8))
		case 1:
			s := hostile[r.Intn(len(hostile))]
			out = append(out[:i], append([]byte(s), out[i:]...)...)
		case 2:
			lines := strings.Split(string(out), "\r\n")
			k := r.Intn(len(lines))
			lines = append(lines[:k], lines[k+1:]...)
			out = []byte(strings.Join(lines, "\r\n"))
		case 3:
			lines := strings.Split(string(out), "\r\n")
			k := r.Intn(len(lines))
			lines = append(lines[:k+1], lines[k:]...)
			out = []byte(strings.Join(lines, "\r\n"))
		case 4:
			j := i + r.Intn(min(16, len(out)-i))
			out = append(out[:i], append([]byte(hostile[r.Intn(len(hostile))]), out[j:]...)...)
		}
	}
	return out
}

// TestRequestPathMutations runs the request path over a fixed set of
// mutated messages (REQUEST_PATH_N of them, 3000 by default, seeded so
// every run sees the same ones) and counts the answers that are not
// well-formed: there must be none.
func TestRequestPathMutations(t *testing.T) {
	n := 3000
	if s := os.Getenv("REQUEST_PATH_N"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	u := pathUA(t)
	seeds := pathSeeds()
	r := rand.New(rand.NewSource(11))
	answers, bad := 0, 0
	var first error
	for i := 0; i < n; i++ {
		out, err := requestPath(u, mutate(r, seeds[r.Intn(len(seeds))]))
		answers += len(out)
		if err != nil {
			bad++
			if first == nil {
				first = err
			}
		}
	}
	t.Logf("%d mutated requests: %d answers, %d malformed or unwanted", n, answers, bad)
	if bad > 0 {
		t.Errorf("%d of %d mutated requests got a malformed or unwanted answer; first: %v", bad, n, first)
	}
}

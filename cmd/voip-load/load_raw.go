//go:build linux

package main

// The -media raw mode (the default): calls are set up with libvoip's SIP
// user agent (package sip: INVITE with an SDP offer, ACK, BYE), and their
// media is handled here, as cheaply as this generator knows how, so that
// it can hold more calls than the target it measures:
//
//   - each call has a plain non-blocking UDP socket (not in Go's netpoller);
//   - one goroutine sends every call's packet each 20 ms: a 12-byte header
//     and 160 bytes of a precomputed µ-law tone, one sendto per packet;
//   - one goroutine receives for every call: the sockets are in an epoll
//     set of our own, whose descriptor sits in Go's netpoller, so that one
//     wake-up drains all the sockets that have packets (recvmsg with
//     MSG_DONTWAIT) instead of one goroutine wake-up per packet;
//   - every packet carries its kernel receive timestamp (SO_TIMESTAMPNS).
//     On loopback the kernel stamps it while the sender's sendto delivers
//     it, so the intervals between a call's consecutive packets are the
//     answering side's send timing, measured for every call.
//
// Per packet received we track sequence numbers (loss, reordering), the
// interval to the previous packet, lateness against a 60 ms playout
// deadline anchored at the call's first packet, and whether the 20 ms of
// audio is the echoed tone or silence.

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/libvoip/libvoip/internal/audiotest"
	"github.com/libvoip/libvoip/rtp"
	"github.com/libvoip/libvoip/sip"
)

const (
	rtpHeader   = 12
	playoutMs   = 60 // the lateness deadline, like a 60 ms jitter buffer
	histBucketU = 10 // µs per bucket of the interval histogram
	histBuckets = 20000
)

// rawCall is one generated call.
type rawCall struct {
	callSetup
	idx    int
	fd     int
	port   int
	to     syscall.SockaddrInet4
	remote netip.AddrPort
	oc     *sip.OutgoingCall
	ended  atomic.Bool // the target hung up

	// Sender goroutine only.
	seq     uint16
	ts      uint32
	ssrc    uint32
	toneOff int
	started bool

	// Receiver goroutine only.
	rx rawRx

	// Window counters, written by the sender/receiver, read after.
	sent, received, lost, late, frames, tone, gaps, other atomic.Uint64
	maxDevUs                                              atomic.Uint64
}

type rawRx struct {
	seen     bool
	maxExt   int64 // highest extended sequence number
	lastSeq  uint16
	lastAt   int64 // kernel time of the previous packet (ns)
	firstAt  int64
	firstTS  uint32
	seenTone bool
	winFirst int64 // first extended sequence number in the window; -1 none
	winMax   int64
	winRecv  uint64
}

// histogram of |interval - 20 ms| in 10 µs buckets.
type histogram struct {
	mu     sync.Mutex
	counts [histBuckets + 1]uint64
	n      uint64
	sum    float64
	max    float64
	over2  uint64
}

func (h *histogram) add(us float64) {
	i := int(us / histBucketU)
	if i > histBuckets {
		i = histBuckets
	}
	h.counts[i]++
	h.n++
	h.sum += us
	if us > h.max {
		h.max = us
	}
	if us > 2000 {
		h.over2++
	}
}

func (h *histogram) pct(p float64) float64 {
	if h.n == 0 {
		return 0
	}
	want := uint64(math.Ceil(p / 100 * float64(h.n)))
	var c uint64
	for i, k := range h.counts {
		c += k
		if c >= want {
			if i == histBuckets {
				return h.max
			}
			return float64(i+1) * histBucketU // upper edge of the bucket
		}
	}
	return h.max
}

// ulawAbs is |decoded sample| of each µ-law byte.
var ulawAbs = func() (t [256]int32) {
	for i := range t {
		v := int32(rtp.PCMU.Decode(nil, []byte{byte(i)})[0])
		if v < 0 {
			v = -v
		}
		t[i] = v
	}
	return t
}()

// ulawTone is one second of the tone in µ-law, twice (contiguous slices).
func ulawTone(hz float64) []byte {
	pcm := make([]int16, 8000)
	phase := 0.0
	audiotest.Tone(pcm, hz, 8000, 8000, &phase)
	one := rtp.PCMU.Encode(nil, pcm)
	return append(one, one...)
}

// rtpSocket binds a non-blocking UDP socket on 127.0.0.1 to the next free
// port of [*next, hi], with kernel receive timestamps.
func rtpSocket(ip [4]byte, next *int, hi int) (int, int, error) {
	for ; *next <= hi; *next++ {
		fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
		if err != nil {
			return -1, 0, err
		}
		if err := syscall.Bind(fd, &syscall.SockaddrInet4{Port: *next, Addr: ip}); err != nil {
			syscall.Close(fd)
			continue
		}
		_ = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_TIMESTAMPNS, 1)
		port := *next
		*next++
		return fd, port, nil
	}
	return -1, 0, errors.New("no free RTP port left in -rtp-ports")
}

func runLoadRaw(o options) error {
	sum, baseTarget, err := startSummary(o)
	if err != nil {
		return err
	}
	l, err := newRawLoad(o)
	if err != nil {
		return err
	}
	if err := l.startUA(); err != nil {
		return err
	}
	defer l.closeUA()
	stopReceiver, err := l.startReceiver()
	if err != nil {
		return err
	}
	stopSender := l.startSender()

	o.logf("placing %d calls to %s at %.0f/s (media: raw)", o.calls, o.target, o.rate)
	rampStart := time.Now()
	gen0, _ := readProc(os.Getpid())
	l.placeCalls(rampStart)
	endRamp(o, &sum, rampStart, len(l.calls), func(i int) *callSetup { return &l.calls[i].callSetup })
	var up []*rawCall
	for _, c := range l.calls {
		if c.failure == "" {
			up = append(up, c)
		}
	}

	pw, _, _ := measure(o, &l.measuring, len(up), nil, nil)
	pw.baseTarget, pw.gen0 = baseTarget, gen0
	sum.WindowSeconds = pw.win.Seconds()
	time.Sleep(50 * time.Millisecond) // packets of the window still in hand

	// Stop media, then hang up at the set-up rate (bounded).
	stopSender()
	stopReceiver()
	l.hangUp(&sum, up)
	l.closeSockets()

	expectedPerCall := uint64(pw.win / frameDur)
	for _, c := range up {
		sum.add(c.totals(), expectedPerCall)
	}
	sum.conclude()
	sum.SendTiming = l.hist.timing(len(up))
	return finish(o, &sum, len(up), pw,
		func(path string) error { return writeRawCalls(path, l.calls, expectedPerCall) })
}

// rawLoad is one -media raw run: its signalling, its calls and what the
// sender and receiver goroutines share.
type rawLoad struct {
	o              options
	bind           netip.AddrPort
	portLo, portHi int
	target         sip.URI
	ua             *sip.UA
	epfd           int // the receiver's epoll set
	calls          []*rawCall

	byFD      sync.Map // fd -> *rawCall: the calls the receiver serves
	measuring atomic.Bool
	hist      histogram

	activeMu sync.Mutex
	active   []*rawCall // the calls the sender serves
}

// newRawLoad checks the options a raw run adds to startSummary's.
func newRawLoad(o options) (*rawLoad, error) {
	bind, err := netip.ParseAddrPort(o.bind)
	if err != nil || !bind.Addr().Is4() {
		return nil, fmt.Errorf("-bind %q: want IPv4:PORT", o.bind)
	}
	l := &rawLoad{o: o, bind: bind}
	if _, err := fmt.Sscanf(o.rtpPorts, "%d-%d", &l.portLo, &l.portHi); err != nil || l.portLo < 1 || l.portHi > 65535 || l.portLo > l.portHi {
		return nil, fmt.Errorf("-rtp-ports %q: want LOW-HIGH", o.rtpPorts)
	}
	if l.target, err = sip.ParseURI(o.target); err != nil {
		return nil, fmt.Errorf("-target: %v", err)
	}
	return l, nil
}

// startUA starts signalling: libvoip's SIP user agent on its own socket.
func (l *rawLoad) startUA() error {
	conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(l.bind))
	if err != nil {
		return fmt.Errorf("SIP socket: %v", err)
	}
	_ = conn.SetReadBuffer(4 << 20)
	ua, err := sip.NewUA(sip.Config{Conn: conn, Host: l.bind.Addr().String(), User: "load", UserAgent: "voip-load"})
	if err != nil {
		conn.Close()
		return err
	}
	ua.Serve()
	l.ua = ua
	return nil
}

// closeUA ends signalling. The run's results are in hand by then and the
// process exits next, so there is nothing to do about a close error.
func (l *rawLoad) closeUA() {
	_ = l.ua.Close()
}

// startReceiver starts the goroutine that receives every call's media: an
// epoll set of our own, woken through Go's netpoller. stop closes the set
// and waits for the goroutine.
func (l *rawLoad) startReceiver() (stop func(), err error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	if err := syscall.SetNonblock(epfd, true); err != nil {
		syscall.Close(epfd)
		return nil, err
	}
	epFile := os.NewFile(uintptr(epfd), "epoll")
	epRaw, err := epFile.SyscallConn()
	if err != nil {
		epFile.Close()
		return nil, err
	}
	l.epfd = epfd
	done := make(chan struct{})
	go func() {
		defer close(done)
		receiveLoop(epRaw, epfd, &l.byFD, &l.measuring, &l.hist)
	}()
	return func() {
		epFile.Close()
		<-done
	}, nil
}

// startSender starts the goroutine that sends every active call's packet
// each 20 ms; stop ends it and waits for it.
func (l *rawLoad) startSender() (stop func()) {
	tone := ulawTone(l.o.toneHz)
	stopc, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		var pkt [rtpHeader + rtp.SamplesPerFrame]byte
		pace(stopc, func() { l.sendAll(pkt[:], tone) })
	}()
	return func() {
		close(stopc)
		<-done
	}
}

// sendAll sends the next packet of every active call the target has not
// hung up.
func (l *rawLoad) sendAll(pkt, tone []byte) {
	l.activeMu.Lock()
	list := l.active
	l.activeMu.Unlock()
	m := l.measuring.Load()
	for _, c := range list {
		if c.ended.Load() {
			continue
		}
		c.send(pkt, tone, m)
	}
}

// placeCalls places -calls calls at -rate from rampStart, each from its
// own RTP socket, and waits until each is answered or has failed.
func (l *rawLoad) placeCalls(rampStart time.Time) {
	l.calls = make([]*rawCall, l.o.calls)
	ip4 := l.bind.Addr().As4()
	nextPort := l.portLo
	var setup sync.WaitGroup
	for i := range l.calls {
		waitTurn(rampStart, i, l.o.rate)
		c := &rawCall{idx: i, callSetup: callSetup{placed: time.Now()}, ssrc: rand.Uint32(), seq: uint16(rand.Uint32()), ts: rand.Uint32()}
		l.calls[i] = c
		fd, port, err := rtpSocket(ip4, &nextPort, l.portHi)
		if err != nil {
			c.failure = err.Error()
			continue
		}
		c.fd, c.port = fd, port
		t := l.targetOf(i)
		setup.Add(1)
		go func() {
			defer setup.Done()
			l.setUp(c, t)
		}()
	}
	setup.Wait()
}

// targetOf is the URI the i-th call dials: with -users, the target's user
// gets the suffix i mod -users.
func (l *rawLoad) targetOf(i int) sip.URI {
	t := l.target
	if l.o.users > 0 {
		t.User = l.target.User + strconv.Itoa(i%l.o.users)
	}
	return t
}

// setUp dials c and, once it is answered, hands it to the receiver and the
// sender; c.failure says why not.
func (l *rawLoad) setUp(c *rawCall, target sip.URI) {
	c.failure = c.dial(l.ua, target, l.bind.Addr(), l.o.setupTimeout)
	if c.failure != "" {
		return
	}
	c.answered = time.Now()
	l.byFD.Store(c.fd, c)
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(c.fd)}
	if err := syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_ADD, c.fd, &ev); err != nil {
		c.failure = "epoll: " + err.Error()
		return
	}
	l.activeMu.Lock()
	l.active = append(l.active, c)
	l.activeMu.Unlock()
}

// hangUp sends a BYE, at the set-up rate, for each call of up the target
// has not ended, and waits for the answers (bounded).
func (l *rawLoad) hangUp(sum *summary, up []*rawCall) {
	l.o.logf("hanging up")
	var byes sync.WaitGroup
	hang := time.Now()
	for i, c := range up {
		waitTurn(hang, i, l.o.rate)
		if c.ended.Load() {
			continue
		}
		byes.Add(1)
		go func() {
			defer byes.Done()
			ctx, cancel := context.WithTimeout(context.Background(), l.o.teardownTimeout)
			_ = c.oc.Bye(ctx)
			cancel()
		}()
	}
	byeDone := make(chan struct{})
	go func() { byes.Wait(); close(byeDone) }()
	select {
	case <-byeDone:
	case <-time.After(l.o.teardownTimeout + 5*time.Second):
		sum.GeneratorNotes = append(sum.GeneratorNotes, "some BYEs were not answered in time")
	}
}

// closeSockets closes every call's RTP socket.
func (l *rawLoad) closeSockets() {
	for _, c := range l.calls {
		if c.fd > 0 {
			syscall.Close(c.fd)
		}
	}
}

// totals are the call's counts over the window.
func (c *rawCall) totals() callTotals {
	return callTotals{endedEarly: c.ended.Load(), sent: c.sent.Load(), received: c.received.Load(),
		lost: int64(c.lost.Load()), late: c.late.Load(), frames: c.frames.Load(), tone: c.tone.Load(), gaps: c.gaps.Load()}
}

// timing summarises the histogram of every call's packet intervals.
func (h *histogram) timing(calls int) *timingSummary {
	h.mu.Lock()
	defer h.mu.Unlock()
	ts := &timingSummary{Source: "kernel receive timestamps (SO_TIMESTAMPNS) of every call's packets on loopback",
		Calls: calls, Intervals: int(h.n), P50Us: h.pct(50), P99Us: h.pct(99), P999Us: h.pct(99.9), MaxUs: h.max, Over2ms: int(h.over2)}
	if h.n > 0 {
		ts.MeanUs = h.sum / float64(h.n)
	}
	return ts
}

// dial places the call and waits for the answer; "" on success, else why
// it failed.
func (c *rawCall) dial(ua *sip.UA, target sip.URI, ip netip.Addr, timeout time.Duration) string {
	local := sip.LocalMedia{SessionID: uint64(c.idx) + 1, SessionVersion: 1, Username: "load", IP: ip, Port: c.port,
		Codecs: []sip.Codec{{PayloadType: 0, Name: "PCMU", ClockRate: 8000}}, DTMFPayloadType: 101, Direction: sip.SendRecv}
	offer, err := sip.BuildOffer(local)
	if err != nil {
		return "offer: " + err.Error()
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	oc, err := ua.Invite(ctx, target, offer, ip.String())
	if err != nil {
		return "invite: " + err.Error()
	}
	c.oc = oc
	oc.OnBye(func() { c.ended.Store(true) })
	body, err := oc.WaitAnswer(ctx, nil)
	if err != nil {
		var se *sip.StatusError
		if errors.As(err, &se) {
			return strconv.Itoa(se.Code)
		}
		if ctx.Err() != nil {
			return "not answered in " + timeout.String()
		}
		return err.Error()
	}
	if err := oc.Ack(context.Background()); err != nil {
		return "ack: " + err.Error()
	}
	neg, err := sip.ParseAnswer(body, local)
	if err != nil {
		return "answer: " + err.Error()
	}
	if neg.Codec.PayloadType != 0 || !neg.Remote.Addr().Is4() {
		return "answer: not PCMU over IPv4"
	}
	c.remote = neg.Remote
	c.to = syscall.SockaddrInet4{Port: int(neg.Remote.Port()), Addr: neg.Remote.Addr().As4()}
	return ""
}

// send sends the call's next 20 ms packet (sender goroutine only).
func (c *rawCall) send(pkt []byte, tone []byte, measuring bool) {
	pkt[0] = 0x80
	pkt[1] = 0 // PCMU
	if !c.started {
		pkt[1] |= 0x80
		c.started = true
	}
	binary.BigEndian.PutUint16(pkt[2:], c.seq)
	binary.BigEndian.PutUint32(pkt[4:], c.ts)
	binary.BigEndian.PutUint32(pkt[8:], c.ssrc)
	copy(pkt[rtpHeader:], tone[c.toneOff:c.toneOff+rtp.SamplesPerFrame])
	c.seq++
	c.ts += rtp.SamplesPerFrame
	c.toneOff = (c.toneOff + rtp.SamplesPerFrame) % (len(tone) / 2)
	if err := syscall.Sendto(c.fd, pkt, 0, &c.to); err == nil && measuring {
		c.sent.Add(1)
	}
}

func writeRawCalls(path string, calls []*rawCall, expected uint64) error {
	return writeJSONLines(path, len(calls), func(i int) map[string]any {
		c := calls[i]
		rec := map[string]any{"call": c.idx, "rtp_port": c.port}
		if c.failure != "" {
			rec["failure"] = c.failure
		} else {
			rec["setup_ms"] = float64(c.answered.Sub(c.placed).Microseconds()) / 1000
			rec["remote"] = c.remote.String()
			rec["sent"] = c.sent.Load()
			rec["received"] = c.received.Load()
			rec["expected"] = expected
			rec["lost_seq"] = c.lost.Load()
			rec["late"] = c.late.Load()
			rec["frames"] = c.frames.Load()
			rec["tone_frames"] = c.tone.Load()
			rec["gap_frames"] = c.gaps.Load()
			rec["max_interval_dev_us"] = c.maxDevUs.Load()
			if c.ended.Load() {
				rec["ended_early"] = true
			}
		}
		return rec
	})
}

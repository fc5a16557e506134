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
	"unsafe"

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
	idx      int
	fd       int
	port     int
	to       syscall.SockaddrInet4
	remote   netip.AddrPort
	oc       *sip.OutgoingCall
	placed   time.Time
	answered time.Time
	failure  string
	ended    atomic.Bool // the target hung up

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
	seen       bool
	maxExt     int64 // highest extended sequence number
	lastSeq    uint16
	lastAt     int64 // kernel time of the previous packet (ns)
	firstAt    int64
	firstTS    uint32
	seenTone   bool
	winFirst   int64 // first extended sequence number in the window; -1 none
	winMax     int64
	winRecv    uint64
	prevWasWin bool
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
	if o.calls < 1 || o.rate <= 0 || o.hold <= 0 {
		return errors.New("-calls, -rate and -hold must be positive")
	}
	sum := summary{Label: o.label, Target: o.target, Calls: o.calls, Failures: map[string]int{}, Time: time.Now().UTC().Format(time.RFC3339)}
	var baseTarget procSample
	if o.pid > 0 {
		var err error
		if baseTarget, err = readProc(o.pid); err != nil {
			return fmt.Errorf("-pid %d: %v", o.pid, err)
		}
	}
	bind, err := netip.ParseAddrPort(o.bind)
	if err != nil || !bind.Addr().Is4() {
		return fmt.Errorf("-bind %q: want IPv4:PORT", o.bind)
	}
	ip4 := bind.Addr().As4()
	var lo, hi int
	if _, err := fmt.Sscanf(o.rtpPorts, "%d-%d", &lo, &hi); err != nil || lo < 1 || hi > 65535 || lo > hi {
		return fmt.Errorf("-rtp-ports %q: want LOW-HIGH", o.rtpPorts)
	}
	target, err := sip.ParseURI(o.target)
	if err != nil {
		return fmt.Errorf("-target: %v", err)
	}

	// Signalling: libvoip's SIP user agent on its own socket.
	sipConn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(bind))
	if err != nil {
		return fmt.Errorf("SIP socket: %v", err)
	}
	_ = sipConn.SetReadBuffer(4 << 20)
	ua, err := sip.NewUA(sip.Config{Conn: sipConn, Host: bind.Addr().String(), User: "load", UserAgent: "voip-load"})
	if err != nil {
		return err
	}
	ua.Serve()
	defer ua.Close()

	// The receiver: an epoll set of our own, woken through Go's netpoller.
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return err
	}
	if err := syscall.SetNonblock(epfd, true); err != nil {
		return err
	}
	epFile := os.NewFile(uintptr(epfd), "epoll")
	epRaw, err := epFile.SyscallConn()
	if err != nil {
		return err
	}
	var byFD sync.Map // fd -> *rawCall
	var measuring atomic.Bool
	var hist histogram
	recvDone := make(chan struct{})
	go func() {
		defer close(recvDone)
		receiveLoop(epRaw, epfd, &byFD, &measuring, &hist)
	}()

	tone := ulawTone(o.toneHz)
	var (
		activeMu sync.Mutex
		active   []*rawCall
	)
	sendStop, sendDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(sendDone)
		var pkt [rtpHeader + rtp.SamplesPerFrame]byte
		start := time.Now()
		for n := 1; ; n++ {
			if d := time.Until(start.Add(time.Duration(n) * frameDur)); d > 0 {
				select {
				case <-sendStop:
					return
				case <-time.After(d):
				}
			} else {
				select {
				case <-sendStop:
					return
				default:
				}
				if -d > 5*frameDur {
					n += int(-d / frameDur)
				}
			}
			activeMu.Lock()
			list := active
			activeMu.Unlock()
			m := measuring.Load()
			for _, c := range list {
				if c.ended.Load() {
					continue
				}
				c.send(pkt[:], tone, m)
			}
		}
	}()

	// Ramp.
	o.logf("placing %d calls to %s at %.0f/s (media: raw)", o.calls, o.target, o.rate)
	calls := make([]*rawCall, o.calls)
	nextPort := lo
	var setup sync.WaitGroup
	rampStart := time.Now()
	gen0, _ := readProc(os.Getpid())
	for i := range calls {
		if d := time.Until(rampStart.Add(time.Duration(float64(i) / o.rate * float64(time.Second)))); d > 0 {
			time.Sleep(d)
		}
		c := &rawCall{idx: i, placed: time.Now(), ssrc: rand.Uint32(), seq: uint16(rand.Uint32()), ts: rand.Uint32()}
		calls[i] = c
		fd, port, err := rtpSocket(ip4, &nextPort, hi)
		if err != nil {
			c.failure = err.Error()
			continue
		}
		c.fd, c.port = fd, port
		t := target
		if o.users > 0 {
			t.User = target.User + strconv.Itoa(i%o.users)
		}
		setup.Add(1)
		go func() {
			defer setup.Done()
			c.failure = c.dial(ua, t, bind.Addr(), o.setupTimeout)
			if c.failure != "" {
				return
			}
			c.answered = time.Now()
			byFD.Store(c.fd, c)
			ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(c.fd)}
			if err := syscall.EpollCtl(epfd, syscall.EPOLL_CTL_ADD, c.fd, &ev); err != nil {
				c.failure = "epoll: " + err.Error()
				return
			}
			activeMu.Lock()
			active = append(active, c)
			activeMu.Unlock()
		}()
	}
	setup.Wait()
	rampEnd := time.Now()
	sum.RampSeconds = rampEnd.Sub(rampStart).Seconds()
	var setupMs []float64
	var up []*rawCall
	for _, c := range calls {
		if c.failure != "" {
			sum.Failed++
			sum.Failures[c.failure]++
			continue
		}
		sum.Answered++
		up = append(up, c)
		setupMs = append(setupMs, float64(c.answered.Sub(c.placed).Microseconds())/1000)
	}
	sum.SetupMs = percentilesOf(setupMs)
	if sum.RampSeconds > 0 {
		sum.SetupRate = float64(sum.Answered) / sum.RampSeconds
	}
	o.logf("%d answered, %d failed in %.1f s; settling %v", sum.Answered, sum.Failed, sum.RampSeconds, o.settle)
	time.Sleep(o.settle)

	// The measuring window.
	var t0, t1, gs0, gs1 procSample
	if o.pid > 0 {
		t0, _ = readProc(o.pid)
	}
	gs0, _ = readProc(os.Getpid())
	winStart := time.Now()
	measuring.Store(true)
	o.logf("measuring %d calls for %v", len(up), o.hold)
	time.Sleep(o.hold)
	measuring.Store(false)
	winEnd := time.Now()
	if o.pid > 0 {
		t1, _ = readProc(o.pid)
	}
	gs1, _ = readProc(os.Getpid())
	win := winEnd.Sub(winStart)
	sum.WindowSeconds = win.Seconds()
	time.Sleep(50 * time.Millisecond) // packets of the window still in hand

	// Stop media, then hang up at the set-up rate (bounded).
	close(sendStop)
	<-sendDone
	epFile.Close()
	<-recvDone
	o.logf("hanging up")
	var byes sync.WaitGroup
	hang := time.Now()
	for i, c := range up {
		if d := time.Until(hang.Add(time.Duration(float64(i) / o.rate * float64(time.Second)))); d > 0 {
			time.Sleep(d)
		}
		if c.ended.Load() {
			continue
		}
		byes.Add(1)
		go func() {
			defer byes.Done()
			ctx, cancel := context.WithTimeout(context.Background(), o.teardownTimeout)
			_ = c.oc.Bye(ctx)
			cancel()
		}()
	}
	byeDone := make(chan struct{})
	go func() { byes.Wait(); close(byeDone) }()
	select {
	case <-byeDone:
	case <-time.After(o.teardownTimeout + 5*time.Second):
		sum.GeneratorNotes = append(sum.GeneratorNotes, "some BYEs were not answered in time")
	}
	for _, c := range calls {
		if c.fd > 0 {
			syscall.Close(c.fd)
		}
	}

	// Totals.
	expectedPerCall := uint64(win / frameDur)
	for _, c := range up {
		if c.ended.Load() {
			sum.EndedEarly++
		}
		p := &sum.Packets
		p.Sent += c.sent.Load()
		recv := c.received.Load()
		p.Received += recv
		lost := c.lost.Load()
		p.LostSeq += int64(lost)
		if lost > 0 {
			p.CallsWithLoss++
		}
		p.Expected += expectedPerCall
		if recv+1 < expectedPerCall {
			p.Deficit += expectedPerCall - recv
		}
		p.Late += c.late.Load()
		a := &sum.Audio
		a.Frames += c.frames.Load()
		a.ToneFrames += c.tone.Load()
		a.GapFrames += c.gaps.Load()
		if c.gaps.Load() > 0 {
			a.CallsWithGaps++
		}
		if c.tone.Load() == 0 {
			a.CallsNoTone++
		}
	}
	if d := float64(sum.Packets.Received) + float64(sum.Packets.LostSeq); d > 0 {
		sum.Packets.LossPct = 100 * float64(sum.Packets.LostSeq) / d
	}
	if sum.Audio.Frames > 0 {
		sum.Audio.GapPct = 100 * float64(sum.Audio.GapFrames) / float64(sum.Audio.Frames)
	}
	sum.NoLoss = sum.Failed == 0 && sum.EndedEarly == 0 && sum.Packets.LostSeq == 0 && sum.Packets.Deficit == 0
	hist.mu.Lock()
	ts := &timingSummary{Source: "kernel receive timestamps (SO_TIMESTAMPNS) of every call's packets on loopback",
		Calls: len(up), Intervals: int(hist.n), P50Us: hist.pct(50), P99Us: hist.pct(99), P999Us: hist.pct(99.9), MaxUs: hist.max, Over2ms: int(hist.over2)}
	if hist.n > 0 {
		ts.MeanUs = hist.sum / float64(hist.n)
	}
	hist.mu.Unlock()
	sum.SendTiming = ts
	return finish(o, &sum, len(up), procWindow{win: win, baseTarget: baseTarget, t0: t0, t1: t1, gen0: gen0, gs0: gs0, gs1: gs1},
		func(path string) error { return writeRawCalls(path, calls, expectedPerCall) })
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

// receiveLoop drains the ready sockets each time the epoll set is readable.
func receiveLoop(raw syscall.RawConn, epfd int, byFD *sync.Map, measuring *atomic.Bool, hist *histogram) {
	events := make([]syscall.EpollEvent, 256)
	var buf [1500]byte
	var oob [64]byte
	var from syscall.RawSockaddrInet4
	var iov syscall.Iovec
	var msg syscall.Msghdr
	for {
		err := raw.Read(func(uintptr) bool {
			// Drain until no socket is ready: Go's netpoller watches our
			// epoll descriptor edge-triggered, so what is left unread
			// might not wake us again. Bounded: after many rounds, go
			// round the outer loop (which calls us again at once).
			for round := 0; round < 1000; round++ {
				n, err := syscall.EpollWait(epfd, events, 0)
				if err != nil {
					return !errors.Is(err, syscall.EINTR) // EBADF: closed
				}
				if n <= 0 {
					return false // nothing ready: wait for readiness
				}
				m := measuring.Load()
				hist.mu.Lock()
				for _, ev := range events[:n] {
					v, ok := byFD.Load(int(ev.Fd))
					if !ok {
						continue
					}
					c := v.(*rawCall)
					for k := 0; k < 8; k++ { // a few packets per socket per round
						iov.Base = &buf[0]
						iov.SetLen(len(buf))
						msg = syscall.Msghdr{Name: (*byte)(unsafe.Pointer(&from)), Namelen: syscall.SizeofSockaddrInet4,
							Iov: &iov, Iovlen: 1, Control: &oob[0]}
						msg.SetControllen(len(oob))
						r, _, e := syscall.Syscall(syscall.SYS_RECVMSG, uintptr(ev.Fd), uintptr(unsafe.Pointer(&msg)), syscall.MSG_DONTWAIT)
						if e != 0 {
							break
						}
						at, ok := timestampNS(oob[:msg.Controllen])
						if !ok {
							at = time.Now().UnixNano()
						}
						port := int(binary.BigEndian.Uint16((*[2]byte)(unsafe.Pointer(&from.Port))[:]))
						if port != int(c.remote.Port()) || from.Addr != c.to.Addr {
							continue
						}
						c.receive(buf[:r], at, m, hist)
					}
				}
				hist.mu.Unlock()
			}
			return true
		})
		if err != nil {
			return // closed
		}
	}
}

// receive accounts for one packet (receiver goroutine only).
func (c *rawCall) receive(b []byte, at int64, measuring bool, hist *histogram) {
	if len(b) < rtpHeader || b[0]>>6 != 2 {
		return
	}
	pt := b[1] & 0x7f
	seq := binary.BigEndian.Uint16(b[2:])
	ts := binary.BigEndian.Uint32(b[4:])
	hlen := rtpHeader + 4*int(b[0]&0x0f)
	if b[0]&0x10 != 0 && len(b) >= hlen+4 { // header extension
		hlen += 4 + 4*int(binary.BigEndian.Uint16(b[hlen+2:]))
	}
	r := &c.rx
	var ext int64
	if !r.seen {
		r.seen = true
		r.maxExt = int64(seq)
		r.firstAt, r.firstTS = at, ts
		r.winFirst = -1
		ext = r.maxExt
	} else {
		ext = r.maxExt + int64(int16(seq-uint16(r.maxExt)))
		if ext > r.maxExt {
			r.maxExt = ext
		}
	}
	consecutive := r.lastAt != 0 && seq == r.lastSeq+1
	dev := math.Abs(float64(at-r.lastAt) - float64(frameDur))
	r.lastSeq, r.lastAt = seq, at
	if !measuring {
		return
	}
	if r.winFirst < 0 {
		r.winFirst, r.winMax = ext, ext
	}
	r.winMax = max(r.winMax, ext)
	r.winRecv++
	c.received.Add(1)
	if exp := int64(r.winMax-r.winFirst+1) - int64(r.winRecv); exp > 0 {
		c.lost.Store(uint64(exp))
	} else {
		c.lost.Store(0)
	}
	if consecutive {
		us := dev / 1000
		hist.add(us)
		if uint64(us) > c.maxDevUs.Load() {
			c.maxDevUs.Store(uint64(us))
		}
	}
	// Late: after a 60 ms playout deadline anchored at the first packet.
	due := r.firstAt + int64(int32(ts-r.firstTS))*int64(time.Second)/8000 + playoutMs*int64(time.Millisecond)
	if at > due {
		c.late.Add(1)
	}
	if pt != 0 || len(b) <= hlen {
		c.other.Add(1)
		return
	}
	payload := b[hlen:]
	var s int64
	for _, x := range payload {
		s += int64(ulawAbs[x])
	}
	c.frames.Add(1)
	if s/int64(len(payload)) >= toneThreshold {
		r.seenTone = true
		c.tone.Add(1)
	} else if r.seenTone {
		c.gaps.Add(1)
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

package voip

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libvoip/libvoip/internal/siptimers"

	gosip "github.com/emiago/sipgo/sip"
)

// flood counts what a raw INVITE flood got back, once per INVITE (the
// phone retransmits the final responses nobody acknowledges).
type flood struct {
	seen                                       sync.Map // Call-ID → struct{}
	answered, refused, retryAfter, other, byes atomic.Int64
}

// run sends n INVITEs spread over d from r, each with a new Call-ID,
// acknowledging the 200 OKs of all but every noAckEvery-th (0: all) and
// answering the phone's BYEs, and keeps reading until stop is closed. It
// sends no RTP.
func (f *flood) run(r *rawCaller, n int, d time.Duration, noAckEvery int, stop chan struct{}) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			m := r.read(time.Now().Add(100 * time.Millisecond))
			switch m := m.(type) {
			case *gosip.Response:
				f.count(r, m, noAckEvery)
			case *gosip.Request:
				if m.Method == gosip.BYE {
					f.byes.Add(1)
					r.reply(m, 200)
				}
			}
		}
	}()
	for i := 0; i < n; i++ {
		r.invite(fmt.Sprintf("flood-%d@test", i), "sendrecv")
		time.Sleep(d / time.Duration(n))
	}
	wg.Wait()
}

func (f *flood) count(r *rawCaller, res *gosip.Response, noAckEvery int) {
	if res.StatusCode < 200 || res.CSeq().MethodName != gosip.INVITE {
		return
	}
	if _, dup := f.seen.LoadOrStore(res.CallID().Value(), struct{}{}); dup {
		return
	}
	switch res.StatusCode {
	case 200:
		if noAckEvery == 0 || f.answered.Load()%int64(noAckEvery) != 0 {
			r.ack(res)
		}
		f.answered.Add(1)
	case 503:
		f.refused.Add(1)
		if h := res.GetHeader("Retry-After"); h != nil && h.Value() == "5" {
			f.retryAfter.Add(1)
		}
	default:
		f.other.Add(1)
	}
}

// heapAfterGC is the live heap after a collection.
func heapAfterGC() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestFloodReturnsToBaseline: 500 INVITEs in about two seconds, with no
// RTP, at a phone that answers every call, with max_calls=100 and
// rtp_timeout_ms=1000; the flooder acknowledges four 200 OKs in five and
// no 503. INVITEs beyond the limit get 503 with Retry-After, the phone
// never holds more than 100 calls, and once the flood is over it is back to
// zero calls, its goroutine count and its heap within a bounded time.
//
// It runs with short SIP timers (T1 50 ms, so Timer H is 3.2 s, not 32 s):
// the transactions of the unacknowledged answers are bounded by Timer H,
// which the test shortens to stay short itself.
func TestFloodReturnsToBaseline(t *testing.T) {
	if testing.Short() {
		t.Skip("a 2 s flood and up to 30 s of recovery")
	}
	if !siptimers.In(t, "TestFloodReturnsToBaseline", "") {
		return
	}
	const invites, maxCalls = 500, 100
	// The application answers every call and keeps nothing of it.
	h := Handler{IncomingCall: func(c *Call) { _ = c.Answer() }}
	p := testPhoneWith(t, 46000, map[string]string{
		"max_calls": fmt.Sprint(maxCalls), "rtp_timeout_ms": "1000", "rtp_port_high": "46999",
	}, h)
	// A first call starts what lives as long as the process (the RTP
	// receiver) before the baseline is taken.
	warm := newRawCaller(t, p)
	warm.call("warm-up@test", "sendrecv")
	deadline := time.Now().Add(10 * time.Second)
	for len(p.Calls()) > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	baseG, baseHeap := runtime.NumGoroutine(), heapAfterGC()

	var peak atomic.Int64
	watching := make(chan struct{})
	go func() {
		for {
			select {
			case <-watching:
				return
			case <-time.After(5 * time.Millisecond):
			}
			if n := int64(len(p.Calls())); n > peak.Load() {
				peak.Store(n)
			}
		}
	}()
	r := newRawCaller(t, p)
	var f flood
	stop := make(chan struct{})
	done := make(chan struct{})
	start := time.Now()
	go func() { f.run(r, invites, 2*time.Second, 5, stop); close(done) }()

	// Back to baseline: no call, the goroutines of before (a small margin
	// for the runtime's own), the heap near where it was.
	var calls, g int
	var heap uint64
	var back time.Duration
	for {
		time.Sleep(250 * time.Millisecond)
		calls, g, heap = len(p.Calls()), runtime.NumGoroutine(), heapAfterGC()
		sent := time.Since(start) > 2*time.Second
		if sent && calls == 0 && g <= baseG+10 && heap <= baseHeap+4<<20 {
			back = time.Since(start)
			break
		}
		if time.Since(start) > 30*time.Second {
			close(stop)
			<-done
			close(watching)
			t.Fatalf("30 s after the flood began: %d calls (want 0), %d goroutines (baseline %d), heap %d bytes (baseline %d)",
				calls, g, baseG, heap, baseHeap)
		}
	}
	close(stop)
	<-done
	close(watching)
	t.Logf("noack: flood: %d INVITEs: %d answered, %d refused 503 (%d with Retry-After: 5), %d other; %d BYEs; peak %d calls",
		invites, f.answered.Load(), f.refused.Load(), f.retryAfter.Load(), f.other.Load(), f.byes.Load(), peak.Load())
	t.Logf("noack: flood: back to 0 calls and %d goroutines (baseline %d) %v after it began; heap %.1f MB (baseline %.1f MB)",
		g, baseG, back.Round(100*time.Millisecond), float64(heap)/1e6, float64(baseHeap)/1e6)
	if f.refused.Load() == 0 {
		t.Error("no INVITE was refused with 503 beyond max_calls")
	}
	if f.retryAfter.Load() != f.refused.Load() {
		t.Errorf("%d of %d 503s carry Retry-After: 5", f.retryAfter.Load(), f.refused.Load())
	}
	if got := f.answered.Load() + f.refused.Load(); got < invites*95/100 {
		t.Errorf("%d of %d INVITEs got 200 or 503", got, invites)
	}
	if peak.Load() > maxCalls {
		t.Errorf("the phone held %d calls at once, above max_calls %d", peak.Load(), maxCalls)
	}
}

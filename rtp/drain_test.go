package rtp

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestStreamDrain drives the clock by hand and checks that Drain returns
// on the first tick after the one that sent the last queued packet, never
// before.
func TestStreamDrain(t *testing.T) {
	tests := []struct {
		name        string
		digits      string // queued DTMF (40 ms each: 2 ticks)
		samples     int    // queued audio samples
		dtmf, audio bool   // what Drain waits for
		doneAtTick  int    // the tick whose start finds the queues empty
	}{
		{"nothing queued", "", 0, true, true, 1},
		{"one digit", "1", 0, true, false, 3},
		{"two digits and the gap between", "12", 0, true, false, 3 + DTMFGapTicks + 2},
		{"audio of two and a half frames", "", 400, false, true, 4},
		{"audio only does not wait for digits", "5", 160, false, true, 2},
		{"digits and audio", "5", 160, true, true, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := stNew(t, stConfig())
			if tc.digits != "" {
				if err := s.SendDTMF(tc.digits, 40*time.Millisecond); err != nil {
					t.Fatal(err)
				}
			}
			if tc.samples > 0 {
				if _, err := s.WriteAudio(make([]byte, 2*tc.samples), 0); err != nil {
					t.Fatal(err)
				}
			}
			done := make(chan error, 1)
			go func() { done <- s.Drain(context.Background(), tc.dtmf, tc.audio) }()
			stWaitFor(t, "the waiter", func() bool {
				s.mu.Lock()
				defer s.mu.Unlock()
				return s.drain.wait != nil
			})
			for tick := 1; tick <= tc.doneAtTick+1; tick++ {
				s.tick()
				select {
				case err := <-done:
					if err != nil {
						t.Fatal(err)
					}
					if tick != tc.doneAtTick {
						t.Fatalf("Drain returned after tick %d, want %d", tick, tc.doneAtTick)
					}
					return
				case <-time.After(30 * time.Millisecond):
				}
			}
			t.Fatalf("Drain still waiting after tick %d", tc.doneAtTick+1)
		})
	}
}

func TestStreamDrainEnds(t *testing.T) {
	s, _ := stNew(t, stConfig())
	if err := s.SendDTMF("1", 0); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if err := s.Drain(ctx, true, false); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Drain without ticks = %v, want the context's deadline", err)
	}
	go func() { time.Sleep(20 * time.Millisecond); s.Close() }()
	if err := s.Drain(context.Background(), true, true); !errors.Is(err, ErrClosed) {
		t.Fatalf("Drain of a closed stream = %v, want ErrClosed", err)
	}
}

func TestStreamFlushSend(t *testing.T) {
	s, peer := stNew(t, stConfig())
	tone := stBytes(FormatS16LE, stFrame(3, 3*SamplesPerFrame))
	if _, err := s.WriteAudio(tone, 0); err != nil {
		t.Fatal(err)
	}
	s.tick()
	if p := stRead(t, peer, s); p.payload[0] == silenceU && p.payload[80] == silenceU {
		t.Fatal("first frame is silence, want the tone")
	}
	if n := s.FlushSend(); n != 2*SamplesPerFrame {
		t.Fatalf("FlushSend dropped %d samples, want %d", n, 2*SamplesPerFrame)
	}
	s.tick()
	p := stRead(t, peer, s)
	for i, b := range p.payload {
		if b != silenceU {
			t.Fatalf("after FlushSend byte %d is %#x, want silence", i, b)
		}
	}
}

func TestStreamFlushReceived(t *testing.T) {
	s, _ := stNew(t, stConfig())
	s.mu.Lock()
	s.rx.push(stFrame(1, 3*SamplesPerFrame))
	s.mu.Unlock()
	if n := s.FlushReceived(); n != 3*SamplesPerFrame {
		t.Fatalf("FlushReceived dropped %d samples, want %d", n, 3*SamplesPerFrame)
	}
	buf := make([]byte, 2*SamplesPerFrame)
	if n, err := s.ReadAudio(buf, 0); n != 0 || !errors.Is(err, ErrTimeout) {
		t.Fatalf("read after FlushReceived = %d, %v; want 0, ErrTimeout", n, err)
	}
}

package main

import (
	"errors"
	"math"
	"testing"
	"time"
)

func TestImpairerLossRatio(t *testing.T) {
	const n = 20000
	tests := []struct {
		loss float64
		seed uint64
	}{
		{0, 1}, {0.05, 1}, {0.05, 2}, {0.05, 99}, {0.2, 1}, {0.2, 7}, {0.5, 3}, {1, 1},
	}
	for _, tt := range tests {
		p := newImpairer(Impairment{Loss: tt.loss}, tt.seed)
		dropped := 0
		for range n {
			if p.next().drop {
				dropped++
			}
		}
		got := float64(dropped) / n
		if math.Abs(got-tt.loss) > 0.01 {
			t.Errorf("loss %v seed %d: dropped %.4f of %d packets, want %v ± 0.01", tt.loss, tt.seed, got, n, tt.loss)
		}
	}
}

func TestImpairerSeedRepeats(t *testing.T) {
	im := Impairment{Loss: 0.2, Jitter: 30 * time.Millisecond, Reorder: 0.1, ReorderGap: 40 * time.Millisecond}
	seq := func(seed uint64) []verdict {
		p := newImpairer(im, seed)
		v := make([]verdict, 500)
		for i := range v {
			v[i] = p.next()
		}
		return v
	}
	a, b, c := seq(42), seq(42), seq(43)
	same := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("seed 42 gave two different decisions for packet %d: %+v, %+v", i, a[i], b[i])
		}
		if a[i] == c[i] {
			same++
		}
	}
	if same == len(a) {
		t.Error("seeds 42 and 43 gave the same 500 decisions")
	}
}

func TestImpairerWait(t *testing.T) {
	tests := []struct {
		name string
		im   Impairment
	}{
		{"fixed delay", Impairment{Delay: 30 * time.Millisecond}},
		{"delay and jitter", Impairment{Delay: 20 * time.Millisecond, Jitter: 15 * time.Millisecond}},
		{"reorder", Impairment{Delay: 10 * time.Millisecond, Reorder: 0.25, ReorderGap: 50 * time.Millisecond}},
		{"everything", Impairment{Loss: 0.2, Delay: 5 * time.Millisecond, Jitter: 10 * time.Millisecond,
			Reorder: 0.1, ReorderGap: 40 * time.Millisecond}},
	}
	const n = 10000
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newImpairer(tt.im, 5)
			held, kept := 0, 0
			minW, maxW := time.Duration(math.MaxInt64), time.Duration(0)
			for range n {
				v := p.next()
				if v.drop {
					continue
				}
				kept++
				w := v.wait
				if v.holdOff {
					held++
					w -= tt.im.ReorderGap
				}
				if w < tt.im.Delay || w > tt.im.Delay+tt.im.Jitter {
					t.Fatalf("wait %v (held back %v) outside [%v, %v]", v.wait, v.holdOff, tt.im.Delay, tt.im.Delay+tt.im.Jitter)
				}
				minW, maxW = min(minW, w), max(maxW, w)
			}
			if got := float64(held) / float64(kept); math.Abs(got-tt.im.Reorder) > 0.015 {
				t.Errorf("held back %.4f of the packets kept, want %v", got, tt.im.Reorder)
			}
			if tt.im.Jitter > 0 && maxW-minW < tt.im.Jitter*9/10 {
				t.Errorf("waits span only %v..%v for jitter %v", minW, maxW, tt.im.Jitter)
			}
		})
	}
}

func TestImpairmentValidate(t *testing.T) {
	tests := []struct {
		im Impairment
		ok bool
	}{
		{Impairment{}, true},
		{Impairment{Loss: 1, Reorder: 1, Delay: time.Second, Jitter: time.Second, ReorderGap: time.Second}, true},
		{Impairment{Loss: -0.1}, false},
		{Impairment{Loss: 1.01}, false},
		{Impairment{Reorder: 2}, false},
		{Impairment{Delay: -time.Millisecond}, false},
		{Impairment{Jitter: -time.Millisecond}, false},
		{Impairment{ReorderGap: -time.Millisecond}, false},
	}
	for _, tt := range tests {
		err := tt.im.Validate()
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrBadImpairment)) {
			t.Errorf("%+v: Validate() = %v, want ok=%v (ErrBadImpairment otherwise)", tt.im, err, tt.ok)
		}
	}
}

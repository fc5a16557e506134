package voip

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/libvoip/libvoip/rtp"
)

// maxCollectDigits bounds CollectOptions.MaxDigits: the received-digit
// queue holds no more.
const maxCollectDigits = maxQueuedDigits

// CollectOptions are the stop conditions of Call.CollectDTMF; zero values
// disable each one.
type CollectOptions struct {
	// MaxDigits stops once this many digits were collected (0: no limit;
	// at most 1024).
	MaxDigits int
	// Timeout bounds the whole collection, from the call of CollectDTMF.
	Timeout time.Duration
	// InterDigitTimeout stops when no digit follows the last one for this
	// long (it starts with the first digit).
	InterDigitTimeout time.Duration
	// Terminators are the keys that end the entry, e.g. "#"; the
	// terminator pressed is not part of the digits.
	Terminators string
}

// CollectStop says why CollectDTMF returned (voip.h's VOIP_COLLECT_*).
type CollectStop int32

// The reasons CollectDTMF stops.
const (
	CollectMaxDigits  CollectStop = iota + 1 // MaxDigits were collected
	CollectTerminator                        // a terminator was pressed
	CollectTimeout                           // Timeout passed
	CollectInterDigit                        // InterDigitTimeout passed after a digit
	CollectEnded                             // the call ended
	CollectCanceled                          // the context was done
)

var collectStopNames = [...]string{
	CollectMaxDigits: "max_digits", CollectTerminator: "terminator", CollectTimeout: "timeout",
	CollectInterDigit: "inter_digit_timeout", CollectEnded: "ended", CollectCanceled: "canceled",
}

// String is the reason's name: "max_digits", "terminator", "timeout",
// "inter_digit_timeout", "ended" or "canceled".
func (s CollectStop) String() string {
	if s > 0 && int(s) < len(collectStopNames) {
		return collectStopNames[s]
	}
	return fmt.Sprintf("CollectStop(%d)", int32(s))
}

// Collected is what CollectDTMF gathered.
type Collected struct {
	Digits     string      // the digits, oldest first, without the terminator
	Stop       CollectStop // why it stopped
	Terminator byte        // the terminator pressed (Stop == CollectTerminator), else 0
}

// check validates the options.
func (o CollectOptions) check() error {
	switch {
	case o.MaxDigits < 0 || o.MaxDigits > maxCollectDigits:
		return fmt.Errorf("%w: max digits %d is not 0..%d", ErrInvalidArgument, o.MaxDigits, maxCollectDigits)
	case o.Timeout < 0 || o.InterDigitTimeout < 0:
		return fmt.Errorf("%w: negative timeout", ErrInvalidArgument)
	}
	for i := 0; i < len(o.Terminators); i++ {
		if _, ok := rtp.DigitEvent(o.Terminators[i]); !ok {
			return fmt.Errorf("%w: terminator %q is not a DTMF digit (0-9 * # A-D)", ErrInvalidArgument, o.Terminators[i])
		}
	}
	return nil
}

// CollectDTMF gathers received digits until a stop condition of o: a key
// of o.Terminators, o.MaxDigits digits, o.Timeout in all, o.InterDigitTimeout
// after a digit, the end of the call, or ctx done (CollectCanceled). It
// takes the digits from the queue GetDTMF reads, so keys pressed before it
// was called count (Flush with FlushReceivedDTMF drops them first). Every
// stop condition returns the digits so far and a nil error; only invalid
// options are an error (ErrInvalidArgument).
func (c *Call) CollectDTMF(ctx context.Context, o CollectOptions) (Collected, error) {
	if err := o.check(); err != nil {
		return Collected{}, err
	}
	var overall, gap <-chan time.Time
	if o.Timeout > 0 {
		t := time.NewTimer(o.Timeout)
		defer t.Stop()
		overall = t.C
	}
	var gapTimer *time.Timer
	defer func() {
		if gapTimer != nil {
			gapTimer.Stop()
		}
	}()
	var got []byte
	for {
		res, wait, n := c.takeDigits(&got, o)
		if res.Stop != 0 {
			return res, nil
		}
		if n > 0 && o.InterDigitTimeout > 0 {
			if gapTimer == nil {
				gapTimer = time.NewTimer(o.InterDigitTimeout)
				gap = gapTimer.C
			} else {
				gapTimer.Reset(o.InterDigitTimeout)
			}
		}
		select {
		case <-wait:
		case <-c.life.Done():
		case <-overall:
			return Collected{Digits: string(got), Stop: CollectTimeout}, nil
		case <-gap:
			return Collected{Digits: string(got), Stop: CollectInterDigit}, nil
		case <-ctx.Done():
			return Collected{Digits: string(got), Stop: CollectCanceled}, nil
		}
	}
}

// takeDigits moves queued digits into *got until a stop condition; it
// returns the result when one was met, else a channel closed when the next
// digit arrives, and how many digits it took.
func (c *Call) takeDigits(got *[]byte, o CollectOptions) (Collected, <-chan struct{}, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for len(c.digits) > 0 {
		d := c.digits[0]
		c.digits = c.digits[1:]
		n++
		if strings.IndexByte(o.Terminators, d) >= 0 {
			return Collected{Digits: string(*got), Stop: CollectTerminator, Terminator: d}, nil, n
		}
		*got = append(*got, d)
		if o.MaxDigits > 0 && len(*got) >= o.MaxDigits {
			return Collected{Digits: string(*got), Stop: CollectMaxDigits}, nil, n
		}
	}
	if c.state == Ended {
		return Collected{Digits: string(*got), Stop: CollectEnded}, nil, n
	}
	if c.digitWait == nil {
		c.digitWait = make(chan struct{})
	}
	return Collected{}, c.digitWait, n
}

package media

import (
	"context"
	"sync"
)

// ending is the end of a player, tone or recording: a channel closed once,
// a reason, and the owner's callback (which must not block: it runs on the
// pacer goroutine or the caller's).
type ending struct {
	once   sync.Once
	done   chan struct{}
	reason string
	onEnd  func(reason string)
}

func newEnding(onEnd func(string)) ending {
	return ending{done: make(chan struct{}), onEnd: onEnd}
}

func (e *ending) finish(reason string) {
	e.once.Do(func() {
		e.reason = reason
		close(e.done)
		if e.onEnd != nil {
			e.onEnd(reason)
		}
	})
}

// Done is closed when the port has ended.
func (e *ending) Done() <-chan struct{} { return e.done }

// Wait blocks until the port ends or ctx is done, and returns why it ended
// ("finished", "stopped", "max duration", "error: ...") or ctx's error.
func (e *ending) Wait(ctx context.Context) (string, error) {
	select {
	case <-e.done:
		return e.reason, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// Reasons a port ends with.
const (
	ReasonFinished    = "finished"
	ReasonStopped     = "stopped"
	ReasonMaxDuration = "max duration"
)

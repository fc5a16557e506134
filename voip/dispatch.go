package voip

import "sync"

// dispatcher runs a phone's callbacks one at a time, in order, on its own
// goroutine. Posting never blocks and never runs the callback, so it is safe
// with any lock held; the callback itself runs with no lock held, so it may
// call back into the phone.
type dispatcher struct {
	mu     sync.Mutex
	cond   *sync.Cond
	queue  []func()
	closed bool
	done   chan struct{}
}

func newDispatcher() *dispatcher {
	d := &dispatcher{done: make(chan struct{})}
	d.cond = sync.NewCond(&d.mu)
	go d.run()
	return d
}

// post queues f; after close it is dropped.
func (d *dispatcher) post(f func()) {
	d.mu.Lock()
	if !d.closed {
		d.queue = append(d.queue, f)
		d.cond.Signal()
	}
	d.mu.Unlock()
}

// close delivers what is queued, then ends the goroutine; it waits for that
// unless called from a callback (which would wait for itself).
func (d *dispatcher) close(wait bool) {
	d.mu.Lock()
	d.closed = true
	d.cond.Signal()
	d.mu.Unlock()
	if wait {
		<-d.done
	}
}

func (d *dispatcher) run() {
	defer close(d.done)
	for {
		d.mu.Lock()
		for len(d.queue) == 0 && !d.closed {
			d.cond.Wait()
		}
		if len(d.queue) == 0 {
			d.mu.Unlock()
			return
		}
		batch := d.queue
		d.queue = nil
		d.mu.Unlock()
		for i, f := range batch {
			batch[i] = nil
			d.safeCall(f)
		}
	}
}

// safeCall runs one callback; a panic in it is contained so the phone's
// later callbacks still run.
func (d *dispatcher) safeCall(f func()) {
	defer func() { _ = recover() }()
	f()
}

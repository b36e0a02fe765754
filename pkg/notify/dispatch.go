package notify

import (
	"context"
	"hash/fnv"
	"sync"
)

// Target is where one event goes: a URL and a format.
type Target struct {
	URL    string
	Format string
}

// Dispatcher delivers events in the background: Notify never blocks (a
// full queue drops the event and says so), and a bounded number of workers
// send them with the Sender's retries. An application's events go through
// one worker, so its receiver gets them in the order they happened.
type Dispatcher struct {
	Sender *Sender
	// Resolve finds where an event goes; ok false when nowhere (no
	// notifier, or it does not want this type). Called by a worker.
	Resolve func(ctx context.Context, ev Event) (t Target, ok bool, err error)
	// Done is told every outcome: delivered (err nil), failed after the
	// attempts, or dropped (attempts 0).
	Done func(ev Event, attempts int, err error)
	// Queue bounds the events waiting per worker (100 when 0); Workers
	// send at once (2 when 0).
	Queue, Workers int

	once sync.Once
	jobs []chan Event
}

// ErrDropped is the outcome of an event the full queue could not take.
var ErrDropped = errDropped{}

type errDropped struct{}

func (errDropped) Error() string {
	return "the notification queue is full: event dropped rather than holding up the rollout"
}

func (d *Dispatcher) init() {
	d.once.Do(func() {
		d.jobs = make([]chan Event, or(d.Workers, 2))
		for i := range d.jobs {
			d.jobs[i] = make(chan Event, or(d.Queue, 100))
		}
	})
}

// Notify queues ev for its application's worker, or drops it when that
// queue is full.
func (d *Dispatcher) Notify(ev Event) {
	d.init()
	h := fnv.New32a()
	h.Write([]byte(ev.Namespace + "/" + ev.Application))
	select {
	case d.jobs[h.Sum32()%uint32(len(d.jobs))] <- ev:
	default:
		d.done(ev, 0, ErrDropped)
	}
}

// Start runs the workers until ctx ends (a manager Runnable).
func (d *Dispatcher) Start(ctx context.Context) error {
	d.init()
	var wg sync.WaitGroup
	for _, jobs := range d.jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case ev := <-jobs:
					d.deliver(ctx, ev)
				}
			}
		}()
	}
	wg.Wait()
	return nil
}

func (d *Dispatcher) deliver(ctx context.Context, ev Event) {
	t, ok, err := d.Resolve(ctx, ev)
	if err != nil {
		d.done(ev, 0, err)
		return
	}
	if !ok {
		return
	}
	body, err := Payload(t.Format, ev)
	if err != nil {
		d.done(ev, 0, err)
		return
	}
	attempts, err := d.Sender.Send(ctx, t.URL, body)
	d.done(ev, attempts, err)
}

func (d *Dispatcher) done(ev Event, attempts int, err error) {
	if d.Done != nil {
		d.Done(ev, attempts, err)
	}
}

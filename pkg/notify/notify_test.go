package notify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var ev = Event{Type: StepAchieved, Namespace: "shop", Application: "web", Release: "web-1a2b-2", Step: 1, StepName: "canary",
	Message: "step 1 (canary) achieved in every cluster", Time: time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)}

func TestPayload(t *testing.T) {
	body, err := Payload(FormatJSON, ev)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"StepAchieved","namespace":"shop","application":"web","release":"web-1a2b-2","step":1,"stepName":"canary","message":"step 1 (canary) achieved in every cluster","time":"2026-12-03T12:00:00Z"}`
	if string(body) != want {
		t.Errorf("JSON payload\n got %s\nwant %s", body, want)
	}
	body, err = Payload(FormatSlack, Event{Type: Aborted, Namespace: "shop", Application: "web", Release: "web-1a2b-2", Step: 2, StepName: "half", Message: "error-rate failed in eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"text":"*shop/web*: release ` + "`web-1a2b-2`" + ` aborted at step 2 (half): error-rate failed in eu-west-1"}`; string(body) != want {
		t.Errorf("Slack payload\n got %s\nwant %s", body, want)
	}
	if _, err := Payload("XML", ev); err == nil || !strings.Contains(err.Error(), `unknown notification format "XML"`) {
		t.Errorf("unknown format: %v", err)
	}
}

// receiver is a loopback HTTP server answering the statuses given, one per
// request (the last one after), and keeping the bodies it got.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	statuses []int
	bodies   []string
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	r := &receiver{statuses: statuses}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.bodies = append(r.bodies, string(b))
		status := r.statuses[min(len(r.bodies), len(r.statuses))-1]
		r.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.bodies...)
}

func TestSendRetries(t *testing.T) {
	s := &Sender{Backoff: time.Millisecond, Attempts: 3}
	// Two server errors, then delivered.
	r := newReceiver(t, 503, 500, 200)
	if n, err := s.Send(context.Background(), r.URL, []byte(`{}`)); err != nil || n != 3 {
		t.Errorf("503, 500, 200: %d attempts, %v; want delivered at the third", n, err)
	}
	// Server errors to the end: failed after every attempt.
	r = newReceiver(t, 502)
	if n, err := s.Send(context.Background(), r.URL, []byte(`{}`)); err == nil || n != 3 || !strings.Contains(err.Error(), "502") {
		t.Errorf("502 always: %d attempts, %v; want 3 and the status", n, err)
	}
	// A refusal is final.
	r = newReceiver(t, 404)
	if n, err := s.Send(context.Background(), r.URL, []byte(`{}`)); err == nil || n != 1 || !strings.Contains(err.Error(), "refused") {
		t.Errorf("404: %d attempts, %v; want 1 and a refusal", n, err)
	}
	// Nobody listening: tried again, then failed.
	r = newReceiver(t, 200)
	url := r.URL
	r.Close()
	if n, err := s.Send(context.Background(), url, []byte(`{}`)); err == nil || n != 3 {
		t.Errorf("no listener: %d attempts, %v; want 3 and an error", n, err)
	}
}

func TestDispatcherDeliversInTheBackgroundAndNeverBlocks(t *testing.T) {
	r := newReceiver(t, 200)
	var delivered, dropped atomic.Int32
	results := make(chan error, 10)
	d := &Dispatcher{
		Sender: &Sender{Backoff: time.Millisecond},
		Resolve: func(ctx context.Context, e Event) (Target, bool, error) {
			if e.Type == Stalled {
				return Target{}, false, nil // this notifier does not want it
			}
			return Target{URL: r.URL, Format: FormatSlack}, true, nil
		},
		Done: func(e Event, attempts int, err error) {
			switch {
			case errors.Is(err, ErrDropped):
				dropped.Add(1)
			case err == nil:
				delivered.Add(1)
			}
			results <- err
		},
		Queue: 1, Workers: 1,
	}
	// With no worker yet, the second event finds the queue full: dropped
	// at once, not waited for.
	start := time.Now()
	d.Notify(ev)
	d.Notify(ev)
	if time.Since(start) > time.Second || dropped.Load() != 1 {
		t.Fatalf("Notify blocked or did not drop: %d dropped", dropped.Load())
	}
	<-results
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = d.Start(ctx) }()
	if err := <-results; err != nil {
		t.Fatalf("delivery: %v", err)
	}
	d.Notify(Event{Type: Stalled})
	d.Notify(ev)
	if err := <-results; err != nil {
		t.Fatalf("delivery: %v", err)
	}
	bodies := r.got()
	if len(bodies) != 2 {
		t.Fatalf("the receiver got %d notifications, want 2 (Stalled is not wanted)", len(bodies))
	}
	var msg map[string]string
	if err := json.Unmarshal([]byte(bodies[0]), &msg); err != nil || !strings.Contains(msg["text"], "step 1 (canary) achieved") {
		t.Errorf("Slack body %s (%v)", bodies[0], err)
	}
}

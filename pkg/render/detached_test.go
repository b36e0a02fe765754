package render

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// slowRenderer is a repository that answers when its gate opens. It counts
// the calls that reach it and records whether their context was still
// live when they answered.
type slowRenderer struct {
	gate chan struct{} // nil answers at once
	err  error
	// panics makes every call panic.
	panics bool
	// returned receives once per call that returned.
	returned chan struct{}

	mu      sync.Mutex
	calls   int
	ctxErrs []error
}

func newSlowRenderer() *slowRenderer {
	return &slowRenderer{gate: make(chan struct{}), returned: make(chan struct{}, 100)}
}

func (s *slowRenderer) answer(ctx context.Context) error {
	s.mu.Lock()
	s.calls++
	s.mu.Unlock()
	defer func() { s.returned <- struct{}{} }()
	if s.panics {
		panic("boom")
	}
	if s.gate != nil {
		select {
		case <-s.gate:
		case <-ctx.Done():
		}
	}
	s.mu.Lock()
	s.ctxErrs = append(s.ctxErrs, ctx.Err())
	s.mu.Unlock()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return s.err
}

func (s *slowRenderer) Resolve(ctx context.Context, src convoyv1alpha1.Source, _ *Credentials) (convoyv1alpha1.Source, error) {
	if err := s.answer(ctx); err != nil {
		return convoyv1alpha1.Source{}, err
	}
	out := src.DeepCopy()
	out.Chart.Version = "1.2.3"
	return *out, nil
}

func (s *slowRenderer) Render(ctx context.Context, req Request) (*Output, error) {
	if err := s.answer(ctx); err != nil {
		return nil, err
	}
	obj := &unstructured.Unstructured{}
	obj.SetAPIVersion("v1")
	obj.SetKind("ConfigMap")
	obj.SetName(req.ReleaseName)
	return &Output{Objects: []*unstructured.Unstructured{obj}, Digest: "sha256:abc"}, nil
}

func (s *slowRenderer) callCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

var chartSource = convoyv1alpha1.Source{Chart: &convoyv1alpha1.ChartSource{RepoURL: "https://user:hunter2@charts.example.com", Name: "hello", Version: "~1.2"}}

func chartRequest() Request {
	return Request{ReleaseName: "web-1", Namespace: "team", Source: chartSource, Values: map[string]any{"replicas": 3}}
}

// N callers of the same request make one call, and each gets its own copy
// of the result.
func TestDetachedSharesOneCall(t *testing.T) {
	inner := newSlowRenderer()
	d := Detached(inner, DetachedOptions{Wait: time.Hour})
	const n = 20
	outs := make([]*Output, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i], errs[i] = d.Render(context.Background(), chartRequest())
		}()
	}
	dd := d.(*detached)
	waitFor(t, func() bool {
		dd.mu.Lock()
		defer dd.mu.Unlock()
		for _, f := range dd.flights {
			return f.callers == n
		}
		return false
	})
	close(inner.gate)
	wg.Wait()
	for i := range n {
		if errs[i] != nil || len(outs[i].Objects) != 1 || outs[i].Objects[0].GetName() != "web-1" {
			t.Fatalf("caller %d: %+v, %v", i, outs[i], errs[i])
		}
	}
	if got := inner.callCount(); got != 1 {
		t.Fatalf("%d concurrent callers made %d calls, want 1", n, got)
	}
	outs[0].Objects[0].SetName("changed")
	if outs[1].Objects[0].GetName() != "web-1" {
		t.Fatal("callers share the objects of one result: one caller's change shows in another's")
	}
	// Nobody was told pending, so nothing is kept: a later request asks
	// the repository again.
	if dd.entries() != 0 {
		t.Fatalf("%d entries kept after every caller got the result", dd.entries())
	}
	inner.gate = nil
	if _, err := d.Render(context.Background(), chartRequest()); err != nil || inner.callCount() != 2 {
		t.Fatalf("a later request: %v, %d calls, want 2", err, inner.callCount())
	}
}

// A caller that cannot wait is told the source is pending, the work goes
// on regardless of the caller's context, and a retry picks the result up.
func TestDetachedPendingThenPickedUp(t *testing.T) {
	inner := newSlowRenderer()
	d := Detached(inner, DetachedOptions{Wait: 10 * time.Millisecond, Timeout: time.Hour})
	_, err := d.Resolve(context.Background(), chartSource, nil)
	if !IsPending(err) {
		t.Fatalf("Resolve of a repository that does not answer: %v, want pending", err)
	}
	for _, want := range []string{"resolving chart hello ~1.2 from https://user:xxxxx@charts.example.com", "still fetching after 10ms", "1h0m0s"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("pending message %q does not say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("pending message %q shows the URL's password", err)
	}
	// A caller whose context ends gives up; the shared work does not.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := d.Resolve(ctx, chartSource, nil); !IsPending(err) {
		t.Fatalf("Resolve with a cancelled context: %v, want pending", err)
	}
	close(inner.gate)
	<-inner.returned
	if inner.ctxErrs[0] != nil {
		t.Fatalf("the background call's context ended: %v", inner.ctxErrs[0])
	}
	got, err := d.Resolve(context.Background(), chartSource, nil)
	if err != nil || got.Chart.Version != "1.2.3" {
		t.Fatalf("Resolve after the repository answered: %+v, %v", got.Chart, err)
	}
	if inner.callCount() != 1 {
		t.Fatalf("%d calls, want 1: retries join the flight", inner.callCount())
	}
}

// Errors reach the callers that waited and those that come back, with
// their reason.
func TestDetachedPropagatesErrors(t *testing.T) {
	inner := newSlowRenderer()
	inner.err = Errorf(ReasonChartNotFound, "chart hello not found")
	d := Detached(inner, DetachedOptions{Wait: 10 * time.Millisecond})
	if _, err := d.Render(context.Background(), chartRequest()); !IsPending(err) {
		t.Fatalf("first Render: %v, want pending", err)
	}
	close(inner.gate)
	<-inner.returned
	for range 2 {
		if _, err := d.Render(context.Background(), chartRequest()); ReasonOf(err) != ReasonChartNotFound || IsPending(err) {
			t.Fatalf("Render after the repository failed: %v, want %s", err, ReasonChartNotFound)
		}
	}
	if inner.callCount() != 1 {
		t.Fatalf("%d calls, want 1", inner.callCount())
	}
}

// A call that outlives the detached timeout ends, with a reason that names
// the bound; a panic becomes an error.
func TestDetachedTimeoutAndPanic(t *testing.T) {
	inner := newSlowRenderer()
	d := Detached(inner, DetachedOptions{Wait: time.Hour, Timeout: 10 * time.Millisecond})
	_, err := d.Render(context.Background(), chartRequest())
	if ReasonOf(err) != ReasonRepositoryUnreachable || !strings.Contains(err.Error(), "did not finish within 10ms") {
		t.Fatalf("Render past the timeout: %v", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("%v does not wrap the deadline", err)
	}

	panicky := &slowRenderer{panics: true, returned: make(chan struct{}, 1)}
	d = Detached(panicky, DetachedOptions{Wait: time.Hour})
	if _, err := d.Resolve(context.Background(), chartSource, nil); err == nil || !strings.Contains(err.Error(), "panicked: boom") {
		t.Fatalf("Resolve of a panicking renderer: %v", err)
	}
}

// Results owed to callers told pending are dropped after Keep, and a later
// request calls again.
func TestDetachedEntriesExpire(t *testing.T) {
	inner := newSlowRenderer()
	d := Detached(inner, DetachedOptions{Wait: time.Millisecond, Keep: 10 * time.Millisecond}).(*detached)
	if _, err := d.Render(context.Background(), chartRequest()); !IsPending(err) {
		t.Fatalf("first Render: %v, want pending", err)
	}
	close(inner.gate)
	<-inner.returned
	waitFor(t, func() bool { return d.entries() == 0 })
	if _, err := d.Render(context.Background(), chartRequest()); err != nil {
		t.Fatal(err)
	}
	if inner.callCount() != 2 {
		t.Fatalf("%d calls, want 2: the expired result was used", inner.callCount())
	}
}

// Different credentials are different requests, and keys hold no secret.
func TestDetachedKeysByCredentials(t *testing.T) {
	inner := newSlowRenderer()
	d := Detached(inner, DetachedOptions{Wait: time.Millisecond}).(*detached)
	for _, password := range []string{"first-secret", "second-secret", "first-secret"} {
		if _, err := d.Resolve(context.Background(), chartSource, &Credentials{Username: "u", Password: password}); !IsPending(err) {
			t.Fatalf("Resolve: %v, want pending", err)
		}
	}
	defer close(inner.gate)
	if inner.callCount() != 2 {
		t.Fatalf("%d calls for two identities, want 2", inner.callCount())
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for k := range d.flights {
		if strings.Contains(k, "secret") || strings.Contains(k, "hunter2") {
			t.Fatalf("key %q holds a secret", k)
		}
	}
}

// When every entry is in flight a new request is pending, without a call;
// finished entries make room.
func TestDetachedBoundsEntries(t *testing.T) {
	inner := newSlowRenderer()
	d := Detached(inner, DetachedOptions{Wait: 10 * time.Millisecond, MaxEntries: 1}).(*detached)
	if _, err := d.Resolve(context.Background(), chartSource, nil); !IsPending(err) {
		t.Fatalf("first: %v", err)
	}
	other := chartRequest()
	if _, err := d.Render(context.Background(), other); !IsPending(err) || !strings.Contains(err.Error(), "1 fetches in flight") {
		t.Fatalf("a second request while the only entry is in flight: %v", err)
	}
	if inner.callCount() != 1 {
		t.Fatalf("%d calls, want 1", inner.callCount())
	}
	close(inner.gate)
	<-inner.returned
	// The second request's own flight may take longer than Wait on a busy
	// machine: its retries pick it up.
	var err error
	waitFor(t, func() bool {
		_, err = d.Render(context.Background(), other)
		return !IsPending(err)
	})
	if err != nil {
		t.Fatalf("a second request once the first finished: %v", err)
	}
	if d.entries() > 1 {
		t.Fatalf("%d entries, want at most 1", d.entries())
	}
}

// waitFor polls cond, for at most ten seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for range 1000 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("condition not met within 10s")
}

package helm

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/render"
	"github.com/convoy-rollouts/convoy/test/chartrepo"
)

// fakeClock lets a test age cached indexes without waiting.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// refreshWatcher installs the index cache's refresh hook and returns a
// channel that receives each refresh's error.
func refreshWatcher(r *Renderer) <-chan error {
	ch := make(chan error, 16)
	r.indexes.onRefresh = func(_ string, err error) { ch <- err }
	return ch
}

// within fails the test unless ch delivers before the hang guard expires.
func within[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(testTimeout):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

func TestSlowRepositoryDoesNotBlockResolve(t *testing.T) {
	repo := startRepo(t, chartrepo.Options{})
	r := newRenderer(t, Options{IndexRefreshInterval: time.Minute})
	clock := &fakeClock{now: time.Now()}
	r.indexes.now = clock.Now
	refreshed := refreshWatcher(r)
	src := chartSource(repo.URL, "hello", "")

	resolve := func() <-chan string {
		ch := make(chan string, 1)
		go func() {
			got, err := r.Resolve(testContext(t), src, nil)
			if err != nil {
				t.Errorf("Resolve: %v", err)
				ch <- ""
				return
			}
			ch <- got.Chart.Version
		}()
		return ch
	}

	// The first Resolve fetches the index.
	if got := within(t, resolve(), "the first Resolve"); got != "0.2.0" {
		t.Fatalf("Resolve = %s, want 0.2.0", got)
	}

	// A new version is published and the repository turns slow: index
	// requests block until the test releases them.
	repo.Publish(t, helloDir, "0.3.0")
	arrived, release := repo.HoldIndex(t)
	clock.Advance(2 * time.Minute)

	// The index is stale: Resolve starts a refresh, but answers from the
	// cache while the repository is still blocked.
	if got := within(t, resolve(), "Resolve with a blocked repository"); got != "0.2.0" {
		t.Fatalf("Resolve = %s, want the cached 0.2.0", got)
	}
	within(t, arrived, "the background refresh to reach the repository")
	// Another Resolve meanwhile neither blocks nor starts a second refresh.
	if got := within(t, resolve(), "a second Resolve during the refresh"); got != "0.2.0" {
		t.Fatalf("Resolve = %s, want the cached 0.2.0", got)
	}
	if n := repo.Requests("/index.yaml"); n != 2 {
		t.Errorf("index.yaml requested %d times, want 2 (one fetch, one refresh)", n)
	}

	release()
	if err := within(t, refreshed, "the refresh to finish"); err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if got := within(t, resolve(), "Resolve after the refresh"); got != "0.3.0" {
		t.Fatalf("Resolve = %s, want the refreshed 0.3.0", got)
	}
}

func TestFailingRefreshKeepsTheCachedIndex(t *testing.T) {
	repo := startRepo(t, chartrepo.Options{})
	r := newRenderer(t, Options{IndexRefreshInterval: time.Minute})
	clock := &fakeClock{now: time.Now()}
	r.indexes.now = clock.Now
	refreshed := refreshWatcher(r)
	ctx := testContext(t)

	if _, err := r.Resolve(ctx, chartSource(repo.URL, "hello", ""), nil); err != nil {
		t.Fatal(err)
	}
	repo.SetStatus("/index.yaml", http.StatusServiceUnavailable)
	clock.Advance(2 * time.Minute)
	got, err := r.Resolve(ctx, chartSource(repo.URL, "hello", ""), nil)
	if err != nil || got.Chart.Version != "0.2.0" {
		t.Fatalf("Resolve = %v, %v; want the cached 0.2.0", got.Chart, err)
	}
	if err := within(t, refreshed, "the refresh to fail"); err == nil {
		t.Fatal("the refresh of an unavailable repository succeeded")
	}
	// The cached index still answers, and a miss says the refresh fails.
	_, err = r.Resolve(ctx, chartSource(repo.URL, "hello", "~5"), nil)
	requireReason(t, err, render.ReasonVersionNotFound, "refreshing it failed", "503")
	// No refresh is retried before the interval passes again.
	if n := repo.Requests("/index.yaml"); n != 2 {
		t.Errorf("index.yaml requested %d times, want 2", n)
	}
}

func TestRenderRefetchesIndexForUnknownVersion(t *testing.T) {
	repo := startRepo(t, chartrepo.Options{})
	r := newRenderer(t, Options{IndexRefreshInterval: time.Hour})
	clock := &fakeClock{now: time.Now()}
	r.indexes.now = clock.Now
	ctx := testContext(t)
	if _, err := r.Resolve(ctx, chartSource(repo.URL, "hello", ""), nil); err != nil {
		t.Fatal(err)
	}
	repo.Publish(t, helloDir, "0.5.0")
	// An index just fetched is trusted: no download per failing render.
	_, err := r.Render(ctx, render.Request{ReleaseName: "web", Source: chartSource(repo.URL, "hello", "0.5.0")})
	requireReason(t, err, render.ReasonVersionNotFound, `"0.5.0"`, "fetched 0s ago")
	if n := repo.Requests("/index.yaml"); n != 1 {
		t.Fatalf("index.yaml requested %d times, want 1", n)
	}
	// Published after the index was cached, long before the next refresh:
	// a render of it fetches the index again rather than fail.
	clock.Advance(time.Minute)
	out, err := r.Render(ctx, render.Request{ReleaseName: "web", Source: chartSource(repo.URL, "hello", "0.5.0")})
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	if len(out.Objects) != 3 {
		t.Fatalf("objects = %v", objectKeys(out.Objects))
	}
}

func TestConcurrentFirstFetchIsShared(t *testing.T) {
	repo := startRepo(t, chartrepo.Options{})
	arrived, release := repo.HoldIndex(t)
	r := newRenderer(t, Options{})
	const callers = 5
	results := make(chan convoyv1alpha1.Source, callers)
	for range callers {
		go func() {
			got, err := r.Resolve(testContext(t), chartSource(repo.URL, "hello", "^0.1"), nil)
			if err != nil {
				t.Errorf("Resolve: %v", err)
			}
			results <- got
		}()
	}
	within(t, arrived, "the first fetch")
	release()
	for range callers {
		if got := within(t, results, "a Resolve"); got.Chart == nil || got.Chart.Version != "0.1.1" {
			t.Errorf("Resolve = %+v, want 0.1.1", got.Chart)
		}
	}
	if n := repo.Requests("/index.yaml"); n != 1 {
		t.Errorf("index.yaml requested %d times by %d concurrent callers, want 1", n, callers)
	}
}

func TestResolveGivesUpWithItsContext(t *testing.T) {
	repo := startRepo(t, chartrepo.Options{})
	arrived, release := repo.HoldIndex(t)
	defer release()
	r := newRenderer(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := r.Resolve(ctx, chartSource(repo.URL, "hello", ""), nil)
		done <- err
	}()
	within(t, arrived, "the first fetch")
	cancel()
	err := within(t, done, "Resolve to return after cancellation")
	requireReason(t, err, render.ReasonRepositoryUnreachable, repo.URL, "context canceled")
}

package render

// Resolves and renders fetch from repositories the Application's owner
// chose, which may be slow: an index that takes 30 s, a git server that
// hangs until its timeout. They run inside reconciles, and a controller has
// a fixed number of workers, so a few applications on a slow repository
// used to occupy every worker and every other application waited for that
// repository too. Detached takes the fetch out of the worker: the work runs
// in the background, shared by every caller asking the same thing, and a
// caller waits only briefly before being told it is pending and coming back
// for the result. A slow repository then slows only the applications that
// use it.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// ReasonSourcePending: the source is still being fetched in the
// background; the caller asks again after PendingRetry. It is progress, not
// a failure: a pending source is neither Stalled nor worth a Warning.
const ReasonSourcePending Reason = "SourcePending"

// PendingRetry is how soon a caller told ReasonSourcePending asks again:
// soon, so that a result is picked up shortly after it arrives, and cheap,
// because asking again joins the fetch in flight.
const PendingRetry = 2 * time.Second

// IsPending reports whether err says the source is still being fetched.
func IsPending(err error) bool { return err != nil && ReasonOf(err) == ReasonSourcePending }

// DetachedOptions configure Detached. The zero value is usable: each field
// has the default documented on it.
type DetachedOptions struct {
	// Wait bounds how long after a fetch started its callers wait for it;
	// later callers of a fetch in flight are answered pending at once.
	// Default 3s: a healthy repository answers well within it, so healthy
	// sources are never pending.
	Wait time.Duration
	// Timeout bounds one background resolve or render, whoever waits for
	// it. Default 3m: above the renderers' own bounds on one fetch (helm: an
	// index 30s, a chart 60s, templates 30s; kustomize: 2m per git
	// command), which fail first with their own reasons; this one only
	// stops a fetch that hangs past them.
	Timeout time.Duration
	// Keep is how long a finished result (or error) is kept for the
	// callers that were told pending and come back for it; then it is
	// dropped. Default 45s, many retries of PendingRetry. A result nobody
	// was told pending about is dropped at once: Detached is no cache, and
	// a later request (a branch pushed to since) fetches afresh.
	Keep time.Duration
	// MaxEntries bounds the fetches in flight and the results kept. When
	// every entry is in flight a new request is answered pending. Default
	// 1024.
	MaxEntries int
}

const (
	defaultDetachedWait       = 3 * time.Second
	defaultDetachedTimeout    = 3 * time.Minute
	defaultDetachedKeep       = 45 * time.Second
	defaultDetachedMaxEntries = 1024
)

// Detached returns r with every Resolve and Render run in the background:
// identical requests (same source, values, release, namespace and
// credentials) share one call; it runs under opts.Timeout, not the caller's
// context, so a caller giving up cancels nobody's work; a caller waits at
// most until the call is opts.Wait old (and never past its own context),
// and is otherwise answered with ReasonSourcePending; the result of a call
// that answered someone pending is kept for opts.Keep so that the retry
// gets it.
//
// Callers get their own copies of results: they may change them.
func Detached(r Renderer, opts DetachedOptions) Renderer {
	if opts.Wait <= 0 {
		opts.Wait = defaultDetachedWait
	}
	if opts.Timeout <= 0 {
		opts.Timeout = defaultDetachedTimeout
	}
	if opts.Keep <= 0 {
		opts.Keep = defaultDetachedKeep
	}
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = defaultDetachedMaxEntries
	}
	return &detached{inner: r, opts: opts, flights: map[string]*flight{}}
}

type detached struct {
	inner Renderer
	opts  DetachedOptions

	mu      sync.Mutex
	flights map[string]*flight
}

// flight is one background call, in flight or finished.
type flight struct {
	started time.Time
	// done is closed when the call has returned; res and err are set
	// before, and never change after.
	done chan struct{}
	res  result
	err  error

	// Under detached.mu:
	finished time.Time
	// callers is how many calls joined the flight.
	callers int
	// owed: a caller was told pending and will come back for the result.
	owed bool
}

type result struct {
	src convoyv1alpha1.Source
	out *Output
}

// Resolve implements Renderer.
func (d *detached) Resolve(ctx context.Context, src convoyv1alpha1.Source, creds *Credentials) (convoyv1alpha1.Source, error) {
	what := "resolving " + DescribeSource(src)
	key, err := keyOf(what, struct {
		Op          string
		Source      convoyv1alpha1.Source
		Credentials *Credentials
	}{"resolve", src, creds})
	if err != nil {
		return src, err
	}
	res, err := d.do(ctx, key, what, func(ctx context.Context) (result, error) {
		s, err := d.inner.Resolve(ctx, src, creds)
		return result{src: s}, err
	})
	if err != nil {
		// A failed resolve returns the source as given: the inner
		// renderer's value on failure is not promised to callers.
		return src, err
	}
	return *res.src.DeepCopy(), nil
}

// Render implements Renderer.
func (d *detached) Render(ctx context.Context, req Request) (*Output, error) {
	what := "rendering " + DescribeSource(req.Source)
	key, err := keyOf(what, struct {
		Op      string
		Request Request
	}{"render", req})
	if err != nil {
		return nil, err
	}
	res, err := d.do(ctx, key, what, func(ctx context.Context) (result, error) {
		out, err := d.inner.Render(ctx, req)
		return result{out: out}, err
	})
	if err != nil {
		return nil, err
	}
	return copyOutput(res.out), nil
}

// keyOf digests a request's inputs. Credentials are part of them (a
// different identity may see a different repository) but only their digest
// is kept: the key never holds a secret.
func keyOf(what string, inputs any) (string, error) {
	data, err := json.Marshal(inputs)
	if err != nil {
		return "", Errorf(ReasonInvalidManifest, "%s: the request cannot be encoded: %v", what, err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}

// do joins the flight of key, starting it when there is none, and waits for
// it within the caller's bound.
func (d *detached) do(ctx context.Context, key, what string, work func(context.Context) (result, error)) (result, error) {
	d.mu.Lock()
	f, ok := d.flights[key]
	if !ok {
		if !d.makeRoomLocked() {
			d.mu.Unlock()
			return result{}, Errorf(ReasonSourcePending, "%s: waiting for one of the %d fetches in flight to finish", what, d.opts.MaxEntries)
		}
		f = &flight{started: time.Now(), done: make(chan struct{})}
		d.flights[key] = f
		// The caller's values (its logger) go along; its cancellation
		// does not: other callers share the work.
		go d.run(context.WithoutCancel(ctx), key, what, f, work)
	}
	f.callers++
	d.mu.Unlock()

	if wait := time.Until(f.started.Add(d.opts.Wait)); wait > 0 {
		timer := time.NewTimer(wait)
		defer timer.Stop()
		select {
		case <-f.done:
		case <-timer.C:
		case <-ctx.Done():
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if isDone(f.done) {
		return f.res, f.err
	}
	f.owed = true
	// The message does not change from one retry to the next, so a caller
	// writing it into a status writes it once.
	return result{}, Errorf(ReasonSourcePending, "%s: still fetching after %s; the fetch goes on in the background (for up to %s) and its result is picked up on a retry",
		what, d.opts.Wait, d.opts.Timeout)
}

func isDone(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// run makes the call under the flight's own timeout, publishes its result,
// and drops it: at once when nobody is owed it, else after opts.Keep.
func (d *detached) run(ctx context.Context, key, what string, f *flight, work func(context.Context) (result, error)) {
	ctx, cancel := context.WithTimeout(ctx, d.opts.Timeout)
	defer cancel()
	res, err := call(ctx, work)
	var rerr *Error
	if err != nil && ctx.Err() != nil && !errors.As(err, &rerr) {
		err = Errorf(ReasonRepositoryUnreachable, "%s did not finish within %s: %w", what, d.opts.Timeout, err)
	}

	d.mu.Lock()
	defer d.mu.Unlock()
	f.res, f.err, f.finished = res, err, time.Now()
	close(f.done)
	if !f.owed {
		d.forgetLocked(key, f)
		return
	}
	time.AfterFunc(d.opts.Keep, func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		d.forgetLocked(key, f)
	})
}

// call runs work, turning a panic into an error: in a reconcile the
// controller would have recovered it, and here nobody else would.
func call(ctx context.Context, work func(context.Context) (result, error)) (res result, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("the renderer panicked: %v", p)
		}
	}()
	return work(ctx)
}

// forgetLocked drops a finished flight, unless a newer one took its key.
func (d *detached) forgetLocked(key string, f *flight) {
	if d.flights[key] == f {
		delete(d.flights, key)
	}
}

// makeRoomLocked makes room for one more flight, dropping the result
// finished longest ago when full; false when every entry is in flight.
func (d *detached) makeRoomLocked() bool {
	if len(d.flights) < d.opts.MaxEntries {
		return true
	}
	oldestKey, oldest := "", (*flight)(nil)
	for k, f := range d.flights {
		if f.finished.IsZero() {
			continue
		}
		if oldest == nil || f.finished.Before(oldest.finished) {
			oldestKey, oldest = k, f
		}
	}
	if oldest == nil {
		return false
	}
	delete(d.flights, oldestKey)
	return true
}

// entries is how many flights are kept, in flight or finished.
func (d *detached) entries() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.flights)
}

func copyOutput(out *Output) *Output {
	if out == nil {
		return nil
	}
	c := &Output{Digest: out.Digest, Objects: make([]*unstructured.Unstructured, len(out.Objects))}
	for i, o := range out.Objects {
		c.Objects[i] = o.DeepCopy()
	}
	return c
}

// DescribeSource names a source for messages: its kind, what in the
// repository, and the repository, without any credentials in its URL.
func DescribeSource(src convoyv1alpha1.Source) string {
	switch {
	case src.Chart != nil:
		version := src.Chart.Version
		if version == "" {
			version = "(newest)"
		}
		return fmt.Sprintf("chart %s %s from %s", src.Chart.Name, version, redacted(src.Chart.RepoURL))
	case src.Kustomize != nil:
		ref := src.Kustomize.Ref
		if ref == "" {
			ref = "(default branch)"
		}
		path := src.Kustomize.Path
		if path == "" {
			path = "."
		}
		return fmt.Sprintf("kustomization %s at %s from %s", path, ref, redacted(src.Kustomize.RepoURL))
	}
	return "an empty source"
}

func redacted(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Redacted()
}

package rollout

import (
	"context"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/cli/kube"
)

// How convoy wait follows a rollout. It watches the Application and the
// Release, so that it hears of a change as the controllers write it rather
// than at its next look. It also reads both afresh (a look): at the start,
// whenever a watch ends or fails, and every resyncInterval beside a running
// watch, so that a watch dropped without a word costs a resync, never the
// wait. Each watch asks the API server to end it after watchTimeout, and
// the client gives up on it a little later, as client-go's reflectors do.
const (
	resyncInterval = 20 * time.Second
	watchTimeout   = 5 * time.Minute
	// watchGrace is how long past watchTimeout the client waits for the
	// server to end a watch before ending it itself.
	watchGrace = 30 * time.Second
	// retryDelay spaces looks and watches that fail, or watches that end
	// as soon as they start, so that a refusing API server is not hammered.
	retryDelay = time.Second
	// lookTimeout bounds one look, so that the wait's deadline ends the
	// wait and not a request.
	lookTimeout = 15 * time.Second
)

// snapshot is what a follower knows of the rollout at one moment: the
// Application and the Release as last read or watched (rel is nil when the
// release does not exist, or is not followed), or why it could not read
// them.
type snapshot struct {
	app *convoyv1alpha1.Application
	rel *convoyv1alpha1.Release
	err error
}

// judge is the verdict on the snapshot: a snapshot that failed to read
// counts as still progressing, and says why.
func (s snapshot) judge(g goal) (outcome, string) {
	if s.err != nil {
		return progressing, s.err.Error()
	}
	return judge(s.app, s.rel, g)
}

// follower keeps a snapshot of one Application and, unless release is
// empty, one of its Releases up to date, and sends it on every change.
// Objects are replaced, never changed in place, so a sent snapshot is the
// receiver's to keep.
type follower struct {
	cl                     client.WithWatch
	namespace, name        string
	release                string
	out                    chan snapshot
	cur                    snapshot
	appVersion, relVersion string // resource versions to watch from
}

// follow starts following the application (and its release, unless release
// is empty) until ctx ends, when the returned channel is closed. The first
// snapshot is sent as soon as the first look returns.
func follow(ctx context.Context, cl client.WithWatch, namespace, name, release string) <-chan snapshot {
	f := &follower{cl: cl, namespace: namespace, name: name, release: release, out: make(chan snapshot)}
	go f.run(ctx)
	return f.out
}

// run alternates a look and a watch from what the look read, until ctx
// ends. A look that fails, and a watch that fails or ends as soon as it
// started, are retried after retryDelay.
func (f *follower) run(ctx context.Context) {
	defer close(f.out)
	for ctx.Err() == nil {
		started := time.Now()
		looked := f.look(ctx)
		if !f.send(ctx) {
			return
		}
		if looked {
			f.watch(ctx)
		}
		if time.Since(started) < retryDelay {
			select {
			case <-ctx.Done():
			case <-time.After(retryDelay):
			}
		}
	}
}

// send hands the current snapshot over, and says false if ctx ended first.
func (f *follower) send(ctx context.Context) bool {
	select {
	case f.out <- f.cur:
		return true
	case <-ctx.Done():
		return false
	}
}

// look lists the application and the release by name (a list, not a get,
// for the resource version to watch from, even when the release is gone)
// and says whether it could.
func (f *follower) look(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, lookTimeout)
	defer cancel()
	apps := &convoyv1alpha1.ApplicationList{}
	if err := f.cl.List(ctx, apps, f.by(f.name)); err != nil {
		f.cur.err = fmt.Errorf("reading application %s/%s: %w", f.namespace, f.name, err)
		return false
	}
	rels := &convoyv1alpha1.ReleaseList{}
	if f.release != "" {
		if err := f.cl.List(ctx, rels, f.by(f.release)); err != nil {
			f.cur.err = fmt.Errorf("reading release %s/%s: %w", f.namespace, f.release, err)
			return false
		}
	}
	f.cur = snapshot{}
	f.appVersion, f.relVersion = apps.ResourceVersion, rels.ResourceVersion
	if len(apps.Items) == 1 {
		f.cur.app = &apps.Items[0]
	} else {
		f.cur.err = &kube.NotFoundError{Namespace: f.namespace, Name: f.name}
	}
	if len(rels.Items) == 1 {
		f.cur.rel = &rels.Items[0]
	}
	return true
}

// by selects the object of that name in the namespace.
func (f *follower) by(name string) client.ListOption {
	return &client.ListOptions{Namespace: f.namespace, Raw: &metav1.ListOptions{FieldSelector: "metadata.name=" + name}}
}

// watch watches the application and the release from the last look, and
// sends a snapshot on every event, until a watch ends or fails, or ctx
// ends. Every resyncInterval it looks again beside the watches.
func (f *follower) watch(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, watchTimeout+watchGrace)
	defer cancel()
	apps, err := f.watchFrom(ctx, &convoyv1alpha1.ApplicationList{}, f.name, f.appVersion)
	if err != nil {
		f.cur.err = fmt.Errorf("watching application %s/%s: %w", f.namespace, f.name, err)
		f.send(ctx)
		return
	}
	defer apps.Stop()
	var rels <-chan watch.Event // nil, never ready, when no release is followed
	if f.release != "" {
		w, err := f.watchFrom(ctx, &convoyv1alpha1.ReleaseList{}, f.release, f.relVersion)
		if err != nil {
			f.cur.err = fmt.Errorf("watching release %s/%s: %w", f.namespace, f.release, err)
			f.send(ctx)
			return
		}
		defer w.Stop()
		rels = w.ResultChan()
	}
	resync := time.NewTicker(resyncInterval)
	defer resync.Stop()
	for {
		var ev watch.Event
		var ok bool
		select {
		case <-ctx.Done():
			return
		case <-resync.C:
			// The watches go on whatever the look finds: a failed look is
			// reported, and the next event or look replaces it.
			f.look(ctx)
			if !f.send(ctx) {
				return
			}
			continue
		case ev, ok = <-apps.ResultChan():
		case ev, ok = <-rels:
		}
		if !ok || !f.apply(ev) {
			return
		}
		if !f.send(ctx) {
			return
		}
	}
}

// watchFrom watches the object of that name from a resource version.
func (f *follower) watchFrom(ctx context.Context, list client.ObjectList, name, version string) (watch.Interface, error) {
	timeout := int64(watchTimeout / time.Second)
	return f.cl.Watch(ctx, list, &client.ListOptions{Namespace: f.namespace, Raw: &metav1.ListOptions{
		FieldSelector: "metadata.name=" + name, ResourceVersion: version, TimeoutSeconds: &timeout,
	}})
}

// apply takes an event into the snapshot, and says false when the watch
// reported an error (such as its resource version having expired): the
// follower then looks afresh.
func (f *follower) apply(ev watch.Event) bool {
	if ev.Type == watch.Bookmark { // not asked for; carries no object
		return true
	}
	switch o := ev.Object.(type) {
	case *convoyv1alpha1.Application:
		f.cur.app, f.cur.err = o, nil
		if ev.Type == watch.Deleted {
			f.cur.app, f.cur.err = nil, &kube.NotFoundError{Namespace: f.namespace, Name: f.name}
		}
	case *convoyv1alpha1.Release:
		f.cur.rel = o
		if ev.Type == watch.Deleted {
			f.cur.rel = nil
		}
		if f.cur.app != nil {
			f.cur.err = nil
		}
	default: // an error, such as an expired resource version
		return ev.Type != watch.Error
	}
	return true
}

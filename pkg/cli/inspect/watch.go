package inspect

import (
	"context"
	"errors"
	"reflect"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/cli/kube"
)

// settle is how long a watch lets a burst of changes (a controller writes
// several statuses in a row) accumulate before reading the rollout again,
// so one step is one redraw rather than five.
const settle = 200 * time.Millisecond

// retryEvery is how soon a watch that could not start or ended is started
// again; meanwhile the rollout is re-read at that pace instead, so watching
// works, by polling, even without permission to watch.
const retryEvery = time.Second

// watchRollout prints the rollout, then again whenever it changes, until
// ctx ends (which is no error) or the application cannot be read.
func watchRollout(ctx context.Context, c client.WithWatch, ns, app string, show func(RolloutView) error) error {
	// The watches start before the first read, so no change falls between
	// the read and the watch.
	changed := make(chan struct{}, 1)
	watchChanges(ctx, c, ns, app, changed)
	var last *RolloutView
	for {
		r, err := kube.LoadRollout(ctx, c, ns, app)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return err
		}
		// A re-read that changes nothing shown (a resourceVersion bump,
		// a heartbeat) prints nothing: each print is a change.
		if v := BuildRolloutView(r); last == nil || !reflect.DeepEqual(*last, v) {
			if err := show(v); err != nil {
				return err
			}
			last = &v
		}
		select {
		case <-ctx.Done():
			return nil
		case <-changed:
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(settle):
		}
		select {
		case <-changed: // covered by the read to come
		default:
		}
	}
}

// watchChanges signals on changed, without blocking, whenever the
// application, its releases or the capacity and traffic targets that the
// view shows change. Its goroutines end with ctx.
func watchChanges(ctx context.Context, c client.WithWatch, ns, app string, changed chan<- struct{}) {
	byApp := client.MatchingLabels{convoyv1alpha1.LabelApplication: app}
	watches := []struct {
		list client.ObjectList
		opts []client.ListOption
	}{
		{&convoyv1alpha1.ApplicationList{}, []client.ListOption{client.InNamespace(ns), client.MatchingFields{"metadata.name": app}}},
		{&convoyv1alpha1.ReleaseList{}, []client.ListOption{client.InNamespace(ns), byApp}},
		{&convoyv1alpha1.CapacityTargetList{}, []client.ListOption{client.InNamespace(ns), byApp}},
		{&convoyv1alpha1.TrafficTargetList{}, []client.ListOption{client.InNamespace(ns), byApp}},
	}
	signal := func() {
		select {
		case changed <- struct{}{}:
		default: // a signal is pending already
		}
	}
	for _, w := range watches {
		go func() {
			for ctx.Err() == nil {
				if err := follow(ctx, c, w.list, w.opts, signal); err != nil && !errors.Is(err, context.Canceled) {
					signal() // poll while the watch is down
				}
				select {
				case <-ctx.Done():
				case <-time.After(retryEvery):
				}
			}
		}()
	}
}

// follow runs one watch until it ends, signalling each event. The API
// server ends watches after a while; the caller starts it again.
func follow(ctx context.Context, c client.WithWatch, list client.ObjectList, opts []client.ListOption, signal func()) error {
	w, err := c.Watch(ctx, list, opts...)
	if err != nil {
		return err
	}
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case _, ok := <-w.ResultChan():
			if !ok {
				return errors.New("watch ended")
			}
			signal()
		}
	}
}

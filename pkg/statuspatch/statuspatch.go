// Package statuspatch is the one home of convoy's status writes, after
// Flux's deferred patcher: a reconciler snapshots the object when it reads
// it (New), builds the status in memory, and writes it once at the end
// (Patch). Patch stamps status.observedGeneration with the object's
// generation, here and nowhere else, compares the status with the snapshot
// and writes a merge patch only when it changed, so an idle reconcile
// makes no write. A Coalescer spaces out the writes that are progress
// only.
package statuspatch

import (
	"context"
	"fmt"
	"reflect"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Patcher holds the object as it was read.
type Patcher struct {
	before   client.Object
	deferred time.Duration
}

// New snapshots obj, which must be a pointer to a struct with a Status
// field holding an ObservedGeneration (directly or in an embedded struct).
func New(obj client.Object) *Patcher {
	return &Patcher{before: obj.DeepCopyObject().(client.Object)}
}

// Before is the object as it was read.
func (p *Patcher) Before() client.Object { return p.before }

// Option changes how Patch writes.
type Option func(*options)

type options struct {
	optimisticLock bool
	coalescer      *Coalescer
	progressOnly   bool
}

// WithOptimisticLock makes the write fail with a Conflict when the object
// changed since it was read, so a reconcile that worked from a stale copy
// loses and runs again on the fresh one: a transition is then written, and
// told, once.
func WithOptimisticLock() Option { return func(o *options) { o.optimisticLock = true } }

// Changed stamps obj's status.observedGeneration with its generation and
// reports whether the status differs from the snapshot: for reconcilers
// that add something (a timestamp) only to a status that changes anyway.
func (p *Patcher) Changed(obj client.Object) bool {
	status := statusOf(obj)
	status.FieldByName("ObservedGeneration").SetInt(obj.GetGeneration())
	return !equality.Semantic.DeepEqual(statusOf(p.before).Interface(), status.Interface())
}

// Patch sets obj's status.observedGeneration to its generation and writes
// the status when it differs from the snapshot. It reports whether it
// wrote.
func (p *Patcher) Patch(ctx context.Context, c client.Client, obj client.Object, opts ...Option) (bool, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if !p.Changed(obj) {
		return false, nil
	}
	if o.coalescer != nil {
		if p.deferred = o.coalescer.wait(obj.GetUID(), o.progressOnly); p.deferred > 0 {
			return false, nil
		}
	}
	patch := client.MergeFrom(p.before)
	if o.optimisticLock {
		patch = client.MergeFromWithOptions(p.before, client.MergeFromWithOptimisticLock{})
	}
	if err := c.Status().Patch(ctx, obj, patch); err != nil {
		return false, fmt.Errorf("writing the status of %s %s: %w", reflect.TypeOf(obj).Elem().Name(), obj.GetName(), err)
	}
	if o.coalescer != nil {
		o.coalescer.wrote(obj.GetUID())
	}
	return true, nil
}

// Deferred is how soon the reconcile must run again to write the progress
// Patch held back (Coalesce), or 0 when it held nothing back.
func (p *Patcher) Deferred() time.Duration { return p.deferred }

func statusOf(obj client.Object) reflect.Value {
	return reflect.ValueOf(obj).Elem().FieldByName("Status")
}

// Package installation reconciles InstallationTargets: it renders a
// Release's source once and applies the objects to every cluster of the
// target with server-side apply, side by side with other releases of the
// same application, never touching objects it does not own.
package installation

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/clusters"
	"github.com/convoy-rollouts/convoy/pkg/conditions"
	"github.com/convoy-rollouts/convoy/pkg/render"
	"github.com/convoy-rollouts/convoy/pkg/statuspatch"
)

// Finalizer holds an InstallationTarget until its objects are removed from
// every reachable cluster.
const Finalizer = convoyv1alpha1.FinalizerInstallation

// DefaultResync is how often an installation is checked again once it is
// installed everywhere. Objects of the Installed kinds are checked at once
// when they change or go (drift correction comes from watches), so the
// resync only catches drift in other kinds; it is long, and jittered, so
// that a thousand idle releases cost nothing.
const DefaultResync = 10 * time.Minute

// retryFailed is how soon an installation that failed somewhere (a cluster
// out of reach, a refused object) is tried again.
const retryFailed = 30 * time.Second

// Distinguisher makes a release's objects distinct from other releases':
// a name suffix with references following, and labels on objects,
// selectors and pod templates (render/kustomize.Distinguish).
type Distinguisher func(objs []*unstructured.Unstructured, nameSuffix string, labels map[string]string) ([]*unstructured.Unstructured, error)

// Reconciler reconciles InstallationTargets.
type Reconciler struct {
	client.Client
	APIReader   client.Reader
	Renderer    render.Renderer
	Distinguish Distinguisher
	Clusters    *clusters.Store
	// Tenancy says which ServiceAccount each release's writes impersonate.
	Tenancy  clusters.Tenancy
	Recorder events.EventRecorder
	// Resync is how often installed objects are checked; DefaultResync
	// when zero.
	Resync time.Duration

	rendered renderCache
}

// Reconcile installs the target's release in each of its clusters and
// writes the status once.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	it := &convoyv1alpha1.InstallationTarget{}
	if err := r.Get(ctx, req.NamespacedName, it); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !it.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, r.uninstall(ctx, it)
	}
	// The release controller creates targets with the finalizer; this
	// covers targets made before it did.
	if controllerutil.AddFinalizer(it, Finalizer) {
		if err := r.Update(ctx, it); err != nil {
			return ctrl.Result{}, err
		}
	}
	patcher := statuspatch.New(it)
	meta.RemoveStatusCondition(&it.Status.Conditions, convoyv1alpha1.ConditionStalled)

	results := make(map[string]clusterResult, len(it.Spec.Clusters))
	for _, part := range valueParts(it) {
		objs, err := r.objectsOf(ctx, part)
		if done, res, err := r.renderFailed(ctx, patcher, it, err); done {
			return res, err
		}
		if it.Spec.Idle {
			if objs, err = idled(objs); err != nil {
				conditions.MarkStalled(&it.Status.Conditions, it.Generation, string(render.ReasonInvalidManifest), fmt.Sprintf("idling the objects: %v", err))
				return ctrl.Result{RequeueAfter: r.retry()}, r.writeStatus(ctx, patcher, it)
			}
		}
		maps.Copy(results, r.installEverywhere(ctx, part, objs))
	}
	if !summarize(it, results) {
		return ctrl.Result{RequeueAfter: r.retry()}, r.writeStatus(ctx, patcher, it)
	}
	return ctrl.Result{RequeueAfter: r.resync()}, r.writeStatus(ctx, patcher, it)
}

// renderFailed handles a render that did not give objects: done with the
// result to return when it did not.
func (r *Reconciler) renderFailed(ctx context.Context, patcher *statuspatch.Patcher, it *convoyv1alpha1.InstallationTarget, err error) (bool, ctrl.Result, error) {
	if render.IsPending(err) {
		// The source is being fetched in the background: progress, not a
		// failure. A target installed already (re-rendering after a
		// restart) stays Ready: its objects are in place meanwhile.
		if ready := meta.FindStatusCondition(it.Status.Conditions, convoyv1alpha1.ConditionReady); ready == nil ||
			ready.Status != metav1.ConditionTrue || ready.ObservedGeneration != it.Generation {
			conditions.MarkReconciling(&it.Status.Conditions, it.Generation, string(render.ReasonSourcePending), err.Error())
		}
		return true, ctrl.Result{RequeueAfter: render.PendingRetry}, r.writeStatus(ctx, patcher, it)
	}
	if err != nil {
		reason := string(render.ReasonOf(err))
		conditions.MarkStalled(&it.Status.Conditions, it.Generation, reason, err.Error())
		return true, ctrl.Result{RequeueAfter: r.retry()}, r.writeStatus(ctx, patcher, it)
	}
	return false, ctrl.Result{}, nil
}

// valueParts splits the target by values: the clusters its overrides give
// other values (spec.clusterValues) each get a copy with theirs, and the
// rest the target's own; each part renders once.
func valueParts(it *convoyv1alpha1.InstallationTarget) []*convoyv1alpha1.InstallationTarget {
	if len(it.Spec.ClusterValues) == 0 {
		return []*convoyv1alpha1.InstallationTarget{it}
	}
	var parts []*convoyv1alpha1.InstallationTarget
	rest := slices.Clone(it.Spec.Clusters)
	for _, cv := range it.Spec.ClusterValues {
		part := it.DeepCopy()
		part.Spec.Clusters, part.Spec.Values, part.Spec.ClusterValues = nil, cv.Values, nil
		for _, c := range cv.Clusters {
			if slices.Contains(it.Spec.Clusters, c) {
				part.Spec.Clusters = append(part.Spec.Clusters, c)
			}
		}
		rest = slices.DeleteFunc(rest, func(c string) bool { return slices.Contains(cv.Clusters, c) })
		parts = append(parts, part)
	}
	if len(rest) > 0 {
		part := it.DeepCopy()
		part.Spec.Clusters, part.Spec.ClusterValues = rest, nil
		parts = append([]*convoyv1alpha1.InstallationTarget{part}, parts...)
	}
	return parts
}

// resync is when an installed target is looked at again, jittered by up to
// a tenth so that targets installed together do not come back together.
func (r *Reconciler) resync() time.Duration {
	d := r.Resync
	if d <= 0 {
		d = DefaultResync
	}
	return d + rand.N(d/10+1)
}

// retry is when a target that failed somewhere is tried again: the resync
// when it is shorter (tests set a short one).
func (r *Reconciler) retry() time.Duration {
	if r.Resync > 0 && r.Resync < retryFailed {
		return r.Resync
	}
	return retryFailed
}

// objectsOf returns the target's prepared objects, rendering only the
// first time the target's source and values are seen: a change of its
// clusters, or idling it, renders nothing.
func (r *Reconciler) objectsOf(ctx context.Context, it *convoyv1alpha1.InstallationTarget) ([]*unstructured.Unstructured, error) {
	key, err := renderKeyOf(it)
	if err != nil {
		return nil, err
	}
	if objs, ok := r.rendered.get(key); ok {
		return objs, nil
	}
	objs, err := r.renderObjects(ctx, it)
	if err != nil {
		return nil, err
	}
	r.rendered.put(key, objs)
	return objs, nil
}

// writeStatus writes the status once, when it changed.
func (r *Reconciler) writeStatus(ctx context.Context, patcher *statuspatch.Patcher, it *convoyv1alpha1.InstallationTarget) error {
	_, err := patcher.Patch(ctx, r.Client, it)
	return err
}

// installEverywhere installs in all clusters at once, each bounded by its
// own timeout, so an unreachable cluster delays nobody.
func (r *Reconciler) installEverywhere(ctx context.Context, it *convoyv1alpha1.InstallationTarget, objs []*unstructured.Unstructured) map[string]clusterResult {
	results := make(map[string]clusterResult, len(it.Spec.Clusters))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, name := range it.Spec.Clusters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cctx, cancel := context.WithTimeout(ctx, 2*clusters.RequestTimeout)
			defer cancel()
			res := r.installIn(cctx, it, name, objs)
			mu.Lock()
			results[name] = res
			mu.Unlock()
		}()
	}
	wg.Wait()
	return results
}

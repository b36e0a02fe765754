// Package installation reconciles InstallationTargets: it renders a
// Release's source once and applies the objects to every cluster of the
// target with server-side apply, side by side with other releases of the
// same application, never touching objects it does not own.
package installation

import (
	"context"
	"fmt"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
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
const Finalizer = "convoy.dev/installation"

// DefaultResync is how often installed objects are checked again. Objects
// of the Installed kinds are checked at once when they change or go; the
// resync catches the others, and clusters that were out of reach.
const DefaultResync = time.Minute

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
	if controllerutil.AddFinalizer(it, Finalizer) {
		if err := r.Update(ctx, it); err != nil {
			return ctrl.Result{}, err
		}
	}
	patcher := statuspatch.New(it)
	meta.RemoveStatusCondition(&it.Status.Conditions, convoyv1alpha1.ConditionStalled)

	objs, err := r.objectsOf(ctx, it)
	if err != nil {
		reason := string(render.ReasonOf(err))
		conditions.MarkStalled(&it.Status.Conditions, it.Generation, reason, err.Error())
		return ctrl.Result{RequeueAfter: r.resync()}, r.writeStatus(ctx, patcher, it)
	}
	if it.Spec.Idle {
		if objs, err = idled(objs); err != nil {
			conditions.MarkStalled(&it.Status.Conditions, it.Generation, string(render.ReasonInvalidManifest), fmt.Sprintf("idling the objects: %v", err))
			return ctrl.Result{RequeueAfter: r.resync()}, r.writeStatus(ctx, patcher, it)
		}
	}
	results := r.installEverywhere(ctx, it, objs)
	summarize(it, results)
	return ctrl.Result{RequeueAfter: r.resync()}, r.writeStatus(ctx, patcher, it)
}

func (r *Reconciler) resync() time.Duration {
	if r.Resync > 0 {
		return r.Resync
	}
	return DefaultResync
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

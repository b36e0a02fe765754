// Package release reconciles Releases. This first part schedules a Release:
// it chooses its clusters once (pkg/placement), checks that its source
// renders, and creates the InstallationTarget, CapacityTarget and
// TrafficTarget that carry the Release into those clusters. The strategy
// executor that moves the targets step by step builds on it.
package release

import (
	"context"
	"errors"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/conditions"
	"github.com/convoy-rollouts/convoy/pkg/placement"
	"github.com/convoy-rollouts/convoy/pkg/render"
	"github.com/convoy-rollouts/convoy/pkg/statuspatch"
)

// Reconciler reconciles Releases.
type Reconciler struct {
	client.Client
	// APIReader reads Secrets uncached.
	APIReader client.Reader
	Renderer  render.Renderer
	Recorder  events.EventRecorder
	// Measurer takes the measurements of steps' analysis checks.
	Measurer Measurer
	// Notifications sends releases' events to their Notifier; nil sends
	// none.
	Notifications *Notifications

	apps appLocks
	// progress spaces out the status writes that only report progress
	// (SetupWithManager makes it; without it every change is written).
	progress *statuspatch.Coalescer
}

// conflictRetry is how soon a reconcile that lost a conflict runs again,
// once the cache has the newer Release.
const conflictRetry = 100 * time.Millisecond

// Reconcile schedules the Release and writes its status once.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	rel := &convoyv1alpha1.Release{}
	if err := r.Get(ctx, req.NamespacedName, rel); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !rel.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, nil // its targets are owned and go with it
	}
	defer r.apps.lock(types.NamespacedName{Namespace: rel.Namespace, Name: rel.Labels[convoyv1alpha1.LabelApplication]})()
	// Read again under the lock: a sibling's reconcile may have changed it.
	if err := r.Get(ctx, req.NamespacedName, rel); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	patcher := statuspatch.New(rel)
	meta.RemoveStatusCondition(&rel.Status.Conditions, convoyv1alpha1.ConditionStalled)

	err := r.schedule(ctx, rel)
	var placementErr *placement.Error
	var renderErr *render.Error
	var requeue time.Duration
	switch {
	case errors.As(err, &placementErr):
		r.notScheduled(rel, string(placementErr.Reason), placementErr.Message)
		err = nil // a cluster joining re-triggers scheduling
	case render.IsPending(err):
		// The source is being fetched in the background: progress, not a
		// failure, so neither Stalled nor a Warning on every retry.
		reason := string(render.ReasonSourcePending)
		conditions.Set(&rel.Status.Conditions, rel.Generation, convoyv1alpha1.ConditionScheduled, metav1.ConditionFalse, reason, err.Error())
		conditions.MarkReconciling(&rel.Status.Conditions, rel.Generation, reason, err.Error())
		requeue, err = render.PendingRetry, nil
	case errors.As(err, &renderErr):
		r.notScheduled(rel, string(renderErr.Reason), renderErr.Error())
		err = nil
	case err == nil:
		err = r.drive(ctx, rel)
	}
	var later *requeueAfter
	switch {
	case errors.Is(err, errRequeue):
		requeue, err = 5*time.Second, nil
	case errors.As(err, &later):
		requeue, err = later.after, nil
	}
	var strategyErr *strategyError
	if errors.As(err, &strategyErr) {
		conditions.MarkStalled(&rel.Status.Conditions, rel.Generation, "InvalidStrategy", strategyErr.Error())
		err = nil
	}
	// Optimistic locking: a reconcile that read a stale Release loses and
	// runs again on the fresh one, so every transition is written, and
	// told (notify), once.
	wrote, perr := patcher.Patch(ctx, r.Client, rel, statuspatch.WithOptimisticLock(),
		statuspatch.Coalesce(r.progress, progressOnly(patcher.Before().(*convoyv1alpha1.Release), rel)))
	switch {
	case apierrors.IsConflict(perr):
		// Not Requeue: that goes through the queue's rate limiter, whose
		// bucket (10 a second for the whole controller) a thousand
		// releases' conflicts would queue behind.
		return ctrl.Result{RequeueAfter: conflictRetry}, nil
	case perr != nil:
		return ctrl.Result{}, errors.Join(err, perr)
	case wrote:
		r.notify(ctx, patcher.Before().(*convoyv1alpha1.Release), rel)
	}
	if deferred := patcher.Deferred(); deferred > 0 && (requeue == 0 || deferred < requeue) {
		requeue = deferred
	}
	return ctrl.Result{RequeueAfter: requeue}, err
}

func (r *Reconciler) notScheduled(rel *convoyv1alpha1.Release, reason, message string) {
	gen := rel.Generation
	conditions.Set(&rel.Status.Conditions, gen, convoyv1alpha1.ConditionScheduled, metav1.ConditionFalse, reason, message)
	conditions.MarkStalled(&rel.Status.Conditions, gen, reason, message)
	r.Recorder.Eventf(rel, nil, corev1.EventTypeWarning, reason, "Schedule", message)
}

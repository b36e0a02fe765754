package release

import (
	"context"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/clusters"
	"github.com/convoy-rollouts/convoy/pkg/conditions"
	"github.com/convoy-rollouts/convoy/pkg/logging"
	"github.com/convoy-rollouts/convoy/pkg/roles"
	"github.com/convoy-rollouts/convoy/pkg/shard"
	"github.com/convoy-rollouts/convoy/pkg/statuspatch"
)

// SetupWithManager registers the reconciler: it runs on Releases, on their
// targets (and the head Release on its incumbent's targets), on siblings
// coming and going (which supersedes them), and, for
// Releases not scheduled yet, on Clusters coming and going (a cluster
// joining may make an impossible placement possible).
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	r.progress = statuspatch.NewCoalescer(statuspatch.ProgressWindow)
	return ctrl.NewControllerManagedBy(mgr).
		Named("release").
		WithLogConstructor(logging.Constructor(mgr, "release", "release")).
		For(&convoyv1alpha1.Release{}).
		Owns(&convoyv1alpha1.InstallationTarget{}).
		Watches(&convoyv1alpha1.CapacityTarget{}, handler.EnqueueRequestsFromMapFunc(r.ownerAndHead)).
		Watches(&convoyv1alpha1.TrafficTarget{}, handler.EnqueueRequestsFromMapFunc(r.ownerAndHead)).
		Watches(&convoyv1alpha1.Cluster{}, handler.EnqueueRequestsFromMapFunc(r.unscheduledReleases), builder.WithPredicates(clusters.UsabilityChanged())).
		Watches(&convoyv1alpha1.Release{}, handler.EnqueueRequestsFromMapFunc(r.siblings),
			builder.WithPredicates(predicate.Funcs{UpdateFunc: func(event.UpdateEvent) bool { return false }})).
		Complete(shard.Reconciler(mgr, &convoyv1alpha1.Release{}, r))
}

// ownerAndHead maps a capacity or traffic target to its Release and to the
// contender of the same Application, whose strategy drives it when it
// belongs to the incumbent or a superseded release.
func (r *Reconciler) ownerAndHead(ctx context.Context, target client.Object) []reconcile.Request {
	reqs := []reconcile.Request{{NamespacedName: client.ObjectKey{Namespace: target.GetNamespace(), Name: target.GetName()}}}
	list := &convoyv1alpha1.ReleaseList{}
	app := target.GetLabels()[convoyv1alpha1.LabelApplication]
	if err := r.List(ctx, list, client.InNamespace(target.GetNamespace()), client.MatchingLabels{convoyv1alpha1.LabelApplication: app}); err != nil || len(list.Items) == 0 {
		return reqs
	}
	rels := make([]*convoyv1alpha1.Release, 0, len(list.Items))
	for i := range list.Items {
		rels = append(rels, &list.Items[i])
	}
	roles.Sort(rels)
	if head := roles.Of(rels).Contender; head.Name != target.GetName() {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(head)})
	}
	return reqs
}

// siblings maps a Release to the other Releases of its Application, which
// learn from it whether they are superseded.
func (r *Reconciler) siblings(ctx context.Context, obj client.Object) []reconcile.Request {
	list := &convoyv1alpha1.ReleaseList{}
	app := obj.GetLabels()[convoyv1alpha1.LabelApplication]
	if err := r.List(ctx, list, client.InNamespace(obj.GetNamespace()), client.MatchingLabels{convoyv1alpha1.LabelApplication: app}); err != nil {
		return nil
	}
	var reqs []reconcile.Request
	for _, rel := range list.Items {
		if rel.Name != obj.GetName() {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&rel)})
		}
	}
	return reqs
}

func (r *Reconciler) unscheduledReleases(ctx context.Context, _ client.Object) []reconcile.Request {
	list := &convoyv1alpha1.ReleaseList{}
	if err := r.List(ctx, list); err != nil {
		return nil
	}
	var reqs []reconcile.Request
	for _, rel := range list.Items {
		if !conditions.IsTrue(rel.Status.Conditions, convoyv1alpha1.ConditionScheduled) {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&rel)})
		}
	}
	return reqs
}

package capacity

import (
	"context"
	"slices"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/clusters"
	"github.com/convoy-rollouts/convoy/pkg/logging"
	"github.com/convoy-rollouts/convoy/pkg/shard"
	"github.com/convoy-rollouts/convoy/pkg/statuspatch"
)

// nameIndex indexes CapacityTargets by name: a target is named after its
// release, which is all an object in an application cluster tells.
const nameIndex = "metadata.name"

// SetupWithManager registers the reconciler: it runs on CapacityTarget
// spec changes and on every change to a convoy Deployment or Pod in any
// application cluster, through the cluster caches' label-filtered
// informers. An autoscaled release runs on its siblings' spec changes too:
// its autoscaler's bounds depend on whether another release still holds
// capacity in the cluster (see autoscaled).
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	r.progress = statuspatch.NewCoalescer(statuspatch.ProgressWindow)
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &convoyv1alpha1.CapacityTarget{}, nameIndex,
		func(o client.Object) []string { return []string{o.GetName()} }); err != nil {
		return err
	}
	ofRelease := func(_, obj client.Object) bool { return obj.GetLabels()[convoyv1alpha1.LabelRelease] != "" }
	return ctrl.NewControllerManagedBy(mgr).
		Named("capacity").
		WithLogConstructor(logging.Constructor(mgr, "capacity", "release")).
		For(&convoyv1alpha1.CapacityTarget{}).
		Watches(&convoyv1alpha1.CapacityTarget{}, handler.EnqueueRequestsFromMapFunc(r.autoscaledSiblings), builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		WatchesRawSource(r.Clusters.Changes(ofRelease, r.targetsOf)).
		Watches(&convoyv1alpha1.Cluster{}, handler.EnqueueRequestsFromMapFunc(r.targetsIn), builder.WithPredicates(clusters.UsabilityChanged())).
		Complete(shard.Reconciler(mgr, &convoyv1alpha1.CapacityTarget{}, r))
}

// autoscaledSiblings maps a CapacityTarget to the other targets of its
// application that size a release by an autoscaler.
func (r *Reconciler) autoscaledSiblings(ctx context.Context, obj client.Object) []reconcile.Request {
	list := &convoyv1alpha1.CapacityTargetList{}
	if err := r.List(ctx, list, client.InNamespace(obj.GetNamespace()),
		client.MatchingLabels{convoyv1alpha1.LabelApplication: obj.GetLabels()[convoyv1alpha1.LabelApplication]}); err != nil {
		return nil
	}
	var reqs []reconcile.Request
	for _, ct := range list.Items {
		if ct.Name != obj.GetName() && slices.ContainsFunc(ct.Spec.Clusters, func(c convoyv1alpha1.ClusterCapacityTarget) bool { return c.Autoscaler != nil }) {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&ct)})
		}
	}
	return reqs
}

// targetsIn maps a Cluster, whose reachability changed, to the
// CapacityTargets that run in it.
func (r *Reconciler) targetsIn(ctx context.Context, cluster client.Object) []reconcile.Request {
	list := &convoyv1alpha1.CapacityTargetList{}
	if err := r.List(ctx, list); err != nil {
		return nil
	}
	var reqs []reconcile.Request
	for _, ct := range list.Items {
		for _, c := range ct.Spec.Clusters {
			if c.Name == cluster.GetName() {
				reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&ct)})
				break
			}
		}
	}
	return reqs
}

// targetsOf maps an object in an application cluster to the CapacityTarget
// of its release.
func (r *Reconciler) targetsOf(ctx context.Context, obj client.Object) []reconcile.Request {
	list := &convoyv1alpha1.CapacityTargetList{}
	if err := r.List(ctx, list, client.MatchingFields{nameIndex: obj.GetLabels()[convoyv1alpha1.LabelRelease]}); err != nil {
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(list.Items))
	for _, ct := range list.Items {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&ct)})
	}
	return reqs
}

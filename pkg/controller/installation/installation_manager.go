package installation

import (
	"context"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/logging"
	"github.com/convoy-rollouts/convoy/pkg/shard"
)

// nameIndex indexes InstallationTargets by name: a target is named after
// its release, which is all an object in an application cluster tells.
const nameIndex = "metadata.name"

// SetupWithManager registers the reconciler on InstallationTarget spec
// changes and on every change to, or deletion of, an object a release
// installed in any application cluster, through the cluster caches'
// label-filtered informers, which watch the Installed kinds too. Installed
// objects are also rechecked every resync period.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &convoyv1alpha1.InstallationTarget{}, nameIndex,
		func(o client.Object) []string { return []string{o.GetName()} }); err != nil {
		return err
	}
	r.Clusters.Watch(Installed...)
	return ctrl.NewControllerManagedBy(mgr).
		Named("installation").
		WithLogConstructor(logging.Constructor(mgr, "installation", "release")).
		For(&convoyv1alpha1.InstallationTarget{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		WatchesRawSource(r.Clusters.Changes(drifted, r.targetsOf)).
		Complete(shard.Reconciler(mgr, &convoyv1alpha1.InstallationTarget{}, r))
}

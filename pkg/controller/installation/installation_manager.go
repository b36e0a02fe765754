package installation

import (
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/logging"
)

// SetupWithManager registers the reconciler on InstallationTarget spec
// changes; installed objects are rechecked every resync period.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named("installation").
		WithLogConstructor(logging.Constructor(mgr, "installation", "release")).
		For(&convoyv1alpha1.InstallationTarget{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Complete(r)
}

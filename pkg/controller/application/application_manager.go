package application

import (
	"context"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/logging"
	"github.com/convoy-rollouts/convoy/pkg/shard"
)

// SetupWithManager registers the reconciler: it runs on spec and annotation
// changes of Applications (not on their own status writes), on any change
// of their Releases, and on RolloutBlocks coming and going.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named("application").
		WithLogConstructor(logging.Constructor(mgr, "application", "application")).
		For(&convoyv1alpha1.Application{}, builder.WithPredicates(
			predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		Owns(&convoyv1alpha1.Release{}).
		Watches(&convoyv1alpha1.RolloutBlock{}, handler.EnqueueRequestsFromMapFunc(r.applicationsUnder)).
		Watches(&convoyv1alpha1.AnalysisTemplate{}, handler.EnqueueRequestsFromMapFunc(r.applicationsUsing)).
		Complete(shard.Reconciler(mgr, &convoyv1alpha1.Application{}, r))
}

// applicationsUsing maps an AnalysisTemplate to the Applications of its
// namespace whose steps name it: one waiting for it makes its release as
// soon as it exists.
func (r *Reconciler) applicationsUsing(ctx context.Context, tmpl client.Object) []reconcile.Request {
	list := &convoyv1alpha1.ApplicationList{}
	if err := r.List(ctx, list, client.InNamespace(tmpl.GetNamespace())); err != nil {
		return nil
	}
	var reqs []reconcile.Request
	for _, app := range list.Items {
		if namesTemplate(app.Spec.Template.Strategy, tmpl.GetName()) {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&app)})
		}
	}
	return reqs
}

func namesTemplate(s convoyv1alpha1.Strategy, name string) bool {
	for _, step := range s.Steps {
		for _, check := range step.Analysis {
			if check.TemplateRef == name {
				return true
			}
		}
	}
	return false
}

// applicationsUnder maps a RolloutBlock to the Applications it may stop.
func (r *Reconciler) applicationsUnder(ctx context.Context, block client.Object) []reconcile.Request {
	list := &convoyv1alpha1.ApplicationList{}
	var opts []client.ListOption
	if block.GetNamespace() != r.GlobalBlockNamespace {
		opts = append(opts, client.InNamespace(block.GetNamespace()))
	}
	if err := r.List(ctx, list, opts...); err != nil {
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(list.Items))
	for _, app := range list.Items {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&app)})
	}
	return reqs
}

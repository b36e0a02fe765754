package application

import (
	"context"
	"slices"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/logging"
	"github.com/convoy-rollouts/convoy/pkg/rolloutblock"
)

// BlockReconciler records in each RolloutBlock's status.overrides the
// Applications that override it, so that whoever set the block sees who
// goes past it.
type BlockReconciler struct {
	client.Client
	GlobalBlockNamespace string
}

// Reconcile recomputes one block's overrides from the Applications it
// applies to, and writes them when they changed.
func (r *BlockReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	block := &convoyv1alpha1.RolloutBlock{}
	if err := r.Get(ctx, req.NamespacedName, block); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	apps := &convoyv1alpha1.ApplicationList{}
	var opts []client.ListOption
	if block.Namespace != r.GlobalBlockNamespace {
		opts = append(opts, client.InNamespace(block.Namespace))
	}
	if err := r.List(ctx, apps, opts...); err != nil {
		return ctrl.Result{}, err
	}
	overrides := rolloutblock.Overriders(block, r.GlobalBlockNamespace, apps.Items)
	if slices.Equal(overrides, block.Status.Overrides) {
		return ctrl.Result{}, nil
	}
	patch := client.MergeFrom(block.DeepCopy())
	block.Status.Overrides = overrides
	return ctrl.Result{}, r.Status().Patch(ctx, block, patch)
}

// SetupWithManager registers the reconciler on RolloutBlocks and on every
// change of an Application, mapped to the blocks that apply to it: an
// Application that drops its override must leave the block's status too,
// and only the blocks it may have named can tell.
func (r *BlockReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named("rolloutblock").
		WithLogConstructor(logging.Constructor(mgr, "rolloutblock", "rolloutblock")).
		For(&convoyv1alpha1.RolloutBlock{}).
		Watches(&convoyv1alpha1.Application{}, handler.EnqueueRequestsFromMapFunc(r.blocksOver)).
		Complete(r)
}

// blocksOver maps an Application to the RolloutBlocks that apply to it.
func (r *BlockReconciler) blocksOver(ctx context.Context, app client.Object) []reconcile.Request {
	var reqs []reconcile.Request
	for _, ns := range slices.Compact([]string{app.GetNamespace(), r.GlobalBlockNamespace}) {
		list := &convoyv1alpha1.RolloutBlockList{}
		if err := r.List(ctx, list, client.InNamespace(ns)); err != nil {
			return nil
		}
		for _, b := range list.Items {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&b)})
		}
	}
	return reqs
}

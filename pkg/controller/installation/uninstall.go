package installation

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/clusters"
	"github.com/convoy-rollouts/convoy/pkg/tenancy"
)

// uninstall deletes the release's anchors in every cluster, and with them,
// through each cluster's garbage collector, every object of the release.
// A cluster whose Cluster object is gone is skipped; one that exists but
// cannot be reached holds the finalizer until it can.
func (r *Reconciler) uninstall(ctx context.Context, it *convoyv1alpha1.InstallationTarget) error {
	if !controllerutil.ContainsFinalizer(it, Finalizer) {
		return nil
	}
	var errs []error
	for _, name := range it.Spec.Clusters {
		cctx, cancel := context.WithTimeout(ctx, 2*clusters.RequestTimeout)
		errs = append(errs, r.deleteAnchors(cctx, it, name))
		cancel()
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	controllerutil.RemoveFinalizer(it, Finalizer)
	return r.Update(ctx, it)
}

func (r *Reconciler) deleteAnchors(ctx context.Context, it *convoyv1alpha1.InstallationTarget, cluster string) error {
	// The agent finds the anchors; the release's ServiceAccount deletes
	// them, as it created them.
	agent, err := r.Clusters.Client(ctx, cluster)
	var cerr *clusters.Error
	if errors.As(err, &cerr) && cerr.Reason == clusters.ReasonClusterNotFound && apierrors.IsNotFound(errors.Unwrap(cerr.Err)) {
		return nil
	}
	if err != nil {
		return err
	}
	id, err := r.Tenancy.Identity(it.Namespace, it.Spec.ServiceAccountName)
	if err != nil {
		return fmt.Errorf("cluster %s: %w", cluster, err)
	}
	c, err := r.Clusters.ClientAs(ctx, cluster, id)
	if err != nil {
		return err
	}
	anchors := &corev1.ConfigMapList{}
	if err := agent.List(ctx, anchors, client.MatchingLabels{convoyv1alpha1.LabelAnchor: "true", convoyv1alpha1.LabelRelease: it.Name}); err != nil {
		return fmt.Errorf("cluster %s: listing anchors: %w", cluster, err)
	}
	for i := range anchors.Items {
		anchor := &anchors.Items[i]
		// Anchors are listed in every namespace: a release installed before
		// objects were confined to the Application's namespace may have
		// one in several. The UID tells this target's from a namesake (an
		// earlier life of the release name, or another tenant's).
		if anchor.Data[tenancy.AnchorTargetUIDKey] != string(it.UID) {
			continue
		}
		err := c.Delete(ctx, anchor, client.PropagationPolicy(metav1.DeletePropagationBackground))
		if client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("cluster %s: deleting anchor %s/%s as %s: %w", cluster, anchor.Namespace, anchor.Name, id, err)
		}
	}
	return nil
}

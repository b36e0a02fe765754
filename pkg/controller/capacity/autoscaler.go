package capacity

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/clusters"
	"github.com/convoy-rollouts/convoy/pkg/health"
	"github.com/convoy-rollouts/convoy/pkg/tenancy"
	"github.com/convoy-rollouts/convoy/pkg/workload"
	"github.com/convoy-rollouts/convoy/strategies"
)

// autoscaled sizes a release that has a HorizontalPodAutoscaler in one
// cluster at a non-zero percent: it sets the autoscaler's bounds for the
// step (strategies.ScaledBounds) and touches the Deployment's replicas only
// to bring them inside those bounds, which the autoscaler would do too, so
// the two never fight. Within the bounds the autoscaler alone decides. The
// capacity the step needs is the lower bound: desired. A nil verdict means
// the bounds and replicas are in place and the pods may be judged.
func (r *Reconciler) autoscaled(ctx context.Context, c cache.Cache, ct *convoyv1alpha1.CapacityTarget, target convoyv1alpha1.ClusterCapacityTarget, dep *appsv1.Deployment, anchor *corev1.ConfigMap) (desired int32, st *convoyv1alpha1.AutoscalerStatus, v *verdict) {
	hpa, err := releaseAutoscaler(ctx, c, ct.Name, dep, anchor)
	if err != nil {
		u := unreachable(err)
		return 0, nil, &u
	}
	if hpa == nil {
		return 0, nil, &verdict{reason: health.ReasonAutoscalerNotFound, message: fmt.Sprintf("no HorizontalPodAutoscaler of release %s scaling Deployment %s yet: waiting for its installation", ct.Name, dep.Name)}
	}
	alone, err := r.alone(ctx, ct, target.Name)
	if err != nil {
		u := unreachable(err)
		return 0, nil, &u
	}
	lo, hi := strategies.ScaledBounds(target.TotalReplicaCount, target.Autoscaler.MinReplicas, target.Autoscaler.MaxReplicas, target.Percent, alone)
	st = &convoyv1alpha1.AutoscalerStatus{Name: hpa.Name, MinReplicas: lo, MaxReplicas: hi, DesiredReplicas: hpa.Status.DesiredReplicas}
	if hpa.Spec.MinReplicas == nil || *hpa.Spec.MinReplicas != lo || hpa.Spec.MaxReplicas != hi {
		return lo, st, r.bound(ctx, ct, target.Name, hpa, lo, hi)
	}
	replicas := int32(1)
	if dep.Spec.Replicas != nil {
		replicas = *dep.Spec.Replicas
	}
	if replicas < lo || replicas > hi {
		scaled := r.scale(ctx, ct, target.Name, dep, min(max(replicas, lo), hi))
		return lo, st, &scaled
	}
	return lo, st, nil
}

// releaseAutoscaler is the HorizontalPodAutoscaler of the release's
// Deployment in the cluster, owned by the release's anchor like the
// Deployment; nil when there is none.
func releaseAutoscaler(ctx context.Context, c cache.Cache, release string, dep *appsv1.Deployment, anchor *corev1.ConfigMap) (*autoscalingv2.HorizontalPodAutoscaler, error) {
	list := &autoscalingv2.HorizontalPodAutoscalerList{}
	if err := c.List(ctx, list, client.InNamespace(dep.Namespace), clusters.OfRelease(release)); err != nil {
		return nil, err
	}
	for i := range list.Items {
		hpa := &list.Items[i]
		ref := hpa.Spec.ScaleTargetRef
		if ref.Kind == "Deployment" && ref.Name == dep.Name && tenancy.OwnedBy(hpa, anchor.UID) {
			return hpa, nil
		}
	}
	return nil, nil
}

// alone tells whether no other release of the application holds capacity
// in the cluster: no traffic can move to this one any more, and its
// autoscaler gets its own bounds.
func (r *Reconciler) alone(ctx context.Context, ct *convoyv1alpha1.CapacityTarget, cluster string) (bool, error) {
	list := &convoyv1alpha1.CapacityTargetList{}
	if err := r.List(ctx, list, client.InNamespace(ct.Namespace), client.MatchingLabels{convoyv1alpha1.LabelApplication: ct.Labels[convoyv1alpha1.LabelApplication]}); err != nil {
		return false, err
	}
	for _, other := range list.Items {
		if other.Name == ct.Name {
			continue
		}
		for _, c := range other.Spec.Clusters {
			if c.Name == cluster && c.Percent > 0 {
				return false, nil
			}
		}
	}
	return true, nil
}

// bound sets the autoscaler's bounds with server-side apply as the
// capacity field manager, the one owner of those fields (the installer
// never applies them), acting as the release's ServiceAccount.
func (r *Reconciler) bound(ctx context.Context, ct *convoyv1alpha1.CapacityTarget, cluster string, hpa *autoscalingv2.HorizontalPodAutoscaler, lo, hi int32) *verdict {
	c, v := r.clientFor(ctx, ct, cluster)
	if v != nil {
		return v
	}
	was := fmt.Sprintf("%d", hpa.Spec.MaxReplicas)
	if hpa.Spec.MinReplicas != nil {
		was = fmt.Sprintf("%d..%s", *hpa.Spec.MinReplicas, was)
	}
	patch := &unstructured.Unstructured{}
	patch.SetGroupVersionKind(autoscalingv2.SchemeGroupVersion.WithKind("HorizontalPodAutoscaler"))
	patch.SetNamespace(hpa.Namespace)
	patch.SetName(hpa.Name)
	_ = unstructured.SetNestedField(patch.Object, int64(lo), workload.MinReplicasField...)
	_ = unstructured.SetNestedField(patch.Object, int64(hi), workload.MaxReplicasField...)
	if err := c.Apply(ctx, client.ApplyConfigurationFromUnstructured(patch), client.FieldOwner(clusters.CapacityFieldManager), client.ForceOwnership); err != nil {
		if clusters.IsUnreachable(err) {
			u := unreachable(err)
			return &u
		}
		return &verdict{reason: health.ReasonScaling, message: fmt.Sprintf("setting HorizontalPodAutoscaler %s from %s to %d..%d replicas: %v", hpa.Name, was, lo, hi, err)}
	}
	return &verdict{reason: health.ReasonScaling, message: fmt.Sprintf("setting HorizontalPodAutoscaler %s from %s to %d..%d replicas", hpa.Name, was, lo, hi)}
}

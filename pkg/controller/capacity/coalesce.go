package capacity

import (
	"k8s.io/apimachinery/pkg/api/meta"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/conditions"
	"github.com/convoy-rollouts/convoy/pkg/health"
)

// progressOnly reports whether a capacity target's new status only says
// how far its pods have got (statuspatch.Coalesce): a message, a reason
// within the same class, more pods available. Everything the release's
// plan and the traffic gate read is a milestone and written at once: the
// generation observed, a Ready status in any cluster or overall, a
// cluster turning unhealthy or blind, and any fall in available pods,
// since traffic is sized from them.
func progressOnly(before, after *convoyv1alpha1.CapacityTarget) bool {
	if before.Status.ObservedGeneration != after.Generation ||
		!conditions.SameOutcome(before.Status.Conditions, after.Status.Conditions) ||
		len(before.Status.Clusters) != len(after.Status.Clusters) {
		return false
	}
	for i, now := range after.Status.Clusters {
		was := before.Status.Clusters[i]
		if was.Name != now.Name || was.DesiredReplicas != now.DesiredReplicas || now.AvailableReplicas < was.AvailableReplicas {
			return false
		}
		a := meta.FindStatusCondition(was.Conditions, convoyv1alpha1.ConditionReady)
		b := meta.FindStatusCondition(now.Conditions, convoyv1alpha1.ConditionReady)
		if a == nil || b == nil || a.Status != b.Status || a.ObservedGeneration != b.ObservedGeneration ||
			health.Unhealthy(a.Reason) != health.Unhealthy(b.Reason) || health.Blind(a.Reason) != health.Blind(b.Reason) {
			return false
		}
	}
	return true
}

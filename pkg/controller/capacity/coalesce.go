package capacity

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/conditions"
	"github.com/convoy-rollouts/convoy/pkg/health"
)

// progressOnly reports whether a capacity target's new status only says
// how far its pods have got, or that a cluster got better
// (statuspatch.Coalesce): its counts moved. What the release's plan reads
// is a milestone and written at once: the generation observed and the target's own
// conditions (Ready in every cluster). So is whatever the traffic gate
// must learn without delay, every way a cluster gets worse: Ready lost,
// turning unhealthy or blind, fewer pods available (traffic is sized from
// them). So is a new diagnosis of a cluster not ready (a reason, or a
// message that says more than other numbers), which a person waiting on
// the step must see. A cluster getting better (its Deployment found,
// Ready while others are not yet) only lets traffic grow there, which
// waiting a few seconds cannot make unsafe.
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
		switch {
		case a == nil || b == nil || a.ObservedGeneration != b.ObservedGeneration:
			return false
		case b.Status != metav1.ConditionTrue && (a.Reason != b.Reason || !conditions.SameWords(a.Message, b.Message)):
			return false // a new diagnosis: Scaling → PodsNotReady, 1× Pending → 1× Unschedulable
		case a.Status == metav1.ConditionTrue && b.Status != metav1.ConditionTrue:
			return false // Ready lost
		case !health.Unhealthy(a.Reason) && health.Unhealthy(b.Reason), !health.Blind(a.Reason) && health.Blind(b.Reason):
			return false // turned unhealthy or blind
		}
	}
	return true
}

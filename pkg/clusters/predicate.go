package clusters

import (
	"maps"

	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// UsabilityChanged keeps the Cluster events that may change what runs
// there: a cluster joining or leaving, its spec or labels (regions,
// capabilities) changing, or whether it is reachable and ready. The prober
// refreshes each Cluster's status every few minutes with nothing else
// changed; a controller mapping every event to all its objects in the
// cluster would reconcile a thousand releases for it.
func UsabilityChanged() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		before, ok1 := e.ObjectOld.(*convoyv1alpha1.Cluster)
		after, ok2 := e.ObjectNew.(*convoyv1alpha1.Cluster)
		if !ok1 || !ok2 {
			return true
		}
		return before.Generation != after.Generation || !maps.Equal(before.Labels, after.Labels) ||
			conditionStatus(before, convoyv1alpha1.ConditionReachable) != conditionStatus(after, convoyv1alpha1.ConditionReachable) ||
			conditionStatus(before, convoyv1alpha1.ConditionReady) != conditionStatus(after, convoyv1alpha1.ConditionReady)
	}}
}

func conditionStatus(c *convoyv1alpha1.Cluster, kind string) string {
	if cond := meta.FindStatusCondition(c.Status.Conditions, kind); cond != nil {
		return string(cond.Status)
	}
	return ""
}

package capacity

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/clusters"
	"github.com/convoy-rollouts/convoy/pkg/health"
)

// capacityIn is a capacity target of generation 2 whose one cluster,
// eu-west-1, has the given Ready condition and available pods.
func capacityIn(status metav1.ConditionStatus, reason, message string, available int32) *convoyv1alpha1.CapacityTarget {
	ct := &convoyv1alpha1.CapacityTarget{ObjectMeta: metav1.ObjectMeta{Generation: 2}}
	ct.Status.ObservedGeneration = 2
	ct.Status.Conditions = []metav1.Condition{{Type: convoyv1alpha1.ConditionReady, Status: metav1.ConditionFalse, Reason: health.ReasonClustersNotReady, ObservedGeneration: 2, Message: message}}
	ct.Status.Clusters = []convoyv1alpha1.ClusterCapacityStatus{{
		ClusterConditions: convoyv1alpha1.ClusterConditions{Name: "eu-west-1", Conditions: []metav1.Condition{
			{Type: convoyv1alpha1.ConditionReady, Status: status, Reason: reason, Message: message, ObservedGeneration: 2}}},
		DesiredReplicas: 3, AvailableReplicas: available,
	}}
	return ct
}

func TestProgressOnly(t *testing.T) {
	for _, tc := range []struct {
		name     string
		now      *convoyv1alpha1.CapacityTarget
		progress bool
		was      *convoyv1alpha1.CapacityTarget // 1/3 pods available when nil
	}{
		{"a pod more, a new message", capacityIn(metav1.ConditionFalse, "PodsNotReady", "2/3 pods available", 2), true, nil},
		{"a new diagnosis: another reason", capacityIn(metav1.ConditionFalse, "Scaling", "scaling", 1), false, nil},
		{"a new diagnosis: the pods' reason", capacityIn(metav1.ConditionFalse, "PodsNotReady", "1/3 pods available; not ready: 2× Unschedulable (e.g. pod a)", 1), false,
			capacityIn(metav1.ConditionFalse, "PodsNotReady", "1/3 pods available; not ready: 2× Pending (e.g. pod a)", 1)},
		{"the same diagnosis, other counts", capacityIn(metav1.ConditionFalse, "PodsNotReady", "2/3 pods available; not ready: 1× Unschedulable (e.g. pod a)", 2), true,
			capacityIn(metav1.ConditionFalse, "PodsNotReady", "1/3 pods available; not ready: 2× Unschedulable (e.g. pod a)", 1)},
		{"ready in the cluster, not yet everywhere", capacityIn(metav1.ConditionTrue, health.ReasonAvailable, "3/3 pods available", 3), true, nil},
		{"ready everywhere", func() *convoyv1alpha1.CapacityTarget {
			ct := capacityIn(metav1.ConditionTrue, health.ReasonAvailable, "3/3 pods available", 3)
			ct.Status.Conditions[0].Status, ct.Status.Conditions[0].Reason = metav1.ConditionTrue, health.ReasonAvailable
			return ct
		}(), false, nil},
		{"Ready lost", capacityIn(metav1.ConditionFalse, "PodsNotReady", "3/3 pods available, 1 not ready", 3), false,
			capacityIn(metav1.ConditionTrue, health.ReasonAvailable, "3/3 pods available", 3)},
		{"a pod lost: traffic is sized from it", capacityIn(metav1.ConditionFalse, "PodsNotReady", "0/3 pods available", 0), false, nil},
		{"unhealthy", capacityIn(metav1.ConditionFalse, health.ReasonDeploymentStuck, "stuck", 1), false, nil},
		{"blind", capacityIn(metav1.ConditionFalse, string(clusters.ReasonClusterUnreachable), "gone", 1), false, nil},
		{"a new generation", func() *convoyv1alpha1.CapacityTarget {
			ct := capacityIn(metav1.ConditionFalse, "PodsNotReady", "1/3 pods available", 1)
			ct.Generation = 3
			return ct
		}(), false, nil},
	} {
		was := tc.was
		if was == nil {
			was = capacityIn(metav1.ConditionFalse, "PodsNotReady", "1/3 pods available", 1)
		}
		if got := progressOnly(was, tc.now); got != tc.progress {
			t.Errorf("%s: progressOnly = %v, want %v", tc.name, got, tc.progress)
		}
	}
}

package cluster

import (
	"errors"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/clusters"
)

// A cluster counts as unreachable only after threshold failed probes in a
// row; one answer resets the count.
func TestConsecutiveProbeFailures(t *testing.T) {
	timeout := &clusters.Error{Cluster: "a", Reason: clusters.ReasonClusterUnreachable, Err: errors.New("context deadline exceeded")}
	type probe struct {
		err       error
		failures  int32
		reachable bool
		status    metav1.ConditionStatus
		reason    string
	}
	for _, tc := range []struct {
		name      string
		threshold int32
		probes    []probe
	}{
		{"a blip below the threshold", 3, []probe{
			{nil, 0, true, metav1.ConditionTrue, ReasonReachable},
			{timeout, 1, true, metav1.ConditionTrue, ReasonProbeFailing},
			{timeout, 2, true, metav1.ConditionTrue, ReasonProbeFailing},
			{nil, 0, true, metav1.ConditionTrue, ReasonReachable},
			{timeout, 1, true, metav1.ConditionTrue, ReasonProbeFailing},
		}},
		{"unreachable at the threshold, reachable at the next answer", 3, []probe{
			{nil, 0, true, metav1.ConditionTrue, ReasonReachable},
			{timeout, 1, true, metav1.ConditionTrue, ReasonProbeFailing},
			{timeout, 2, true, metav1.ConditionTrue, ReasonProbeFailing},
			{timeout, 3, false, metav1.ConditionFalse, string(clusters.ReasonClusterUnreachable)},
			{timeout, 4, false, metav1.ConditionFalse, string(clusters.ReasonClusterUnreachable)},
			{nil, 0, true, metav1.ConditionTrue, ReasonReachable},
		}},
		{"a cluster never seen is not reachable until it answers", 2, []probe{
			{timeout, 1, false, metav1.ConditionUnknown, ReasonProbeFailing},
			{timeout, 2, false, metav1.ConditionFalse, string(clusters.ReasonClusterUnreachable)},
		}},
		{"threshold 1: the first failure counts", 1, []probe{
			{nil, 0, true, metav1.ConditionTrue, ReasonReachable},
			{timeout, 1, false, metav1.ConditionFalse, string(clusters.ReasonClusterUnreachable)},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &convoyv1alpha1.ClusterStatus{}
			for i, p := range tc.probes {
				reachable := record(st, 1, "v1.37.2", p.err, tc.threshold)
				c := meta.FindStatusCondition(st.Conditions, convoyv1alpha1.ConditionReachable)
				if reachable != p.reachable || st.ConsecutiveProbeFailures != p.failures || c == nil || c.Status != p.status || c.Reason != p.reason {
					t.Fatalf("probe %d: reachable %v, failures %d, Reachable %+v; want %v, %d, %s %s", i, reachable, st.ConsecutiveProbeFailures, c, p.reachable, p.failures, p.status, p.reason)
				}
				if p.err != nil && !strings.Contains(c.Message, "context deadline exceeded") {
					t.Errorf("probe %d: Reachable message %q does not say why the probe failed", i, c.Message)
				}
			}
		})
	}
}

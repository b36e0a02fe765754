package traffic

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/clusters"
)

// Reasons of the health gate.
const (
	ReasonCapacityNotAchieved = "CapacityNotAchieved"
	ReasonUnhealthy           = "Unhealthy"
)

// unhealthy are the capacity reasons that take a cluster's weight away at
// once, even from an endpoint that carries traffic: the pods are not there
// or cannot be seen.
var unhealthy = map[string]bool{
	string(clusters.ReasonClusterUnreachable):  true,
	string(clusters.ReasonClusterNotFound):     true,
	string(clusters.ReasonCredentialsNotFound): true,
	"DeploymentStuck":                          true,
	"DeploymentNotFound":                       true,
	"TooManyDeployments":                       true,
}

// healthyCapacity is the release's capacity in a cluster that may carry
// traffic, in available pods, or a verdict saying why none may. An
// endpoint starts carrying traffic only once its capacity for the current
// step is achieved (the capacity target's Ready for the cluster); one that
// already carries traffic keeps it while the capacity moves to the next
// step's, as long as pods are available, and loses it as soon as none are
// or the cluster turns unhealthy or unreachable.
func healthyCapacity(ct *convoyv1alpha1.CapacityTarget, cluster string, carrying bool) (int64, verdict) {
	if ct == nil {
		return 0, verdict{reason: ReasonCapacityNotAchieved, message: fmt.Sprintf("cluster %s: the release has no capacity target yet", cluster)}
	}
	for _, st := range ct.Status.Clusters {
		if st.Name != cluster {
			continue
		}
		ready := meta.FindStatusCondition(st.Conditions, convoyv1alpha1.ConditionReady)
		switch {
		case ready == nil:
		case unhealthy[ready.Reason]:
			return 0, verdict{reason: ReasonUnhealthy, message: fmt.Sprintf("cluster %s: %s: %s", cluster, ready.Reason, ready.Message)}
		case st.AvailableReplicas == 0:
			return 0, verdict{reason: ReasonUnhealthy, message: fmt.Sprintf("cluster %s: no pod of release %s is available (%s)", cluster, ct.Name, ready.Message)}
		case ready.Status == "True" && ready.ObservedGeneration == ct.Generation || carrying:
			return int64(st.AvailableReplicas), verdict{}
		default:
			return 0, verdict{reason: ReasonCapacityNotAchieved, message: fmt.Sprintf("cluster %s: capacity for the step not achieved yet: %s", cluster, ready.Message)}
		}
	}
	return 0, verdict{reason: ReasonCapacityNotAchieved, message: fmt.Sprintf("cluster %s: capacity not reported yet", cluster)}
}

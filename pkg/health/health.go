// Package health is the one home of the reasons the capacity controller
// gives a release's capacity in a cluster (the CapacityTarget's per-cluster
// Ready condition), and of what the traffic gate makes of them. The
// capacity controller writes these reasons and the traffic controller reads
// them, so both sides must agree on the words: they are constants here,
// never literals copied into either package.
package health

import "github.com/convoy-rollouts/convoy/pkg/clusters"

// Reasons of a cluster's capacity Ready condition, besides the
// clusters.Reason values a cluster that cannot be used gets.
const (
	ReasonAvailable          = "ReplicasAvailable"
	ReasonScaling            = "Scaling"
	ReasonInProgress         = "InProgress"
	ReasonPodsNotReady       = "PodsNotReady"
	ReasonDeploymentStuck    = "DeploymentStuck"
	ReasonDeploymentNotFound = "DeploymentNotFound"
	ReasonTooManyDeployments = "TooManyDeployments"
	// ReasonAutoscalerNotFound: the release renders a
	// HorizontalPodAutoscaler, and the cluster does not hold it (yet).
	ReasonAutoscalerNotFound = "AutoscalerNotFound"
	// ReasonClustersNotReady is the CapacityTarget's own reason while
	// some cluster's capacity is not ready.
	ReasonClustersNotReady = "ClustersNotReady"
)

// Unhealthy tells the reasons that say the release's pods in the cluster
// are not there or cannot run (or the cluster is no longer registered):
// the traffic gate takes the cluster's weight away at once, even from an
// endpoint that carries traffic.
func Unhealthy(reason string) bool {
	switch reason {
	case ReasonDeploymentStuck, ReasonDeploymentNotFound, ReasonTooManyDeployments, string(clusters.ReasonClusterNotFound):
		return true
	}
	return false
}

// Blind tells the reasons that say convoy cannot see the cluster (its API
// server does not answer, or convoy's credentials for it are gone): they
// are evidence about the control plane, not about the pods, which may
// well still serve. The traffic gate freezes such a cluster's weights
// rather than zeroing them (see the traffic package).
func Blind(reason string) bool {
	switch reason {
	case string(clusters.ReasonClusterUnreachable), string(clusters.ReasonCredentialsNotFound):
		return true
	}
	return false
}

package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// CapacityTargetSpec says how many pods the release runs in each cluster.
type CapacityTargetSpec struct {
	// Clusters with their desired capacity.
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=1000
	Clusters []ClusterCapacityTarget `json:"clusters"`

	// ServiceAccountName is the ServiceAccount convoy impersonates in the
	// target's namespace of each cluster, copied from the Release; empty
	// means the manager's default.
	// +optional
	ServiceAccountName string `json:"serviceAccountName,omitempty"`
}

// ClusterCapacityTarget is the desired capacity in one cluster.
type ClusterCapacityTarget struct {
	// Name of the Cluster.
	Name string `json:"name"`

	// Percent of the full replica count to run.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	Percent int32 `json:"percent"`

	// TotalReplicaCount is the full replica count, at 100%. For a release
	// with an autoscaler it is the reference size: the incumbent's
	// autoscaler's desired replicas in this cluster when the rollout
	// started (the autoscaler's minReplicas for a first release).
	// +kubebuilder:validation:Minimum=0
	TotalReplicaCount int32 `json:"totalReplicaCount"`

	// Autoscaler holds the bounds of the release's HorizontalPodAutoscaler
	// in this cluster as rendered (its full size), when the release has
	// one: convoy then scales the autoscaler's bounds by percent and leaves
	// the Deployment's replicas to it.
	// +optional
	Autoscaler *AutoscalerBounds `json:"autoscaler,omitempty"`
}

// AutoscalerBounds are a HorizontalPodAutoscaler's replica bounds.
// +kubebuilder:validation:XValidation:rule="self.minReplicas <= self.maxReplicas",message="minReplicas must not exceed maxReplicas"
type AutoscalerBounds struct {
	// +kubebuilder:validation:Minimum=1
	MinReplicas int32 `json:"minReplicas"`
	// +kubebuilder:validation:Minimum=1
	MaxReplicas int32 `json:"maxReplicas"`
}

// CapacityTargetStatus reports the capacity in each cluster.
type CapacityTargetStatus struct {
	TargetStatus `json:",inline"`

	// Clusters holds one entry per cluster of the spec.
	// +optional
	// +listType=map
	// +listMapKey=name
	Clusters []ClusterCapacityStatus `json:"clusters,omitempty"`
}

// ClusterCapacityStatus is the capacity in one cluster.
type ClusterCapacityStatus struct {
	ClusterConditions `json:",inline"`

	// DesiredReplicas is the replica count the target asks for.
	// +optional
	DesiredReplicas int32 `json:"desiredReplicas,omitempty"`

	// AvailableReplicas is how many pods are available.
	// +optional
	AvailableReplicas int32 `json:"availableReplicas,omitempty"`

	// AchievedPercent is the available share of the full replica count.
	// +optional
	AchievedPercent int32 `json:"achievedPercent,omitempty"`

	// Autoscaler is the release's HorizontalPodAutoscaler in this cluster:
	// the bounds convoy set for the step and what it asks for.
	// +optional
	Autoscaler *AutoscalerStatus `json:"autoscaler,omitempty"`
}

// AutoscalerStatus is a release's HorizontalPodAutoscaler in one cluster.
type AutoscalerStatus struct {
	// Name of the HorizontalPodAutoscaler.
	Name string `json:"name"`
	// MinReplicas and MaxReplicas as convoy set them for the step.
	MinReplicas int32 `json:"minReplicas"`
	MaxReplicas int32 `json:"maxReplicas"`
	// DesiredReplicas is the autoscaler's own count (its
	// status.desiredReplicas): what the load asks for within the bounds.
	// +optional
	DesiredReplicas int32 `json:"desiredReplicas,omitempty"`
}

// CapacityTarget scales a Release's workloads in its clusters and judges
// their health. Owned by the Release.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=cvct,categories=convoy
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type CapacityTarget struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   CapacityTargetSpec   `json:"spec"`
	Status CapacityTargetStatus `json:"status,omitempty"`
}

// CapacityTargetList is a list of CapacityTargets.
// +kubebuilder:object:root=true
type CapacityTargetList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []CapacityTarget `json:"items"`
}

func init() {
	register(&CapacityTarget{}, &CapacityTargetList{})
}

package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TargetStatus is the status every target kind (installation, capacity,
// traffic) shares: kstatus conditions over the whole target.
type TargetStatus struct {
	// ObservedGeneration is the generation of the spec this status describes.
	// A target's status counts only once it has caught up with the spec.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions: Ready, Reconciling and Stalled (kstatus).
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// ClusterConditions are the conditions a target reports for one cluster.
type ClusterConditions struct {
	// Name of the Cluster.
	Name string `json:"name"`

	// Conditions for this cluster, such as Ready with a reason a person can
	// act on.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}
